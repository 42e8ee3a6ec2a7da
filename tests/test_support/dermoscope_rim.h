#pragma once
// Photos seen through a dermoscope, for tests: the field is a disc of skin in a black rim that
// stays put in the camera while the skin moves under it.

#include <algorithm>
#include <filesystem>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace skintrack::testing {

// `bgr` (CV_8UC3) black outside a centred disc `across` times its short side in diameter, the
// disc's edge blurred by a Gaussian of 2 px.
inline cv::Mat UnderADermoscopeRim(const cv::Mat& bgr, double across) {
  cv::Mat disc(bgr.size(), CV_32F, cv::Scalar(0));
  cv::circle(disc, cv::Point(bgr.cols / 2, bgr.rows / 2),
             static_cast<int>(0.5 * across * std::min(bgr.cols, bgr.rows)), cv::Scalar(1),
             cv::FILLED);
  cv::GaussianBlur(disc, disc, cv::Size(), 2);
  cv::Mat disc3, f, out;
  cv::merge(std::vector<cv::Mat>{disc, disc, disc}, disc3);
  bgr.convertTo(f, CV_32FC3);
  cv::Mat(f.mul(disc3)).convertTo(out, CV_8UC3);
  return out;
}

// The sample close-ups of skin: every PNG in `photos`/lesions and `photos`/closeups, sorted.
inline std::vector<std::filesystem::path> CloseUpPhotos(const std::filesystem::path& photos) {
  std::vector<std::filesystem::path> files;
  for (const char* folder : {"lesions", "closeups"}) {
    for (const auto& entry : std::filesystem::directory_iterator(photos / folder)) {
      if (entry.path().extension() == ".png") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace skintrack::testing
