#include "core/metrics/hair.h"

#include <cmath>
#include <limits>
#include <vector>

#include <opencv2/imgproc.hpp>

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

}  // namespace skintrack::core
