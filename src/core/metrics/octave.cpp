#include "core/metrics/octave.h"

#include <algorithm>

#include <opencv2/imgproc.hpp>

#include "core/base/check.h"

namespace skintrack::core {

cv::Mat ReduceByFactor(const cv::Mat& image, int factor) {
  SKT_CHECK(factor >= 1);
  if (factor == 1) return image;
  const cv::Size reduced(std::max(1, image.cols / factor), std::max(1, image.rows / factor));
  const cv::Rect whole(0, 0, std::min(image.cols, reduced.width * factor),
                       std::min(image.rows, reduced.height * factor));
  cv::Mat out;
  cv::resize(image(whole), out, reduced, 0, 0, cv::INTER_AREA);
  return out;
}

cv::Mat ReduceMask(const cv::Mat& mask, int factor) {
  if (factor == 1) return mask;
  cv::Mat reduced;
  cv::threshold(ReduceByFactor(mask, factor), reduced, 127, 255, cv::THRESH_BINARY);
  return reduced;
}

Octave MakeOctave(const cv::Mat& values, const cv::Mat& mask, int factor) {
  SKT_CHECK(factor >= 1 && values.size() == mask.size());
  Octave octave;
  octave.factor = factor;
  if (factor == 1) {
    octave.values = values;
    octave.mask = mask;
    return octave;
  }
  octave.values = ReduceByFactor(values, factor);
  octave.mask = ReduceMask(mask, factor);
  octave.base_variance = (1.0 - 1.0 / (factor * factor)) / 12.0;
  return octave;
}

int OctaveFactor(double sigma_px, double min_sigma_px, cv::Size size) {
  int factor = 1;
  if (min_sigma_px <= 0) return factor;
  while (sigma_px / (2 * factor) >= min_sigma_px &&
         std::min(size.width, size.height) / (2 * factor) >= 32)
    factor *= 2;
  return factor;
}

cv::Mat ExpandByFactor(const cv::Mat& reduced, int factor, cv::Size size) {
  if (factor == 1 && reduced.size() == size) return reduced;
  // INTER_LINEAR maps output pixel x to input (x + ½)/factor − ½, which is the block-centre
  // convention above; it repeats the edge beyond the outermost centres.
  const cv::Size covered(std::min(size.width, reduced.cols * factor),
                         std::min(size.height, reduced.rows * factor));
  cv::Mat up;
  cv::resize(reduced, up, covered, 0, 0, cv::INTER_LINEAR);
  if (covered == size) return up;
  cv::Mat out;
  cv::copyMakeBorder(up, out, 0, size.height - covered.height, 0, size.width - covered.width,
                     cv::BORDER_REPLICATE);
  return out;
}

}  // namespace skintrack::core
