#pragma once
// Photometric-stereo set in, levelled height map in millimetres out: the whole surface pipeline
// behind `skintrack surface` (docs/SURFACE.md).
//
//   lights.json + images -> linear luminance (sRGB decoded unless the set says "linear")
//   -> light directions (from the file, or estimated on the sphere probe)
//   -> normals and albedo (Woodham least squares, shadow/highlight rejection; photometric_stereo.h)
//   -> height by Frankot-Chellappa or Poisson/DCT (integration.h), converted to mm with px/mm
//   -> form removal (form_removal.h) -> height_mm with the intact skin at z = 0.
// Metrics on the result: AnalyseHeightMap (surface_metrics.h).
//
// Errors: kBadInput for unreadable images, images of different sizes, missing or extra light
// entries, coplanar lights, more than kMaxPhotometricLights images; kUsage when no scale is known.
// Thread-safety: reentrant (OpenCV may use its own threads).

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/base/result.h"
#include "core/io/image_io.h"
#include "core/surface/form_removal.h"
#include "core/surface/integration.h"
#include "core/surface/light_set.h"
#include "core/surface/photometric_stereo.h"
#include "core/surface/sphere_probe.h"

namespace skintrack::core {

struct SurfaceReconstructionOptions {
  PhotometricStereoOptions photometric;
  // Default Poisson/DCT: same least-squares optimum for integrable fields, about 8x faster than
  // the mirror-padded Frankot-Chellappa on 2000 x 2000 images (bench/surface_bench.cpp).
  IntegrationMethod integration = IntegrationMethod::kPoissonDct;
  FormRemovalOptions form;             // default: robust plane
  std::optional<double> px_per_mm;     // overrides the light set's px_per_mm
  LoadOptions load;
  SphereProbeOptions sphere;
};

struct SurfaceReconstruction {
  NormalMap normals;
  cv::Mat height_mm;                    // CV_32FC1, levelled; 0 where no normal could be solved
  double px_per_mm = 0;
  std::vector<cv::Vec3d> directions;    // light directions used (estimated ones included)
  std::vector<std::string> warnings;
};

// Linear luminance (CV_32FC1, Y of linear sRGB, or of the raw values when `linear_encoding`) of
// a loaded image.
cv::Mat PhotometricIntensity(const cv::Mat& bgr, bool linear_encoding);

// Pairs command-line images with the light set's entries by file name. An empty `images` keeps
// the set as it is. kBadInput names an image without a light entry, or an entry without an image.
Result<LightSet> SelectLightSetImages(const LightSet& set,
                                      const std::vector<std::filesystem::path>& images);

// Reconstructs from images already converted to linear intensity (one per light, same order).
Result<SurfaceReconstruction> ReconstructSurface(const std::vector<cv::Mat>& intensities,
                                                 const LightSet& set,
                                                 const SurfaceReconstructionOptions& options);

// Loads the set's images and reconstructs.
Result<SurfaceReconstruction> ReconstructSurfaceFromFiles(
    const LightSet& set, const SurfaceReconstructionOptions& options);

}  // namespace skintrack::core
