#pragma once
// Colour-space conversions: linear sRGB <-> CIE XYZ <-> CIELAB (explicit reference white) <-> LCh,
// and Bradford chromatic adaptation between D65 and D50.
//
// Conventions (shared by the whole project, see docs/COLOUR.md):
// - Linear RGB is linear-light sRGB (IEC 61966-2-1 primaries, D65 white), R,G,B order, [0, 1] for
//   in-gamut colours; values outside [0, 1] are allowed (after colour correction) and pass through.
// - XYZ is scaled so that Y = 1 for the reference white (not 100).
// - CIELAB for measurements is **D50** via Bradford adaptation of the D65 sRGB white, as the
//   ColorChecker reference values are D50 (REFERENCES.md §2). L* in [0, 100], a*, b* unbounded.
// - The sRGB->XYZ matrix is the IEC 61966-2-1 4-decimal matrix; its inverse is computed from it
//   (not the rounded published inverse), so the round trip is exact to floating-point precision.
// - `cv::cvtColor(..., COLOR_RGB2Lab)` is D65 without adaptation and must not be used for
//   measurements (tests show the difference).
//
// Whole-image functions take and return CV_32FC3; the 8/16-bit entry points use lookup tables for
// the transfer function and a tabulated cube root, so a 12 MP image converts in well under a second
// on one core. Accuracy of the fast path vs the double-precision scalar path: |ΔL*|,|Δa*|,|Δb*| <
// 2e-3 for inputs in [0, 1]. Wrong Mat types fail SKT_CHECK (programmer error).
// Thread-safety: all functions are reentrant; whole-image functions use cv::parallel_for_.

#include <opencv2/core.hpp>

namespace skintrack::core {

// Reference whites as XYZ with Y = 1.
// D65: ASTM E308 / Lindbloom (0.95047, 1, 1.08883). D50: ASTM E308 / Lindbloom (0.96422, 1,
// 0.82521) — the white of the Bradford D65->D50 matrix quoted in REFERENCES.md §2.
cv::Vec3d WhiteD65();
cv::Vec3d WhiteD50();
// XYZ (Y = 1) of a white given by its CIE 1931 chromaticity xy.
cv::Vec3d WhiteFromXy(double x, double y);

// IEC 61966-2-1 linear sRGB -> XYZ(D65) matrix (4 decimals) and its exact inverse.
const cv::Matx33d& XyzFromLinearSrgbMatrix();
const cv::Matx33d& LinearSrgbFromXyzMatrix();

// Bradford chromatic adaptation matrix taking XYZ under `source_white` to XYZ under
// `destination_white`: M^-1 · diag(ρ_dst/ρ_src) · M (Lam 1985; Lindbloom).
cv::Matx33d BradfordAdaptation(const cv::Vec3d& source_white, const cv::Vec3d& destination_white);
// Bradford D65 -> D50 with WhiteD65()/WhiteD50(), and its inverse.
const cv::Matx33d& BradfordD50FromD65();
const cv::Matx33d& BradfordD65FromD50();

cv::Vec3d XyzFromLinearSrgb(const cv::Vec3d& rgb_linear);
cv::Vec3d LinearSrgbFromXyz(const cv::Vec3d& xyz);

// CIELAB from XYZ relative to `white_xyz` (CIE 15:2004 with ε = 216/24389, κ = 24389/27), and back.
cv::Vec3d LabFromXyz(const cv::Vec3d& xyz, const cv::Vec3d& white_xyz);
cv::Vec3d XyzFromLab(const cv::Vec3d& lab, const cv::Vec3d& white_xyz);

// LCh(ab): C = sqrt(a² + b²), h in degrees [0, 360) (0 when a = b = 0).
cv::Vec3d LchFromLab(const cv::Vec3d& lab);
cv::Vec3d LabFromLch(const cv::Vec3d& lch);

// Linear sRGB -> CIELAB D50 (Bradford adapted), the project's measurement space, and back.
cv::Vec3d LabD50FromLinearSrgb(const cv::Vec3d& rgb_linear);
cv::Vec3d LinearSrgbFromLabD50(const cv::Vec3d& lab_d50);
// Linear sRGB -> CIELAB relative to D65 with no adaptation (for comparison only).
cv::Vec3d LabD65FromLinearSrgb(const cv::Vec3d& rgb_linear);

// Encoded 8-bit sRGB (R, G, B in 0..255) -> CIELAB D50.
cv::Vec3d LabD50FromSrgb8(int r, int g, int b);

// Whole images. Inputs: CV_32FC3 linear RGB (R,G,B order) or BGR CV_8UC3/CV_16UC3 encoded sRGB as
// loaded by core/io. Output: CV_32FC3 holding (L*, a*, b*) D50.
cv::Mat LabD50FromLinearRgb(const cv::Mat& rgb_linear);
cv::Mat LabD50FromBgr(const cv::Mat& bgr);
// CV_32FC3 (L*, a*, b*) D50 -> CV_32FC3 linear RGB (R,G,B order), not clamped.
cv::Mat LinearRgbFromLabD50(const cv::Mat& lab_d50);
// Applies a 3x3 matrix to every pixel of a CV_32FC3 image (out = m · in).
cv::Mat TransformPixels(const cv::Mat& image, const cv::Matx33d& m);

}  // namespace skintrack::core
