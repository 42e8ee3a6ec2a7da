// `skintrack compare BEFORE AFTER`: align AFTER to BEFORE, score both on one skin mask, and report
// per-metric deltas with the direction of change (docs/METRICS.md "compare").
#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <future>
#include <iostream>
#include <set>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "compare/metric_catalog.h"
#include "core/base/atomic_file.h"
#include "core/color/srgb.h"
#include "core/io/image_io.h"
#include "core/mask/capture_mask.h"
#include "core/pipeline/score_pipeline.h"
#include "core/registration/registration.h"

namespace skintrack::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct CompareCommandOptions {
  std::string before;
  std::string after;
  std::string out_dir;
  std::string roi;
  std::string model = "auto";
  std::string calibrate = "auto";
  double px_per_mm = 0;
  double chart_pitch_mm = core::kClassicPatchPitchMm;
  double max_megapixels = 100;
  bool json = false;
  compare::JudgeRules rules;
};

const char* const kGroups[] = {"redness", "pigmentation", "pores", "texture", "wrinkles", "scars"};

Status WritePng(const fs::path& path, const cv::Mat& image) {
  std::vector<uchar> bytes;
  if (!cv::imencode(".png", image, bytes)) return StorageError("cannot encode " + path.string());
  return WriteFileAtomic(path, std::string_view(reinterpret_cast<const char*>(bytes.data()),
                                                bytes.size()));
}

// A change judged against the key's default MDC95 (compare/metric_catalog.cpp), the threshold
// the claims, the timeline and the viewer use: within it, "no_change".
std::string JudgeChange(const compare::MetricInfo& info, double mdc95, double before,
                        double after) {
  if (info.improvement == compare::Direction::kNeutral) return "not_judged";
  const double delta = after - before;
  if (std::abs(delta) <= mdc95) return "no_change";
  const bool lower = delta < 0;
  const bool improved = info.improvement == compare::Direction::kLowerIsBetter ? lower : !lower;
  return improved ? "improved" : "worsened";
}

// The direction given to a value either capture leaves out (compare::MetricUnresolved): the
// warning that left it out, "below_resolution" for pores_below_resolution and wrinkles_unresolved.
std::string UnresolvedDirection(const std::string& warning) {
  return warning == "pores_below_resolution" || warning == "wrinkles_unresolved"
             ? "below_resolution"
             : warning;
}

// What one feature adds to `key` (compare::PerFeature), read in the capture that found more.
double PerFeature(const json& before, const json& after, const std::string& key, double b,
                  double a) {
  const std::string_view count_key = compare::FeatureCountKey(key);
  if (count_key.empty()) return 0;
  const std::string group(count_key.substr(0, count_key.find('.')));
  const std::string count(count_key.substr(count_key.find('.') + 1));
  const auto count_of = [&](const json& metrics) {
    const json* g = metrics.contains(group) ? &metrics[group] : nullptr;
    return g != nullptr && g->contains(count) && (*g)[count].is_number() ? (*g)[count].get<double>()
                                                                         : 0.0;
  };
  const double before_count = count_of(before);
  const double after_count = count_of(after);
  return before_count >= after_count ? compare::PerFeature(b, before_count)
                                     : compare::PerFeature(a, after_count);
}

json Deltas(const json& before_doc, const json& after_doc, const compare::JudgeRules& rules) {
  const json& before = before_doc["metrics"];
  const json& after = after_doc["metrics"];
  const std::vector<std::string> before_warnings = core::WarningCodes(before_doc);
  const std::vector<std::string> after_warnings = core::WarningCodes(after_doc);
  json out = json::object();
  for (const char* group : kGroups) {
    if (!before.contains(group) || !after.contains(group)) continue;
    json group_out = json::object();
    for (const auto& [key, value] : before[group].items()) {
      const std::string name = std::string(group) + "." + key;
      const auto info = compare::FindMetric(name);
      if (!info || !value.is_number() || !after[group].contains(key)) continue;
      const double b = value.get<double>();
      const double a = after[group][key].get<double>();
      json entry = {{"before", b}, {"after", a}, {"delta", a - b}};
      entry["percent"] = b != 0 ? json(100.0 * (a - b) / std::abs(b)) : json(nullptr);
      const double mdc95 = compare::DefaultMdc(*info, b, PerFeature(before, after, name, b, a));
      entry["mdc95"] = mdc95;
      // A key either capture cannot resolve is shown, not judged (compare::MetricUnresolved).
      std::string unresolved = compare::UnresolvingWarning(name, before_warnings, rules);
      if (unresolved.empty()) unresolved = compare::UnresolvingWarning(name, after_warnings, rules);
      entry["direction"] =
          !unresolved.empty() ? UnresolvedDirection(unresolved) : JudgeChange(*info, mdc95, b, a);
      group_out[key] = entry;
    }
    out[group] = group_out;
  }
  return out;
}

void PrintComparisonHuman(const json& doc) {
  const auto& reg = doc["registration"];
  std::printf("aligned %s -> %s: inliers %d, rms %.2f px, ncc %.3f -> %.3f\n",
              doc["after"]["path"].get<std::string>().c_str(),
              doc["before"]["path"].get<std::string>().c_str(), reg["inliers"].get<int>(),
              reg["rms_residual_px"].get<double>(), reg["ncc_before"].get<double>(),
              reg["ncc_after"].get<double>());
  std::printf("%-34s %12s %12s %12s  %s\n", "metric", "before", "after", "delta", "direction");
  for (const auto& [group, keys] : doc["deltas"].items()) {
    for (const auto& [key, d] : keys.items()) {
      std::printf("%-34s %12.4g %12.4g %+12.4g  %s\n", (group + "." + key).c_str(),
                  d["before"].get<double>(), d["after"].get<double>(), d["delta"].get<double>(),
                  d["direction"].get<std::string>().c_str());
    }
  }
  for (const auto& w : doc["warnings"]) std::cout << "warning: " << w.get<std::string>() << "\n";
  std::set<std::string> directions;
  for (const auto& [group, keys] : doc["deltas"].items()) {
    for (const auto& [key, d] : keys.items()) directions.insert(d["direction"].get<std::string>());
  }
  if (directions.count("uncalibrated_colour") != 0) {
    std::cout
        << "note: the colour values (a*, erythema index, haemoglobin, red area, melanin, ITA, "
           "L* spread) are not judged: without a colour chart a change of light reads as a "
           "change of skin. Photograph a ColorChecker beside the skin, or give --same-light "
           "if both photos were taken with the same light and camera settings\n";
  }
  if (directions.count("heavy_compression") != 0) {
    std::cout << "note: pores, wrinkles, scars, brown-spot and red area are not judged: a photo "
                 "saved at a JPEG quality under 50 draws blocks at their scale. Compare the "
                 "camera's original files\n";
  }
  if (directions.count("pores_compressed") != 0) {
    std::cout << "note: the pore values are not judged: the pores span only a few pixels in a "
                 "photo saved at a JPEG quality under 90, whose blocks move their count by more "
                 "than their MDC95. Compare the camera's original files, or take close-ups\n";
  }
  if (std::any_of(directions.begin(), directions.end(),
                  [](const std::string& d) { return d.ends_with("_none_found"); })) {
    std::cout << "note: a mean size (pore diameter, line width, shadow index) is not judged where "
                 "a photo has no such feature: its 0 stands for no value. The counts, densities "
                 "and areas are judged\n";
  }
  if (directions.count("below_resolution") != 0) {
    std::cout << "note: the pore values are not judged: the pores are too small to resolve in at "
                 "least one photo. Take close-ups of the area for pores\n";
  }
}

int RunCompare(const CompareCommandOptions& opts) {
  core::LoadOptions load;
  load.max_pixels = static_cast<std::int64_t>(opts.max_megapixels * 1e6);
  // The two photos are independent until the registration, and their scores after it: each pair
  // runs on two threads (the loaders and the pipeline are reentrant). On two cores this takes a
  // third off the wall time of a 12 MP pair; with one core it costs nothing.
  auto loading_after =
      std::async(std::launch::async, [&] { return core::LoadImage(opts.after, load); });
  auto before = core::LoadImage(opts.before, load);
  auto after = loading_after.get();
  if (!before.ok()) return ReportError("compare", before.error(), opts.json);
  if (!after.ok()) return ReportError("compare", after.error(), opts.json);

  // The baseline's skin mask (or the user's ROI) is the one both captures are scored on.
  auto mask = core::CaptureSkinMask(
      core::BgrToLinearRgb(before->bgr), opts.roi, cv::Mat(),
      opts.px_per_mm > 0 ? std::optional<double>(opts.px_per_mm) : std::nullopt);
  // Which photo an error is about: both go through the same stages.
  const auto about = [](const char* which, Error error) {
    error.message = std::string(which) + ": " + error.message;
    return error;
  };
  if (!mask.ok()) return ReportError("compare", about("BEFORE", mask.error()), opts.json);
  auto model = core::ParseMotionModel(opts.model);
  if (!model.ok()) return ReportError("compare", model.error(), opts.json);
  core::RegistrationOptions registration_options;
  registration_options.model = *model;
  auto registration =
      core::RegisterImages(after->bgr, before->bgr, mask->mask, registration_options);
  if (!registration.ok()) return ReportError("compare", registration.error(), opts.json);
  const cv::Mat coverage_src = core::AreaInsideFrame(after->bgr);
  auto coverage = core::WarpToFixed(coverage_src, *registration, cv::INTER_NEAREST);
  if (!coverage.ok()) return ReportError("compare", coverage.error(), opts.json);
  cv::Mat common = mask->mask & (*coverage == 255);
  // Stay clear of the resampled border.
  cv::erode(common, common, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(5, 5)));
  if (cv::countNonZero(common) == 0) {
    return ReportError("compare",
                       AnalysisError("the aligned follow-up does not overlap the baseline's skin; "
                                     "frame the same area or give --roi"),
                       opts.json);
  }

  // With -o the common mask, the aligned follow-up and the maps are written there; without it
  // nothing touches the disk (the mask is handed to the scorer in memory).
  const fs::path work_dir = opts.out_dir;
  if (!work_dir.empty()) {
    std::error_code ec;
    fs::create_directories(work_dir, ec);
    if (ec) {
      return ReportError("compare", StorageError("cannot create '" + work_dir.string() + "': " +
                                                 ec.message()),
                         opts.json);
    }
    if (Status s = WritePng(work_dir / "common_mask.png", common); !s.ok()) {
      return ReportError("compare", s.error(), opts.json);
    }
  }
  if (!opts.out_dir.empty()) {
    // For viewing only: the scores below read AFTER's own pixels.
    auto warped = core::WarpToFixed(after->bgr, *registration);
    if (!warped.ok()) return ReportError("compare", warped.error(), opts.json);
    if (Status s = WritePng(work_dir / "after_aligned.png", *warped); !s.ok()) {
      return ReportError("compare", s.error(), opts.json);
    }
  }

  core::ScoreOptions score;
  score.load = load;
  score.roi_mask = common;
  score.roi_mask_source = "baseline_common";
  score.face = mask->face;
  score.face_quarter_turns = mask->face_quarter_turns;
  score.face_tilt_deg = mask->face_tilt_deg;
  score.calibrate = opts.calibrate == "none"      ? core::CalibrateMode::kNone
                    : opts.calibrate == "require" ? core::CalibrateMode::kRequire
                                                  : core::CalibrateMode::kAuto;
  if (opts.px_per_mm > 0) score.px_per_mm = opts.px_per_mm;
  score.chart_pitch_mm = opts.chart_pitch_mm;
  // AFTER is measured on its own pixels, on the common region carried into its frame; its scale,
  // when given for BEFORE, follows the registration's (fixed px per moving px).
  core::ScoreOptions after_score = score;
  after_score.fixed_frame = *registration;
  if (opts.px_per_mm > 0) after_score.px_per_mm = opts.px_per_mm / registration->scale;
  if (!opts.out_dir.empty()) {
    score.maps_dir = work_dir / "before_maps";
    after_score.maps_dir = work_dir / "after_maps";
  }
  auto scoring_after =
      std::async(std::launch::async, [&] { return core::ScoreLoadedImage(*after, after_score); });
  auto before_doc = core::ScoreLoadedImage(*before, score);
  auto after_doc = scoring_after.get();
  if (!before_doc.ok())
    return ReportError("compare", about("BEFORE", before_doc.error()), opts.json);
  if (!after_doc.ok()) return ReportError("compare", about("AFTER", after_doc.error()), opts.json);

  json doc = JsonEnvelope("skintrack.compare/1");
  doc["before"] = core::InputToJson(*before, true);
  doc["after"] = core::InputToJson(*after, true);
  doc["registration"] = core::RegistrationToJson(*registration);
  doc["mask"] = {{"source", opts.roi.empty() ? "auto" : "roi"},
                 {"common_pixels", cv::countNonZero(common)}};
  doc["deltas"] = Deltas(*before_doc, *after_doc, opts.rules);
  doc["same_light"] = opts.rules.same_light;
  doc["scores"] = {{"before", (*before_doc)["metrics"]}, {"after", (*after_doc)["metrics"]}};
  json warnings = json::array();
  for (const auto& w : (*before_doc)["warnings"]) warnings.push_back("before:" + w.get<std::string>());
  for (const auto& w : (*after_doc)["warnings"]) warnings.push_back("after:" + w.get<std::string>());
  for (const auto& w : registration->warnings) warnings.push_back("registration:" + w);
  doc["warnings"] = warnings;
  if (!opts.out_dir.empty()) {
    if (Status s = WriteJsonFile(work_dir / "compare.json", doc); !s.ok()) {
      return ReportError("compare", s.error(), opts.json);
    }
  }
  if (opts.json) {
    PrintJson(doc);
  } else {
    PrintComparisonHuman(doc);
  }
  return 0;
}

}  // namespace

CommandRun SetupCompareCommand(CLI::App& root) {
  auto opts = std::make_shared<CompareCommandOptions>();
  CLI::App* sub = root.add_subcommand(
      "compare", "Align AFTER to BEFORE, score both on one skin mask, report per-metric deltas");
  sub->add_option("before", opts->before, "Baseline image (JPEG, PNG, TIFF)")->required();
  sub->add_option("after", opts->after, "Follow-up image")->required();
  sub->add_option("-o,--output", opts->out_dir,
                  "Write compare.json, the common mask, the aligned follow-up (for viewing) and "
                  "the maps (each in its photo's own pixels) here");
  sub->add_option("--roi", opts->roi, "Region of interest on BEFORE: mask PNG or polygon JSON");
  sub->add_option("--model", opts->model, "Registration model: auto, similarity, affine, homography")
      ->check(CLI::IsMember({"auto", "similarity", "affine", "homography"}));
  sub->add_option("--calibrate", opts->calibrate, "Colour calibration: auto, none or require")
      ->check(CLI::IsMember({"auto", "none", "require"}));
  sub->add_option("--px-per-mm", opts->px_per_mm, "Physical scale of BEFORE, pixels per mm")
      ->check(PxPerMmRange());
  AddChartPitchOption(sub, &opts->chart_pitch_mm);
  sub->add_option("--max-megapixels", opts->max_megapixels, "Refuse larger images (default 100)")
      ->check(MegapixelLimit());
  AddSameLightOption(sub, &opts->rules);
  sub->add_flag("--json", opts->json, "Print the skintrack.compare/1 JSON document on stdout");
  return [opts] { return RunCompare(*opts); };
}

}  // namespace skintrack::cli
