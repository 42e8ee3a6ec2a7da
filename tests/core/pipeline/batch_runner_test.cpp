#include "core/pipeline/batch_runner.h"

#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/base/atomic_file.h"
#include "core/io/csv.h"
#include "core/pipeline/batch_tables.h"
#include "test_support/photos.h"
#include "test_support/temp_dir.h"

namespace skintrack::core {
namespace {

namespace fs = std::filesystem;
using skintrack::testing::TempDir;

// A small skin-coloured photo with dark "pores" and a smooth redness gradient; follow-ups are the
// same scene shifted by a few pixels so that alignment has something to find.
cv::Mat SyntheticSkin(int subject, int visit) {
  std::mt19937 rng(static_cast<unsigned>(1000 * subject + 7));
  cv::Mat scene(220, 300, CV_8UC3, cv::Scalar(150, 170, 215));  // BGR light skin tone
  for (int y = 0; y < scene.rows; ++y) {
    for (int x = 0; x < scene.cols; ++x) {
      cv::Vec3b& p = scene.at<cv::Vec3b>(y, x);
      p[2] = cv::saturate_cast<uchar>(p[2] + 10.0 * x / scene.cols);
    }
  }
  std::uniform_int_distribution<int> px(4, scene.cols - 5), py(4, scene.rows - 5), pr(1, 3);
  for (int i = 0; i < 160; ++i) {
    cv::circle(scene, {px(rng), py(rng)}, pr(rng), cv::Scalar(95, 110, 150), cv::FILLED);
  }
  cv::GaussianBlur(scene, scene, {3, 3}, 0.7);
  const cv::Rect crop(8 + 2 * visit, 8 + visit, 260, 190);
  return scene(crop).clone();
}

struct Study {
  fs::path manifest;
  int rows = 0;
};

// Two or more subjects, each with a baseline and follow-ups, plus optional bad rows.
Study WriteStudy(const fs::path& dir, int subjects, int visits, bool with_bad_rows) {
  fs::create_directories(dir / "img");
  std::ostringstream csv;
  csv << "subject,session,date,kind,image,region\n";
  Study study;
  for (int s = 0; s < subjects; ++s) {
    const std::string subject = "s" + std::to_string(s + 1);
    for (int v = 0; v < visits; ++v) {
      const std::string name = subject + "_v" + std::to_string(v) + ".png";
      cv::imwrite((dir / "img" / name).string(), SyntheticSkin(s, v));
      csv << subject << ",v" << v << ",2024-0" << (v + 1) << "-15,"
          << (v == 0 ? "baseline" : "followup") << ",img/" << name << ",cheek\n";
      ++study.rows;
    }
  }
  if (with_bad_rows) {
    std::ofstream(dir / "img" / "garbage.png") << "this is not a PNG file";
    csv << "s1,v9,2024-09-01,followup,img/missing.png,cheek\n";      // missing file
    csv << "s2,v9,2024-09-01,followup,img/garbage.png,cheek\n";      // unreadable image
    csv << "s1,v1,2024-02-15,followup,img/s1_v1.png,cheek\n";        // duplicate row
    csv << "s2,v8,2024-13-01,followup,img/s2_v1.png,cheek\n";        // bad date
    study.rows += 4;
  }
  study.manifest = dir / "manifest.csv";
  std::ofstream(study.manifest) << csv.str();
  return study;
}

BatchOptions Options(const Study& study, const fs::path& out, int jobs = 1) {
  BatchOptions options;
  options.manifest = study.manifest;
  options.out_dir = out;
  options.jobs = jobs;
  options.progress = nullptr;
  return options;
}

std::string Slurp(const fs::path& path) {
  auto bytes = ReadFileBytes(path);
  return bytes.ok() ? *bytes : std::string("<missing " + path.string() + ">");
}

// Every output except run.json (which carries times), as name -> bytes.
std::map<std::string, std::string> Outputs(const fs::path& out) {
  std::map<std::string, std::string> files;
  for (const char* name : {"scores.csv", "scores_wide.csv", "errors.csv", "index.csv"}) {
    files[name] = Slurp(out / name);
  }
  for (const auto& entry : fs::directory_iterator(out / "images")) {
    files["images/" + entry.path().filename().string()] = Slurp(entry.path());
  }
  return files;
}

void ExpectSameOutputs(const fs::path& a, const fs::path& b) {
  const auto left = Outputs(a);
  const auto right = Outputs(b);
  ASSERT_EQ(left.size(), right.size());
  for (const auto& [name, bytes] : left) {
    const auto it = right.find(name);
    ASSERT_NE(it, right.end()) << name;
    EXPECT_TRUE(bytes == it->second) << name << " differs";
  }
}

TEST(BatchShard, IsDeterministicAndCoversEveryShard) {
  // SHA-256("s01") starts 0x...; values computed independently with Python hashlib.
  EXPECT_EQ(ShardOfSubject("s01", 3), 3);
  EXPECT_EQ(ShardOfSubject("s02", 2), 2);
  EXPECT_EQ(ShardOfSubject("s03", 7), 4);
  EXPECT_EQ(ShardOfSubject("anything", 1), 1);
  std::set<int> seen;
  for (int i = 0; i < 200; ++i) seen.insert(ShardOfSubject("subject" + std::to_string(i), 4));
  EXPECT_EQ(seen, (std::set<int>{1, 2, 3, 4}));
}

TEST(BatchOptions, RejectsInvalidValues) {
  BatchOptions options;
  options.manifest = "m.csv";
  options.out_dir = "out";
  EXPECT_TRUE(options.Check().ok());
  options.jobs = 0;
  EXPECT_EQ(options.Check().error().code, ErrorCode::kUsage);
  options.jobs = 2;
  options.shard_index = 4;
  options.shard_count = 3;
  EXPECT_EQ(options.Check().error().code, ErrorCode::kUsage);
}

TEST(BatchRunner, ScoresStudyIntoTidyTablesWithProvenance) {
  TempDir dir;
  const Study study = WriteStudy(dir.path(), 2, 3, false);
  auto summary = RunBatch(Options(study, dir / "out"));
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->exit_code, 0);
  EXPECT_EQ(summary->counts.scored, 6u);
  EXPECT_EQ(summary->counts.failed, 0u);

  auto scores = ReadCsvFile(dir / "out" / "scores.csv");
  ASSERT_TRUE(scores.ok()) << scores.error().message;
  EXPECT_EQ(scores->header, (std::vector<std::string>{"subject", "session", "date", "kind",
                                                      "region", "metric", "value", "unit",
                                                      "image_sha256"}));
  ASSERT_FALSE(scores->rows.empty());
  EXPECT_EQ(scores->rows.front().fields[0], "s1");  // manifest order
  EXPECT_EQ(scores->rows.front().fields[4], "cheek");
  EXPECT_EQ(scores->rows.back().fields[0], "s2");
  for (const CsvRecord& row : scores->rows) {
    EXPECT_NE(row.fields[5].find('.'), std::string::npos) << "metric must be group.key";
    EXPECT_EQ(row.fields[8].size(), 64u);
  }
  auto wide = ReadCsvFile(dir / "out" / "scores_wide.csv");
  ASSERT_TRUE(wide.ok());
  EXPECT_EQ(wide->rows.size(), 6u);
  auto errors = ReadCsvFile(dir / "out" / "errors.csv");
  ASSERT_TRUE(errors.ok());
  EXPECT_TRUE(errors->rows.empty());

  const auto run = nlohmann::json::parse(Slurp(dir / "out" / "run.json"));
  EXPECT_EQ(run["schema"], "skintrack.batch-run/1");
  EXPECT_EQ(run["counts"]["scored"], 6);
  EXPECT_EQ(run["parameters_sha256"], summary->parameters_sha256);
  EXPECT_TRUE(run.contains("platform"));
  EXPECT_TRUE(run["tool"].contains("commit"));

  // Per-image documents: manifest fields, alignment to the baseline, no EXIF, relative paths.
  int aligned = 0;
  for (const auto& entry : fs::directory_iterator(dir / "out" / "images")) {
    const auto doc = nlohmann::json::parse(Slurp(entry.path()));
    EXPECT_EQ(doc["schema"], "skintrack.score/1");
    EXPECT_FALSE(doc["input"].contains("camera"));
    EXPECT_FALSE(doc["input"].contains("captured_at"));
    EXPECT_EQ(doc["input"]["path"].get<std::string>().rfind("img/", 0), 0u);
    const std::string kind = doc["manifest"]["kind"];
    if (kind == "baseline") {
      EXPECT_EQ(doc["alignment"]["status"], "is_baseline");
    } else {
      // Follow-ups are aligned to the baseline and measured on the skin both show, carried onto
      // their own pixels (not resampled into the baseline's frame).
      EXPECT_EQ(doc["alignment"]["baseline"]["session"], "v0");
      EXPECT_EQ(doc["alignment"]["status"], "ok") << doc["alignment"].dump();
      EXPECT_EQ(doc["alignment"]["scored_on"], "baseline_region");
      EXPECT_GT(doc["alignment"]["common_mask_pixels"].get<int>(), 0);
      EXPECT_EQ(doc["metrics"]["mask"]["source"], "baseline_common");
      EXPECT_FALSE(doc["calibration"].contains("frame"));
      EXPECT_EQ(doc["batch"]["baseline_sha256"], doc["alignment"]["baseline"]["sha256"]);
      ++aligned;
    }
  }
  EXPECT_EQ(aligned, 4);
}

// A whole-face baseline: its follow-up, measured in the baseline's frame on the common mask, gets
// the baseline's face box, so the named regions and the face's scar search area are the same in
// both documents (they were missing from follow-ups, whose mask is given, not detected).
TEST(BatchRunner, FollowUpsOfAFaceUseTheBaselinesFaceRegions) {
  fs::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  TempDir dir;
  const cv::Mat face = cv::imread((photos / "faces" / "001_03.jpg").string());
  ASSERT_FALSE(face.empty());
  // The follow-up: the same photo moved by (9, 6) px.
  cv::Mat moved;
  cv::warpAffine(face, moved, cv::Matx23d(1, 0, 9, 0, 1, 6), face.size(), cv::INTER_LINEAR,
                 cv::BORDER_REFLECT);
  ASSERT_TRUE(cv::imwrite((dir / "base.png").string(), face));
  ASSERT_TRUE(cv::imwrite((dir / "follow.png").string(), moved));
  std::ofstream(dir / "manifest.csv") << "subject,session,date,kind,image\n"
                                         "p1,v0,2024-01-10,baseline,base.png\n"
                                         "p1,v1,2024-03-10,followup,follow.png\n";
  Study study;
  study.manifest = dir / "manifest.csv";
  study.rows = 2;
  auto summary = RunBatch(Options(study, dir / "out"));
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  ASSERT_EQ(summary->counts.scored, 2u);
  std::map<std::string, nlohmann::json> docs;
  for (const auto& entry : fs::directory_iterator(dir / "out" / "images")) {
    const auto doc = nlohmann::json::parse(Slurp(entry.path()));
    docs[doc["manifest"]["kind"]] = doc;
  }
  const nlohmann::json& base = docs["baseline"];
  const nlohmann::json& follow = docs["followup"];
  if (base["metrics"]["mask"]["face"].is_null()) GTEST_SKIP() << "no Haar cascades installed";
  ASSERT_EQ(follow["alignment"]["status"], "ok") << follow["alignment"].dump();
  // The baseline's face box, carried onto the follow-up's own pixels.
  const auto& base_face = base["metrics"]["mask"]["face"];
  const auto& follow_face = follow["metrics"]["mask"]["face"];
  ASSERT_EQ(follow_face.size(), 4u);
  EXPECT_NEAR(follow_face[0].get<int>(), base_face[0].get<int>() + 9, 1);
  EXPECT_NEAR(follow_face[1].get<int>(), base_face[1].get<int>() + 6, 1);
  EXPECT_NEAR(follow_face[2].get<int>(), base_face[2].get<int>(), 1);  // the registration's
  EXPECT_NEAR(follow_face[3].get<int>(), base_face[3].get<int>(), 1);  // scale, ~1.001
  EXPECT_EQ(follow["metrics"]["mask"]["scar_regions"], base["metrics"]["mask"]["scar_regions"]);
  // Without a measured scale both size their filters from the same face, measured in each
  // photo's own pixels.
  EXPECT_EQ(base["metrics"]["analysis"]["scale_basis"], "face_width");
  EXPECT_EQ(follow["metrics"]["analysis"]["scale_basis"], "face_width");
  const double base_scale = base["metrics"]["analysis"]["px_per_mm"].get<double>();
  EXPECT_NEAR(follow["metrics"]["analysis"]["px_per_mm"].get<double>(), base_scale,
              0.005 * base_scale);
  const auto& regions = follow["metrics"]["mask"]["regions"];
  EXPECT_TRUE(regions.contains("left_cheek") && regions.contains("forehead")) << regions.dump();
}

TEST(BatchRunner, BadRowsAreListedAndGoodImagesFinish) {
  TempDir dir;
  const Study study = WriteStudy(dir.path(), 2, 2, true);
  auto summary = RunBatch(Options(study, dir / "out", 2));
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->counts.scored, 4u);
  EXPECT_EQ(summary->counts.failed + summary->counts.rejected, 4u);
  EXPECT_EQ(summary->exit_code, 2);
  auto errors = ReadCsvFile(dir / "out" / "errors.csv");
  ASSERT_TRUE(errors.ok());
  EXPECT_EQ(errors->header, (std::vector<std::string>{"subject", "session", "image", "category",
                                                      "exit_code", "message"}));
  ASSERT_EQ(errors->rows.size(), 4u);
  EXPECT_EQ(errors->rows[0].fields[2], "img/missing.png");
  EXPECT_EQ(errors->rows[1].fields[2], "img/garbage.png");
  EXPECT_NE(errors->rows[2].fields[5].find("duplicate"), std::string::npos);
  EXPECT_NE(errors->rows[3].fields[5].find("column date"), std::string::npos);
  for (const CsvRecord& row : errors->rows) {
    EXPECT_EQ(row.fields[3], "bad_input");
    EXPECT_EQ(row.fields[4], "2");
  }
}

TEST(BatchRunner, FailFastStopsAtTheFirstFailure) {
  TempDir dir;
  const Study study = WriteStudy(dir.path(), 1, 1, true);
  BatchOptions options = Options(study, dir / "out");
  options.fail_fast = true;
  auto summary = RunBatch(options);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->counts.scored, 1u);
  EXPECT_EQ(summary->counts.failed, 1u);
  EXPECT_GT(summary->counts.not_run, 0u);
  EXPECT_NE(summary->exit_code, 0);
}

// Two workers (the run ThreadSanitizer checks, stage 3 of scripts/test.sh) and a resumed run.
TEST(BatchRunner, OutputsDoNotDependOnJobsOrResume) {
  TempDir dir;
  const Study study = WriteStudy(dir.path(), 4, 2, true);
  ASSERT_TRUE(RunBatch(Options(study, dir / "one", 1)).ok());
  ASSERT_TRUE(RunBatch(Options(study, dir / "two", 2)).ok());
  ExpectSameOutputs(dir / "one", dir / "two");

  // Resume after losing some results and all tables: identical, and nothing is rescored twice.
  fs::copy(dir / "one", dir / "resumed", fs::copy_options::recursive);
  int removed = 0;
  for (const auto& entry : fs::directory_iterator(dir / "resumed" / "images")) {
    if (removed++ % 2 == 0) fs::remove(entry.path());
  }
  for (const char* name : {"scores.csv", "scores_wide.csv", "errors.csv", "index.csv"}) {
    fs::remove(dir / "resumed" / name);
  }
  BatchOptions resume = Options(study, dir / "resumed", 2);
  resume.resume = true;
  auto resumed = RunBatch(resume);
  ASSERT_TRUE(resumed.ok());
  EXPECT_GT(resumed->counts.resumed, 0u);
  EXPECT_GT(resumed->counts.scored, 0u);
  EXPECT_EQ(resumed->counts.resumed + resumed->counts.scored, 8u);
  ExpectSameOutputs(dir / "one", dir / "resumed");
}

// Shards 1/3..3/3 (one worker each) merged equal the unsharded run; a missing shard is named.
TEST(BatchRunner, MergedShardsEqualTheUnshardedRun) {
  TempDir dir;
  const Study study = WriteStudy(dir.path(), 4, 2, true);
  ASSERT_TRUE(RunBatch(Options(study, dir / "one", 1)).ok());
  std::vector<fs::path> shards;
  std::size_t shard_rows = 0;
  for (int i = 1; i <= 3; ++i) {
    BatchOptions shard = Options(study, dir / ("shard" + std::to_string(i)));
    shard.shard_index = i;
    shard.shard_count = 3;
    auto result = RunBatch(shard);
    ASSERT_TRUE(result.ok());
    shard_rows += result->counts.shard_rows;
    shards.push_back(shard.out_dir);
  }
  EXPECT_EQ(shard_rows, static_cast<std::size_t>(study.rows));
  auto merged = MergeBatchOutputs(shards, dir / "merged");
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  EXPECT_EQ(merged->exit_code, 2);
  ExpectSameOutputs(dir / "one", dir / "merged");
  auto incomplete = MergeBatchOutputs({shards[0], shards[2]}, dir / "incomplete");
  ASSERT_FALSE(incomplete.ok());
  EXPECT_NE(incomplete.error().message.find("2/3"), std::string::npos);
}

TEST(BatchRunner, ChangedParametersAreRescoredOnResume) {
  TempDir dir;
  const Study study = WriteStudy(dir.path(), 1, 2, false);
  ASSERT_TRUE(RunBatch(Options(study, dir / "out")).ok());
  BatchOptions changed = Options(study, dir / "out");
  changed.resume = true;
  changed.align = false;
  auto summary = RunBatch(changed);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->counts.resumed, 0u);
  EXPECT_EQ(summary->counts.scored, 2u);
  changed.align = true;
  // The image files changed since: the new content is scored, not skipped.
  cv::imwrite((dir.path() / "img" / "s1_v1.png").string(), SyntheticSkin(5, 1));
  auto again = RunBatch(changed);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->counts.scored, 2u);  // parameters changed back: both rescored
  auto third = RunBatch(changed);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->counts.resumed, 2u);
}

TEST(BatchRunner, UnreadableManifestIsAWholeRunError) {
  TempDir dir;
  BatchOptions options;
  options.manifest = dir / "nope.csv";
  options.out_dir = dir / "out";
  options.progress = nullptr;
  auto summary = RunBatch(options);
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().code, ErrorCode::kBadInput);
}

}  // namespace
}  // namespace skintrack::core
