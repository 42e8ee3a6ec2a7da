#include "core/metrics/octave.h"

#include <algorithm>

#include <opencv2/imgproc.hpp>

#include "core/base/check.h"

namespace skintrack::core {

namespace {

cv::Size ReducedSize(cv::Size size, int factor) {
  return {std::max(1, size.width / factor), std::max(1, size.height / factor)};
}

cv::Rect WholeBlocks(cv::Size size, int factor) {
  const cv::Size reduced = ReducedSize(size, factor);
  return {0, 0, std::min(size.width, reduced.width * factor),
          std::min(size.height, reduced.height * factor)};
}

}  // namespace

cv::Mat ReduceMask(const cv::Mat& mask, int factor) {
  if (factor == 1) return mask;
  cv::Mat reduced;
  cv::resize(mask(WholeBlocks(mask.size(), factor)), reduced, ReducedSize(mask.size(), factor), 0,
             0, cv::INTER_AREA);
  cv::threshold(reduced, reduced, 127, 255, cv::THRESH_BINARY);
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
  const cv::Rect whole = WholeBlocks(values.size(), factor);
  cv::resize(values(whole), octave.values, ReducedSize(values.size(), factor), 0, 0,
             cv::INTER_AREA);
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
