#include "core/color/skin_model.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/base/check.h"

namespace skintrack::core {
namespace {


// Inverse of the 3x3 matrix whose columns are σ_m, σ_h and (1,1,1): maps density to (c_m, c_h, s).
const cv::Matx33d& ChromophoresFromDensity() {
  static const cv::Matx33d m = [] {
    const cv::Matx33d columns(kMelaninDensityRgb[0], kHemoglobinDensityRgb[0], 1.0,  //
                              kMelaninDensityRgb[1], kHemoglobinDensityRgb[1], 1.0,  //
                              kMelaninDensityRgb[2], kHemoglobinDensityRgb[2], 1.0);
    return columns.inv();
  }();
  return m;
}

double Density(double linear) { return -std::log(std::max(linear, kMinLinear)); }

float DensityF(float linear) {
  return -std::log(std::max(linear, static_cast<float>(kMinLinear)));
}

void CheckLinearRgb(const cv::Mat& rgb_linear) {
  SKT_CHECK(rgb_linear.type() == CV_32FC3)
      << "expected CV_32FC3 linear RGB, got type " << rgb_linear.type();
}

}  // namespace

cv::Vec3d LinearRgbFromChromophores(double melanin, double hemoglobin, double shading) {
  cv::Vec3d rgb;
  for (int c = 0; c < 3; ++c) {
    rgb[c] = std::exp(-(melanin * kMelaninDensityRgb[c] + hemoglobin * kHemoglobinDensityRgb[c] +
                        shading));
  }
  return rgb;
}

Chromophores ChromophoresFromLinearRgb(const cv::Vec3d& rgb_linear) {
  const cv::Vec3d density(Density(rgb_linear[0]), Density(rgb_linear[1]), Density(rgb_linear[2]));
  const cv::Vec3d solved = ChromophoresFromDensity() * density;
  return {solved[0], solved[1], solved[2]};
}

ChromophoreMaps DecomposeChromophores(const cv::Mat& rgb_linear) {
  CheckLinearRgb(rgb_linear);
  const cv::Matx33f m(ChromophoresFromDensity());
  ChromophoreMaps maps{cv::Mat(rgb_linear.size(), CV_32F), cv::Mat(rgb_linear.size(), CV_32F),
                       cv::Mat(rgb_linear.size(), CV_32F)};
  cv::parallel_for_(cv::Range(0, rgb_linear.rows), [&](const cv::Range& range) {
    for (int y = range.start; y < range.end; ++y) {
      const auto* src = rgb_linear.ptr<cv::Vec3f>(y);
      auto* melanin = maps.melanin.ptr<float>(y);
      auto* hemoglobin = maps.hemoglobin.ptr<float>(y);
      auto* shading = maps.shading.ptr<float>(y);
      for (int x = 0; x < rgb_linear.cols; ++x) {
        const cv::Vec3f d(DensityF(src[x][0]), DensityF(src[x][1]), DensityF(src[x][2]));
        const cv::Vec3f c = m * d;
        melanin[x] = c[0];
        hemoglobin[x] = c[1];
        shading[x] = c[2];
      }
    }
  });
  return maps;
}

std::optional<double> ItaDegrees(double l_star, double b_star) {
  if (!(b_star > 0.0)) return std::nullopt;
  return std::atan((l_star - 50.0) / b_star) * 180.0 / std::numbers::pi;
}

ItaClass ClassifyIta(double ita_deg) {
  if (ita_deg > 55.0) return ItaClass::kVeryLight;
  if (ita_deg > 41.0) return ItaClass::kLight;
  if (ita_deg > 28.0) return ItaClass::kIntermediate;
  if (ita_deg > 10.0) return ItaClass::kTan;
  if (ita_deg > -30.0) return ItaClass::kBrown;
  return ItaClass::kDark;
}

std::string_view ItaClassName(ItaClass ita_class) {
  switch (ita_class) {
    case ItaClass::kVeryLight: return "very_light";
    case ItaClass::kLight: return "light";
    case ItaClass::kIntermediate: return "intermediate";
    case ItaClass::kTan: return "tan";
    case ItaClass::kBrown: return "brown";
    case ItaClass::kDark: return "dark";
  }
  return "unknown";
}

double ErythemaIndex(const cv::Vec3d& rgb_linear) {
  return 100.0 * std::log10(std::max(rgb_linear[0], kMinLinear) / std::max(rgb_linear[1], kMinLinear));
}

double MelaninIndex(const cv::Vec3d& rgb_linear) {
  return -100.0 * std::log10(std::max(rgb_linear[0], kMinLinear));
}

cv::Mat ErythemaIndexImage(const cv::Mat& rgb_linear) {
  CheckLinearRgb(rgb_linear);
  cv::Mat out(rgb_linear.size(), CV_32F);
  const float floor = static_cast<float>(kMinLinear);
  cv::parallel_for_(cv::Range(0, rgb_linear.rows), [&](const cv::Range& range) {
    for (int y = range.start; y < range.end; ++y) {
      const auto* src = rgb_linear.ptr<cv::Vec3f>(y);
      auto* dst = out.ptr<float>(y);
      for (int x = 0; x < rgb_linear.cols; ++x) {
        dst[x] = 100.0f * std::log10(std::max(src[x][0], floor) / std::max(src[x][1], floor));
      }
    }
  });
  return out;
}

cv::Mat MelaninIndexImage(const cv::Mat& rgb_linear) {
  CheckLinearRgb(rgb_linear);
  cv::Mat out(rgb_linear.size(), CV_32F);
  const float floor = static_cast<float>(kMinLinear);
  cv::parallel_for_(cv::Range(0, rgb_linear.rows), [&](const cv::Range& range) {
    for (int y = range.start; y < range.end; ++y) {
      const auto* src = rgb_linear.ptr<cv::Vec3f>(y);
      auto* dst = out.ptr<float>(y);
      for (int x = 0; x < rgb_linear.cols; ++x) dst[x] = -100.0f * std::log10(std::max(src[x][0], floor));
    }
  });
  return out;
}

}  // namespace skintrack::core
