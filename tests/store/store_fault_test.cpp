// The store under faults (issue 12, docs/SECURITY.md): a writer SIGKILLed mid-transaction, a full
// disk (a small tmpfs when this process may mount one, and a file-size limit everywhere), and the
// `db check` consistency report on sound and damaged files. In every case the committed data must
// survive and the error must say what happened.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "core/base/atomic_file.h"
#include "store/store.h"
#include "store/store_check.h"
#include "test_support/temp_dir.h"

namespace skintrack::store {
namespace {

using skintrack::testing::TempDir;
namespace fs = std::filesystem;

constexpr int kScoresPerCapture = 200;

std::string Sha(int i) {
  char buf[65];
  std::snprintf(buf, sizeof(buf), "%064x", i);
  return buf;
}

std::vector<ScoreRecord> Scores() {
  std::vector<ScoreRecord> scores;
  for (int m = 0; m < kScoresPerCapture; ++m) {
    scores.push_back({0, "extra.m" + std::to_string(m), m * 0.25, "", "", "0.1.0", "h"});
  }
  return scores;
}

// Adds capture number `i` (with its own subject and session) in one transaction.
Result<std::int64_t> AddNumberedCapture(Store& store, int i, std::size_t padding_bytes = 0) {
  SubjectRecord subject{0, "P" + std::to_string(i), "", "", ""};
  SessionRecord session{0, 0, "v0", "2026-03-01T10:00:00", "follow-up", "", std::nullopt, ""};
  CaptureRecord capture;
  capture.path = "/photos/" + std::to_string(i) + ".jpg";
  capture.sha256 = Sha(i);
  capture.calibration_json = "{\"pad\": \"" + std::string(padding_bytes, 'x') + "\"}";
  return store.ImportCapture(subject, session, capture, Scores());
}

// Reads whole int64 values written by a child until EOF.
std::vector<std::int64_t> ReadIds(int fd) {
  std::vector<std::int64_t> ids;
  std::int64_t id = 0;
  while (::read(fd, &id, sizeof(id)) == static_cast<ssize_t>(sizeof(id))) ids.push_back(id);
  return ids;
}

// Every capture holds all of its scores; returns the capture ids.
std::set<std::int64_t> CheckCompleteCaptures(Store& store) {
  std::map<std::int64_t, int> per_capture;
  const std::vector<ScoreRow> scores = store.LoadScores().value();
  for (const ScoreRow& s : scores) per_capture[s.capture_id]++;
  std::set<std::int64_t> ids;
  const std::vector<CaptureRecord> captures = store.ListCaptures().value();
  for (const CaptureRecord& c : captures) {
    EXPECT_EQ(per_capture[c.id], kScoresPerCapture) << "capture " << c.id << " is incomplete";
    ids.insert(c.id);
  }
  return ids;
}

// A child process adds captures as fast as it can and reports each committed id through a pipe;
// the parent SIGKILLs it at several moments. Whatever the child reported committed must be in the
// file afterwards, with every score, and the file must pass `db check`.
TEST(StoreFaults, SigkilledWriterLosesNothingCommitted) {
  TempDir dir;
  const fs::path db_path = dir / "killed.db";
  ASSERT_TRUE(Store::Open(db_path).ok());
  std::set<std::int64_t> reported;
  int next = 0;
  for (const int kill_after_ms : {30, 80, 150, 250}) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const int first = next;
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      auto store = Store::Open(db_path);
      if (!store.ok()) ::_exit(2);
      for (int i = first;; ++i) {
        auto id = AddNumberedCapture(*store, i);
        if (!id.ok()) ::_exit(3);
        const std::int64_t value = *id;
        if (::write(fds[1], &value, sizeof(value)) != static_cast<ssize_t>(sizeof(value))) {
          ::_exit(4);
        }
      }
    }
    ::close(fds[1]);
    ::usleep(static_cast<useconds_t>(kill_after_ms * 1000));
    ::kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    const std::vector<std::int64_t> ids = ReadIds(fds[0]);
    ::close(fds[0]);
    reported.insert(ids.begin(), ids.end());
    next = first + static_cast<int>(ids.size()) + 1;  // the killed transaction's number is unused

    auto store = Store::Open(db_path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    const std::set<std::int64_t> stored = CheckCompleteCaptures(*store);
    for (const std::int64_t id : reported) EXPECT_EQ(stored.count(id), 1u) << "lost capture " << id;
    // At most the one transaction in flight may be in the file without having been reported.
    EXPECT_LE(stored.size(), reported.size() + 1);
    reported = stored;
  }
  EXPECT_GT(reported.size(), 4u) << "the child never committed: the test proved nothing";
  std::printf("killed 4 writers; %zu committed captures, all present with every score\n",
              reported.size());
  auto report = CheckStoreFile(db_path);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->findings.front().message;
}

struct FullDiskOutcome {
  int committed = 0;       // captures the child committed before the failure
  int error_code = 0;      // ErrorCode of the failing write
  std::string message;     // its message
  int reopened_count = 0;  // captures found by a new connection afterwards
  bool check_ok = false;   // db check on the file afterwards
};

// Runs in a child: fills the store until a write fails, then reopens it and reports.
[[noreturn]] void FillUntilFull(const fs::path& db_path, int report_fd) {
  FullDiskOutcome out;
  {
    auto store = Store::Open(db_path);
    if (!store.ok()) {
      out.message = "open: " + store.error().message;
    } else {
      for (int i = 0; i < 100000; ++i) {
        auto id = AddNumberedCapture(*store, i, 8 * 1024);
        if (!id.ok()) {
          out.error_code = static_cast<int>(id.error().code);
          out.message = id.error().message;
          break;
        }
        ++out.committed;
      }
    }
  }
  {
    DatabaseOptions read_only;
    read_only.read_only = true;
    auto again = Store::Open(db_path, read_only);
    if (again.ok()) out.reopened_count = static_cast<int>(again->ListCaptures().value().size());
    auto report = CheckStoreFile(db_path);
    out.check_ok = report.ok() && report->ok();
  }
  const std::string text = std::to_string(out.committed) + "\n" + std::to_string(out.error_code) +
                           "\n" + std::to_string(out.reopened_count) + "\n" +
                           (out.check_ok ? "1" : "0") + "\n" + out.message;
  if (::write(report_fd, text.data(), text.size()) < 0) ::_exit(5);
  ::_exit(0);
}

std::string ReadAll(int fd) {
  std::string text;
  char buf[4096];
  ssize_t got = 0;
  while ((got = ::read(fd, buf, sizeof(buf))) > 0) text.append(buf, static_cast<std::size_t>(got));
  return text;
}

FullDiskOutcome ParseOutcome(const std::string& text) {
  FullDiskOutcome out;
  std::istringstream in(text);
  std::string check;
  in >> out.committed >> out.error_code >> out.reopened_count >> check;
  out.check_ok = check == "1";
  std::getline(in, out.message);
  std::getline(in, out.message, '\0');
  return out;
}

void ExpectFullDiskHandled(const FullDiskOutcome& out) {
  std::printf("disk full after %d captures: error %d \"%s\"; %d captures after reopening; "
              "db check %s\n",
              out.committed, out.error_code, out.message.c_str(), out.reopened_count,
              out.check_ok ? "ok" : "FAILED");
  EXPECT_GT(out.committed, 0) << out.message;
  EXPECT_EQ(out.error_code, static_cast<int>(ErrorCode::kStorage)) << out.message;
  EXPECT_NE(out.message.find("check free disk space"), std::string::npos) << out.message;
  EXPECT_EQ(out.reopened_count, out.committed) << "committed captures were lost";
  EXPECT_TRUE(out.check_ok);
}

// Disk full through a file-size limit (RLIMIT_FSIZE; writes past it fail with EFBIG): works for
// any user, so it runs everywhere.
TEST(StoreFaults, FileSizeLimitFailsCleanlyAndKeepsCommittedCaptures) {
  TempDir dir;
  const fs::path db_path = dir / "limited.db";
  ASSERT_TRUE(Store::Open(db_path).ok());
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    ::signal(SIGXFSZ, SIG_IGN);  // a write past the limit then fails with EFBIG instead
    struct rlimit limit {};
    limit.rlim_cur = limit.rlim_max = 512 * 1024;
    ::setrlimit(RLIMIT_FSIZE, &limit);
    FillUntilFull(db_path, fds[1]);
  }
  ::close(fds[1]);
  const FullDiskOutcome out = ParseOutcome(ReadAll(fds[0]));
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child died: " << status;
  ExpectFullDiskHandled(out);
  // The parent, without the limit, can open the file and keep writing to it.
  auto store = Store::Open(db_path);
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(static_cast<int>(store->ListCaptures().value().size()), out.committed);
  EXPECT_TRUE(AddNumberedCapture(*store, 99999).ok());
}

// A really full file system: a 1 MiB tmpfs mounted in a private mount namespace of a child. Needs
// the right to mount (root or CAP_SYS_ADMIN in a user namespace); skipped with a message otherwise.
TEST(StoreFaults, FullTmpfsFailsCleanlyAndKeepsCommittedCaptures) {
  TempDir dir;
  const fs::path mount_point = dir / "tmpfs";
  fs::create_directories(mount_point);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=1m,mode=0700") != 0) {
      const std::string text = "cannot mount a tmpfs here: " + std::string(std::strerror(errno));
      if (::write(fds[1], text.data(), text.size()) < 0) ::_exit(5);
      ::_exit(77);
    }
    FillUntilFull(mount_point / "full.db", fds[1]);
  }
  ::close(fds[1]);
  const std::string raw = ReadAll(fds[0]);
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "child died: " << status;
  if (WEXITSTATUS(status) == 77) GTEST_SKIP() << raw;
  ASSERT_EQ(WEXITSTATUS(status), 0);
  ExpectFullDiskHandled(ParseOutcome(raw));
}

// An atomic output file under a file-size limit: the write fails with kStorage, the previous
// file is intact and no temporary file is left behind.
TEST(StoreFaults, AtomicWriteOnFullDiskKeepsThePreviousFile) {
  TempDir dir;
  const fs::path path = dir / "scores.csv";
  ASSERT_TRUE(WriteFileAtomic(path, "old contents\n").ok());
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit {};
    limit.rlim_cur = limit.rlim_max = 64 * 1024;
    ::setrlimit(RLIMIT_FSIZE, &limit);
    const Status status = WriteFileAtomic(path, std::string(1 << 20, 'n'));
    const std::string text = status.ok() ? std::string("ok")
                                         : std::to_string(static_cast<int>(status.error().code)) +
                                               " " + status.error().message;
    if (::write(fds[1], text.data(), text.size()) < 0) ::_exit(5);
    ::_exit(0);
  }
  ::close(fds[1]);
  const std::string text = ReadAll(fds[0]);
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(text.rfind(std::to_string(static_cast<int>(ErrorCode::kStorage)) + " ", 0), 0u) << text;
  std::printf("atomic write on a full disk: %s\n", text.c_str());
  EXPECT_EQ(ReadFileBytes(path).value(), "old contents\n");
  int files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1) << "a temporary file was left behind";
}

// ---- db check ----

fs::path StoreWithCaptures(const TempDir& dir, const std::string& name, int captures) {
  const fs::path path = dir / name;
  auto store = Store::Open(path);
  EXPECT_TRUE(store.ok());
  for (int i = 0; i < captures; ++i) EXPECT_TRUE(AddNumberedCapture(*store, i).ok());
  return path;
}

// Runs raw SQL with foreign keys off: how damage from other tools would look.
void Tamper(const fs::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.string().c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

bool HasFinding(const StoreCheckReport& report, const std::string& check,
                const std::string& fragment) {
  for (const StoreFinding& f : report.findings) {
    if (f.check == check && f.message.find(fragment) != std::string::npos) return true;
  }
  return false;
}

TEST(StoreCheck, SoundStorePasses) {
  TempDir dir;
  const fs::path path = StoreWithCaptures(dir, "sound.db", 3);
  auto report = CheckStoreFile(path);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->ok());
  EXPECT_TRUE(report->findings.empty()) << report->findings.front().message;
  EXPECT_EQ(report->schema_version, kSchemaVersion);
  EXPECT_EQ(report->captures, 3);
  EXPECT_EQ(report->scores, 3 * kScoresPerCapture);
}

TEST(StoreCheck, FindsDanglingRowsAndBrokenValues) {
  TempDir dir;
  const fs::path path = StoreWithCaptures(dir, "damaged.db", 2);
  Tamper(path,
         "PRAGMA foreign_keys = OFF;"
         "INSERT INTO scores(capture_id, metric, value, pipeline_version, params_hash) "
         "VALUES (999, 'pores.count', 1, 'x', 'y');"
         "UPDATE captures SET sha256 = 'NOT-A-HASH', warnings_json = '[unclosed' WHERE id = 1;"
         "UPDATE sessions SET started_at = '01/03/2026' WHERE id = 1;"
         "UPDATE scores SET value = 9e999 WHERE id = 1;"
         "INSERT INTO sessions(subject_id, label, started_at, kind) "
         "VALUES (1, 'empty', '2026-05-01T00:00:00', 'baseline');");
  auto report = CheckStoreFile(path);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());
  EXPECT_TRUE(HasFinding(*report, "foreign_keys", "refers to a missing row of captures"));
  EXPECT_TRUE(HasFinding(*report, "captures", "capture 1: sha256 'NOT-A-HASH'"));
  EXPECT_TRUE(HasFinding(*report, "captures", "warnings_json is not valid JSON"));
  EXPECT_TRUE(HasFinding(*report, "sessions", "started_at '01/03/2026'"));
  EXPECT_TRUE(HasFinding(*report, "scores", "score 1 of capture"));
  EXPECT_TRUE(HasFinding(*report, "empty", "('empty') has no capture"));
}

TEST(StoreCheck, FindsPageCorruption) {
  TempDir dir;
  const fs::path path = StoreWithCaptures(dir, "corrupt.db", 30);
  {
    // Checkpoint the WAL into the main file, then overwrite the middle of the file.
    auto store = Store::Open(path);
    ASSERT_TRUE(store->db().Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  }
  const auto size = fs::file_size(path);
  ASSERT_GT(size, 64u * 1024u);
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(size / 2));
    const std::string junk(8192, '\x5a');
    file.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto report = CheckStoreFile(path);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());
  bool structural = false;
  for (const StoreFinding& f : report->findings) {
    structural |= f.error && (f.check == "integrity" || f.check == "open");
  }
  EXPECT_TRUE(structural) << report->findings.front().check << ": "
                          << report->findings.front().message;
}

TEST(StoreCheck, NewerSchemaNotADatabaseAndLooseModes) {
  TempDir dir;
  const fs::path future = StoreWithCaptures(dir, "future.db", 1);
  Tamper(future, "INSERT INTO schema_version(version) VALUES (99)");
  auto report = CheckStoreFile(future);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());
  EXPECT_TRUE(HasFinding(*report, "schema", "schema version 99 is newer"));

  const fs::path junk = dir / "junk.db";
  std::ofstream(junk) << std::string(4096, 'j');
  report = CheckStoreFile(junk);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());
  EXPECT_TRUE(HasFinding(*report, "open", "not a skintrack database"));

  const fs::path loose = StoreWithCaptures(dir, "loose.db", 1);
  ASSERT_EQ(::chmod(loose.c_str(), 0644), 0);
  report = CheckStoreFile(loose);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << "a loose mode is a warning, not an error";
  EXPECT_TRUE(HasFinding(*report, "permissions", "has mode 644"));

  EXPECT_EQ(CheckStoreFile(dir / "missing.db").error().code, ErrorCode::kStorage);
}

}  // namespace
}  // namespace skintrack::store
