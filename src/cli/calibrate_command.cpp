// `skintrack calibrate IMAGE`: find the ColorChecker, fit the colour correction, report ΔE00 and
// px/mm, optionally write the corrected image.
#include <cstdio>
#include <iostream>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "core/calibration/calibration.h"
#include "core/color/srgb.h"
#include "core/io/image_io.h"
#include "core/pipeline/score_pipeline.h"

namespace skintrack::cli {
namespace {

struct CalibrateCommandOptions {
  std::string image;
  std::string output;               // corrected image (PNG/TIFF/JPEG by extension)
  std::string reference = "post2014";
  double chart_pitch_mm = core::kClassicPatchPitchMm;
  double max_megapixels = 100;
  bool require_chart = false;
  bool json = false;
};

void PrintHuman(const nlohmann::json& doc, const std::vector<std::string>& messages) {
  const auto& c = doc["calibration"];
  std::cout << doc["input"]["path"].get<std::string>() << "\n";
  std::cout << "chart found: " << (c["chart_found"].get<bool>() ? "yes" : "no")
            << "   method: " << c["method"].get<std::string>()
            << "   reference: " << c["reference"].get<std::string>() << "\n";
  if (c["chart_found"].get<bool>()) {
    std::printf("scale: %.4f px/mm  (±%.4f, range %.4f-%.4f across the chart)\n",
                c["px_per_mm"].get<double>(), c["px_per_mm_uncertainty"].get<double>(),
                c["px_per_mm_range"][0].get<double>(), c["px_per_mm_range"][1].get<double>());
  }
  if (c["delta_e00_mean"].is_number()) {
    std::printf("ΔE00 before correction: mean %.2f\n", c["delta_e00_uncorrected_mean"].get<double>());
    std::printf("ΔE00 after correction:  mean %.2f  max %.2f   leave-one-out mean %.2f  max %.2f\n",
                c["delta_e00_mean"].get<double>(), c["delta_e00_max"].get<double>(),
                c["delta_e00_loo_mean"].get<double>(), c["delta_e00_loo_max"].get<double>());
    std::printf("%3s  %-22s %24s %24s %7s %7s\n", "#", "patch", "reference Lab", "corrected Lab",
                "ΔE00", "LOO");
    for (const auto& p : c["patches"]) {
      auto lab = [](const nlohmann::json& v) {
        char buffer[64];
        std::snprintf(buffer, sizeof(buffer), "%6.1f %6.1f %6.1f", v[0].get<double>(),
                      v[1].get<double>(), v[2].get<double>());
        return std::string(buffer);
      };
      std::printf("%3d  %-22s %24s %24s %7.2f %7s%s\n", p["index"].get<int>(),
                  p["name"].get<std::string>().c_str(), lab(p["reference_lab"]).c_str(),
                  lab(p["corrected_lab"]).c_str(), p["delta_e00"].get<double>(),
                  p["delta_e00_loo"].is_number()
                      ? std::to_string(p["delta_e00_loo"].get<double>()).substr(0, 5).c_str()
                      : "-",
                  p["clipped"].get<bool>() ? "  clipped" : "");
    }
  }
  for (const auto& m : messages) std::cout << "warning: " << m << "\n";
}

int RunCalibrate(const CalibrateCommandOptions& opts) {
  // Checked before the calibration so that a mistyped -o costs no work and no OpenCV message.
  if (!opts.output.empty()) {
    if (Status checked = CheckImageOutputPath(opts.output); !checked.ok()) {
      return ReportError("calibrate", checked.error(), opts.json);
    }
  }
  core::LoadOptions load;
  load.max_pixels = static_cast<std::int64_t>(opts.max_megapixels * 1e6);
  auto image = core::LoadImage(opts.image, load);
  if (!image.ok()) return ReportError("calibrate", image.error(), opts.json);

  core::CalibrationOptions options;
  options.detection.reference =
      opts.reference == "pre2014" ? core::ChartReference::kPre2014 : core::ChartReference::kPost2014;
  options.detection.geometry.patch_pitch_mm = opts.chart_pitch_mm;
  options.detection.geometry.patch_size_mm =
      opts.chart_pitch_mm * core::kClassicPatchSizeMm / core::kClassicPatchPitchMm;
  const core::CalibrationResult result = core::CalibrateImage(image->bgr, options);

  if (opts.require_chart && !result.chart_found) {
    return ReportError("calibrate",
                       AnalysisError("no colour chart found in '" + opts.image +
                                     "' and --require-chart was given; include a ColorChecker "
                                     "Classic 24, fully visible and evenly lit, in the frame"),
                       opts.json);
  }
  if (!opts.output.empty()) {
    const cv::Mat encoded = image->bgr.depth() == CV_16U ? core::LinearRgbToBgr16(result.rgb_linear)
                                                         : core::LinearRgbToBgr8(result.rgb_linear);
    const Status written = WriteOutputImage(opts.output, encoded);
    if (!written.ok()) return ReportError("calibrate", written.error(), opts.json);
  }

  nlohmann::json doc = JsonEnvelope("skintrack.calibration/1");
  doc["input"] = core::InputToJson(*image, true);
  doc["calibration"] = result.json;
  doc["warnings"] = result.warnings;
  doc["warning_messages"] = result.messages;
  doc["output"] = opts.output.empty() ? nlohmann::json(nullptr) : nlohmann::json(opts.output);
  if (opts.json) {
    PrintJson(doc);
  } else {
    PrintHuman(doc, result.messages);
  }
  for (const auto& m : result.messages) {
    if (opts.json) std::cerr << "skintrack calibrate: warning: " << m << "\n";
  }
  return 0;
}

}  // namespace

CommandRun SetupCalibrateCommand(CLI::App& root) {
  auto opts = std::make_shared<CalibrateCommandOptions>();
  CLI::App* sub = root.add_subcommand(
      "calibrate", "Find a ColorChecker Classic 24, fit a colour correction, report ΔE00 and px/mm");
  sub->add_option("image", opts->image, "Image file (JPEG, PNG, TIFF 8/16-bit)")->required();
  sub->add_option(
      "-o,--output", opts->output,
      "Write the colour-corrected image here (.png, .tif/.tiff or .jpg/.jpeg; PNG and TIFF "
      "keep 16 bits)");
  sub->add_flag("--require-chart", opts->require_chart,
                "Fail with exit code 3 when no chart is found");
  sub->add_option("--reference", opts->reference,
                  "Chart edition: post2014 (made after Nov 2014, default) or pre2014")
      ->check(CLI::IsMember({"post2014", "pre2014"}));
  AddChartPitchOption(sub, &opts->chart_pitch_mm);
  sub->add_option("--max-megapixels", opts->max_megapixels, "Refuse larger images (default 100)")
      ->check(MegapixelLimit());
  sub->add_flag("--json", opts->json, "Print the skintrack.calibration/1 JSON document on stdout");
  return [opts] { return RunCalibrate(*opts); };
}

}  // namespace skintrack::cli
