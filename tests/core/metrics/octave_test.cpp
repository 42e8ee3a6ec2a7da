#include "core/metrics/octave.h"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

namespace skintrack::core {
namespace {

// A plane a + b·x + c·y: block means are the plane at the block centres, and bilinear expansion
// between the centres gives the plane back exactly, so any misplaced centre shows as an error.
cv::Mat Plane(cv::Size size) {
  cv::Mat plane(size, CV_32F);
  for (int y = 0; y < size.height; ++y)
    for (int x = 0; x < size.width; ++x) plane.at<float>(y, x) = static_cast<float>(0.5 + 0.01 * x - 0.02 * y);
  return plane;
}

TEST(Octave, BlockMeansSitAtBlockCentresAndExpandBackToThePlane) {
  for (const cv::Size size : {cv::Size(200, 120), cv::Size(203, 125)}) {  // whole and partial blocks
    const cv::Mat plane = Plane(size);
    const cv::Mat mask(size, CV_8U, cv::Scalar(255));
    for (const int factor : {2, 4}) {
      const Octave octave = MakeOctave(plane, mask, factor);
      ASSERT_EQ(octave.values.size(), cv::Size(size.width / factor, size.height / factor));
      EXPECT_DOUBLE_EQ(octave.base_variance, (1.0 - 1.0 / (factor * factor)) / 12.0);
      const double centre = 0.5 * factor - 0.5;  // of reduced pixel 0, in input pixels
      EXPECT_NEAR(octave.values.at<float>(3, 5),
                  plane.at<float>(0, 0) + 0.01 * (5 * factor + centre) - 0.02 * (3 * factor + centre),
                  1e-5);
      const cv::Mat back = ExpandByFactor(octave.values, factor, size);
      ASSERT_EQ(back.size(), size);
      // Exact between the outermost block centres; the edge repeats beyond them.
      const int inner = factor;  // first input pixel at or past the first centre
      const cv::Rect between(inner, inner, (size.width / factor - 1) * factor - inner,
                             (size.height / factor - 1) * factor - inner);
      double worst = 0;
      cv::minMaxLoc(cv::abs(back(between) - plane(between)), nullptr, &worst);
      EXPECT_LT(worst, 1e-4) << size << " factor " << factor;
    }
  }
}

TEST(Octave, MaskKeepsBlocksAtLeastHalfInsideAndFactorsStopAtTheFloor) {
  cv::Mat mask(64, 64, CV_8U, cv::Scalar(0));
  mask(cv::Rect(0, 0, 33, 64)).setTo(255);  // block column 16 of 2x2 blocks is half inside
  const cv::Mat reduced = ReduceMask(mask, 2);
  EXPECT_EQ(reduced.at<uchar>(10, 15), 255);
  EXPECT_EQ(reduced.at<uchar>(10, 16), 255);
  EXPECT_EQ(reduced.at<uchar>(10, 17), 0);
  EXPECT_EQ(OctaveFactor(12.0, 4.0, {2000, 1500}), 2);   // 6 px at half size, 3 px at a quarter
  EXPECT_EQ(OctaveFactor(16.0, 4.0, {2000, 1500}), 4);
  EXPECT_EQ(OctaveFactor(7.9, 4.0, {2000, 1500}), 1);
  EXPECT_EQ(OctaveFactor(16.0, 4.0, {60, 60}), 1);  // a half-size copy would be under 32 px across
  EXPECT_EQ(OctaveFactor(16.0, 0.0, {2000, 1500}), 1);
}

}  // namespace
}  // namespace skintrack::core
