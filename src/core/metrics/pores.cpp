#include "core/metrics/pores.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/metrics/analysis_frame.h"
#include "core/metrics/dark_blobs.h"
#include "core/metrics/hair.h"

namespace skintrack::core {
namespace {

// A pore of kTypicalPoreMm (the middle of the usual 0.1-0.5 mm) spanning fewer than
// kMinSizedPorePx analysis pixels (below 13.3 px/mm) is near the resolution: lens blur hides the
// smallest pores and the mean of those left reads large. On the phantom at 10 px/mm and a blur of
// 0.8 px, density -9 to -15 % and mean diameter +10 to +12 %; at 0.3 px, -3 % and -2 %; at
// 15 px/mm and 0.5 px, -1 % and -3 %.
constexpr double kTypicalPoreMm = 0.3;
constexpr double kMinSizedPorePx = 4.0;

// Sub-pixels per pixel side when the model discs are rendered: each pixel is the mean of its
// kSuper × kSuper sub-pixels, as a sensor's pixel integrates its area.
constexpr int kSuper = 4;

// The diameter DetectDarkBlobs reports for an ideal dark disc of `diameter_px` blurred by a
// Gaussian of `blur_px` (without the pixel's area) and integrated over pixels, centred
// at sub-pixel offset `phase`; 0 when it is not found.
double ModelDiscDiameter(double diameter_px, double blur_px, double phase,
                         const DarkBlobOptions& blob) {
  const int side = (static_cast<int>(std::ceil(2.0 * diameter_px + 8.0 * blur_px)) + 16) | 1;
  cv::Mat fine(side * kSuper, side * kSuper, CV_32F, cv::Scalar(0));
  // Pixel i spans sub-pixels [i·kSuper, (i + 1)·kSuper): its centre is sub-pixel (i + ½)·kSuper − ½.
  const double centre = (side / 2 + phase + 0.5) * kSuper - 0.5;
  cv::circle(fine, cv::Point(cvRound(centre * 16), cvRound(centre * 16)),
             cvRound(0.5 * diameter_px * kSuper * 16), cv::Scalar(-0.3), cv::FILLED, cv::LINE_AA,
             4);
  if (blur_px > 0.01) {
    cv::GaussianBlur(fine, fine, cv::Size(), blur_px * kSuper, blur_px * kSuper,
                     cv::BORDER_REPLICATE);
  }
  cv::Mat image;
  cv::resize(fine, image, cv::Size(side, side), 0, 0, cv::INTER_AREA);
  const cv::Mat mask(image.size(), CV_8U, cv::Scalar(255));
  DarkBlobOptions model = blob;
  model.min_contrast = 0.01;
  model.min_snr = 0;
  model.lowest_snr = 0;
  model.min_roundness = 0;
  model.false_maxima_per_level = 0;
  const cv::Point2d expected(side / 2 + phase, side / 2 + phase);
  double best = 0, best_distance = 1e9;
  for (const DarkBlob& b : DetectDarkBlobs(image, mask, model)) {
    const double distance = cv::norm(cv::Point2d(b.center_px) - expected);
    if (distance < best_distance) {
      best_distance = distance;
      best = b.diameter_px;
    }
  }
  return best_distance <= std::max(1.0, 0.25 * diameter_px) ? best : 0.0;
}

// (reading, diameter) of model discs from 1 px to 1.5 × the largest searched: what the detector
// reads for each ideal disc under `blur_px` (0: the pixels' own area only), the reading increasing.
std::vector<std::pair<double, double>> DiscReadings(double blur_px, const DarkBlobOptions& blob) {
  std::vector<std::pair<double, double>> table;
  double previous = 0;
  for (double d = 1.0; d <= 1.5 * blob.max_diameter_px; d *= 1.08) {
    const double reading =
        0.5 * (ModelDiscDiameter(d, blur_px, 0.0, blob) + ModelDiscDiameter(d, blur_px, 0.5, blob));
    if (reading <= previous) continue;  // not found, or not yet increasing
    table.emplace_back(reading, d);
    previous = reading;
  }
  return table;
}

// The diameter of the ideal disc the detector reads as `measured` (linear between the model
// discs; beyond them, in proportion to the nearest).
double DiscDiameter(double measured, const std::vector<std::pair<double, double>>& table) {
  if (table.size() < 2) return measured;
  if (measured <= table.front().first) return measured * table.front().second / table.front().first;
  for (size_t i = 1; i < table.size(); ++i) {
    if (measured <= table[i].first) {
      const auto& [m0, d0] = table[i - 1];
      const auto& [m1, d1] = table[i];
      return d0 + (d1 - d0) * (measured - m0) / (m1 - m0);
    }
  }
  return measured * table.back().second / table.back().first;
}

}  // namespace

Result<PoreDetection> DetectPores(const AnalysisFrame& frame, const PoreOptions& options) {
  try {
    DarkBlobOptions blob;
    blob.min_diameter_px = std::max(2.0, frame.MmToPx(options.min_diameter_mm));
    blob.max_diameter_px = std::max(blob.min_diameter_px * 1.5, frame.MmToPx(options.max_diameter_mm));
    blob.scales_per_octave = options.scales_per_octave;
    blob.min_contrast = options.min_contrast;
    blob.min_snr = options.min_snr;
    blob.lowest_snr = options.lowest_snr;
    blob.max_bright_share = options.max_bright_share;
    blob.min_roundness = options.min_roundness;

    const cv::Mat contrast =
        FlatFieldContrast(frame.luminance, frame.mask, frame.MmToPx(options.flat_field_sigma_mm));
    const int border = static_cast<int>(std::ceil(blob.max_diameter_px / 2.0)) + 1;
    PoreDetection detection;
    detection.detect_mask = frame.InnerMask(border);
    if (!frame.hair.empty()) {
      // No pore is seen under a hair, and a hair's edges and crossings read as dark specks and
      // widen the noise level every pore is judged against: centres and noise are taken on the
      // skin at least the largest pore's radius clear of hair.
      const int clear = static_cast<int>(std::ceil(blob.max_diameter_px / 2.0));
      detection.detect_mask.setTo(0, NearHair(frame.hair, clear));
    }
    detection.detect_area_px = cv::countNonZero(detection.detect_mask);
    // Each pore's size is read back through the detector's reading of ideal discs integrated over
    // pixels and, when the chart measured it, under the capture's blur (pores.h).
    const std::vector<std::pair<double, double>> readings =
        DiscReadings(frame.blur_px.value_or(0.0), blob);
    for (const DarkBlob& b : DetectDarkBlobs(contrast, detection.detect_mask, blob)) {
      Pore pore;
      pore.center_px = b.center_px;
      pore.diameter_px = DiscDiameter(b.diameter_px, readings);
      pore.contrast = b.contrast;
      pore.roundness = b.roundness;
      detection.pores.push_back(pore);
    }
    detection.map = cv::Mat(contrast.size(), CV_32F, cv::Scalar(0));
    for (const Pore& p : detection.pores) {
      cv::circle(detection.map, cv::Point(cvRound(p.center_px.x), cvRound(p.center_px.y)),
                 std::max(1, cvRound(p.diameter_px / 2.0)),
                 cv::Scalar(static_cast<float>(p.contrast)), cv::FILLED, cv::LINE_8);
    }
    detection.map.setTo(0, frame.mask == 0);
    return detection;
  } catch (const cv::Exception& e) {
    return InternalError(std::string("pore detection failed in OpenCV: ") + e.what());
  }
}

Result<MetricGroup> MeasurePores(const AnalysisFrame& frame, const PoreOptions& options) {
  SKT_ASSIGN_OR_RETURN(PoreDetection detection, DetectPores(frame, options));
  MetricGroup group;
  group.name = "pores";
  const double count = static_cast<double>(detection.pores.size());
  double diameter_sum = 0;
  double pore_area_px = 0;
  for (const Pore& p : detection.pores) {
    diameter_sum += p.diameter_px;
    pore_area_px += M_PI * 0.25 * p.diameter_px * p.diameter_px;
  }
  const double mean_diameter_px = count > 0 ? diameter_sum / count : 0.0;
  // Densities refer to the skin where a pore centre could be detected (the mask less a border of
  // the largest pore radius), so a small ROI is not biased low by its own rim.
  const double area_px = std::max(1.0, detection.detect_area_px);
  group.scalars.push_back({"count", count, "count"});
  if (frame.scale_known) {
    const double area_cm2 = area_px / (frame.px_per_mm * frame.px_per_mm) / 100.0;
    group.scalars.push_back({"density_per_cm2", count / area_cm2, "1/cm^2"});
    group.scalars.push_back({"mean_diameter_mm", mean_diameter_px / frame.px_per_mm, "mm"});
  } else {
    const double original_mpx = area_px / (frame.downscale * frame.downscale) / 1e6;
    group.scalars.push_back({"density_per_mpx", count / original_mpx, "1/megapixel"});
    group.scalars.push_back({"mean_diameter_px", mean_diameter_px / frame.downscale, "px"});
  }
  group.scalars.push_back({"area_pct", 100.0 * pore_area_px / area_px, "%"});
  if (count == 0) group.warnings.push_back("pores_none_found");
  // Even the largest pores span fewer than 3 px: what is counted is the biggest pores and dark
  // specks, not the pore population (docs/METRICS.md).
  if (frame.ScaleJudgesResolution() && frame.MmToPx(options.max_diameter_mm) < kMinResolvedPx) {
    group.warnings.push_back("pores_below_resolution");
  } else if (frame.ScaleJudgesResolution() && frame.MmToPx(kTypicalPoreMm) < kMinSizedPorePx) {
    // A typical pore spans only a few pixels: lens blur then inflates the sizes and hides the
    // smallest pores (docs/METRICS.md, Resolution).
    group.warnings.push_back("pores_near_resolution");
  }
  group.maps.push_back({"pores", detection.map, "relative contrast", 0.0f, 0.3f});
  return group;
}

}  // namespace skintrack::core
