#pragma once
// A generated capture with known features, shared by the pipeline and CLI golden tests.

#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/color/srgb.h"

namespace skintrack::testing {

// A 20 px/mm close-up of light skin (on a grey border) with 36 pores of 0.3 mm, two wrinkles of
// 12 mm and one 4 mm atrophic scar, encoded as 8-bit sRGB PNG.
inline std::filesystem::path WriteCloseUp(const std::filesystem::path& dir) {
  const int k = 4;
  cv::Mat dark(600 * k, 800 * k, CV_32F, cv::Scalar(0));
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 6; ++j) {
      cv::circle(dark, cv::Point((120 + 60 * i) * k, (120 + 60 * j) * k), 3 * k, cv::Scalar(0.2),
                 cv::FILLED);
    }
  }
  cv::line(dark, cv::Point(500 * k, 150 * k), cv::Point(740 * k, 150 * k), cv::Scalar(0.15), 8 * k);
  cv::line(dark, cv::Point(500 * k, 250 * k), cv::Point(740 * k, 250 * k), cv::Scalar(0.15), 8 * k);
  cv::circle(dark, cv::Point(620 * k, 420 * k), 40 * k, cv::Scalar(0.15), cv::FILLED);
  cv::Mat small;
  cv::resize(dark, small, cv::Size(800, 600), 0, 0, cv::INTER_AREA);
  cv::GaussianBlur(small, small, cv::Size(), 0.7);
  cv::Mat rgb(small.size(), CV_32FC3);
  for (int y = 0; y < rgb.rows; ++y) {
    for (int x = 0; x < rgb.cols; ++x) {
      const float f = 1.0f - small.at<float>(y, x);
      rgb.at<cv::Vec3f>(y, x) = cv::Vec3f(0.42f, 0.27f, 0.20f) * f;
    }
  }
  const std::filesystem::path path = dir / "closeup.png";
  cv::imwrite(path.string(), core::LinearRgbToBgr8(rgb));
  return path;
}

}  // namespace skintrack::testing
