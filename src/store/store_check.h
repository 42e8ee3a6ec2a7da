#pragma once
// `skintrack db check`: is a store file sound? SQLite's own checks plus the project's invariants.
//
// Checks, in order (each finding names its check and what to do):
//   open         the file opens as an SQLite database (read-only: the check never writes)
//   schema       a skintrack schema_version exists, not newer than this build (kSchemaVersion);
//                an older version is a warning (any write command migrates it)
//   integrity    PRAGMA integrity_check (every problem SQLite reports, up to 20)
//   foreign_keys PRAGMA foreign_key_check (sessions without subject, scores without capture, ...)
//   sessions     started_at is `YYYY-MM-DDTHH:MM:SS`, kind one of store::kSessionKinds
//   captures     sha256 is 64 lower-case hex digits; calibration/alignment/warnings are valid JSON
//   scores       every value is finite and every metric is `group.key`
//   empty        sessions without any capture (a warning: the importer never leaves one)
//   permissions  the file (and its -wal/-shm) can be read by other users (a warning: photos'
//                health data; `chmod 600` fixes it)
// Errors: the Result itself fails only for a file that does not exist (kStorage); everything found
// inside a file is a finding. Thread-safety: opens its own connection.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace skintrack::store {

struct StoreFinding {
  std::string check;    // "integrity", "foreign_keys", ... (see above)
  std::string message;  // what is wrong, with row ids where they help
  bool error = true;    // false: a warning (the file is usable)
};

struct StoreCheckReport {
  std::filesystem::path path;
  int schema_version = 0;  // 0 when unknown
  std::int64_t subjects = 0, sessions = 0, captures = 0, scores = 0;
  std::vector<StoreFinding> findings;

  // No finding is an error.
  bool ok() const;
};

Result<StoreCheckReport> CheckStoreFile(const std::filesystem::path& path);

}  // namespace skintrack::store
