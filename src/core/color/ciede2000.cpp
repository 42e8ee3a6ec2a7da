#include "core/color/ciede2000.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/base/check.h"

namespace skintrack::core {
namespace {

constexpr double kDegToRad = std::numbers::pi / 180.0;
constexpr double kRadToDeg = 180.0 / std::numbers::pi;

double Pow7(double x) {
  const double x2 = x * x;
  const double x3 = x2 * x;
  return x3 * x3 * x;
}

// 25^7, the chroma constant of the G and R_C terms.
constexpr double k25Pow7 = 6103515625.0;

double HuePrime(double b, double a_prime) {
  if (a_prime == 0.0 && b == 0.0) return 0.0;
  double h = std::atan2(b, a_prime) * kRadToDeg;
  if (h < 0.0) h += 360.0;
  return h;
}

}  // namespace

Ciede2000Terms Ciede2000WithTerms(const cv::Vec3d& lab1, const cv::Vec3d& lab2,
                                  const Ciede2000Weights& weights) {
  Ciede2000Terms out;
  const double c1 = std::hypot(lab1[1], lab1[2]);
  const double c2 = std::hypot(lab2[1], lab2[2]);
  const double c_bar7 = Pow7((c1 + c2) / 2.0);
  out.g = 0.5 * (1.0 - std::sqrt(c_bar7 / (c_bar7 + k25Pow7)));
  out.a1_prime = (1.0 + out.g) * lab1[1];
  out.a2_prime = (1.0 + out.g) * lab2[1];
  out.c1_prime = std::hypot(out.a1_prime, lab1[2]);
  out.c2_prime = std::hypot(out.a2_prime, lab2[2]);
  out.h1_prime = HuePrime(lab1[2], out.a1_prime);
  out.h2_prime = HuePrime(lab2[2], out.a2_prime);

  const double delta_l = lab2[0] - lab1[0];
  const double delta_c = out.c2_prime - out.c1_prime;
  const double chroma_product = out.c1_prime * out.c2_prime;
  double delta_h_deg = 0.0;
  if (chroma_product != 0.0) {
    delta_h_deg = out.h2_prime - out.h1_prime;
    if (delta_h_deg > 180.0) {
      delta_h_deg -= 360.0;
    } else if (delta_h_deg < -180.0) {
      delta_h_deg += 360.0;
    }
  }
  const double delta_h = 2.0 * std::sqrt(chroma_product) * std::sin(delta_h_deg * kDegToRad / 2.0);

  const double l_bar = (lab1[0] + lab2[0]) / 2.0;
  const double c_bar_prime = (out.c1_prime + out.c2_prime) / 2.0;
  double h_bar;
  if (chroma_product == 0.0) {
    h_bar = out.h1_prime + out.h2_prime;
  } else if (std::abs(out.h1_prime - out.h2_prime) <= 180.0) {
    h_bar = (out.h1_prime + out.h2_prime) / 2.0;
  } else if (out.h1_prime + out.h2_prime < 360.0) {
    h_bar = (out.h1_prime + out.h2_prime + 360.0) / 2.0;
  } else {
    h_bar = (out.h1_prime + out.h2_prime - 360.0) / 2.0;
  }
  out.h_bar_prime = h_bar;

  out.t = 1.0 - 0.17 * std::cos((h_bar - 30.0) * kDegToRad) + 0.24 * std::cos(2.0 * h_bar * kDegToRad) +
          0.32 * std::cos((3.0 * h_bar + 6.0) * kDegToRad) -
          0.20 * std::cos((4.0 * h_bar - 63.0) * kDegToRad);
  const double delta_theta = 30.0 * std::exp(-std::pow((h_bar - 275.0) / 25.0, 2.0));
  const double c_bar_prime7 = Pow7(c_bar_prime);
  const double r_c = 2.0 * std::sqrt(c_bar_prime7 / (c_bar_prime7 + k25Pow7));
  const double l_offset2 = (l_bar - 50.0) * (l_bar - 50.0);
  out.s_l = 1.0 + 0.015 * l_offset2 / std::sqrt(20.0 + l_offset2);
  out.s_c = 1.0 + 0.045 * c_bar_prime;
  out.s_h = 1.0 + 0.015 * c_bar_prime * out.t;
  out.r_t = -std::sin(2.0 * delta_theta * kDegToRad) * r_c;

  const double term_l = delta_l / (weights.k_l * out.s_l);
  const double term_c = delta_c / (weights.k_c * out.s_c);
  const double term_h = delta_h / (weights.k_h * out.s_h);
  out.delta_e00 = std::sqrt(std::max(
      0.0, term_l * term_l + term_c * term_c + term_h * term_h + out.r_t * term_c * term_h));
  return out;
}

double Ciede2000(const cv::Vec3d& lab1, const cv::Vec3d& lab2, const Ciede2000Weights& weights) {
  return Ciede2000WithTerms(lab1, lab2, weights).delta_e00;
}

cv::Mat Ciede2000Image(const cv::Mat& lab1, const cv::Mat& lab2, const Ciede2000Weights& weights) {
  SKT_CHECK(lab1.type() == CV_32FC3 && lab2.type() == CV_32FC3)
      << "expected CV_32FC3 Lab images, got types " << lab1.type() << " and " << lab2.type();
  SKT_CHECK(lab1.size() == lab2.size()) << "Lab images differ in size";
  cv::Mat out(lab1.size(), CV_32F);
  cv::parallel_for_(cv::Range(0, lab1.rows), [&](const cv::Range& range) {
    for (int y = range.start; y < range.end; ++y) {
      const auto* p1 = lab1.ptr<cv::Vec3f>(y);
      const auto* p2 = lab2.ptr<cv::Vec3f>(y);
      auto* dst = out.ptr<float>(y);
      for (int x = 0; x < lab1.cols; ++x) {
        dst[x] = static_cast<float>(Ciede2000(cv::Vec3d(p1[x]), cv::Vec3d(p2[x]), weights));
      }
    }
  });
  return out;
}

}  // namespace skintrack::core
