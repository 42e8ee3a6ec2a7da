#pragma once
// Surface normals and albedo from images lit from known directions (photometric stereo).
//
// Method: Woodham (1980), "Photometric method for determining surface orientation from multiple
// images", Opt. Eng. 19(1):139. For a Lambertian surface the linear intensity under light i is
// I_i = intensity_i * rho * (n . l_i); with >= 3 non-coplanar lights g = rho * n is the least-squares
// solution of L g = I (rows of L: intensity_i * l_i), rho = |g|, n = g / |g| (solved with Eigen).
// Per pixel, observations that break the model are dropped before solving:
//   - shadows: I_i / intensity_i below `shadow_threshold`;
//   - specular highlights and clipping: I_i / intensity_i above `highlight_threshold`;
//   - robust rule: with >= `robust_min_lights` usable observations the brightest and the darkest
//     (relative to their light's intensity) are dropped too, which removes an attached shadow and
//     a highlight that the fixed thresholds miss.
// A pixel whose remaining lights are fewer than 3 or near-coplanar is marked invalid; its normal
// is (0, 0, 1) and its gradients are 0.
//
// Frame (shared convention): x right (columns), y down (rows), z toward the camera; gradients
// p = dz/dx, q = dz/dy with n = (-p, -q, 1)/|.|; p and q are dimensionless (height in the same
// unit as the pixel spacing).
//
// Inputs: images CV_32FC1 of linear intensity (any positive scale; thresholds are relative to 1.0
// = full scale), all the same size. Errors: kBadInput for mismatched sizes or counts and for
// coplanar lights. Thread-safety: reentrant; uses cv::parallel_for_ internally.

#include <vector>

#include <opencv2/core.hpp>

#include "core/base/result.h"
#include "core/surface/light_set.h"

namespace skintrack::core {

struct PhotometricStereoOptions {
  // Observations below this linear value (relative to full scale, after dividing by the light's
  // intensity) are treated as shadowed. Default 0.01.
  double shadow_threshold = 0.01;
  // Observations above this linear value are treated as highlights or clipped. Default 0.98.
  double highlight_threshold = 0.98;
  // Drop the brightest and darkest observation when at least this many remain. Default 5 (the
  // issue's rule); 0 disables the robust rule.
  int robust_min_lights = 5;
  // Normals with n_z below this are clamped to it before converting to gradients (limits slopes
  // to about 84 degrees). Default 0.1.
  double min_normal_z = 0.1;
  LightGeometryOptions geometry;  // whole-set and per-pixel coplanarity check
};

struct NormalMap {
  cv::Mat normals;      // CV_32FC3 (n_x, n_y, n_z), unit length
  cv::Mat albedo;       // CV_32FC1, rho in the images' linear units
  cv::Mat p;            // CV_32FC1, dz/dx
  cv::Mat q;            // CV_32FC1, dz/dy
  cv::Mat valid;        // CV_8UC1, 255 where the normal was solved
  cv::Mat lights_used;  // CV_8UC1, number of observations used per pixel
  double valid_fraction = 0;
};

// Estimates normals from `images` (CV_32FC1 linear) lit by unit `directions` with relative
// `intensities` (one per image).
Result<NormalMap> EstimateNormals(const std::vector<cv::Mat>& images,
                                  const std::vector<cv::Vec3d>& directions,
                                  const std::vector<double>& intensities,
                                  const PhotometricStereoOptions& options = {});

// Angle in degrees between two unit-normal maps (CV_32FC3), averaged over `mask` (all if empty).
double MeanAngularErrorDeg(const cv::Mat& normals_a, const cv::Mat& normals_b,
                           const cv::Mat& mask = cv::Mat());

}  // namespace skintrack::core
