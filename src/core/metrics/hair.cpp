#include "core/metrics/hair.h"

#include <cmath>
#include <limits>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "core/metrics/analysis_frame.h"

namespace skintrack::core {

cv::Mat FindHairs(const cv::Mat& values, const cv::Mat& mask, double width_px, double min_excess,
                  double length_px) {
  if (width_px < 3.0) return {};
  const int size = static_cast<int>(std::lround(width_px)) | 1;
  const cv::Mat disc = cv::getStructuringElement(cv::MORPH_ELLIPSE, {size, size});
  const cv::Mat outside = mask == 0;
  cv::Mat opened = values.clone();
  opened.setTo(std::numeric_limits<float>::max(), outside);
  cv::erode(opened, opened, disc, {-1, -1}, 1, cv::BORDER_REPLICATE);
  opened.setTo(std::numeric_limits<float>::lowest(), outside);
  cv::dilate(opened, opened, disc, {-1, -1}, 1, cv::BORDER_REPLICATE);
  cv::Mat candidates = (values - opened >= static_cast<float>(min_excess)) & (mask != 0);
  opened.release();

  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(candidates, labels, stats, centroids, 8, CV_32S);
  std::vector<uchar> long_enough(static_cast<size_t>(n), 0);
  for (int i = 1; i < n; ++i) {
    const double w = stats.at<int>(i, cv::CC_STAT_WIDTH);
    const double h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
    long_enough[static_cast<size_t>(i)] = std::hypot(w, h) >= length_px ? 255 : 0;
  }
  cv::Mat hairs(candidates.size(), CV_8U);
  for (int y = 0; y < hairs.rows; ++y) {
    const int* label = labels.ptr<int>(y);
    uchar* out = hairs.ptr<uchar>(y);
    for (int x = 0; x < hairs.cols; ++x) out[x] = long_enough[static_cast<size_t>(label[x])];
  }
  cv::dilate(hairs, hairs, cv::Mat());
  return hairs & (mask != 0);
}

cv::Mat NearHair(const cv::Mat& hair, int radius_px) {
  cv::Mat near;
  cv::dilate(hair, near,
             cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * radius_px + 1, 2 * radius_px + 1}));
  return near;
}

ColourlessArea FindColourlessArea(const cv::Mat& rgb_linear, const cv::Mat& mask, double px_per_mm,
                                  const HairOptions& options) {
  ColourlessArea result;
  const int area = cv::countNonZero(mask);
  if (area == 0) return result;
  std::vector<cv::Mat> channels;
  cv::split(rgb_linear, channels);
  MaskedSmoother smoother(mask);
  for (cv::Mat& c : channels) {
    c = smoother.Smooth(c, std::max(1.0, options.colourless_sigma_mm * px_per_mm));
  }
  // The chroma's length, sqrt((ln R/G)² + (ln B/G)²): 0 for neutral.
  constexpr float kFloor = 1e-4f;
  cv::Mat chroma(mask.size(), CV_32F);
  for (int y = 0; y < mask.rows; ++y) {
    const float* r = channels[0].ptr<float>(y);
    const float* g = channels[1].ptr<float>(y);
    const float* b = channels[2].ptr<float>(y);
    float* c = chroma.ptr<float>(y);
    for (int x = 0; x < mask.cols; ++x) {
      const float green = std::max(g[x], kFloor);
      c[x] = std::hypot(std::log(std::max(r[x], kFloor) / green),
                        std::log(std::max(b[x], kFloor) / green));
    }
  }
  channels.clear();
  const double skin_chroma = MaskedPercentile(chroma, mask, options.skin_chroma_percentile);
  if (skin_chroma < options.min_skin_chroma) return result;
  const auto limit = static_cast<float>(options.max_chroma_share * skin_chroma);
  const cv::Mat colourless = (chroma < limit) & mask;
  const int count = cv::countNonZero(colourless);
  result.share = static_cast<double>(count) / area;
  if (count == 0) return result;
  cv::Mat density;
  colourless.convertTo(density, CV_32F, 1.0 / 255);
  density = smoother.Smooth(density, std::max(1.0, options.mat_sigma_mm * px_per_mm));
  result.area = (colourless != 0) | (density >= static_cast<float>(options.mat_min_density));
  result.area &= mask;
  return result;
}

}  // namespace skintrack::core
