// End-to-end tests of `skintrack batch` and `skintrack batch-merge` through the real binary, on
// phantom studies rendered by `skintrack phantom` (docs/BATCH.md, issue 9 acceptance):
//   - crash safety: SIGKILL at random points, then --resume, gives byte-identical outputs;
//   - a manifest with missing files, unreadable images, duplicate rows and a bad date;
//   - shards 1/3, 2/3, 3/3 merged equal the unsharded run.
// Photos are small (160x120, or 320x240 with a colour chart) so that the tests take seconds.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/base/atomic_file.h"
#include "test_support/run_process.h"
#include "test_support/temp_dir.h"

namespace skintrack {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::RunSkintrack;
using testing::TempDir;

// Renders a phantom study of `subjects` subjects (10 captures each with --sessions 3, 8 with 1)
// and returns its manifest. `chart`: a ColorChecker in every photo, at 320x240 (5 px/mm, so that
// it fits); otherwise 160x120 without a chart, the cheapest photos the pipeline scores in full.
fs::path MakePhantomStudy(const fs::path& dir, int subjects, int sessions, bool chart) {
  std::string kinds;
  const char* const cycle[] = {"responder", "control", "non_responder"};
  for (int s = 0; s < subjects; ++s) {
    kinds += std::string(s == 0 ? "" : ",") + cycle[s % 3];
  }
  std::vector<std::string> args = {"phantom",
                                   "-o",
                                   dir.string(),
                                   "--size",
                                   chart ? "320x240" : "160x120",
                                   "--px-per-mm",
                                   "5",
                                   "--sessions",
                                   std::to_string(sessions),
                                   "--subjects",
                                   kinds,
                                   "--seed",
                                   "7"};
  if (!chart) args.push_back("--no-chart");
  const auto run = RunSkintrack(args);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return dir / "manifest.csv";
}

std::string Slurp(const fs::path& path) {
  auto bytes = ReadFileBytes(path);
  return bytes.ok() ? *bytes : "<unreadable " + path.string() + ">";
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The fields of run.json that legitimately differ between an uninterrupted run and an
// interrupted-and-resumed one: wall-clock times, and how many rows this particular invocation
// scored versus found already done.
json StableRunJson(const fs::path& path) {
  json run = json::parse(Slurp(path));
  for (const char* key : {"started_at", "finished_at", "elapsed_s"}) run.erase(key);
  run["counts"].erase("scored");
  run["counts"].erase("resumed");
  return run;
}

// Every file under `out` (hidden ones included), path relative to `out` -> bytes; run.json
// reduced to its stable fields.
std::map<std::string, std::string> OutputTree(const fs::path& out) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = fs::relative(entry.path(), out).string();
    files[name] = name == "run.json" ? StableRunJson(entry.path()).dump(2) : Slurp(entry.path());
  }
  return files;
}

// Compares two output trees file by file; `skip_run_json` for merged folders, whose run.json
// records the merge instead of one run.
void ExpectSameTree(const fs::path& expected, const fs::path& actual, bool skip_run_json = false) {
  auto left = OutputTree(expected);
  auto right = OutputTree(actual);
  if (skip_run_json) {
    left.erase("run.json");
    right.erase("run.json");
  }
  for (const auto& [name, bytes] : left) {
    const auto it = right.find(name);
    if (it == right.end()) {
      ADD_FAILURE() << name << " is missing from " << actual;
      continue;
    }
    EXPECT_TRUE(bytes == it->second)
        << name << " differs between " << expected << " and " << actual;
  }
  for (const auto& [name, bytes] : right) {
    EXPECT_TRUE(left.count(name) > 0) << name << " is in " << actual << " but not in " << expected;
  }
}

int CountJsonFiles(const fs::path& dir) {
  int n = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    n += entry.path().extension() == ".json" ? 1 : 0;
  }
  return n;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// A study photographed at 4 px/mm, where even the largest pore spans 2.4 px: `study` on the
// batch folder leaves the pore values out (the per-image documents carry
// pores_below_resolution), and each claim on pores says so instead of judging JPEG specks.
TEST(BatchCli, StudyLeavesOutPoresBelowThePhotosResolutionAndColourWithoutAChart) {
  TempDir dir;
  const auto rendered = RunSkintrack({"phantom", "-o", (dir / "study").string(), "--size",
                                      "160x120", "--px-per-mm", "4", "--sessions", "3",
                                      "--subjects", "responder", "--seed", "7", "--no-chart"});
  ASSERT_EQ(rendered.exit_code, 0) << rendered.err;
  const auto batch = RunSkintrack({"batch", (dir / "study" / "manifest.csv").string(), "-o",
                                   (dir / "out").string(), "--quiet"});
  ASSERT_EQ(batch.exit_code, 0) << batch.err;
  // The values stay in the tables.
  EXPECT_NE(Slurp(dir / "out" / "scores.csv").find("pores.count"), std::string::npos);
  const auto study = RunSkintrack({"study", (dir / "out").string(), "--json"});
  ASSERT_EQ(study.exit_code, 0) << study.err;
  const json doc = json::parse(study.out);
  bool named = false;
  for (const json& claim : doc["claims"]) {
    if (claim["id"] != "visible_6_8_weeks") continue;
    for (const json& subject : claim["subjects"]) {
      const std::string reason = subject["reason"].get<std::string>();
      EXPECT_NE(reason.find("pores.count"), std::string::npos) << reason;
      named =
          reason.find("left out (pores_below_resolution in all 10 sessions)") != std::string::npos;
    }
  }
  EXPECT_TRUE(named) << study.out;
  EXPECT_EQ(doc.dump().find("\"pores.count\",\"n\""), std::string::npos)
      << "pore statistics over values below the resolution";

  // No chart in these photos: the colour the light moves is left out as well (the pigment safety
  // claim has nothing else to go on), unless the light is stated to have been the same.
  const auto claim_reason = [](const json& study_doc, const std::string& id) {
    for (const json& claim : study_doc["claims"]) {
      if (claim["id"] == id) return claim["subjects"][0]["reason"].get<std::string>();
    }
    return std::string("(no claim ") + id + ")";
  };
  EXPECT_NE(claim_reason(doc, "no_pigment_darkening")
                .find("pigmentation.melanin_index_mean, pigmentation.melanin_mean left out "
                      "(uncalibrated_colour in all 10 sessions)"),
            std::string::npos)
      << claim_reason(doc, "no_pigment_darkening");
  const auto same_light = RunSkintrack({"study", (dir / "out").string(), "--same-light", "--json"});
  ASSERT_EQ(same_light.exit_code, 0) << same_light.err;
  const json judged = json::parse(same_light.out);
  EXPECT_EQ(claim_reason(judged, "no_pigment_darkening").find("uncalibrated_colour"),
            std::string::npos)
      << claim_reason(judged, "no_pigment_darkening");
  EXPECT_NE(claim_reason(judged, "visible_6_8_weeks").find("pores_below_resolution"),
            std::string::npos)
      << "--same-light lifts only the colour rule";
}

TEST(BatchCli, KilledAndResumedRunIsByteIdenticalToUninterruptedRun) {
  TempDir dir;
  // 20 subjects x 10 captures = a 200-image study.
  const fs::path manifest = MakePhantomStudy(dir / "study", 20, 3, /*chart=*/false);
  ASSERT_EQ(Lines(Slurp(manifest)).size(), 201u);
  // Small photos and no chart search (about 0.09 s of CPU per image, alignment included) keep the
  // passes over 200 images within the test budget; calibration is killed and resumed in
  // MergedShardsEqualTheUnshardedRun.
  const auto batch = [&](const fs::path& out, const std::function<bool(double)>& kill_when = {}) {
    return RunSkintrack({"batch", manifest.string(), "-o", out.string(), "--jobs", "2", "--resume",
                         "--quiet", "--calibrate", "none"},
                        "", kill_when);
  };

  const auto start = std::chrono::steady_clock::now();
  const auto reference = batch(dir / "reference");
  const double full_s = Seconds(start);
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  ASSERT_EQ(CountJsonFiles(dir / "reference" / "images"), 200);
  const json reference_run = json::parse(Slurp(dir / "reference" / "run.json"));
  EXPECT_EQ(reference_run["counts"]["scored"], 200);

  // Kills at random points, chosen by progress rather than by time so that they do not depend on
  // how busy the machine is: four runs are killed when a random number of further results exist
  // (plus a random 0-40 ms, so that kills land inside scoring and writing alike, not only just
  // after a result was written); two more at a random 0-0.5 s, which with most results present
  // lands in the resume checks or while the tables are rebuilt. Each run resumes the earlier
  // ones' work. The seed is printed so that a failure can be replayed (SKINTRACK_KILL_SEED=N).
  const char* seed_env = std::getenv("SKINTRACK_KILL_SEED");
  const unsigned seed = seed_env != nullptr
                            ? static_cast<unsigned>(std::strtoul(seed_env, nullptr, 10))
                            : std::random_device{}();
  std::cout << "kill seed " << seed << " (SKINTRACK_KILL_SEED), uninterrupted run " << full_s
            << " s\n";
  std::mt19937 rng(seed);
  const fs::path out = dir / "interrupted";
  int killed = 0;
  for (int attempt = 0; attempt < 6; ++attempt) {
    const int done = CountJsonFiles(out / "images");
    const int target = std::uniform_int_distribution<int>(std::min(done + 1, 199), 199)(rng);
    const double extra_s = std::uniform_real_distribution<double>(0.0, 0.04)(rng);
    const double late_s = std::uniform_real_distribution<double>(0.0, 0.5)(rng);
    double reached_s = -1;
    const auto kill_when = [&](double elapsed_s) {
      if (attempt >= 4) return elapsed_s >= late_s;
      if (reached_s < 0 && CountJsonFiles(out / "images") >= target) reached_s = elapsed_s;
      return reached_s >= 0 && elapsed_s >= reached_s + extra_s;
    };
    const auto run = batch(out, kill_when);
    std::cout << "run " << attempt << ": "
              << (attempt >= 4 ? "kill after " + std::to_string(late_s) + " s"
                               : "kill at " + std::to_string(target) + " results + " +
                                     std::to_string(extra_s) + " s")
              << " -> " << (run.signal != 0 ? "killed" : "finished") << " with "
              << CountJsonFiles(out / "images") << " results\n";
    if (run.signal != 0) {
      ++killed;
    } else {
      EXPECT_EQ(run.exit_code, 0) << run.err;
    }
  }
  EXPECT_GT(killed, 0);

  // What a kill at any other instant leaves behind, planted explicitly so that every case is
  // covered whatever the timing: the temporary file of an atomic write cut short (a result and a
  // table), a damaged result (as after a power loss without the rename's guarantee), and tables
  // from an earlier, incomplete run.
  std::ofstream(out / "images" / ".x.json.tmp-999999-0.json") << "{\"schema\": \"skintr";
  std::ofstream(out / ".scores.csv.tmp-999999-1.csv") << "subject,session,da";
  std::ofstream(out / "scores.csv") << "subject,session\nS01,baseline\n";
  std::vector<fs::path> results;
  for (const auto& entry : fs::directory_iterator(out / "images")) {
    if (entry.path().filename().string()[0] != '.') results.push_back(entry.path());
  }
  std::sort(results.begin(), results.end());
  if (!results.empty()) {
    const std::string damaged = Slurp(results.front());
    std::ofstream(results.front(), std::ios::trunc) << damaged.substr(0, damaged.size() / 2);
  }

  const auto final_run = batch(out);
  ASSERT_EQ(final_run.exit_code, 0) << final_run.err;
  const json run = json::parse(Slurp(out / "run.json"));
  EXPECT_EQ(run["counts"]["scored"].get<int>() + run["counts"]["resumed"].get<int>(), 200);
  EXPECT_GT(run["counts"]["resumed"].get<int>(), 0) << "the killed runs left nothing to resume";
  ExpectSameTree(dir / "reference", out);
}

// Rewrites the manifest's subject ids (first field) through `rename`, and appends `extra` lines.
void EditManifest(const fs::path& manifest, const std::map<std::string, std::string>& rename,
                  const std::string& extra) {
  std::string text;
  for (const std::string& line : Lines(Slurp(manifest))) {
    const auto comma = line.find(',');
    const auto it = rename.find(line.substr(0, comma));
    text += (it == rename.end() ? line : it->second + line.substr(comma)) + "\n";
  }
  std::ofstream(manifest, std::ios::trunc) << text << extra;
}

// The bad rows of issue 9's acceptance: a missing file, an unreadable image, a duplicate row and
// a bad date (manifest lines 10-13 after the 8 good captures of one subject).
constexpr const char* kBadRows =
    "S01,v9,2026-09-01,followup,S01/missing.jpg,phantom,10,,,,\n"
    "S01,v10,2026-09-02,followup,S01/garbage.jpg,phantom,10,,,,\n"
    "S01,fu_7w,2026-04-01,followup,S01/S01_fu_7w.jpg,phantom,10,,,,\n"
    "S01,v11,2026-02-30,followup,S01/S01_fu_12m.jpg,phantom,10,,,,\n";

TEST(BatchCli, BadRowsAreListedGoodImagesFinishAndTheExitStatusSaysSo) {
  TempDir dir;
  const fs::path manifest = MakePhantomStudy(dir / "study", 1, 1, /*chart=*/false);
  ASSERT_EQ(Lines(Slurp(manifest)).size(), 9u);

  // All good: exit status 0, no errors.
  auto run = RunSkintrack({"batch", manifest.string(), "-o", (dir / "good").string(), "--quiet"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Lines(Slurp(dir / "good" / "errors.csv")).size(), 1u);

  std::ofstream(dir / "study" / "S01" / "garbage.jpg") << "\xff\xd8\xff\xe0 not really a JPEG";
  EditManifest(manifest, {}, kBadRows);
  run = RunSkintrack(
      {"batch", manifest.string(), "-o", (dir / "bad").string(), "--jobs", "2", "--json"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("errors.csv"), std::string::npos) << run.err;
  const json summary = json::parse(run.out);
  EXPECT_EQ(summary["schema"], "skintrack.batch-summary/1");
  EXPECT_EQ(summary["counts"]["scored"], 8);
  EXPECT_EQ(summary["counts"]["failed"].get<int>() + summary["counts"]["rejected"].get<int>(), 4);
  EXPECT_EQ(summary["exit_code"], 2);

  // Every good image finished, with the same results as in the clean run.
  EXPECT_EQ(Lines(Slurp(dir / "bad" / "scores_wide.csv")).size(), 9u);
  EXPECT_EQ(Slurp(dir / "bad" / "scores.csv"), Slurp(dir / "good" / "scores.csv"));
  EXPECT_EQ(CountJsonFiles(dir / "bad" / "images"), 8);

  // Each bad row is listed once, in manifest order, with its category and exit code.
  const std::vector<std::string> errors = Lines(Slurp(dir / "bad" / "errors.csv"));
  ASSERT_EQ(errors.size(), 5u) << Slurp(dir / "bad" / "errors.csv");
  EXPECT_EQ(errors[0], "subject,session,image,category,exit_code,message");
  const char* const images[] = {"S01/missing.jpg", "S01/garbage.jpg", "S01/S01_fu_7w.jpg",
                                "S01/S01_fu_12m.jpg"};
  const char* const reasons[] = {"not found", "garbage.jpg", "line 12: duplicate row",
                                 "line 13, column date"};
  for (int i = 0; i < 4; ++i) {
    const std::string& line = errors[static_cast<std::size_t>(i) + 1];
    EXPECT_NE(line.find(images[i]), std::string::npos) << line;
    EXPECT_NE(line.find(",bad_input,2,"), std::string::npos) << line;
    EXPECT_NE(line.find(reasons[i]), std::string::npos) << line;
  }
  const std::string index = Slurp(dir / "bad" / "index.csv");
  EXPECT_NE(index.find(",rejected,"), std::string::npos);
  EXPECT_NE(index.find(",failed,"), std::string::npos);
  const json run_json = json::parse(Slurp(dir / "bad" / "run.json"));
  EXPECT_EQ(run_json["exit_code"], 2);

  // Resuming retries the failed rows and still reports them.
  run = RunSkintrack(
      {"batch", manifest.string(), "-o", (dir / "bad").string(), "--resume", "--quiet"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(Lines(Slurp(dir / "bad" / "errors.csv")), errors);

  // --fail-fast stops at the first failed row (line 10); the rest are not run.
  run = RunSkintrack(
      {"batch", manifest.string(), "-o", (dir / "fast").string(), "--fail-fast", "--quiet"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(Lines(Slurp(dir / "fast" / "errors.csv")).size(), 2u);
  EXPECT_NE(Slurp(dir / "fast" / "index.csv").find(",not_run,"), std::string::npos);
}

// Issue 12 item 3: an image over the per-image time budget is listed in errors.csv as timed out
// (analysis failure, exit 3), the batch goes on, and the budget is recorded in run.json. A budget
// of a microsecond is spent by the time decoding ends, so every image times out.
TEST(BatchCli, ImagesOverTheTimeBudgetAreListedAsTimedOut) {
  TempDir dir;
  const fs::path manifest = MakePhantomStudy(dir / "study", 1, 1, /*chart=*/false);
  auto run = RunSkintrack({"batch", manifest.string(), "-o", (dir / "late").string(), "--quiet",
                           "--image-timeout", "0.000001", "--jobs", "2"});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  const std::vector<std::string> errors = Lines(Slurp(dir / "late" / "errors.csv"));
  ASSERT_EQ(errors.size(), 9u) << Slurp(dir / "late" / "errors.csv");
  for (std::size_t i = 1; i < errors.size(); ++i) {
    EXPECT_NE(errors[i].find(",analysis_failed,3,"), std::string::npos) << errors[i];
    EXPECT_NE(errors[i].find(": timed out after decoding: the time budget of 1e-06 s per image "
                             "is spent (batch --image-timeout; 0 = no limit)"),
              std::string::npos)
        << errors[i];
  }
  const json run_json = json::parse(Slurp(dir / "late" / "run.json"));
  EXPECT_EQ(run_json["run_options"]["image_timeout_s"], 0.000001);

  // The default budget (600 s) and "no limit" both score everything.
  run = RunSkintrack({"batch", manifest.string(), "-o", (dir / "unlimited").string(), "--quiet",
                      "--image-timeout", "0"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Lines(Slurp(dir / "unlimited" / "errors.csv")).size(), 1u);
  run = RunSkintrack({"batch", manifest.string(), "-o", (dir / "bad").string(), "--quiet",
                      "--image-timeout", "-1"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
}

TEST(BatchCli, MergedShardsEqualTheUnshardedRun) {
  TempDir dir;
  const fs::path manifest = MakePhantomStudy(dir / "study", 3, 1, /*chart=*/true);
  // Subject ids chosen so that each of the three shards gets one subject (ShardOfSubject: S03 ->
  // 1, S07 -> 2, S01 -> 3), and a bad row so that errors.csv is merged as well.
  std::ofstream(dir / "study" / "S01" / "garbage.jpg") << "not an image";
  EditManifest(manifest, {{"S02", "S07"}},
               "S07,v9,2026-09-01,followup,S01/garbage.jpg,phantom,10,,,,\n");

  auto run = RunSkintrack(
      {"batch", manifest.string(), "-o", (dir / "whole").string(), "--jobs", "2", "--quiet"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  std::vector<std::string> merge = {"batch-merge"};
  for (int i = 1; i <= 3; ++i) {
    const fs::path out = dir / ("shard" + std::to_string(i));
    const std::vector<std::string> args = {
        "batch",   manifest.string(),        "-o",     out.string(),
        "--shard", std::to_string(i) + "/3", "--json", "--resume"};
    if (i == 3) {
      // One shard is killed part-way (with chart calibration, unlike the 200-image test) and
      // resumed: the merge must not be able to tell.
      std::mt19937 rng(std::random_device{}());
      const int target = std::uniform_int_distribution<int>(1, 7)(rng);
      const auto killed =
          RunSkintrack(args, "", [&](double) { return CountJsonFiles(out / "images") >= target; });
      std::cout << "shard 3 killed at " << target
                << " results: " << (killed.signal != 0 ? "killed" : "finished") << " with "
                << CountJsonFiles(out / "images") << " results\n";
    }
    run = RunSkintrack(args);
    EXPECT_EQ(run.exit_code, i == 2 ? 2 : 0) << run.err;
    EXPECT_EQ(json::parse(run.out)["counts"]["shard_rows"], i == 2 ? 9 : 8) << "shard " << i;
    merge.push_back(out.string());
  }
  // Shards given in any order.
  std::swap(merge[1], merge[3]);
  merge.insert(merge.end(), {"-o", (dir / "merged").string()});
  run = RunSkintrack(merge);
  EXPECT_EQ(run.exit_code, 2) << run.err;
  ExpectSameTree(dir / "whole", dir / "merged", /*skip_run_json=*/true);
  EXPECT_EQ(CountJsonFiles(dir / "merged" / "images"), 24);

  // A missing shard is an error that names it.
  run = RunSkintrack({"batch-merge", (dir / "shard1").string(), (dir / "shard3").string(), "-o",
                      (dir / "incomplete").string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("2/3"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace skintrack
