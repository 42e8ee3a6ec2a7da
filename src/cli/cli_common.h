#pragma once
// Helpers shared by the subcommands: the JSON envelope, error reporting with documented exit
// codes, and atomic output writing.

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "compare/metric_catalog.h"
#include "core/base/capture_limits.h"
#include "core/base/result.h"
#include "core/calibration/chart_geometry.h"

namespace skintrack::cli {

// {"schema": schema, "tool": {"name", "version", "commit"}} to which a command adds its fields.
nlohmann::json JsonEnvelope(std::string_view schema);

// Prints "skintrack <command>: error: <message>" on stderr (and, with `json`, a JSON error
// document on stdout) and returns the exit code for the error's category.
int ReportError(std::string_view command, const Error& error, bool json = false);

// Prints the skintrack.error/1 JSON document of `error` on stdout: {"error": {"category",
// "exit_code", "message"}} in the JsonEnvelope. ReportError uses it, and main() for the internal
// errors that escape a command, so that --json always yields a document.
void PrintJsonError(const Error& error);

// Runs a parsed command and returns its exit code. An exception that escapes it (a bug, or memory
// exhausted) becomes exit code 5 with a message on stderr and, with `json`, the skintrack.error/1
// document on stdout (category "internal"), as ReportError prints for the errors commands return.
int RunReportingInternalErrors(const std::function<int()>& run, bool json);

// Prints a JSON document on stdout, indented.
void PrintJson(const nlohmann::json& document);

// Checks, before any work, that an image output path (calibrate -o, align -o) ends in an extension
// WriteOutputImage writes: .png, .tif, .tiff, .jpg or .jpeg (any case). A UsageError otherwise,
// naming the path and the extensions.
Status CheckImageOutputPath(const std::filesystem::path& path);

// Writes `image` (BGR CV_8UC3/CV_16UC3, or grey) atomically to `path` in the format its extension
// names; PNG and TIFF keep 16 bits, JPEG gets them reduced to 8 (not clipped). Failures are
// kStorage naming `path`, never OpenCV's text or the temporary file's name.
Status WriteOutputImage(const std::filesystem::path& path, const cv::Mat& image);

// Writes a JSON document atomically to a file.
Status WriteJsonFile(const std::filesystem::path& path, const nlohmann::json& document);

// A CLI11 validator of a whole-text number in [lo, hi]; NaN and infinity fail (CLI::Range alone
// lets NaN through, as NaN fails no comparison). The message names `option` and `range`
// ("1 and 200 mm").
inline CLI::Validator NumberIn(double lo, double hi, const std::string& option,
                               const std::string& range) {
  return CLI::Validator(
      [lo, hi, option, range](std::string& text) -> std::string {
        double value = 0;
        try {
          std::size_t used = 0;
          value = std::stod(text, &used);
          if (used != text.size()) return "'" + text + "' is not a number";
        } catch (const std::exception&) {
          return "'" + text + "' is not a number";
        }
        if (!(value >= lo && value <= hi)) {
          return option + " must be between " + range + ", not " + text;
        }
        return std::string();
      },
      "between " + range);
}

// Validator of the common `--max-megapixels` option of commands that read images: a number from
// 1e-6 to 1e6 MP, so that the limit always converts to a pixel count (1e300 or NaN would make the
// conversion undefined behaviour).
inline CLI::Validator MegapixelLimit() {
  return NumberIn(1e-6, 1e6, "--max-megapixels", "1e-6 and 1e6 MP");
}

// Validator of every `--px-per-mm` option (score, compare, import, surface): a scale within
// core::kMinPxPerMm..kMaxPxPerMm (core/base/capture_limits.h), the range the manifest and lights
// files are held to. NaN, infinity, 0 and absurd scales fail here rather than later as a
// misleading "skin mask holds only 0 pixels" or a nonsense texture band.
inline CLI::Validator PxPerMmRange() {
  return NumberIn(core::kMinPxPerMm, core::kMaxPxPerMm, "--px-per-mm", core::PxPerMmRangeText());
}

// The `--chart-pitch-mm` option of commands that calibrate: the ColorChecker's patch
// centre-to-centre distance, from which the physical scale is taken. 44 mm is the Classic; a Mini,
// Nano or Passport is smaller, and taking it for a Classic would make every size several times
// too small. A number from 1 to 200 mm.
inline void AddChartPitchOption(CLI::App* sub, double* pitch_mm) {
  sub->add_option("--chart-pitch-mm", *pitch_mm,
                  "Patch centre-to-centre distance of the colour chart in mm (default 44, the "
                  "ColorChecker Classic; smaller for a Mini, Nano or Passport). The physical "
                  "scale is taken from it")
      ->check(NumberIn(1, 200, "--chart-pitch-mm", "1 and 200 mm"));
}

// `--same-light`, of the commands that judge changes (compare, timeline, claims, study, report):
// the user states that every capture was taken with the same light and camera settings, so that
// absolute colour is judged without a colour chart (compare::JudgeRules).
inline void AddSameLightOption(CLI::App* sub, compare::JudgeRules* rules) {
  sub->add_flag("--same-light", rules->same_light,
                "Every photo was taken with the same light and camera settings (a fixed booth, "
                "white balance and exposure locked): judge a*, erythema index, haemoglobin, red "
                "area, melanin, ITA and L* spread without a colour chart. Without it they are "
                "left out of changes for photos whose colour was not calibrated");
}

// The part of a stored score's parameter hash that the chart pitch adds: nothing for the
// Classic's default pitch, so stores scored before the option existed keep their hashes.
inline std::string ChartPitchParameter(double pitch_mm) {
  return pitch_mm == core::kClassicPatchPitchMm ? std::string()
                                                : ";chart_pitch_mm=" + std::to_string(pitch_mm);
}
}  // namespace skintrack::cli
