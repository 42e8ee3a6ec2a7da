// Metrics stage: skin mask (user ROI or automatic, chart excluded), the six metric groups on one
// analysis frame, and the per-pixel maps (docs/METRICS.md).
#include <algorithm>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/base/atomic_file.h"
#include "core/base/check.h"
#include "core/base/deadline.h"
#include "core/mask/capture_mask.h"
#include "core/mask/face_regions.h"
#include "core/metrics/analysis_frame.h"
#include "core/metrics/map_export.h"
#include "core/metrics/pigmentation.h"
#include "core/metrics/pores.h"
#include "core/metrics/redness.h"
#include "core/metrics/scars.h"
#include "core/metrics/texture.h"
#include "core/metrics/wrinkles.h"
#include "core/pipeline/stages.h"

namespace skintrack::core {
namespace {

using nlohmann::json;

// A Haar face box spans about 140 mm of an adult face (cheek to cheek); used only to size filters
// when no measured scale exists.
constexpr double kFaceBoxWidthMm = 140.0;

// colourless_in_mask: the share of the region that had no skin colour (AnalysisFrame::
// colourless_share). Of the 21 sample photos, the white-haired close-up and a chart scene whose
// "skin" is a desk with white objects on it are warned (docs/METRICS.md).
constexpr double kMinColourlessShare = 0.05;

void AddWarning(std::vector<std::string>& warnings, const std::string& code) {
  if (std::find(warnings.begin(), warnings.end(), code) == warnings.end()) {
    warnings.push_back(code);
  }
}

json GroupToJson(const MetricGroup& group) {
  json out = json::object();
  json units = json::object();
  for (const MetricScalar& s : group.scalars) {
    out[s.key] = s.value;
    units[s.key] = s.unit;
  }
  for (const MetricLabel& l : group.labels) out[l.key] = l.value;
  out["units"] = units;
  return out;
}

json RectToJson(const cv::Rect& r) { return json::array({r.x, r.y, r.width, r.height}); }

Status WriteMaskPng(const std::filesystem::path& path, const cv::Mat& mask) {
  std::vector<uchar> bytes;
  if (!cv::imencode(".png", mask, bytes)) return StorageError("cannot encode " + path.string());
  return WriteFileAtomic(path, std::string_view(reinterpret_cast<const char*>(bytes.data()),
                                                bytes.size()));
}

// Where the single-image scar detector looks for scars (empty: the whole mask). On a whole face
// (named regions found) that is the forehead, the cheeks and the chin, where atrophic acne scars
// are graded: the nose and nostrils, the creases beside them, the lips, the eyes and the face's
// outline shade like depressions. The whole mask still sets the detector's background and noise
// level, so this only removes detections. `names` receives the regions searched (null: the whole
// mask).
cv::Mat ScarSearchArea(const AnalysisFrame& frame, const std::map<std::string, cv::Mat>& regions,
                       json& names) {
  names = nullptr;
  cv::Mat search;
  json kept = json::array();
  for (const auto& [name, region] : regions) {
    if (name == "nose") continue;
    search = search.empty() ? region.clone() : (search | region);
    kept.push_back(name);
  }
  if (search.empty()) return search;
  if (search.size() != frame.mask.size()) {
    cv::resize(search, search, frame.mask.size(), 0, 0, cv::INTER_AREA);
    cv::threshold(search, search, 127, 255, cv::THRESH_BINARY);
  }
  // Too little of the regions is skin (less than a frame may hold): search the whole mask, as
  // without a face.
  if (cv::countNonZero(search & frame.mask) < AnalysisFrameOptions{}.min_mask_px) return cv::Mat();
  names = std::move(kept);
  return search;
}

// Without --maps, the only maps read after their group is measured are the pores' and the
// wrinkles' (the scar search leaves out the pixels they explain, ExplainedDarkFeatures); the rest
// are released at once, and those two after the scars. Together with ReleaseColourPlanes this
// keeps the memory the later groups need from growing into fresh pages, which are costly on some
// machines (see the Speed section of docs/METRICS.md). Keep the two names in step with the maps
// ExplainedDarkFeatures (scars.cpp) reads.
void ReleaseUnreadMaps(MetricGroup& group) {
  std::erase_if(group.maps, [&](const MetricMap& map) {
    return !((group.name == "pores" && map.name == "pores") ||
             (group.name == "wrinkles" && map.name == "wrinkles"));
  });
}

// Releases what only redness and pigmentation read: the colour frame, or without one the frame's
// Lab and its melanin and haemoglobin planes; and the linear RGB, which the later groups read only
// when the frame has no shading plane (MakeAnalysisFrame always makes one).
void ReleaseColourPlanes(AnalysisFrame& frame) {
  frame.colour.reset();
  frame.lab_d50.release();
  frame.melanin.release();
  frame.hemoglobin.release();
  if (!frame.shading.empty()) frame.rgb_linear.release();
}

// `pores_compressed` (kMinPoreJpegQuality, stages.h): pores a few of the photo's own pixels
// across in a JPEG of moderate quality. A close-up whose pores span 3-4 px, re-saved at quality 85,
// counted 8-22 % more or fewer pores than its lossless original, and two copies at quality 85
// shifted by a few pixels (the blocks falling elsewhere on the skin) differed by 8-17 %: as much
// as the pores' default MDC95 (10 % then, 20 % now), so such a count is noise of the
// compression. The phantom's 0.3 mm pores at 20 px/mm (6 px) read the same density from quality
// 95 down to 65.
void AddPoresCompressed(const LoadedImage& image, const AnalysisFrame& frame, MetricGroup& pores) {
  const std::optional<int> quality = image.header.jpeg_quality;
  if (!quality || *quality >= kMinPoreJpegQuality || *quality < kMinJpegQuality) return;
  if (pores.Get("count") <= 0) return;
  const auto& w = pores.warnings;
  if (std::find(w.begin(), w.end(), "pores_below_resolution") != w.end()) return;
  const double diameter_px = pores.Has("mean_diameter_px") ? pores.Get("mean_diameter_px")
                                                           : pores.Get("mean_diameter_mm") *
                                                                 frame.px_per_mm / frame.downscale;
  if (diameter_px < kPoreBlockScalePx) pores.warnings.push_back("pores_compressed");
}

}  // namespace

Result<SkinMaskResult> SelectSkinMask(const CalibratedCapture& capture,
                                      const ScoreOptions& options) {
  const cv::Mat& rgb = capture.rgb_linear;
  cv::Mat chart_mask;
  if (!capture.chart_mask.empty() && capture.chart_mask.size() == rgb.size()) {
    chart_mask = capture.chart_mask;
  }
  if (!options.roi_mask.empty()) {
    SKT_CHECK(options.roi_mask.type() == CV_8UC1 && options.roi_mask.size() == rgb.size());
    SkinMaskResult result;
    result.mask = (options.roi_mask != 0);
    if (!chart_mask.empty()) result.mask.setTo(0, chart_mask != 0);
    if (cv::countNonZero(result.mask) == 0) {
      return AnalysisError(
          "the region to measure is empty (or only the chart); frame the "
          "same skin as the baseline, or give an ROI");
    }
    return result;
  }
  return CaptureSkinMask(rgb, options.roi_path, chart_mask, capture.px_per_mm);
}

Result<json> RunMetricsStage(const LoadedImage& image, CalibratedCapture capture,
                             const ScoreOptions& options, std::vector<std::string>& warnings,
                             cv::Mat* measured_mask) {
  json mask_info = json::object();
  SKT_ASSIGN_OR_RETURN(SkinMaskResult detected, SelectSkinMask(capture, options));
  const cv::Mat& skin = detected.mask;
  if (measured_mask != nullptr) *measured_mask = skin;
  // The face: found on this image, or, when measuring in another image's frame, that image's.
  std::optional<cv::Rect> face = detected.face;
  int face_turns = detected.face_quarter_turns;
  double face_tilt_deg = detected.face_tilt_deg;
  if (!face && !options.roi_mask.empty() && options.face) {
    const cv::Rect clipped = *options.face & cv::Rect(0, 0, skin.cols, skin.rows);
    if (!clipped.empty()) {
      face = clipped;
      face_turns = options.face_quarter_turns;
      face_tilt_deg = options.face_tilt_deg;
    }
  }
  for (const auto& w : detected.warnings) AddWarning(warnings, w);
  SKT_RETURN_IF_ERROR(CheckDeadline("the skin mask"));
  if (!options.roi_mask.empty()) {
    mask_info["source"] = !options.roi_mask_source.empty() ? options.roi_mask_source
                          : options.fixed_frame            ? "baseline_common"
                                                           : "given";
  } else {
    mask_info["source"] = options.roi_path.empty() ? "auto" : "roi";
  }
  mask_info["skin_pct"] = 100.0 * cv::countNonZero(skin) / static_cast<double>(skin.total());
  mask_info["face"] = face ? RectToJson(*face) : json(nullptr);
  // Which way the face is turned in the photo: the clockwise turn, in degrees, that stands it
  // upright (0 for an upright face).
  mask_info["face_turn_deg"] = face ? json(90 * face_turns) : json(nullptr);
  // Leaning to one side as well (FindFace): the tilt, clockwise as viewed, that the face's eyes'
  // line shows; 0 for a face found upright or turned by quarters.
  mask_info["face_tilt_deg"] = face ? json(face_tilt_deg) : json(nullptr);
  json eyes = json::array();
  for (const cv::Rect& eye : detected.eyes) eyes.push_back(RectToJson(eye));
  mask_info["eyes_excluded"] = eyes;
  mask_info["mouth_excluded"] = detected.mouth ? RectToJson(*detected.mouth) : json(nullptr);
  // A face lying on its side (or upside down) is measured turned upright: the photo, its mask and
  // the face are turned before the analysis frame is made, and the maps and regions turned back
  // into the photo's pixels when they are written. The line, pore and texture filters are not
  // exactly the same for a photo turned a quarter (docs/METRICS.md), and the same face should
  // read the same whichever way the camera was held.
  // A follow-up without a face is measured turned the way its baseline lay, for the same reason.
  const int turns = face ? face_turns : options.fixed_frame ? options.face_quarter_turns : 0;
  const cv::Size photo_size = skin.size();
  cv::Mat upright_skin = TurnClockwise(skin, turns);
  std::map<std::string, cv::Mat> regions;
  if (face) {
    regions = FaceRegions(TurnRectClockwise(*face, photo_size, turns), upright_skin, face_tilt_deg);
  }
  json regions_json = json::object();
  for (const auto& [name, region] : regions) {
    const cv::Rect bbox =
        TurnRectClockwise(cv::boundingRect(region), upright_skin.size(), 4 - turns);
    regions_json[name] = {{"bbox", RectToJson(bbox)}, {"pixels", cv::countNonZero(region)}};
  }
  mask_info["regions"] = regions_json;

  std::optional<double> estimate;
  if (face && face->width > 0) estimate = face->width / kFaceBoxWidthMm;
  // The full-resolution image is not needed past the analysis frame (a 12 MP photo's is 144 MB):
  // moved in, it is released as soon as it is reduced, so that its memory serves the frame's and
  // the metric groups' planes instead of fresh pages.
  capture.chart_mask.release();
  if (turns != 0) capture.rgb_linear = TurnClockwise(capture.rgb_linear, turns);
  SKT_ASSIGN_OR_RETURN(
      AnalysisFrame frame,
      MakeAnalysisFrame(std::move(capture.rgb_linear), upright_skin, capture.px_per_mm, estimate));
  if (!frame.scale_known) AddWarning(warnings, "scale_unknown_sizes_in_px");
  // Brown or black hair over 1 % of the skin: brown spots, pores, lines and texture are measured
  // between the hairs (AnalysisFrame::hair).
  if (frame.hair_px >= 0.01 * frame.mask_area_px) AddWarning(warnings, "hair_on_skin");
  // White or grey hair, glare or a white object over 5 % of the region: taken out of the skin
  // measured (hair.h FindColourlessArea), but where the hair lies thin the gaps between the
  // hairs may still read as lines, pores and texture.
  if (frame.colourless_share >= kMinColourlessShare) AddWarning(warnings, "colourless_in_mask");
  mask_info["colourless_excluded_pct"] =
      100.0 * frame.colourless_px / std::max(1.0, frame.mask_area_px + frame.colourless_px);
  if (capture.blur_px) frame.SetCaptureBlur(*capture.blur_px);

  const double colour_scale = frame.ColourFrame().downscale;
  const bool write_maps = !options.maps_dir.empty();
  // Where scars are searched, at the frame's size. Past this point the full-size masks are read
  // only to write the regions' PNGs (--maps).
  const cv::Mat scar_search = ScarSearchArea(frame, regions, mask_info["scar_regions"]);
  detected.mask.release();
  upright_skin.release();
  if (!write_maps) regions.clear();

  // Each group in turn, the batch's time budget checked before each (core/base/deadline.h).
  std::vector<MetricGroup> groups;
  const auto add = [&](MetricGroup group) {
    if (!write_maps) ReleaseUnreadMaps(group);
    groups.push_back(std::move(group));
  };
  SKT_RETURN_IF_ERROR(CheckDeadline("the analysis frame"));
  SKT_ASSIGN_OR_RETURN(MetricGroup redness, MeasureRedness(frame));
  add(std::move(redness));
  SKT_RETURN_IF_ERROR(CheckDeadline("redness"));
  SKT_ASSIGN_OR_RETURN(MetricGroup pigmentation, MeasurePigmentation(frame));
  add(std::move(pigmentation));
  ReleaseColourPlanes(frame);
  SKT_RETURN_IF_ERROR(CheckDeadline("pigmentation"));
  SKT_ASSIGN_OR_RETURN(MetricGroup pores, MeasurePores(frame));
  AddPoresCompressed(image, frame, pores);
  add(std::move(pores));
  SKT_RETURN_IF_ERROR(CheckDeadline("pores"));
  SKT_ASSIGN_OR_RETURN(MetricGroup texture, MeasureTexture(frame));
  add(std::move(texture));
  SKT_RETURN_IF_ERROR(CheckDeadline("texture"));
  SKT_ASSIGN_OR_RETURN(MetricGroup wrinkles, MeasureWrinkles(frame));
  add(std::move(wrinkles));
  SKT_RETURN_IF_ERROR(CheckDeadline("wrinkles"));
  SKT_ASSIGN_OR_RETURN(MetricGroup scars, MeasureScars(frame, {}, scar_search,
                                                       ExplainedDarkFeatures(frame, groups)));
  const bool scars_found = scars.Get("count") > 0;
  groups.push_back(std::move(scars));
  SKT_RETURN_IF_ERROR(CheckDeadline("scars"));
  if (!write_maps) {
    for (MetricGroup& group : groups) group.maps.clear();
  }

  // A whole face gives the single-image scar detector the shading of its own shape (the nose and
  // nostrils, smile creases, hair over the skin), which it cannot tell from a depression.
  if (face && scars_found) AddWarning(warnings, "scars_on_whole_face");

  // Back into the photo's own pixels: what is reported and written from here on.
  if (turns != 0) {
    frame.mask = TurnClockwise(frame.mask, 4 - turns);
    for (MetricGroup& group : groups) {
      for (MetricMap& map : group.maps) map.values = TurnClockwise(map.values, 4 - turns);
    }
    for (auto& [name, region] : regions) region = TurnClockwise(region, 4 - turns);
  }

  json metrics = json::object();
  for (const MetricGroup& group : groups) {
    metrics[group.name] = GroupToJson(group);
    for (const auto& w : group.warnings) AddWarning(warnings, w);
  }
  metrics["mask"] = mask_info;
  metrics["analysis"] = {
      {"width", frame.mask.cols},
      {"height", frame.mask.rows},
      {"scale", frame.downscale},
      {"colour_scale", colour_scale},
      {"px_per_mm", frame.px_per_mm},
      {"scale_known", frame.scale_known},
      // The clockwise turn the photo was measured in (its face upright, or a follow-up without a
      // face as its baseline lay); sizes and maps are in the photo's own pixels all the same.
      {"measured_turn_deg", 90 * turns},
      {"scale_basis", frame.scale_known ? "measured" : (estimate ? "face_width" : "assumed")}};

  if (!options.maps_dir.empty()) {
    SKT_RETURN_IF_ERROR(WriteMetricMaps(options.maps_dir, groups, frame));
    for (const auto& [name, region] : regions) {
      SKT_RETURN_IF_ERROR(WriteMaskPng(options.maps_dir / ("region_" + name + ".png"), region));
    }
  }
  return metrics;
}

}  // namespace skintrack::core
