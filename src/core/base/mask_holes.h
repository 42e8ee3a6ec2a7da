#pragma once
// The holes of a binary mask: the 4-connected regions of its zero pixels that the mask encloses,
// that is, that do not touch the image border.
// Thread-safety: reentrant.

#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace skintrack::core {

struct MaskHoles {
  cv::Mat labels;  // CV_32S, the mask's size: 0 on the mask, 1..n-1 its zero regions
  cv::Mat stats;   // cv::connectedComponentsWithStats's, one row per label
  std::vector<unsigned char> enclosed;  // per label: 1 = a hole (clear of the border)

  int Area(int label) const { return stats.at<int>(label, cv::CC_STAT_AREA); }
};

// `mask`: CV_8U, non-zero = inside.
MaskHoles FindMaskHoles(const cv::Mat& mask);

}  // namespace skintrack::core
