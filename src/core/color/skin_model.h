#pragma once
// Skin chromophore models on linear RGB: the Tsumura melanin/haemoglobin decomposition, the
// individual typology angle (ITA°) with its classes, and the erythema and melanin indices.
//
// Tsumura model (Tsumura et al., JOSA A 16(9):2169-2176, 1999; ACM TOG 22(3):770-779, 2003;
// REFERENCES.md §3): the optical density of a linear-RGB pixel (R,G,B order)
//     d = -ln(rgb_linear) = c_m·σ_m + c_h·σ_h + s·(1, 1, 1)
// with σ_m = (0.4143, 0.3570, 0.8372) (melanin) and σ_h = (0.2988, 0.6838, 0.6657) (haemoglobin),
// c_m, c_h dimensionless chromophore densities and s a shading term (illumination / geometry,
// equal in all channels). Shading is removed by projecting along (1,1,1) onto the plane spanned by
// σ_m and σ_h; the inverse below solves the exact 3x3 system [σ_m σ_h 1]·(c_m, c_h, s)ᵀ = d, which
// is the same projection followed by the 2x2 solve, so a pixel built with the forward model gives
// back its c_m and c_h exactly for any s. Absolute values depend on camera and white balance; use
// calibrated images and compare changes, not absolute levels.
//
// ITA° = arctan((L* − 50)/b*)·180/π (Chardon 1991; Del Bino 2006), on CIELAB D50. Undefined for
// b* ≤ 0 (not a skin colour): returns nullopt. Six classes: very light > 55 ≥ light > 41 ≥
// intermediate > 28 ≥ tan > 10 ≥ brown > −30 ≥ dark.
//
// Erythema and melanin indices on linear RGB (Diffey 1984 form, Yamamoto 2008 for cameras):
// EI = 100·log10(R/G), MI = 100·log10(1/R). Values are relative (camera-dependent); linear in the
// chromophore densities of the model above.
//
// Linear values ≤ 0 are clamped to kMinLinear before taking logarithms, so dark or clipped pixels
// give large finite densities instead of infinities. Images: CV_32FC3 linear RGB in, CV_32F out.
// Wrong Mat types fail SKT_CHECK. Thread-safety: reentrant.

#include <optional>
#include <string_view>

#include <opencv2/core.hpp>

namespace skintrack::core {

// Floor applied to linear values before logarithms (1e-4 ≈ sRGB code 0.33/255).
inline constexpr double kMinLinear = 1e-4;

// Density spectra in R,G,B order (REFERENCES.md §3).
inline constexpr double kMelaninDensityRgb[3] = {0.4143, 0.3570, 0.8372};
inline constexpr double kHemoglobinDensityRgb[3] = {0.2988, 0.6838, 0.6657};

struct Chromophores {
  double melanin = 0;     // c_m
  double hemoglobin = 0;  // c_h
  double shading = 0;     // s (density units; 0 = no shading)
};

// Forward model: linear RGB (R,G,B order) = exp(-(c_m·σ_m + c_h·σ_h + s·1)).
cv::Vec3d LinearRgbFromChromophores(double melanin, double hemoglobin, double shading);

// Inverse: c_m, c_h and s from one linear RGB pixel.
Chromophores ChromophoresFromLinearRgb(const cv::Vec3d& rgb_linear);

struct ChromophoreMaps {
  cv::Mat melanin;     // CV_32F c_m
  cv::Mat hemoglobin;  // CV_32F c_h
  cv::Mat shading;     // CV_32F s
};
// Per-pixel decomposition of a CV_32FC3 linear RGB image.
ChromophoreMaps DecomposeChromophores(const cv::Mat& rgb_linear);

enum class ItaClass { kVeryLight, kLight, kIntermediate, kTan, kBrown, kDark };

// ITA° in degrees from CIELAB L* and b*; nullopt when b* ≤ 0.
std::optional<double> ItaDegrees(double l_star, double b_star);
ItaClass ClassifyIta(double ita_deg);
// "very_light", "light", "intermediate", "tan", "brown", "dark".
std::string_view ItaClassName(ItaClass ita_class);

// EI = 100·log10(R/G), MI = 100·log10(1/R) for one linear RGB pixel (R,G,B order).
double ErythemaIndex(const cv::Vec3d& rgb_linear);
double MelaninIndex(const cv::Vec3d& rgb_linear);
// Per-pixel indices of a CV_32FC3 linear RGB image -> CV_32F.
cv::Mat ErythemaIndexImage(const cv::Mat& rgb_linear);
cv::Mat MelaninIndexImage(const cv::Mat& rgb_linear);

}  // namespace skintrack::core
