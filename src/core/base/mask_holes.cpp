#include "core/base/mask_holes.h"

#include <opencv2/imgproc.hpp>

#include "core/base/check.h"

namespace skintrack::core {

MaskHoles FindMaskHoles(const cv::Mat& mask) {
  SKT_CHECK(mask.type() == CV_8U) << "type " << mask.type();
  MaskHoles holes;
  cv::Mat centroids;
  const int n =
      cv::connectedComponentsWithStats(mask == 0, holes.labels, holes.stats, centroids, 4, CV_32S);
  holes.enclosed.assign(static_cast<size_t>(n), 0);
  for (int i = 1; i < n; ++i) {
    const int left = holes.stats.at<int>(i, cv::CC_STAT_LEFT);
    const int top = holes.stats.at<int>(i, cv::CC_STAT_TOP);
    holes.enclosed[static_cast<size_t>(i)] =
        left > 0 && top > 0 && left + holes.stats.at<int>(i, cv::CC_STAT_WIDTH) < mask.cols &&
        top + holes.stats.at<int>(i, cv::CC_STAT_HEIGHT) < mask.rows;
  }
  return holes;
}

}  // namespace skintrack::core
