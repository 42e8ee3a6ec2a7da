#pragma once
// Resizing by a scale factor without ever producing an empty image.
// Thread-safety: reentrant.

#include <algorithm>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace skintrack::core {

// cv::resize(src, dst, cv::Size(), scale, scale, interpolation), except that a side the scale
// rounds to 0 px is kept at 1 px. OpenCV asserts (!dsize.empty()) on an empty result, which a very
// thin image (4000x3 reduced to a 1024 px working copy) reaches. Sides that round to at least 1 px
// go through exactly the call above, so ordinary images are resized bit for bit as before.
inline void ResizeBy(const cv::Mat& src, cv::Mat& dst, double scale, int interpolation) {
  const cv::Size rounded(cvRound(src.cols * scale), cvRound(src.rows * scale));
  if (rounded.width >= 1 && rounded.height >= 1) {
    cv::resize(src, dst, cv::Size(), scale, scale, interpolation);
  } else {
    cv::resize(src, dst, cv::Size(std::max(1, rounded.width), std::max(1, rounded.height)), 0, 0,
               interpolation);
  }
}

}  // namespace skintrack::core
