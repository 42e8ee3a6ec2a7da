// Runs a program under restrictions, for the fault and privacy tests of the command line:
//   limited_exec [--no-network] [--file-size-limit BYTES] -- PROGRAM [ARGS...]
// --no-network        installs a seccomp filter that kills the process (SIGSYS) as soon as it
//                     creates any socket other than AF_UNIX: a test run that exits normally proves
//                     that no network socket was opened on that code path.
// --file-size-limit   sets RLIMIT_FSIZE (writes past it fail with EFBIG, SIGXFSZ ignored): a disk
//                     that fills up at that size.
// Exit 126 when the restriction cannot be installed, 127 when PROGRAM cannot be run.
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

bool InstallNoNetworkFilter() {
#if defined(__x86_64__)
  constexpr unsigned kArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
  constexpr unsigned kArch = AUDIT_ARCH_AARCH64;
#else
  return false;
#endif
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kArch, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program{};
  program.len = static_cast<unsigned short>(sizeof(filter) / sizeof(filter[0]));
  program.filter = filter;
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
  return ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  int i = 1;
  for (; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg == "--no-network") {
      if (!InstallNoNetworkFilter()) {
        std::fprintf(stderr, "limited_exec: cannot install the seccomp filter: %s\n",
                     std::strerror(errno));
        return 126;
      }
    } else if (arg == "--file-size-limit" && i + 1 < argc) {
      ::signal(SIGXFSZ, SIG_IGN);
      rlimit limit{};
      limit.rlim_cur = limit.rlim_max = std::strtoull(argv[++i], nullptr, 10);
      if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) {
        std::fprintf(stderr, "limited_exec: setrlimit: %s\n", std::strerror(errno));
        return 126;
      }
    } else {
      std::fprintf(stderr, "limited_exec: unknown option %s\n", arg.c_str());
      return 126;
    }
  }
  if (i >= argc) {
    std::fprintf(stderr, "usage: limited_exec [--no-network] [--file-size-limit BYTES] -- PROGRAM [ARGS...]\n");
    return 126;
  }
  ::execv(argv[i], argv + i);
  std::fprintf(stderr, "limited_exec: cannot run %s: %s\n", argv[i], std::strerror(errno));
  return 127;
}
