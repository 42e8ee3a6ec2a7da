#include "core/color/srgb.h"

#include <algorithm>
#include <cmath>

#include "core/base/check.h"

namespace skintrack::core {

double LinearToSrgb(double linear) {
  const double c = std::clamp(linear, 0.0, 1.0);
  return c <= 0.0031308 ? 12.92 * c : 1.055 * std::pow(c, 1.0 / 2.4) - 0.055;
}

const std::array<float, 256>& SrgbToLinearLut8() {
  static const std::array<float, 256> lut = [] {
    std::array<float, 256> table{};
    for (int i = 0; i < 256; ++i) table[i] = static_cast<float>(SrgbToLinear(i / 255.0));
    return table;
  }();
  return lut;
}

const std::vector<float>& SrgbToLinearLut16() {
  static const std::vector<float> lut = [] {
    std::vector<float> table(65536);
    for (int i = 0; i < 65536; ++i) table[i] = static_cast<float>(SrgbToLinear(i / 65535.0));
    return table;
  }();
  return lut;
}

cv::Mat BgrToLinearRgb(const cv::Mat& bgr) {
  SKT_CHECK(bgr.type() == CV_8UC3 || bgr.type() == CV_16UC3) << "type " << bgr.type();
  cv::Mat out(bgr.size(), CV_32FC3);
  if (bgr.depth() == CV_8U) {
    const auto& lut = SrgbToLinearLut8();
    cv::parallel_for_(cv::Range(0, bgr.rows), [&](const cv::Range& range) {
      for (int y = range.start; y < range.end; ++y) {
        const auto* src = bgr.ptr<cv::Vec3b>(y);
        auto* dst = out.ptr<cv::Vec3f>(y);
        for (int x = 0; x < bgr.cols; ++x) {
          dst[x] = {lut[src[x][2]], lut[src[x][1]], lut[src[x][0]]};
        }
      }
    });
  } else {
    const auto& lut = SrgbToLinearLut16();
    cv::parallel_for_(cv::Range(0, bgr.rows), [&](const cv::Range& range) {
      for (int y = range.start; y < range.end; ++y) {
        const auto* src = bgr.ptr<cv::Vec3w>(y);
        auto* dst = out.ptr<cv::Vec3f>(y);
        for (int x = 0; x < bgr.cols; ++x) {
          dst[x] = {lut[src[x][2]], lut[src[x][1]], lut[src[x][0]]};
        }
      }
    });
  }
  return out;
}

namespace {
// Inverse transfer through a fine table over linear values (4096 steps, then linear interpolation):
// exact enough for 16-bit output and far faster than pow per pixel.
struct EncodeTable {
  static constexpr int kSteps = 4096;
  std::array<float, kSteps + 2> values{};
  EncodeTable() {
    for (int i = 0; i <= kSteps + 1; ++i) {
      values[i] = static_cast<float>(LinearToSrgb(std::min(1.0, static_cast<double>(i) / kSteps)));
    }
  }
  float Encode(float linear) const {
    const float t = std::clamp(linear, 0.0f, 1.0f) * kSteps;
    const int i = static_cast<int>(t);
    const float f = t - static_cast<float>(i);
    return values[i] + f * (values[i + 1] - values[i]);
  }
};
const EncodeTable& Encoder() {
  static const EncodeTable table;
  return table;
}

template <typename T>
cv::Mat Encode(const cv::Mat& rgb_linear, int type, float scale) {
  SKT_CHECK(rgb_linear.type() == CV_32FC3) << "type " << rgb_linear.type();
  const EncodeTable& table = Encoder();
  cv::Mat out(rgb_linear.size(), type);
  cv::parallel_for_(cv::Range(0, rgb_linear.rows), [&](const cv::Range& range) {
    for (int y = range.start; y < range.end; ++y) {
      const auto* src = rgb_linear.ptr<cv::Vec3f>(y);
      auto* dst = out.ptr<cv::Vec<T, 3>>(y);
      for (int x = 0; x < rgb_linear.cols; ++x) {
        for (int c = 0; c < 3; ++c) {
          dst[x][2 - c] = cv::saturate_cast<T>(table.Encode(src[x][c]) * scale);
        }
      }
    }
  });
  return out;
}
}  // namespace

cv::Mat LinearRgbToBgr8(const cv::Mat& rgb_linear) {
  return Encode<uchar>(rgb_linear, CV_8UC3, 255.0f);
}
cv::Mat LinearRgbToBgr16(const cv::Mat& rgb_linear) {
  return Encode<ushort>(rgb_linear, CV_16UC3, 65535.0f);
}

cv::Mat ToUnitFloat(const cv::Mat& image) {
  SKT_CHECK(image.depth() == CV_8U || image.depth() == CV_16U || image.depth() == CV_32F)
      << "depth " << image.depth();
  cv::Mat out;
  const double scale = image.depth() == CV_8U ? 1.0 / 255.0 : image.depth() == CV_16U ? 1.0 / 65535.0 : 1.0;
  image.convertTo(out, CV_MAKETYPE(CV_32F, image.channels()), scale);
  return out;
}

}  // namespace skintrack::core
