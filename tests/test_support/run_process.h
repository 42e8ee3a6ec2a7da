#pragma once
// Runs a program (fork + execv, no shell) and captures its exit code, stdout, stderr and peak
// resident memory, for end-to-end tests of the command-line tools.

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace skintrack::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
  long max_rss_kib = 0;
};

// The built `skintrack` binary of this build tree.
inline std::filesystem::path SkintrackBinary() {
  return std::filesystem::path(SKINTRACK_BINARY_DIR) / "src" / "cli" / "skintrack";
}

// With `kill_when`, the program is sent SIGKILL as soon as kill_when(seconds since start) returns
// true (then `signal` is SIGKILL, unless it finished first); it is asked about every millisecond.
// For crash-safety tests.
inline ProcessResult RunProcess(const std::filesystem::path& program,
                                const std::vector<std::string>& args,
                                const std::string& working_dir = "",
                                const std::function<bool(double)>& kill_when = {}) {
  ProcessResult result;
  char out_template[] = "/tmp/skintrack-out-XXXXXX";
  char err_template[] = "/tmp/skintrack-err-XXXXXX";
  const int out_fd = ::mkstemp(out_template);
  const int err_fd = ::mkstemp(err_template);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    if (!working_dir.empty() && ::chdir(working_dir.c_str()) != 0) ::_exit(127);
    std::vector<char*> argv;
    std::string program_string = program.string();
    argv.push_back(program_string.data());
    std::vector<std::string> copies = args;
    for (auto& a : copies) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(program_string.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  struct rusage usage {};
  if (kill_when) {
    // Poll rather than sleep-then-kill: the child is only signalled while it is known to be
    // running (not yet reaped), so its pid cannot have been reused.
    while (::wait4(pid, &status, WNOHANG, &usage) == 0) {
      const double elapsed_s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (kill_when(elapsed_s)) {
        ::kill(pid, SIGKILL);
        ::wait4(pid, &status, 0, &usage);
        break;
      }
      ::usleep(1000);
    }
  } else {
    ::wait4(pid, &status, 0, &usage);
  }
  result.max_rss_kib = usage.ru_maxrss;
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  auto slurp = [](int fd) {
    std::string text;
    ::lseek(fd, 0, SEEK_SET);
    char buffer[65536];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof(buffer))) > 0)
      text.append(buffer, static_cast<size_t>(n));
    ::close(fd);
    return text;
  };
  result.out = slurp(out_fd);
  result.err = slurp(err_fd);
  ::unlink(out_template);
  ::unlink(err_template);
  return result;
}

inline ProcessResult RunSkintrack(const std::vector<std::string>& args,
                                  const std::string& working_dir = "",
                                  const std::function<bool(double)>& kill_when = {}) {
  return RunProcess(SkintrackBinary(), args, working_dir, kill_when);
}

}  // namespace skintrack::testing
