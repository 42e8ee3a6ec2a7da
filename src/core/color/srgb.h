#pragma once
// The sRGB transfer function (IEC 61966-2-1) in one place.
//
// Conventions used across the project:
// - Images from the loader are OpenCV BGR, CV_8UC3 or CV_16UC3, encoded sRGB.
// - "Linear RGB" images are CV_32FC3 in **R, G, B order**, values in [0, 1] relative to the encoded
//   white (1.0 = full scale); names carry `rgb_linear`.
// Conversions of whole images use lookup tables for 8- and 16-bit input.
// Thread-safety: all functions are reentrant; the tables are built once, thread-safely.

#include <array>
#include <cmath>
#include <vector>

#include <opencv2/core.hpp>

namespace skintrack::core {

// Decodes one encoded value in [0, 1] to linear light.
inline double SrgbToLinear(double encoded) {
  return encoded <= 0.04045 ? encoded / 12.92 : std::pow((encoded + 0.055) / 1.055, 2.4);
}

// Encodes one linear value in [0, 1] (clamped) to sRGB.
double LinearToSrgb(double linear);

// Lookup tables from code value to linear light.
const std::array<float, 256>& SrgbToLinearLut8();
const std::vector<float>& SrgbToLinearLut16();  // 65536 entries

// BGR 8/16-bit encoded image -> RGB-ordered linear CV_32FC3.
cv::Mat BgrToLinearRgb(const cv::Mat& bgr);

// RGB-ordered linear CV_32FC3 -> BGR encoded CV_8UC3 (values clamped to [0, 1]).
cv::Mat LinearRgbToBgr8(const cv::Mat& rgb_linear);

// RGB-ordered linear CV_32FC3 -> BGR encoded CV_16UC3.
cv::Mat LinearRgbToBgr16(const cv::Mat& rgb_linear);

// Scales an 8- or 16-bit image to CV_32F in [0, 1] without linearising (for luminance-like work).
cv::Mat ToUnitFloat(const cv::Mat& image);

}  // namespace skintrack::core
