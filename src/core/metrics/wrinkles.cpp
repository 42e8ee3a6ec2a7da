#include "core/metrics/wrinkles.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>
#include <opencv2/ximgproc.hpp>

#include "core/metrics/analysis_frame.h"

namespace skintrack::core {
namespace {

// Normalised second-derivative response σ²λ at the centre of an ideal bar of unit contrast and
// width w is (w/σ)/√(2π)·exp(−w²/(8σ²)); it peaks at σ = w/2 with the value (2/√(2π))·exp(−1/2).
constexpr double kBarResponse = 0.4839;

}  // namespace

double SkeletonLengthPx(const cv::Mat& skeleton) {
  double length = 0;
  const int rows = skeleton.rows;
  const int cols = skeleton.cols;
  auto on = [&](int y, int x) {
    return y >= 0 && y < rows && x >= 0 && x < cols && skeleton.at<uchar>(y, x) != 0;
  };
  for (int y = 0; y < rows; ++y) {
    const uchar* row = skeleton.ptr<uchar>(y);
    for (int x = 0; x < cols; ++x) {
      if (row[x] == 0) continue;
      int neighbours = 0;
      // Each link counted once: look right, down, and the two lower diagonals.
      if (on(y, x + 1)) length += 1.0;
      if (on(y + 1, x)) length += 1.0;
      if (on(y + 1, x + 1) && !on(y, x + 1) && !on(y + 1, x)) length += std::sqrt(2.0);
      if (on(y + 1, x - 1) && !on(y, x - 1) && !on(y + 1, x)) length += std::sqrt(2.0);
      for (int dy = -1; dy <= 1; ++dy) {
        for (int dx = -1; dx <= 1; ++dx) {
          if ((dx != 0 || dy != 0) && on(y + dy, x + dx)) ++neighbours;
        }
      }
      if (neighbours <= 1) length += 0.5;  // an end point covers half a pixel beyond its centre
    }
  }
  return length;
}

Result<WrinkleDetection> DetectWrinkles(const AnalysisFrame& frame, const WrinkleOptions& options) {
  try {
    const cv::Mat contrast = FlatFieldContrast(frame.luminance, frame.mask,
                                               frame.MmToPx(options.flat_field_sigma_mm));
    const double w_min = std::max(1.5, frame.MmToPx(options.min_width_mm));
    const double w_max = std::max(w_min * 1.5, frame.MmToPx(options.max_width_mm));
    const int scales = std::max(2, options.scales);
    cv::Mat best(contrast.size(), CV_32F, cv::Scalar(0));     // estimated contrast
    cv::Mat best_width(contrast.size(), CV_32F, cv::Scalar(0));
    for (int i = 0; i < scales; ++i) {
      const double w = w_min * std::pow(w_max / w_min, static_cast<double>(i) / (scales - 1));
      const double sigma = w / 2.0;
      cv::Mat smooth;
      cv::GaussianBlur(contrast, smooth, cv::Size(), sigma, sigma, cv::BORDER_REFLECT);
      cv::Mat dxx, dyy, dxy;
      cv::Sobel(smooth, dxx, CV_32F, 2, 0, 3, 0.25, 0, cv::BORDER_REFLECT);
      cv::Sobel(smooth, dyy, CV_32F, 0, 2, 3, 0.25, 0, cv::BORDER_REFLECT);
      cv::Sobel(smooth, dxy, CV_32F, 1, 1, 3, 0.25, 0, cv::BORDER_REFLECT);
      const float norm = static_cast<float>(sigma * sigma / kBarResponse);
      const float ratio = static_cast<float>(options.max_eigen_ratio);
      const float width = static_cast<float>(w);
      for (int y = 0; y < contrast.rows; ++y) {
        const float* a = dxx.ptr<float>(y);
        const float* b = dyy.ptr<float>(y);
        const float* c = dxy.ptr<float>(y);
        float* out = best.ptr<float>(y);
        float* out_w = best_width.ptr<float>(y);
        for (int x = 0; x < contrast.cols; ++x) {
          const float mean = 0.5f * (a[x] + b[x]);
          const float diff = std::sqrt(0.25f * (a[x] - b[x]) * (a[x] - b[x]) + c[x] * c[x]);
          const float l1 = mean + diff;
          const float l2 = mean - diff;
          if (l1 <= 0 || std::abs(l2) > ratio * l1) continue;
          const float v = norm * l1;
          if (v > out[x]) {
            out[x] = v;
            out_w[x] = width;
          }
        }
      }
    }
    const int border = static_cast<int>(std::ceil(w_max));
    const cv::Mat detect_mask = ErodeMask(frame.mask, border);
    cv::Mat ridge = (best >= static_cast<float>(options.min_contrast)) & (detect_mask != 0);
    cv::Mat skeleton;
    cv::ximgproc::thinning(ridge, skeleton, cv::ximgproc::THINNING_ZHANGSUEN);

    // Keep centre-line components that are long enough.
    cv::Mat labels;
    const int n = cv::connectedComponents(skeleton, labels, 8, CV_32S);
    std::vector<std::vector<cv::Point>> members(static_cast<size_t>(n));
    for (int y = 0; y < labels.rows; ++y) {
      const int* l = labels.ptr<int>(y);
      for (int x = 0; x < labels.cols; ++x) {
        if (l[x] > 0) members[static_cast<size_t>(l[x])].emplace_back(x, y);
      }
    }
    WrinkleDetection detection;
    detection.centerline = cv::Mat(skeleton.size(), CV_8U, cv::Scalar(0));
    const double min_length_px = frame.MmToPx(options.min_length_mm);
    double width_length_sum = 0;
    for (int i = 1; i < n; ++i) {
      const auto& pts = members[static_cast<size_t>(i)];
      const cv::Rect box = cv::boundingRect(pts);
      cv::Mat component = cv::Mat::zeros(box.size(), CV_8U);
      for (const auto& p : pts) component.at<uchar>(p - box.tl()) = 255;
      const double length = SkeletonLengthPx(component);
      if (length < min_length_px) continue;
      double width_sum = 0;
      for (const auto& p : pts) {
        detection.centerline.at<uchar>(p) = 255;
        width_sum += best_width.at<float>(p);
      }
      const double mean_width = width_sum / static_cast<double>(pts.size());
      detection.length_px += length;
      width_length_sum += mean_width * length;
      ++detection.count;
    }
    detection.area_px = width_length_sum;
    detection.mean_width_px = detection.length_px > 0 ? width_length_sum / detection.length_px : 0;
    // Map: contrast on the ridge pixels that belong to kept lines (dilated centre lines).
    cv::Mat near_line;
    cv::dilate(detection.centerline, near_line,
               cv::getStructuringElement(cv::MORPH_ELLIPSE,
                                         cv::Size(2 * border + 1, 2 * border + 1)));
    detection.map = cv::Mat(best.size(), CV_32F, cv::Scalar(0));
    best.copyTo(detection.map, ridge & near_line);
    return detection;
  } catch (const cv::Exception& e) {
    return InternalError(std::string("wrinkle detection failed in OpenCV: ") + e.what());
  }
}

Result<MetricGroup> MeasureWrinkles(const AnalysisFrame& frame, const WrinkleOptions& options) {
  SKT_ASSIGN_OR_RETURN(WrinkleDetection detection, DetectWrinkles(frame, options));
  MetricGroup group;
  group.name = "wrinkles";
  if (frame.scale_known) {
    const double length_mm = detection.length_px / frame.px_per_mm;
    group.scalars.push_back({"length_mm_per_cm2", length_mm / frame.MaskAreaCm2(), "mm/cm^2"});
    group.scalars.push_back(
        {"mean_width_mm", detection.mean_width_px / frame.px_per_mm, "mm"});
  } else {
    const double original_mpx = frame.mask_area_px / (frame.downscale * frame.downscale) / 1e6;
    group.scalars.push_back({"length_px_per_mpx", detection.length_px / frame.downscale /
                                                      original_mpx, "px/megapixel"});
    group.scalars.push_back(
        {"mean_width_px", detection.mean_width_px / frame.downscale, "px"});
  }
  group.scalars.push_back({"area_pct", 100.0 * detection.area_px / frame.mask_area_px, "%"});
  group.scalars.push_back({"count", static_cast<double>(detection.count), "count"});
  group.maps.push_back({"wrinkles", detection.map, "relative contrast", 0.0f, 0.3f});
  return group;
}

}  // namespace skintrack::core
