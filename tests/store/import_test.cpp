// Import: manifest and folder reading, validation with line and column, idempotent re-import, and a
// forked child SIGKILLed in the middle of an import leaving a consistent database.
#include "store/importer.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "test_support/temp_dir.h"

namespace skintrack::store {
namespace {

using skintrack::testing::TempDir;
namespace fs = std::filesystem;

// Distinct small files stand in for photos: the fake scorer below never decodes them.
void WriteImage(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

// A score document with `metrics` numeric values, as core::ScoreImageFile would produce.
nlohmann::json FakeScore(const ImportRow& row, int metrics) {
  nlohmann::json doc;
  doc["schema"] = "skintrack.score/1";
  doc["input"] = {{"path", row.image.string()}, {"captured_at", "2026-03-01T10:15:00"}};
  doc["calibration"] = {{"method", "none"}};
  doc["warnings"] = nlohmann::json::array({"no_chart"});
  doc["metrics"]["pores"] = {{"count", 100 + row.line}, {"units", {{"count", "count"}}}};
  doc["metrics"]["redness"] = {{"a_star_mean", 12.5}, {"ok", true}, {"ita_class", "tan"}};
  for (int i = 0; i < metrics; ++i) doc["metrics"]["extra"]["m" + std::to_string(i)] = i * 0.5;
  doc["metrics"]["analysis"] = {{"px_per_mm", 10.0}, {"width", 640}};  // not skin metrics: never stored
  doc["metrics"]["mask"] = {{"skin_fraction", 0.9}};
  return doc;
}

ScoreFunction FakeScorer(int extra_metrics, int sleep_ms = 0) {
  return [=](const ImportRow& row) -> Result<nlohmann::json> {
    if (sleep_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    return FakeScore(row, extra_metrics);
  };
}

fs::path WriteManifest(const TempDir& dir, int rows) {
  std::string text = "subject,session,date,kind,image,region,arm\n";
  for (int i = 0; i < rows; ++i) {
    const std::string subject = "P" + std::to_string(i % 4);
    const int visit = i / 4;
    const std::string image = "img/" + std::to_string(i) + ".jpg";
    WriteImage(dir / image, "image " + std::to_string(i));
    text += subject + ",v" + std::to_string(visit) + ",2026-03-" +
            (visit + 1 < 10 ? "0" : "") + std::to_string(visit + 1) + "," +
            (visit == 0 ? "baseline" : "follow-up") + "," + image + ",face,treated\n";
  }
  const fs::path manifest = dir / "manifest.csv";
  std::ofstream(manifest) << text;
  return manifest;
}

TEST(Import, ManifestImportIsIdempotent) {
  TempDir dir;
  const fs::path manifest = WriteManifest(dir, 8);
  auto rows = ReadManifest(manifest);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 8u);
  auto store = Store::Open(dir / "s.db");
  ASSERT_TRUE(store.ok());
  auto first = ImportRows(*store, *rows, FakeScorer(3), {"0.1.0", "h", nullptr});
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->imported, 8);
  auto again = ImportRows(*store, *rows, FakeScorer(3), {"0.1.0", "h", nullptr});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->imported, 0);
  EXPECT_EQ(again->skipped_existing, 8);
  // 2 named metrics + 3 extras per capture; booleans, strings, mask and analysis are not scores.
  const auto scores = store->LoadScores().value();
  EXPECT_EQ(scores.size(), 8u * 5u);
  EXPECT_EQ(store->ListSubjects().value().size(), 4u);
  bool found_unit = false;
  for (const ScoreRow& s : scores) {
    if (s.metric == "pores.count") {
      EXPECT_EQ(s.unit, "count");
      EXPECT_EQ(s.region, "face");
      found_unit = true;
    }
    EXPECT_NE(s.metric, "redness.ok");
  }
  EXPECT_TRUE(found_unit);
  // The EXIF time of day refines the manifest's date-only session time.
  const auto sessions = store->ListSessions(store->FindSubject("P0").value()->id).value();
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_EQ(sessions[0].started_at, "2026-03-01T10:15:00");
}

TEST(Import, FolderConvention) {
  TempDir dir;
  WriteImage(dir / "photos/P001/2026-03-01_baseline/a.jpg", "a");
  WriteImage(dir / "photos/P001/2026-03-01_baseline/b.png", "b");
  WriteImage(dir / "photos/P001/2026-04-12_follow-up/c.tif", "c");
  WriteImage(dir / "photos/P001/2026-04-12_follow-up/notes.txt", "not an image");
  auto rows = ScanFolder(dir / "photos");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[2].kind, "follow-up");
  EXPECT_EQ((*rows)[2].date, "2026-04-12T00:00:00");
  WriteImage(dir / "bad/P001/March_baseline/a.jpg", "a");
  auto bad = ScanFolder(dir / "bad");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kBadInput);
}

struct BadManifest {
  const char* name;
  const char* csv;
  const char* expected;
};

class ManifestErrors : public ::testing::TestWithParam<BadManifest> {};

TEST_P(ManifestErrors, NameLineAndColumn) {
  TempDir dir;
  WriteImage(dir / "a.jpg", "a");
  WriteImage(dir / "b.jpg", "b");
  std::ofstream(dir / "m.csv") << GetParam().csv;
  auto rows = ReadManifest(dir / "m.csv");
  Error error;
  if (rows.ok()) {
    auto store = Store::Open(":memory:");
    ASSERT_TRUE(store.ok());
    auto report = ImportRows(*store, *rows, FakeScorer(0), {});
    ASSERT_FALSE(report.ok()) << "expected an error";
    error = report.error();
    // Validation happens before any write.
    EXPECT_TRUE(store->LoadScores().value().empty());
  } else {
    error = rows.error();
  }
  EXPECT_EQ(error.code, ErrorCode::kBadInput);
  EXPECT_NE(error.message.find(GetParam().expected), std::string::npos) << error.message;
}

INSTANTIATE_TEST_SUITE_P(
    All, ManifestErrors,
    ::testing::Values(
        BadManifest{"MalformedDate",
                    "subject,session,date,kind,image\nP1,s1,2026-02-30,baseline,a.jpg\n",
                    "m.csv:2: column 'date': date '2026-02-30' does not exist"},
        BadManifest{"UnknownKind", "subject,session,date,kind,image\nP1,s1,2026-02-03,lunch,a.jpg\n",
                    "m.csv:2: column 'kind': unknown session kind 'lunch'"},
        BadManifest{"MissingImage",
                    "subject,session,date,kind,image\nP1,s1,2026-02-03,baseline,zz.jpg\n",
                    "m.csv:2: column 'image'"},
        BadManifest{"MissingColumn", "subject,date,kind,image\nP1,2026-02-03,baseline,a.jpg\n",
                    "missing column 'session'"},
        BadManifest{"BadScale",
                    "subject,session,date,kind,image,px_per_mm\nP1,s,2026-02-03,baseline,a.jpg,-3\n",
                    "m.csv:2: column 'px_per_mm'"},
        BadManifest{"DuplicateSession",
                    "subject,session,date,kind,image\nP1,s1,2026-02-03,treatment,a.jpg\n"
                    "P1,s2,2026-02-03,treatment,b.jpg\n",
                    "m.csv:3: column 'session': duplicate session"},
        BadManifest{"SessionWithTwoDates",
                    "subject,session,date,kind,image\nP1,s1,2026-02-03,treatment,a.jpg\n"
                    "P1,s1,2026-02-10,treatment,b.jpg\n",
                    "m.csv:3: column 'session'"}),
    [](const ::testing::TestParamInfo<BadManifest>& param_info) {
      return std::string(param_info.param.name);
    });

TEST(Import, ScoringFailureIsReportedAndOthersContinue) {
  TempDir dir;
  const fs::path manifest = WriteManifest(dir, 4);
  auto rows = ReadManifest(manifest).value();
  auto store = Store::Open(":memory:").value();
  ScoreFunction flaky = [](const ImportRow& row) -> Result<nlohmann::json> {
    if (row.line == 3) return BadInputError("truncated JPEG");
    return FakeScore(row, 0);
  };
  auto report = ImportRows(store, rows, flaky, {});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->imported, 3);
  ASSERT_EQ(report->failures.size(), 1u);
  EXPECT_EQ(report->first_failure.code, ErrorCode::kBadInput);
  EXPECT_NE(report->failures[0].find("manifest.csv:3: truncated JPEG"), std::string::npos);
}

TEST(Import, KilledMidImportLeavesConsistentDatabase) {
  TempDir dir;
  constexpr int kRows = 40;
  constexpr int kExtraMetrics = 4000;  // long transactions, so the kill lands inside one
  const fs::path manifest = WriteManifest(dir, kRows);
  const fs::path db_path = dir / "killed.db";
  ASSERT_TRUE(Store::Open(db_path).ok());

  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto store = Store::Open(db_path);
    auto rows = ReadManifest(manifest);
    if (!store.ok() || !rows.ok()) _exit(2);
    auto report = ImportRows(*store, *rows, FakeScorer(kExtraMetrics, 5), {"0.1.0", "h", nullptr});
    _exit(report.ok() ? 0 : 3);
  }
  // Wait until the child has committed a few captures, then kill it without warning.
  int committed = 0;
  for (int i = 0; i < 400 && committed < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    DatabaseOptions quick;
    quick.busy_timeout_ms = 1000;
    auto probe = Store::Open(db_path, quick);
    if (probe.ok()) {
      auto list = probe->ListCaptures();
      if (list.ok()) committed = static_cast<int>(list->size());
    }
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child finished before it was killed";

  auto store = Store::Open(db_path);
  ASSERT_TRUE(store.ok()) << store.error().message;
  ASSERT_TRUE(store->CheckIntegrity().ok());
  const auto captures = store->ListCaptures().value();
  EXPECT_GE(captures.size(), 3u);
  EXPECT_LT(captures.size(), static_cast<std::size_t>(kRows));
  // Every stored capture has all of its scores; no session is left without captures.
  std::map<std::int64_t, int> per_capture;
  const std::vector<ScoreRow> scores = store->LoadScores().value();
  for (const ScoreRow& s : scores) per_capture[s.capture_id]++;
  for (const CaptureRecord& c : captures) EXPECT_EQ(per_capture[c.id], 2 + kExtraMetrics);
  const std::vector<SubjectRecord> subjects = store->ListSubjects().value();
  for (const SubjectRecord& subject : subjects) {
    const std::vector<SessionRecord> sessions = store->ListSessions(subject.id).value();
    for (const SessionRecord& session : sessions) {
      EXPECT_GT(store->CountCaptures(session.id).value(), 0) << session.label;
    }
  }
  // Running the import again completes it.
  auto rows = ReadManifest(manifest).value();
  auto report = ImportRows(*store, rows, FakeScorer(kExtraMetrics), {"0.1.0", "h", nullptr});
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->skipped_existing, static_cast<int>(captures.size()));
  EXPECT_EQ(store->ListCaptures().value().size(), static_cast<std::size_t>(kRows));
}

}  // namespace
}  // namespace skintrack::store
