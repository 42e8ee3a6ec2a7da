#pragma once
// The light set of a photometric-stereo capture: which image was lit from which direction.
//
// File format (`lights.json`, schema "skintrack.lights/1"; docs/SURFACE.md):
//   {"schema": "skintrack.lights/1",
//    "lights": [{"image": "ps_00.png", "direction": [x, y, z]},
//               {"image": "ps_01.png", "azimuth_deg": 45, "elevation_deg": 40, "intensity": 1.0}],
//    "px_per_mm": 20.0,                 // optional scale of the images (0.1 to 1000)
//    "encoding": "srgb",                // optional: "srgb" (default) or "linear" pixel values;
//                                       // free text naming exactly one of them is accepted
//    "sphere": {"center_px": [x, y], "radius_px": r, "kind": "chrome"}}   // optional probe
// Image paths are relative to the JSON file. Frame (shared convention): x to the right (columns),
// y down (rows), z toward the camera. Azimuth is measured from +x toward +y, elevation from the
// skin plane toward +z, so direction = (cos el cos az, cos el sin az, sin el); when both forms are
// given they must agree within 1 degree (the direction is used). `intensity` is the
// relative radiance of that light (default 1). A light may omit its direction only when a
// `sphere` probe is given: its direction is then estimated from the sphere in its image
// (core/surface/sphere_probe.h).
//
// Errors: every problem with the file is ErrorCode::kBadInput and the message names the entry
// and the field ("lights[2].elevation_deg: ..."). Thread-safety: reentrant.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

#include "core/base/result.h"

namespace skintrack::core {

// Most images one capture may hold (more is refused as bad input).
inline constexpr int kMaxPhotometricLights = 32;
// Fewest images photometric stereo can work with (three non-coplanar lights).
inline constexpr int kMinPhotometricLights = 3;

enum class SphereKind { kChrome, kMatte };

// A calibration sphere visible in every image of the set (pixel coordinates of its outline).
struct SphereProbe {
  cv::Point2d center_px;
  double radius_px = 0;
  SphereKind kind = SphereKind::kChrome;
};

struct Light {
  std::filesystem::path image;                  // absolute or relative to the working directory
  std::optional<cv::Vec3d> direction;           // unit vector toward the light, z > 0
  double intensity = 1.0;                       // relative radiance, > 0
};

struct LightSet {
  std::vector<Light> lights;
  std::optional<double> px_per_mm;              // scale declared in the file, if any
  bool linear_encoding = false;                 // true: pixel values are already linear
  std::optional<SphereProbe> sphere;
};

// Converts azimuth/elevation in degrees to a unit direction in the shared frame.
cv::Vec3d LightDirectionFromAngles(double azimuth_deg, double elevation_deg);

// Parses lights.json text. `base_dir` resolves relative image paths; `name` is used in messages.
Result<LightSet> ParseLightSet(std::string_view json_text, const std::filesystem::path& base_dir,
                               std::string_view name = "lights.json");

// Reads and parses a lights.json file.
Result<LightSet> LoadLightSet(const std::filesystem::path& path);

// Options of the geometric check on the light directions.
struct LightGeometryOptions {
  // Largest accepted condition number of the (intensity-weighted) light matrix L (n x 3). Lights
  // in (or near) one plane through the surface point make L rank-deficient and the normals
  // undetermined; a ring of LEDs at 5 degrees elevation already reaches about 15. Default 25.
  double max_condition_number = 25.0;
};

// Checks that 3..kMaxPhotometricLights directions are given and that they are not coplanar.
// kBadInput with the measured condition number otherwise.
Status CheckLightGeometry(const std::vector<cv::Vec3d>& directions,
                          const std::vector<double>& intensities,
                          const LightGeometryOptions& options = {});

// Condition number (largest / smallest singular value) of the n x 3 matrix with rows
// intensity_i * direction_i; +inf when rank-deficient.
double LightMatrixConditionNumber(const std::vector<cv::Vec3d>& directions,
                                  const std::vector<double>& intensities);

}  // namespace skintrack::core
