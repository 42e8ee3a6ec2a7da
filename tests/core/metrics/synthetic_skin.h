#pragma once
// Synthetic skin for metric tests: a uniform skin colour modulated by known features, drawn at 4x
// and area-averaged down so edges are anti-aliased like a camera's.

#include <cmath>
#include <functional>
#include <random>

#include <opencv2/imgproc.hpp>

#include "core/metrics/analysis_frame.h"

namespace skintrack::testing {

// Linear RGB of a light skin tone (R,G,B).
inline cv::Vec3f SkinColour() { return {0.42f, 0.27f, 0.20f}; }

// A CV_32F "darkness" canvas at 4x resolution; callers draw features with cv:: primitives
// (value = fractional darkening), then Render() turns it into linear RGB skin.
class SkinCanvas {
 public:
  SkinCanvas(cv::Size size, int supersample = 4)
      : size_(size), k_(supersample), dark_(size * supersample, CV_32F, cv::Scalar(0)) {}
  int k() const { return k_; }
  cv::Mat& dark() { return dark_; }
  // Filled disc of diameter d_px (output pixels) darkening by `contrast`.
  void Disc(cv::Point2d center, double d_px, double contrast) {
    cv::circle(dark_, cv::Point(cvRound(center.x * k_), cvRound(center.y * k_)),
               cvRound(d_px * k_ / 2.0), cv::Scalar(contrast), cv::FILLED, cv::LINE_8);
  }
  // Straight line of width w_px.
  void Line(cv::Point2d a, cv::Point2d b, double w_px, double contrast) {
    cv::line(dark_, cv::Point(cvRound(a.x * k_), cvRound(a.y * k_)),
             cv::Point(cvRound(b.x * k_), cvRound(b.y * k_)), cv::Scalar(contrast),
             std::max(1, cvRound(w_px * k_)), cv::LINE_8);
  }
  // Linear RGB (R,G,B) skin: colour × (1 − darkness), plus Gaussian noise of `noise_sd`.
  cv::Mat Render(double noise_sd = 0.0, unsigned seed = 1, cv::Vec3f colour = SkinColour()) const {
    cv::Mat small;
    cv::resize(dark_, small, size_, 0, 0, cv::INTER_AREA);
    cv::Mat rgb(size_, CV_32FC3);
    std::mt19937 rng(seed);
    std::normal_distribution<float> noise(0.0f, static_cast<float>(noise_sd));
    for (int y = 0; y < size_.height; ++y) {
      for (int x = 0; x < size_.width; ++x) {
        const float f = 1.0f - small.at<float>(y, x);
        cv::Vec3f v = colour * f;
        if (noise_sd > 0) {
          for (int c = 0; c < 3; ++c) v[c] = std::max(1e-3f, v[c] * (1.0f + noise(rng)));
        }
        rgb.at<cv::Vec3f>(y, x) = v;
      }
    }
    return rgb;
  }

 private:
  cv::Size size_;
  int k_;
  cv::Mat dark_;
};

// Frame with a known scale over the whole image.
inline core::AnalysisFrame FrameOf(const cv::Mat& rgb, double px_per_mm) {
  auto frame = core::MakeAnalysisFrame(rgb, cv::Mat(), px_per_mm, std::nullopt);
  return *frame;
}

}  // namespace skintrack::testing
