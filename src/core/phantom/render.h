#pragma once
// Internal to core_phantom: drawing the canonical skin and photographing it.

#include <opencv2/core.hpp>

#include "core/base/result.h"
#include "core/phantom/phantom.h"
#include "core/phantom/scene.h"

namespace skintrack::core::phantom {

// Unit vector toward the light: azimuth from +x toward +y, elevation from the skin plane.
cv::Vec3d LightDirection(double azimuth_deg, double elevation_deg);

// Homography from canonical pixels to image pixels: rotation and scale about the image centre,
// then translation, with the perspective terms applied in centred coordinates.
cv::Matx33d ImageFromCanonical(const CaptureParams& capture, int width_px, int height_px);

struct CanonicalRender {
  cv::Rect region;       // canonical pixels covered
  cv::Mat rgb_linear;    // CV_32FC3 R,G,B, scene radiance
  cv::Mat height_mm;     // CV_32F
};

// Lighting for the canonical render: `light` toward the light, radiance scaled by `intensity`.
// `normalise_flat` divides by l_z so flat skin renders at its tone (colour captures); photometric
// stereo uses the plain Lambertian convention I = albedo·max(0, n·l)·intensity.
struct Lighting {
  cv::Vec3d light = {0, 0, 1};
  double intensity = 1;
  bool normalise_flat = true;
  bool draw_chart = true;
};

CanonicalRender RenderCanonical(const Scene& scene, const VisitFeatures& features,
                                const cv::Rect& region, const Lighting& lighting);

struct CaptureRender {
  cv::Mat rgb_linear;  // CV_32FC3, after all capture effects (not clamped)
  cv::Mat bgr;         // CV_8UC3 sRGB
  cv::Matx33d image_from_canonical;
};

// Photographs the skin: canonical render over the needed region, warp, blur, exposure, white
// balance, noise, 8-bit sRGB. kUsage when the capture moves the view outside the phantom's field.
Result<CaptureRender> RenderCapture(const Scene& scene, const VisitFeatures& features,
                                    const CaptureParams& capture);

}  // namespace skintrack::core::phantom
