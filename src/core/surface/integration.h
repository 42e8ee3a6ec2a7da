#pragma once
// Integration of a gradient field (p = dz/dx, q = dz/dy) into a height map.
//
// Two global least-squares integrators are provided:
//   - Frankot & Chellappa (1988), "A method for enforcing integrability in shape from shading
//     algorithms", IEEE PAMI 10(4):439. Fourier projection Z = -j(u P + v Q)/(u^2 + v^2) with
//     continuous frequencies; the field is mirror-padded to 2H x 2W (p odd across vertical
//     mirrors, q odd across horizontal ones) so that the periodic assumption holds.
//   - Poisson with free (Neumann) boundaries solved by the DCT (Simchony, Chellappa & Shao 1990,
//     IEEE PAMI 12(5):435): minimises sum (z[x+1]-z[x] - p~)^2 + (z[y+1]-z[y] - q~)^2 with p~, q~
//     the gradients averaged onto the half-pixel edges. Exact for a discrete field; odd sizes are
//     padded by one row/column with zero edge slope (cv::dct needs even sizes).
// Both return the height in the unit of the pixel spacing (multiply by mm per pixel for mm) with
// zero mean; the mean height is not observable from gradients.
//
// Inputs: CV_32FC1 p and q of the same non-empty size (programmer error otherwise: SKT_CHECK).
// Thread-safety: reentrant.

#include <string_view>

#include <opencv2/core.hpp>

#include "core/base/result.h"

namespace skintrack::core {

enum class IntegrationMethod { kFrankotChellappa, kPoissonDct };

// "fc" / "frankot-chellappa" or "poisson"; kUsage error for anything else.
Result<IntegrationMethod> ParseIntegrationMethod(std::string_view name);
const char* IntegrationMethodName(IntegrationMethod method);

// Height in pixel units, CV_32FC1, zero mean.
cv::Mat IntegrateFrankotChellappa(const cv::Mat& p, const cv::Mat& q);
cv::Mat IntegratePoissonDct(const cv::Mat& p, const cv::Mat& q);
cv::Mat IntegrateGradients(const cv::Mat& p, const cv::Mat& q, IntegrationMethod method);

}  // namespace skintrack::core
