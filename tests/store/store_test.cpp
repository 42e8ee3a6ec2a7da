// The SQLite store: schema, migrations, transactions and storage errors, on a real file and :memory:.
#include "store/store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>

#include "test_support/temp_dir.h"

namespace skintrack::store {
namespace {

using skintrack::testing::TempDir;

std::vector<ScoreRecord> TwoScores() {
  return {{0, "pores.count", 120, "count", "", "0.1.0", "abc"},
          {0, "redness.a_star_mean", 11.5, "a*", "", "0.1.0", "abc"}};
}

TEST(Store, InMemoryRoundTrip) {
  auto store = Store::Open(":memory:");
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(store->SchemaVersion().value(), kSchemaVersion);
  auto subject = store->EnsureSubject({0, "P001", "Ada", "III", "treated"});
  ASSERT_TRUE(subject.ok()) << subject.error().message;
  EXPECT_EQ(store->EnsureSubject({0, "P001", "", "", ""}).value(), *subject);
  SessionRecord session{0, *subject, "2026-03-01_baseline", "2026-03-01T09:30:00", "baseline", "", std::nullopt, ""};
  auto session_id = store->EnsureSession(session);
  ASSERT_TRUE(session_id.ok()) << session_id.error().message;
  EXPECT_EQ(store->EnsureSession(session).value(), *session_id);

  CaptureRecord capture;
  capture.session_id = *session_id;
  capture.path = "/photos/a.jpg";
  capture.sha256 = std::string(64, 'a');
  auto capture_id = store->AddCapture(capture, TwoScores());
  ASSERT_TRUE(capture_id.ok()) << capture_id.error().message;
  EXPECT_EQ(store->FindCaptureBySha(std::string(64, 'a')).value(), *capture_id);

  auto rows = store->LoadScores("P001");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].metric, "pores.count");
  EXPECT_EQ((*rows)[0].session_kind, "baseline");
  EXPECT_EQ((*rows)[0].arm, "treated");
  EXPECT_DOUBLE_EQ((*rows)[1].value, 11.5);

  // Rescore replaces every score of the capture atomically.
  ASSERT_TRUE(store->ReplaceScores(*capture_id, {{0, "pores.count", 99, "count", "", "0.2", "x"}},
                                   "{}", "[]").ok());
  EXPECT_EQ(store->LoadScores().value().size(), 1u);
  EXPECT_TRUE(store->CheckIntegrity().ok());
}

TEST(Store, DuplicateSessionsAreBadInput) {
  auto store = Store::Open(":memory:");
  ASSERT_TRUE(store.ok());
  const auto subject = store->EnsureSubject({0, "P002", "", "", ""}).value();
  ASSERT_TRUE(store->EnsureSession({0, subject, "visit1", "2026-03-01T09:00:00", "treatment", "", std::nullopt, ""}).ok());
  auto same_label = store->EnsureSession({0, subject, "visit1", "2026-03-08T09:00:00", "treatment", "", std::nullopt, ""});
  ASSERT_FALSE(same_label.ok());
  EXPECT_EQ(same_label.error().code, ErrorCode::kBadInput);
  auto same_visit = store->EnsureSession({0, subject, "visit1b", "2026-03-01T15:00:00", "treatment", "", std::nullopt, ""});
  ASSERT_FALSE(same_visit.ok());
  EXPECT_EQ(same_visit.error().code, ErrorCode::kBadInput);
  EXPECT_NE(same_visit.error().message.find("duplicate session"), std::string::npos);
  // Several repeat sessions on one day are how a protocol measures its noise.
  EXPECT_TRUE(store->EnsureSession({0, subject, "r1", "2026-03-01T09:05:00", "repeat", "", std::nullopt, ""}).ok());
  EXPECT_TRUE(store->EnsureSession({0, subject, "r2", "2026-03-01T09:10:00", "repeat", "", std::nullopt, ""}).ok());
  // A failed capture insert (unknown session) writes nothing.
  CaptureRecord orphan;
  orphan.session_id = 999;
  orphan.sha256 = "b";
  auto added = store->AddCapture(orphan, TwoScores());
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.error().code, ErrorCode::kStorage);
  EXPECT_TRUE(store->LoadScores().value().empty());
}

TEST(Store, FileIsPrivateAndWal) {
  TempDir dir;
  const auto path = dir / "sub/skintrack.db";
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto mode = store->db().Prepare("PRAGMA journal_mode");
    ASSERT_TRUE(mode.ok());
    ASSERT_TRUE(mode->Step().value());
    EXPECT_EQ(mode->ColumnText(0), "wal");
    auto fk = store->db().Prepare("PRAGMA foreign_keys");
    ASSERT_TRUE(fk->Step().value());
    EXPECT_EQ(fk->ColumnInt(0), 1);
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(Store, CorruptFileIsStorageError) {
  TempDir dir;
  const auto path = dir / "junk.db";
  std::ofstream(path) << std::string(8192, 'x');
  auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kStorage);
  EXPECT_NE(store.error().message.find("corrupt or not a skintrack database"), std::string::npos)
      << store.error().message;
}

TEST(Store, ForeignDatabaseIsRefused) {
  TempDir dir;
  const auto path = dir / "other.db";
  {
    auto db = Database::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Exec("CREATE TABLE invoices (id INTEGER)").ok());
  }
  auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kStorage);
}

TEST(Store, NewerSchemaIsRefused) {
  TempDir dir;
  const auto path = dir / "future.db";
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(store->db().Exec("INSERT INTO schema_version(version) VALUES (99)").ok());
  }
  auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kStorage);
  EXPECT_NE(store.error().message.find("newer than this skintrack"), std::string::npos);
}

TEST(Store, MigratesVersionOneForward) {
  TempDir dir;
  const auto path = dir / "v1.db";
  {
    // The version-1 subjects table had no study arm.
    auto db = Database::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Exec("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TEXT);"
                         "INSERT INTO schema_version(version) VALUES (1);"
                         "CREATE TABLE subjects (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE,"
                         " display_name TEXT NOT NULL DEFAULT '', skin_type TEXT NOT NULL DEFAULT '');"
                         "INSERT INTO subjects(code) VALUES ('OLD1');")
                    .ok());
  }
  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(store->SchemaVersion().value(), 2);
  auto old = store->FindSubject("OLD1");
  ASSERT_TRUE(old.ok() && old->has_value());
  EXPECT_EQ((*old)->arm, "");
}

TEST(Store, LockedDatabaseIsStorageErrorAndReadersContinue) {
  TempDir dir;
  const auto path = dir / "busy.db";
  auto writer = Store::Open(path);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->EnsureSubject({0, "P1", "", "", ""}).ok());
  ASSERT_TRUE(writer->db().Exec("BEGIN IMMEDIATE").ok());
  ASSERT_TRUE(writer->db().Exec("INSERT INTO subjects(code) VALUES ('P2')").ok());

  DatabaseOptions quick;
  quick.busy_timeout_ms = 50;
  // A second process can open the store and read the last committed state (WAL)...
  auto reader = Store::Open(path, quick);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  // ...but its writes wait for the writer and then report the lock.
  auto blocked = reader->EnsureSubject({0, "P3", "", "", ""});
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code, ErrorCode::kStorage);
  EXPECT_NE(blocked.error().message.find("locked"), std::string::npos) << blocked.error().message;
  EXPECT_EQ(reader->ListSubjects().value().size(), 1u);
  ASSERT_TRUE(writer->db().Exec("COMMIT").ok());
  EXPECT_EQ(reader->ListSubjects().value().size(), 2u);
}

TEST(Store, MissingFileInReadOnlyModeIsStorageError) {
  TempDir dir;
  DatabaseOptions read_only;
  read_only.read_only = true;
  auto store = Store::Open(dir / "none.db", read_only);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kStorage);
}

}  // namespace
}  // namespace skintrack::store
