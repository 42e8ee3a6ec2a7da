// `skintrack batch MANIFEST.csv -o OUT`: score a whole study (docs/BATCH.md).
#include <cstdio>
#include <iostream>
#include <string>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "core/pipeline/batch_runner.h"

namespace skintrack::cli {
namespace {

struct BatchCommandOptions {
  std::string manifest;
  std::string out_dir;
  int jobs = 1;
  bool resume = false;
  std::string shard = "1/1";
  bool fail_fast = false;
  bool no_align = false;
  bool maps = false;
  bool quiet = false;
  std::string calibrate = "auto";
  double chart_pitch_mm = core::kClassicPatchPitchMm;
  std::string model = "auto";
  double max_megapixels = 100;
  double image_timeout_s = 600;
  bool json = false;
};

// "I/N" -> (I, N); kUsage otherwise.
Result<std::pair<int, int>> ParseShard(const std::string& text) {
  const auto slash = text.find('/');
  try {
    if (slash != std::string::npos) {
      std::size_t used_index = 0, used_count = 0;
      const int index = std::stoi(text.substr(0, slash), &used_index);
      const int count = std::stoi(text.substr(slash + 1), &used_count);
      if (used_index == slash && used_count == text.size() - slash - 1 && count >= 1 &&
          index >= 1 && index <= count) {
        return std::make_pair(index, count);
      }
    }
  } catch (const std::exception&) {
  }
  return UsageError("--shard '" + text + "': write I/N with 1 <= I <= N, e.g. --shard 2/8");
}

int RunBatchCommand(const BatchCommandOptions& opts) {
  core::BatchOptions options;
  options.manifest = opts.manifest;
  options.out_dir = opts.out_dir;
  options.jobs = opts.jobs;
  options.resume = opts.resume;
  options.fail_fast = opts.fail_fast;
  options.align = !opts.no_align;
  options.maps = opts.maps;
  options.max_pixels = static_cast<std::int64_t>(opts.max_megapixels * 1e6);
  options.image_timeout_s = opts.image_timeout_s;
  options.calibrate = opts.calibrate == "none"      ? core::CalibrateMode::kNone
                      : opts.calibrate == "require" ? core::CalibrateMode::kRequire
                                                    : core::CalibrateMode::kAuto;
  options.chart_pitch_mm = opts.chart_pitch_mm;
  auto shard = ParseShard(opts.shard);
  if (!shard.ok()) return ReportError("batch", shard.error(), opts.json);
  options.shard_index = shard->first;
  options.shard_count = shard->second;
  auto model = core::ParseMotionModel(opts.model);
  if (!model.ok()) return ReportError("batch", model.error(), opts.json);
  options.registration.model = *model;
  options.progress = opts.quiet ? nullptr : stderr;

  auto summary = core::RunBatch(options);
  if (!summary.ok()) return ReportError("batch", summary.error(), opts.json);
  const core::BatchCounts& c = summary->counts;
  if (opts.json) {
    nlohmann::json doc = JsonEnvelope("skintrack.batch-summary/1");
    doc["out_dir"] = opts.out_dir;
    doc["counts"] = {{"manifest_rows", c.manifest_rows}, {"shard_rows", c.shard_rows},
                     {"scored", c.scored},               {"resumed", c.resumed},
                     {"failed", c.failed},               {"rejected", c.rejected},
                     {"not_run", c.not_run}};
    doc["parameters_sha256"] = summary->parameters_sha256;
    doc["exit_code"] = summary->exit_code;
    PrintJson(doc);
  } else {
    std::cout << "batch: " << c.shard_rows << " rows: " << c.scored << " scored, " << c.resumed
              << " resumed, " << c.failed << " failed, " << c.rejected << " rejected";
    if (c.not_run > 0) std::cout << ", " << c.not_run << " not run (--fail-fast)";
    std::cout << "\nresults in " << opts.out_dir << " (scores.csv, scores_wide.csv, errors.csv, "
              << "run.json)\n";
  }
  if (summary->exit_code != 0 && !opts.quiet) {
    std::cerr << "batch: some rows failed; see " << opts.out_dir << "/errors.csv\n";
  }
  return summary->exit_code;
}

}  // namespace

CommandRun SetupBatchCommand(CLI::App& root) {
  auto opts = std::make_shared<BatchCommandOptions>();
  CLI::App* sub = root.add_subcommand(
      "batch", "Score every photo of a study manifest: tidy CSV, per-image JSON, resumable");
  sub->add_option("manifest", opts->manifest,
                  "Manifest CSV: subject,session,date,kind,image[,region,roi,px_per_mm,lights]")
      ->required();
  sub->add_option("-o,--out", opts->out_dir, "Output folder (created when missing)")->required();
  sub->add_option("--jobs,-j", opts->jobs, "Images scored in parallel (default 1)")
      ->check(CLI::Range(1, 256));
  sub->add_flag("--resume", opts->resume,
                "Skip images whose result exists with the same input hash and parameters");
  sub->add_option("--shard", opts->shard,
                  "Score only shard I of N (by subject), e.g. 2/8; join with batch-merge");
  sub->add_flag("--fail-fast", opts->fail_fast, "Stop at the first failed row");
  sub->add_flag("--no-align", opts->no_align, "Do not align follow-ups to the baseline");
  sub->add_option("--model", opts->model,
                  "Alignment model: auto, similarity, affine or homography (default auto)")
      ->check(CLI::IsMember({"auto", "similarity", "affine", "homography"}));
  sub->add_flag("--maps", opts->maps, "Also write per-pixel metric maps into OUT/maps/");
  sub->add_option("--calibrate", opts->calibrate, "Colour calibration: auto, none or require")
      ->check(CLI::IsMember({"auto", "none", "require"}));
  AddChartPitchOption(sub, &opts->chart_pitch_mm);
  sub->add_option("--max-megapixels", opts->max_megapixels, "Refuse larger images (default 100)")
      ->check(MegapixelLimit());
  sub->add_option("--image-timeout", opts->image_timeout_s,
                  "Time budget per image in seconds, checked between pipeline stages; an image "
                  "over it is listed in errors.csv as timed out (default 600; 0 = no limit)")
      ->check(NumberIn(0, 1e6, "--image-timeout", "0 and 1e6 s"));
  sub->add_flag("--quiet,-q", opts->quiet, "No progress on stderr");
  sub->add_flag("--json", opts->json, "Print a skintrack.batch-summary/1 document on stdout");
  return [opts] { return RunBatchCommand(*opts); };
}

}  // namespace skintrack::cli
