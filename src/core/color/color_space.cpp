#include "core/color/color_space.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/base/check.h"
#include "core/color/srgb.h"

namespace skintrack::core {
namespace {

constexpr double kEpsilon = 216.0 / 24389.0;
constexpr double kKappa = 24389.0 / 27.0;
constexpr double kPi = 3.14159265358979323846;

double LabF(double t) { return t > kEpsilon ? std::cbrt(t) : (kKappa * t + 16.0) / 116.0; }

double LabFInverse(double f) {
  const double f3 = f * f * f;
  return f3 > kEpsilon ? f3 : (116.0 * f - 16.0) / kKappa;
}

// Tabulated f(t) over [0, kTableMax] with linear interpolation; exact formula outside.
class LabFTable {
 public:
  static constexpr int kStepsPerUnit = 8192;
  static constexpr int kTableMax = 2;
  LabFTable() : values_(kStepsPerUnit * kTableMax + 2) {
    for (std::size_t i = 0; i < values_.size(); ++i) {
      values_[i] = static_cast<float>(LabF(static_cast<double>(i) / kStepsPerUnit));
    }
  }
  float operator()(float t) const {
    if (t < 0.0f || t >= static_cast<float>(kTableMax)) return static_cast<float>(LabF(t));
    const float position = t * static_cast<float>(kStepsPerUnit);
    const int i = static_cast<int>(position);
    const float fraction = position - static_cast<float>(i);
    return values_[i] + fraction * (values_[i + 1] - values_[i]);
  }

 private:
  std::vector<float> values_;
};

const LabFTable& FTable() {
  static const LabFTable table;
  return table;
}

// Linear sRGB -> XYZ(D50) / white(D50): one matrix for the fast path.
const cv::Matx33f& NormalisedXyzD50FromLinearSrgbF() {
  static const cv::Matx33f m = [] {
    const cv::Vec3d w = WhiteD50();
    const cv::Matx33d scale(1.0 / w[0], 0, 0, 0, 1.0 / w[1], 0, 0, 0, 1.0 / w[2]);
    const cv::Matx33d full = scale * BradfordD50FromD65() * XyzFromLinearSrgbMatrix();
    return cv::Matx33f(full);
  }();
  return m;
}

inline cv::Vec3f LabFromNormalisedXyz(float x, float y, float z, const LabFTable& f) {
  const float fx = f(x);
  const float fy = f(y);
  const float fz = f(z);
  return {116.0f * fy - 16.0f, 500.0f * (fx - fy), 200.0f * (fy - fz)};
}

inline cv::Vec3f LabFromRgb(float r, float g, float b, const cv::Matx33f& m, const LabFTable& f) {
  return LabFromNormalisedXyz(m(0, 0) * r + m(0, 1) * g + m(0, 2) * b,
                              m(1, 0) * r + m(1, 1) * g + m(1, 2) * b,
                              m(2, 0) * r + m(2, 1) * g + m(2, 2) * b, f);
}

}  // namespace

cv::Vec3d WhiteD65() { return {0.95047, 1.0, 1.08883}; }
cv::Vec3d WhiteD50() { return {0.96422, 1.0, 0.82521}; }
cv::Vec3d WhiteFromXy(double x, double y) { return {x / y, 1.0, (1.0 - x - y) / y}; }

const cv::Matx33d& XyzFromLinearSrgbMatrix() {
  static const cv::Matx33d m(0.4124, 0.3576, 0.1805,  //
                             0.2126, 0.7152, 0.0722,  //
                             0.0193, 0.1192, 0.9505);
  return m;
}

const cv::Matx33d& LinearSrgbFromXyzMatrix() {
  static const cv::Matx33d m = XyzFromLinearSrgbMatrix().inv();
  return m;
}

cv::Matx33d BradfordAdaptation(const cv::Vec3d& source_white, const cv::Vec3d& destination_white) {
  const cv::Matx33d cone(0.8951, 0.2664, -0.1614,   //
                         -0.7502, 1.7135, 0.0367,   //
                         0.0389, -0.0685, 1.0296);
  const cv::Vec3d rho_source = cone * source_white;
  const cv::Vec3d rho_destination = cone * destination_white;
  const cv::Matx33d gain(rho_destination[0] / rho_source[0], 0, 0,  //
                         0, rho_destination[1] / rho_source[1], 0,  //
                         0, 0, rho_destination[2] / rho_source[2]);
  return cone.inv() * gain * cone;
}

const cv::Matx33d& BradfordD50FromD65() {
  static const cv::Matx33d m = BradfordAdaptation(WhiteD65(), WhiteD50());
  return m;
}

const cv::Matx33d& BradfordD65FromD50() {
  static const cv::Matx33d m = BradfordD50FromD65().inv();
  return m;
}

cv::Vec3d XyzFromLinearSrgb(const cv::Vec3d& rgb_linear) {
  return XyzFromLinearSrgbMatrix() * rgb_linear;
}

cv::Vec3d LinearSrgbFromXyz(const cv::Vec3d& xyz) { return LinearSrgbFromXyzMatrix() * xyz; }

cv::Vec3d LabFromXyz(const cv::Vec3d& xyz, const cv::Vec3d& white_xyz) {
  const double fx = LabF(xyz[0] / white_xyz[0]);
  const double fy = LabF(xyz[1] / white_xyz[1]);
  const double fz = LabF(xyz[2] / white_xyz[2]);
  return {116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)};
}

cv::Vec3d XyzFromLab(const cv::Vec3d& lab, const cv::Vec3d& white_xyz) {
  const double fy = (lab[0] + 16.0) / 116.0;
  const double fx = fy + lab[1] / 500.0;
  const double fz = fy - lab[2] / 200.0;
  // Y uses L* directly below the knee so that L* < 8 round-trips exactly.
  const double y = lab[0] > kKappa * kEpsilon ? fy * fy * fy : lab[0] / kKappa;
  return {LabFInverse(fx) * white_xyz[0], y * white_xyz[1], LabFInverse(fz) * white_xyz[2]};
}

cv::Vec3d LchFromLab(const cv::Vec3d& lab) {
  const double c = std::hypot(lab[1], lab[2]);
  double h = (lab[1] == 0.0 && lab[2] == 0.0) ? 0.0 : std::atan2(lab[2], lab[1]) * 180.0 / kPi;
  if (h < 0.0) h += 360.0;
  return {lab[0], c, h};
}

cv::Vec3d LabFromLch(const cv::Vec3d& lch) {
  const double h = lch[2] * kPi / 180.0;
  return {lch[0], lch[1] * std::cos(h), lch[1] * std::sin(h)};
}

cv::Vec3d LabD50FromLinearSrgb(const cv::Vec3d& rgb_linear) {
  return LabFromXyz(BradfordD50FromD65() * XyzFromLinearSrgb(rgb_linear), WhiteD50());
}

cv::Vec3d LinearSrgbFromLabD50(const cv::Vec3d& lab_d50) {
  return LinearSrgbFromXyz(BradfordD65FromD50() * XyzFromLab(lab_d50, WhiteD50()));
}

cv::Vec3d LabD65FromLinearSrgb(const cv::Vec3d& rgb_linear) {
  return LabFromXyz(XyzFromLinearSrgb(rgb_linear), WhiteD65());
}

cv::Vec3d LabD50FromSrgb8(int r, int g, int b) {
  return LabD50FromLinearSrgb(
      {SrgbToLinear(r / 255.0), SrgbToLinear(g / 255.0), SrgbToLinear(b / 255.0)});
}

cv::Mat LabD50FromLinearRgb(const cv::Mat& rgb_linear) {
  SKT_CHECK(rgb_linear.type() == CV_32FC3) << "expected CV_32FC3 linear RGB, got type "
                                           << rgb_linear.type();
  const cv::Matx33f& m = NormalisedXyzD50FromLinearSrgbF();
  const LabFTable& f = FTable();
  cv::Mat out(rgb_linear.size(), CV_32FC3);
  cv::parallel_for_(cv::Range(0, rgb_linear.rows), [&](const cv::Range& range) {
    for (int y = range.start; y < range.end; ++y) {
      const auto* src = rgb_linear.ptr<cv::Vec3f>(y);
      auto* dst = out.ptr<cv::Vec3f>(y);
      for (int x = 0; x < rgb_linear.cols; ++x) dst[x] = LabFromRgb(src[x][0], src[x][1], src[x][2], m, f);
    }
  });
  return out;
}

cv::Mat LabD50FromBgr(const cv::Mat& bgr) {
  SKT_CHECK(bgr.type() == CV_8UC3 || bgr.type() == CV_16UC3)
      << "expected BGR CV_8UC3 or CV_16UC3, got type " << bgr.type();
  const cv::Matx33f& m = NormalisedXyzD50FromLinearSrgbF();
  const LabFTable& f = FTable();
  cv::Mat out(bgr.size(), CV_32FC3);
  if (bgr.depth() == CV_8U) {
    // Pre-multiply each matrix column by the linearised code value: 3 tables of 256 x 3 floats
    // turn the transfer function and the matrix into 9 lookups and 6 additions per pixel.
    const auto& lut = SrgbToLinearLut8();
    std::vector<cv::Vec3f> column_r(256), column_g(256), column_b(256);
    for (int i = 0; i < 256; ++i) {
      column_r[i] = {m(0, 0) * lut[i], m(1, 0) * lut[i], m(2, 0) * lut[i]};
      column_g[i] = {m(0, 1) * lut[i], m(1, 1) * lut[i], m(2, 1) * lut[i]};
      column_b[i] = {m(0, 2) * lut[i], m(1, 2) * lut[i], m(2, 2) * lut[i]};
    }
    cv::parallel_for_(cv::Range(0, bgr.rows), [&](const cv::Range& range) {
      for (int y = range.start; y < range.end; ++y) {
        const auto* src = bgr.ptr<cv::Vec3b>(y);
        auto* dst = out.ptr<cv::Vec3f>(y);
        for (int x = 0; x < bgr.cols; ++x) {
          const cv::Vec3f xyz = column_r[src[x][2]] + column_g[src[x][1]] + column_b[src[x][0]];
          dst[x] = LabFromNormalisedXyz(xyz[0], xyz[1], xyz[2], f);
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
          dst[x] = LabFromRgb(lut[src[x][2]], lut[src[x][1]], lut[src[x][0]], m, f);
        }
      }
    });
  }
  return out;
}

cv::Mat LinearRgbFromLabD50(const cv::Mat& lab_d50) {
  SKT_CHECK(lab_d50.type() == CV_32FC3) << "expected CV_32FC3 Lab, got type " << lab_d50.type();
  const cv::Vec3d w = WhiteD50();
  const cv::Matx33d scale(w[0], 0, 0, 0, w[1], 0, 0, 0, w[2]);
  const cv::Matx33f m(LinearSrgbFromXyzMatrix() * BradfordD65FromD50() * scale);
  cv::Mat out(lab_d50.size(), CV_32FC3);
  cv::parallel_for_(cv::Range(0, lab_d50.rows), [&](const cv::Range& range) {
    for (int y = range.start; y < range.end; ++y) {
      const auto* src = lab_d50.ptr<cv::Vec3f>(y);
      auto* dst = out.ptr<cv::Vec3f>(y);
      for (int x = 0; x < lab_d50.cols; ++x) {
        const double l = src[x][0];
        const double fy = (l + 16.0) / 116.0;
        const double tx = LabFInverse(fy + src[x][1] / 500.0);
        const double ty = l > kKappa * kEpsilon ? fy * fy * fy : l / kKappa;
        const double tz = LabFInverse(fy - src[x][2] / 200.0);
        const cv::Vec3f t(static_cast<float>(tx), static_cast<float>(ty), static_cast<float>(tz));
        dst[x] = m * t;
      }
    }
  });
  return out;
}

cv::Mat TransformPixels(const cv::Mat& image, const cv::Matx33d& m) {
  SKT_CHECK(image.type() == CV_32FC3) << "expected CV_32FC3, got type " << image.type();
  cv::Mat out;
  cv::transform(image, out, cv::Matx33f(m));
  return out;
}

}  // namespace skintrack::core
