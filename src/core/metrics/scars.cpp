#include "core/metrics/scars.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <opencv2/imgproc.hpp>

#include "core/base/check.h"
#include "core/color/skin_model.h"
#include "core/metrics/analysis_frame.h"
#include "core/metrics/dark_blobs.h"

namespace skintrack::core {
namespace {

// The disc of `radius` around `centre` as a mask over its bounding box, both clipped to `image`.
std::pair<cv::Rect, cv::Mat> DiscInImage(cv::Point centre, int radius, const cv::Rect& image) {
  const cv::Rect box =
      cv::Rect(centre.x - radius, centre.y - radius, 2 * radius + 1, 2 * radius + 1) & image;
  cv::Mat disc(box.size(), CV_8U, cv::Scalar(0));
  if (!box.empty()) cv::circle(disc, centre - box.tl(), radius, cv::Scalar(255), cv::FILLED);
  return {box, disc};
}

}  // namespace

Result<ScarDetection> DetectScars(const AnalysisFrame& frame, const ScarOptions& options,
                                  const cv::Mat& search) {
  SKT_CHECK(search.empty() || (search.type() == CV_8U && search.size() == frame.mask.size()));
  try {
    // Scars are millimetres across: detect on a copy at most `work_px_per_mm` (cheaper large
    // scales); positions and sizes are mapped back to analysis pixels.
    const double factor = std::min(1.0, options.work_px_per_mm / frame.px_per_mm);
    cv::Mat shading =
        frame.shading.empty() ? DecomposeChromophores(frame.rgb_linear).shading : frame.shading;
    cv::Mat mask = frame.mask;
    if (factor < 0.999) {
      const cv::Size size(std::max(1, static_cast<int>(std::lround(shading.cols * factor))),
                          std::max(1, static_cast<int>(std::lround(shading.rows * factor))));
      cv::resize(shading, shading, size, 0, 0, cv::INTER_AREA);
      cv::resize(frame.mask, mask, size, 0, 0, cv::INTER_AREA);
      cv::threshold(mask, mask, 127, 255, cv::THRESH_BINARY);
    }
    const double ppm = frame.px_per_mm * (static_cast<double>(shading.cols) / frame.mask.cols);
    const double background_px = options.background_sigma_mm * ppm;

    DarkBlobOptions blob;
    // With an assumed scale a pore can read several times its size; the size floors take that
    // margin so that pores never become scars (small scars are then missed instead).
    const double margin = frame.scale_known ? 1.0 : std::max(1.0, options.unscaled_size_margin);
    const double min_diameter_mm = margin * options.min_diameter_mm;
    const double pore_fill_mm = margin * options.pore_fill_mm;
    blob.min_diameter_px = min_diameter_mm * ppm;
    blob.max_diameter_px = options.max_diameter_mm * ppm;
    blob.min_contrast = options.min_deficit;
    blob.min_roundness = options.min_roundness;
    blob.tolerate_shaded_walls = true;
    const int border = static_cast<int>(std::ceil(0.5 * min_diameter_mm * ppm));
    const cv::Mat detect_mask = ErodeMask(mask, border);
    const double detect_cm2 = cv::countNonZero(detect_mask) / (100.0 * ppm * ppm);
    blob.false_maxima_per_level = std::max(1e-6, options.false_scars_per_cm2 * detect_cm2);
    const cv::Mat background = MaskedGaussian(shading, mask, background_px);
    // Pores are dark openings narrower than 0.5 mm: a grey closing with a disc of pore_fill_mm
    // fills them (with a margin for lens blur and for pores that touch) and specks of texture,
    // while a depression wider than the disc keeps its floor. The blob detector below then sees
    // scars and not pores, however dark and dense they are, and the diameter floor need not do that
    // job.
    cv::Mat contrast = ShadingContrast(shading, background, mask);
    const int pore_px = static_cast<int>(std::lround(pore_fill_mm * ppm));
    if (pore_px >= 2) {
      cv::morphologyEx(
          contrast, contrast, cv::MORPH_CLOSE,
          cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(pore_px | 1, pore_px | 1)),
          cv::Point(-1, -1), 1, cv::BORDER_REPLICATE);
    }
    const std::vector<DarkBlob> blobs = DetectDarkBlobs(contrast, detect_mask, blob);

    // The shadow of each scar against a reference that excludes every scar and its rim, so large
    // scars do not darken their own reference.
    cv::Mat reference_mask = mask.clone();
    for (const DarkBlob& b : blobs) {
      cv::circle(reference_mask, cv::Point(cvRound(b.center_px.x), cvRound(b.center_px.y)),
                 cvRound(0.75 * b.diameter_px) + 1, cv::Scalar(0), cv::FILLED);
    }
    const cv::Mat& ref =
        cv::countNonZero(reference_mask) > cv::countNonZero(mask) / 5 ? reference_mask : mask;
    const double smooth_px = std::max(0.5, options.smooth_sigma_mm * ppm);
    cv::Mat smooth;
    cv::GaussianBlur(shading, smooth, cv::Size(), smooth_px, smooth_px, cv::BORDER_REFLECT);
    cv::Mat deficit = -ShadingContrast(smooth, MaskedGaussian(shading, ref, background_px), mask);

    ScarDetection detection;
    const double to_analysis = static_cast<double>(frame.mask.cols) / shading.cols;
    cv::Mat work_map(shading.size(), CV_32F, cv::Scalar(0));
    const cv::Mat deficit_pct = deficit * 100.0;
    const cv::Rect image_rect(0, 0, shading.cols, shading.rows);
    for (const DarkBlob& b : blobs) {
      if (!search.empty()) {
        const int x = std::clamp(cvRound(b.center_px.x * to_analysis), 0, search.cols - 1);
        const int y = std::clamp(cvRound(b.center_px.y * to_analysis), 0, search.rows - 1);
        if (search.at<uchar>(y, x) == 0) continue;
      }
      // Each blob's disc, within its bounding box only.
      const int radius = std::max(1, cvRound(b.diameter_px / 2.0));
      const cv::Point centre(cvRound(b.center_px.x), cvRound(b.center_px.y));
      auto [box, disc] = DiscInImage(centre, radius, image_rect);
      if (box.empty()) continue;
      disc &= mask(box);
      const int pixels = cv::countNonZero(disc);
      if (pixels == 0) continue;
      // A depression is judged against the skin around it: a blob whose rim (1.5 × its diameter)
      // runs out of the measured skin, into an eye, a nostril, the lips or the hairline, is the
      // dark edge of that feature, not a scar.
      {
        const int rim = std::max(radius + 1, cvRound(0.75 * b.diameter_px));
        auto [rim_box, rim_disc] = DiscInImage(centre, rim, image_rect);
        const int rim_pixels = cv::countNonZero(rim_disc);
        rim_disc &= mask(rim_box);
        if (cv::countNonZero(rim_disc) < options.min_skin_around * rim_pixels) continue;
      }
      double peak = 0;
      cv::minMaxLoc(deficit(box), nullptr, &peak, nullptr, nullptr, disc);
      // The floor applies to what is reported as well: on average at least min_deficit darker
      // than the skin around it (the LoG estimate alone can pass on a textured patch).
      const double shadow_index = 100.0 * cv::mean(deficit(box), disc)[0];
      if (shadow_index < 100.0 * options.min_deficit) continue;
      Scar scar;
      scar.center_px = b.center_px * static_cast<float>(to_analysis);
      scar.diameter_px = b.diameter_px * to_analysis;
      scar.area_px = pixels * to_analysis * to_analysis;
      scar.shadow_index = shadow_index;
      scar.peak_deficit = peak;
      scar.snr = b.snr;
      scar.roundness = b.roundness;
      detection.scars.push_back(scar);
      cv::Mat map_box = work_map(box);
      deficit_pct(box).copyTo(map_box, disc);
    }
    if (factor < 0.999) {
      cv::resize(work_map, detection.map, frame.mask.size(), 0, 0, cv::INTER_LINEAR);
    } else {
      detection.map = work_map;
    }
    detection.map.setTo(0, frame.mask == 0);
    return detection;
  } catch (const cv::Exception& e) {
    return InternalError(std::string("scar detection failed in OpenCV: ") + e.what());
  }
}

Result<MetricGroup> MeasureScars(const AnalysisFrame& frame, const ScarOptions& options,
                                 const cv::Mat& search) {
  SKT_ASSIGN_OR_RETURN(ScarDetection detection, DetectScars(frame, options, search));
  double searched_px = frame.mask_area_px;
  if (!search.empty()) searched_px = std::max(1, cv::countNonZero(search & frame.mask));
  MetricGroup group;
  group.name = "scars";
  double area = 0;
  double shadow = 0;
  for (const Scar& s : detection.scars) {
    area += s.area_px;
    shadow += s.shadow_index;
  }
  const double count = static_cast<double>(detection.scars.size());
  group.scalars.push_back({"count", count, "count"});
  group.scalars.push_back({"area_pct", 100.0 * area / searched_px, "%"});
  group.scalars.push_back({"shadow_index", count > 0 ? shadow / count : 0.0,
                           "% luminance deficit (relative, not a depth)"});
  if (detection.scars.empty()) group.warnings.push_back("scars_none_found");
  group.maps.push_back({"scars", detection.map, "% luminance deficit", 0.0f, 30.0f});
  return group;
}

}  // namespace skintrack::core
