#pragma once
// Light directions estimated from a calibration sphere visible in the photometric-stereo images.
//
// Chrome sphere (mirror): the highlight is where the sphere normal bisects the view and light
// directions. With an orthographic camera looking down -z (view vector v = (0, 0, 1)), the normal
// at the highlight centroid is n = ((x - cx)/r, (y - cy)/r, sqrt(1 - ...)) and the light is the
// mirror reflection l = 2 (n . v) n - v. The highlight is the intensity-weighted centroid of the
// pixels within `highlight_fraction` of the brightest pixel on the sphere.
// Matte sphere (Lambertian, uniform albedo): I = rho * max(0, n . l); rho * l is the least-squares
// fit over the lit pixels of the sphere (I above `lit_fraction` of the maximum), whose normals are
// known from the outline, refitted once without the pixels the first fit predicts as unlit.
//
// Frame: x right, y down, z toward the camera (shared convention). Input: CV_32FC1 linear
// intensity. Errors: kBadInput when the sphere lies outside the image or no highlight / lit area is
// found. Thread-safety: reentrant.

#include <opencv2/core.hpp>

#include "core/base/result.h"
#include "core/surface/light_set.h"

namespace skintrack::core {

struct SphereProbeOptions {
  double highlight_fraction = 0.9;  // chrome: pixels >= 0.9 x max form the highlight
  double lit_fraction = 0.05;       // matte: pixels above 5 % of max are lit
  double rim_fraction = 0.95;       // ignore the outer 5 % of the radius (edge blur)
};

// Unit direction toward the light, z > 0.
Result<cv::Vec3d> EstimateLightFromSphere(const cv::Mat& intensity, const SphereProbe& sphere,
                                          const SphereProbeOptions& options = {});

}  // namespace skintrack::core
