#pragma once
// CIEDE2000 colour difference (CIE 142-2001, ISO/CIE 11664-6), kL = kC = kH = 1 by default.
//
// Implementation follows Sharma, Wu & Dalal, "The CIEDE2000 color-difference formula:
// implementation notes, supplementary test data, and mathematical observations", Color Res. Appl.
// 30(1):21-30 (2005), including the hue-mean and hue-difference conventions that their Table 1
// tests (REFERENCES.md §1). The result is symmetric in its two arguments.
//
// Inputs are CIELAB (L*, a*, b*) in any one white (the project measures in D50). Images: CV_32FC3
// Lab of equal size -> CV_32F ΔE00 per pixel. Wrong types/sizes fail SKT_CHECK.
// Thread-safety: reentrant.

#include <opencv2/core.hpp>

namespace skintrack::core {

struct Ciede2000Weights {
  double k_l = 1.0;  // lightness parametric factor (1 for reference conditions)
  double k_c = 1.0;  // chroma parametric factor
  double k_h = 1.0;  // hue parametric factor
};

// The intermediate values of Sharma et al. Table 1, for testing and diagnostics.
struct Ciede2000Terms {
  double a1_prime = 0, a2_prime = 0;  // a' = (1 + G) a
  double c1_prime = 0, c2_prime = 0;  // C'
  double h1_prime = 0, h2_prime = 0;  // h' in degrees [0, 360)
  double h_bar_prime = 0;             // mean hue h̄' in degrees
  double g = 0;                       // G
  double t = 0;                       // T
  double s_l = 0, s_c = 0, s_h = 0;   // weighting functions
  double r_t = 0;                     // rotation term
  double delta_e00 = 0;
};

Ciede2000Terms Ciede2000WithTerms(const cv::Vec3d& lab1, const cv::Vec3d& lab2,
                                  const Ciede2000Weights& weights = {});

// ΔE00 between two CIELAB colours.
double Ciede2000(const cv::Vec3d& lab1, const cv::Vec3d& lab2, const Ciede2000Weights& weights = {});

// Per-pixel ΔE00 of two CV_32FC3 Lab images of the same size -> CV_32F.
cv::Mat Ciede2000Image(const cv::Mat& lab1, const cv::Mat& lab2, const Ciede2000Weights& weights = {});

}  // namespace skintrack::core
