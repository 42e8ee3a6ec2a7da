#include "core/metrics/scars.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/metrics/analysis_frame.h"

namespace skintrack::core {
namespace {

cv::Mat Deficit(const cv::Mat& smooth, const cv::Mat& background, const cv::Mat& mask) {
  cv::Mat deficit(smooth.size(), CV_32F, cv::Scalar(0));
  for (int y = 0; y < smooth.rows; ++y) {
    const float* s = smooth.ptr<float>(y);
    const float* b = background.ptr<float>(y);
    const uchar* m = mask.ptr<uchar>(y);
    float* d = deficit.ptr<float>(y);
    for (int x = 0; x < smooth.cols; ++x) {
      if (m[x] != 0) d[x] = std::max(0.0f, 1.0f - s[x] / std::max(b[x], 1e-5f));
    }
  }
  return deficit;
}

}  // namespace

Result<ScarDetection> DetectScars(const AnalysisFrame& frame, const ScarOptions& options) {
  try {
    const double smooth_px = std::max(0.5, frame.MmToPx(options.smooth_sigma_mm));
    const double background_px = frame.MmToPx(options.background_sigma_mm);
    cv::Mat smooth;
    cv::GaussianBlur(frame.luminance, smooth, cv::Size(), smooth_px, smooth_px, cv::BORDER_REFLECT);
    cv::Mat background = MaskedGaussian(frame.luminance, frame.mask, background_px);
    cv::Mat deficit = Deficit(smooth, background, frame.mask);
    // Second pass: the reference excludes pixels that already look depressed (and their rims).
    cv::Mat candidates = deficit >= static_cast<float>(0.5 * options.min_deficit);
    const int grow = std::max(1, static_cast<int>(std::lround(2 * smooth_px)));
    cv::dilate(candidates, candidates,
               cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * grow + 1, 2 * grow + 1)));
    cv::Mat reference_mask = frame.mask & ~candidates;
    if (cv::countNonZero(reference_mask) > frame.mask_area_px * 0.2) {
      background = MaskedGaussian(frame.luminance, reference_mask, background_px);
      deficit = Deficit(smooth, background, frame.mask);
    }
    const cv::Mat detect_mask = ErodeMask(frame.mask, static_cast<int>(std::ceil(2 * smooth_px)));
    cv::Mat region = (deficit >= static_cast<float>(options.min_deficit)) & (detect_mask != 0);

    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(region, labels, stats, centroids, 8, CV_32S);
    const double min_d = frame.MmToPx(options.min_diameter_mm);
    const double max_d = frame.MmToPx(options.max_diameter_mm);
    std::vector<double> sum(static_cast<size_t>(n), 0.0), peak(static_cast<size_t>(n), 0.0);
    std::vector<double> sxx(static_cast<size_t>(n), 0.0), syy(static_cast<size_t>(n), 0.0),
        sxy(static_cast<size_t>(n), 0.0);
    for (int y = 0; y < labels.rows; ++y) {
      const int* l = labels.ptr<int>(y);
      const float* d = deficit.ptr<float>(y);
      for (int x = 0; x < labels.cols; ++x) {
        if (l[x] <= 0) continue;
        const auto i = static_cast<size_t>(l[x]);
        sum[i] += d[x];
        peak[i] = std::max(peak[i], static_cast<double>(d[x]));
        const double dx = x - centroids.at<double>(l[x], 0);
        const double dy = y - centroids.at<double>(l[x], 1);
        sxx[i] += dx * dx;
        syy[i] += dy * dy;
        sxy[i] += dx * dy;
      }
    }
    ScarDetection detection;
    detection.map = cv::Mat(deficit.size(), CV_32F, cv::Scalar(0));
    std::vector<bool> keep(static_cast<size_t>(n), false);
    for (int i = 1; i < n; ++i) {
      const auto k = static_cast<size_t>(i);
      const double area = stats.at<int>(i, cv::CC_STAT_AREA);
      const double diameter = 2.0 * std::sqrt(area / M_PI);
      if (diameter < min_d || diameter > max_d) continue;
      const double mean = 0.5 * (sxx[k] + syy[k]) / area;
      const double diff = std::sqrt(0.25 * (sxx[k] - syy[k]) * (sxx[k] - syy[k]) + sxy[k] * sxy[k]) /
                          area;
      const double major = mean + diff;
      const double minor = std::max(mean - diff, 1e-6);
      if (std::sqrt(major / minor) > options.max_elongation) continue;
      Scar scar;
      scar.center_px = cv::Point2f(static_cast<float>(centroids.at<double>(i, 0)),
                                   static_cast<float>(centroids.at<double>(i, 1)));
      scar.area_px = area;
      scar.diameter_px = diameter;
      scar.shadow_index = 100.0 * sum[k] / area;
      scar.peak_deficit = peak[k];
      detection.scars.push_back(scar);
      keep[k] = true;
    }
    for (int y = 0; y < labels.rows; ++y) {
      const int* l = labels.ptr<int>(y);
      const float* d = deficit.ptr<float>(y);
      float* m = detection.map.ptr<float>(y);
      for (int x = 0; x < labels.cols; ++x) {
        if (l[x] > 0 && keep[static_cast<size_t>(l[x])]) m[x] = 100.0f * d[x];
      }
    }
    return detection;
  } catch (const cv::Exception& e) {
    return InternalError(std::string("scar detection failed in OpenCV: ") + e.what());
  }
}

Result<MetricGroup> MeasureScars(const AnalysisFrame& frame, const ScarOptions& options) {
  SKT_ASSIGN_OR_RETURN(ScarDetection detection, DetectScars(frame, options));
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
  group.scalars.push_back({"area_pct", 100.0 * area / frame.mask_area_px, "%"});
  group.scalars.push_back(
      {"shadow_index", count > 0 ? shadow / count : 0.0, "% luminance deficit (relative, not a depth)"});
  group.maps.push_back({"scars", detection.map, "% luminance deficit", 0.0f, 30.0f});
  return group;
}

}  // namespace skintrack::core
