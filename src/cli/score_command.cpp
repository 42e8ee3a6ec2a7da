// `skintrack score IMAGE`: one capture -> quality, calibration, metrics.
#include <iostream>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "core/pipeline/score_pipeline.h"

namespace skintrack::cli {
namespace {

struct ScoreCommandOptions {
  std::string image;
  std::string roi;
  std::string maps_dir;
  std::string surface;
  std::string calibrate = "auto";
  double px_per_mm = 0;
  double chart_pitch_mm = core::kClassicPatchPitchMm;
  double max_megapixels = 100;
  bool json = false;
};

void PrintHuman(const nlohmann::json& doc) {
  const auto& input = doc["input"];
  std::cout << input["path"].get<std::string>() << "  " << input["width"] << "x" << input["height"]
            << "  sha256 " << input["sha256"].get<std::string>().substr(0, 12) << "\n";
  if (!input["captured_at"].is_null()) {
    std::cout << "captured " << input["captured_at"].get<std::string>() << "\n";
  }
  const auto& q = doc["quality"];
  std::printf("quality: focus %.1f, highlights %.2f%%, shadows %.2f%%, glare %.2f%%\n",
              q["focus_laplacian_var"].get<double>(), q["clipped_highlights_pct"].get<double>(),
              q["clipped_shadows_pct"].get<double>(), q["glare_pct"].get<double>());
  std::cout << "calibration: " << doc["calibration"]["method"].get<std::string>() << "\n";
  for (const auto& [group, values] : doc["metrics"].items()) {
    if (!values.is_object()) continue;
    for (const auto& [key, value] : values.items()) {
      if (value.is_number() || value.is_string()) {
        std::cout << "  " << group << "." << key << " = " << value.dump() << "\n";
      }
    }
  }
  for (const auto& w : doc["warnings"]) std::cout << "warning: " << w.get<std::string>() << "\n";
}

int RunScore(const ScoreCommandOptions& opts) {
  core::ScoreOptions options;
  options.load.max_pixels = static_cast<std::int64_t>(opts.max_megapixels * 1e6);
  options.calibrate = opts.calibrate == "none"      ? core::CalibrateMode::kNone
                      : opts.calibrate == "require" ? core::CalibrateMode::kRequire
                                                    : core::CalibrateMode::kAuto;
  if (opts.px_per_mm > 0) options.px_per_mm = opts.px_per_mm;
  options.chart_pitch_mm = opts.chart_pitch_mm;
  options.roi_path = opts.roi;
  options.maps_dir = opts.maps_dir;
  options.surface_path = opts.surface;
  auto doc = core::ScoreImageFile(opts.image, options);
  if (!doc.ok()) return ReportError("score", doc.error(), opts.json);
  if (opts.json) {
    PrintJson(*doc);
  } else {
    PrintHuman(*doc);
  }
  return 0;
}

}  // namespace

CommandRun SetupScoreCommand(CLI::App& root) {
  auto opts = std::make_shared<ScoreCommandOptions>();
  CLI::App* sub = root.add_subcommand("score", "Score one capture: quality, calibration, metrics");
  sub->add_option("image", opts->image, "Image file (JPEG, PNG, TIFF 8/16-bit)")->required();
  sub->add_option("--roi", opts->roi, "Region of interest: mask PNG (non-zero = skin) or polygon JSON");
  sub->add_option("--px-per-mm", opts->px_per_mm, "Physical scale in pixels per millimetre")
      ->check(PxPerMmRange());
  sub->add_option("--calibrate", opts->calibrate, "Colour calibration: auto, none or require")
      ->check(CLI::IsMember({"auto", "none", "require"}));
  AddChartPitchOption(sub, &opts->chart_pitch_mm);
  sub->add_option("--maps", opts->maps_dir, "Write per-pixel metric maps into this directory");
  sub->add_option("--surface", opts->surface, "Height map (float TIFF, mm) from `skintrack surface`");
  sub->add_option("--max-megapixels", opts->max_megapixels, "Refuse larger images (default 100)")
      ->check(MegapixelLimit());
  sub->add_flag("--json", opts->json, "Print the skintrack.score/1 JSON document on stdout");
  return [opts] { return RunScore(*opts); };
}

}  // namespace skintrack::cli
