#pragma once
// Runs a program (fork + execv, no shell) and captures its exit code, stdout, stderr and peak
// resident memory, for end-to-end tests of the command-line tools.

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
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

inline ProcessResult RunProcess(const std::filesystem::path& program,
                                const std::vector<std::string>& args,
                                const std::string& working_dir = "") {
  ProcessResult result;
  char out_template[] = "/tmp/skintrack-out-XXXXXX";
  char err_template[] = "/tmp/skintrack-err-XXXXXX";
  const int out_fd = ::mkstemp(out_template);
  const int err_fd = ::mkstemp(err_template);
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
  ::wait4(pid, &status, 0, &usage);
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
    while ((n = ::read(fd, buffer, sizeof(buffer))) > 0) text.append(buffer, static_cast<size_t>(n));
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
                                  const std::string& working_dir = "") {
  return RunProcess(SkintrackBinary(), args, working_dir);
}

}  // namespace skintrack::testing
