#pragma once
// The viewer's log: every error a worker or the UI meets ends up here (and on stderr), so the
// practitioner sees it in the log panel while the application keeps running.
//
// Thread-safety: Log is safe to call from any thread; DrawLogPanel runs on the UI thread only.

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace skintrack::viewer {

enum class LogLevel { kInfo, kWarning, kError };

struct LogEntry {
  LogLevel level = LogLevel::kInfo;
  std::string time_utc;  // "HH:MM:SS"
  std::string message;
};

class Log {
 public:
  // Records a message; also written to stderr as "skintrack-viewer: <level>: <message>".
  void Add(LogLevel level, std::string message);
  void Info(std::string message) { Add(LogLevel::kInfo, std::move(message)); }
  void Warning(std::string message) { Add(LogLevel::kWarning, std::move(message)); }
  void Error(std::string message) { Add(LogLevel::kError, std::move(message)); }

  std::vector<LogEntry> Entries() const;
  std::size_t ErrorCount() const;
  void Clear();

 private:
  mutable std::mutex mutex_;
  std::vector<LogEntry> entries_;
  std::size_t error_count_ = 0;
};

const char* LogLevelName(LogLevel level);

// Draws the log panel contents inside the current ImGui window.
void DrawLogPanel(Log& log);

}  // namespace skintrack::viewer
