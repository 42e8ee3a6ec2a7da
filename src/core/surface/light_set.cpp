#include "core/surface/light_set.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "core/base/atomic_file.h"
#include "core/base/capture_limits.h"
#include "core/base/check.h"

namespace skintrack::core {
namespace {

using nlohmann::json;

std::string Field(std::size_t index, std::string_view key) {
  return "lights[" + std::to_string(index) + "]." + std::string(key);
}

Error FieldError(std::string_view name, const std::string& field, const std::string& problem) {
  return BadInputError(std::string(name) + ": " + field + ": " + problem);
}

Result<double> NumberField(const json& object, std::string_view key, std::string_view name,
                           const std::string& field) {
  const json& value = object.at(std::string(key));
  if (!value.is_number()) return FieldError(name, field, "must be a number");
  const double number = value.get<double>();
  if (!std::isfinite(number)) return FieldError(name, field, "must be finite");
  return number;
}

Result<SphereProbe> ParseSphere(const json& sphere, std::string_view name) {
  if (!sphere.is_object()) {
    return FieldError(name, "sphere", "must be an object {center_px, radius_px, kind}");
  }
  SphereProbe probe;
  if (!sphere.contains("center_px") || !sphere["center_px"].is_array() ||
      sphere["center_px"].size() != 2 || !sphere["center_px"][0].is_number() ||
      !sphere["center_px"][1].is_number()) {
    return FieldError(name, "sphere.center_px", "must be [x, y] in pixels");
  }
  probe.center_px = {sphere["center_px"][0].get<double>(), sphere["center_px"][1].get<double>()};
  if (!sphere.contains("radius_px")) return FieldError(name, "sphere.radius_px", "is missing");
  SKT_ASSIGN_OR_RETURN(probe.radius_px, NumberField(sphere, "radius_px", name, "sphere.radius_px"));
  if (probe.radius_px < 5) {
    return FieldError(name, "sphere.radius_px", "must be at least 5 pixels");
  }
  const std::string kind = sphere.value("kind", std::string("chrome"));
  if (kind == "chrome") {
    probe.kind = SphereKind::kChrome;
  } else if (kind == "matte") {
    probe.kind = SphereKind::kMatte;
  } else {
    return FieldError(name, "sphere.kind", "must be \"chrome\" or \"matte\", not \"" + kind + "\"");
  }
  return probe;
}

Result<Light> ParseLight(const json& entry, std::size_t index, const std::filesystem::path& base_dir,
                         bool has_sphere, std::string_view name) {
  if (!entry.is_object()) {
    return FieldError(name, "lights[" + std::to_string(index) + "]", "must be an object");
  }
  Light light;
  if (!entry.contains("image")) {
    return FieldError(name, Field(index, "image"), "is missing (the image lit by this light)");
  }
  if (!entry["image"].is_string() || entry["image"].get<std::string>().empty()) {
    return FieldError(name, Field(index, "image"), "must be a non-empty file name");
  }
  const std::filesystem::path image(entry["image"].get<std::string>());
  light.image = image.is_absolute() ? image : base_dir / image;

  const bool has_direction = entry.contains("direction");
  const bool has_azimuth = entry.contains("azimuth_deg");
  const bool has_elevation = entry.contains("elevation_deg");
  std::optional<cv::Vec3d> from_angles;
  if (has_azimuth || has_elevation) {
    if (!has_azimuth) return FieldError(name, Field(index, "azimuth_deg"), "is missing");
    if (!has_elevation) return FieldError(name, Field(index, "elevation_deg"), "is missing");
    SKT_ASSIGN_OR_RETURN(const double azimuth_deg,
                         NumberField(entry, "azimuth_deg", name, Field(index, "azimuth_deg")));
    SKT_ASSIGN_OR_RETURN(const double elevation_deg,
                         NumberField(entry, "elevation_deg", name, Field(index, "elevation_deg")));
    if (elevation_deg <= 0.0 || elevation_deg > 90.0) {
      return FieldError(name, Field(index, "elevation_deg"),
                        "must be in (0, 90] degrees above the skin plane");
    }
    from_angles = LightDirectionFromAngles(azimuth_deg, elevation_deg);
    light.direction = from_angles;
  }
  if (has_direction) {
    const json& d = entry["direction"];
    if (!d.is_array() || d.size() != 3 || !d[0].is_number() || !d[1].is_number() ||
        !d[2].is_number()) {
      return FieldError(name, Field(index, "direction"), "must be [x, y, z] (three numbers)");
    }
    cv::Vec3d v(d[0].get<double>(), d[1].get<double>(), d[2].get<double>());
    const double norm = cv::norm(v);
    if (!std::isfinite(norm) || norm < 1e-9) {
      return FieldError(name, Field(index, "direction"), "must be a non-zero vector");
    }
    v /= norm;
    if (v[2] <= 0.0) {
      return FieldError(name, Field(index, "direction"),
                        "z must be > 0: the light must be above the skin (z points to the camera)");
    }
    // Both forms may be given (e.g. for readers of either); they must then agree.
    if (from_angles && v.dot(*from_angles) < std::cos(CV_PI / 180.0)) {
      return FieldError(name, Field(index, "direction"),
                        "disagrees with azimuth_deg/elevation_deg by more than 1 degree");
    }
    light.direction = v;
  }
  if (!has_direction && !from_angles && !has_sphere) {
    return FieldError(name, Field(index, "direction"),
                      "is missing: give direction [x, y, z] or azimuth_deg and elevation_deg "
                      "(or a top-level \"sphere\" probe to estimate it)");
  }
  if (entry.contains("intensity")) {
    SKT_ASSIGN_OR_RETURN(light.intensity,
                         NumberField(entry, "intensity", name, Field(index, "intensity")));
    if (light.intensity <= 0.0) {
      return FieldError(name, Field(index, "intensity"), "must be > 0 (relative radiance)");
    }
  }
  return light;
}

}  // namespace

cv::Vec3d LightDirectionFromAngles(double azimuth_deg, double elevation_deg) {
  const double az = azimuth_deg * CV_PI / 180.0;
  const double el = elevation_deg * CV_PI / 180.0;
  return {std::cos(el) * std::cos(az), std::cos(el) * std::sin(az), std::sin(el)};
}

Result<LightSet> ParseLightSet(std::string_view json_text, const std::filesystem::path& base_dir,
                               std::string_view name) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers like 1e999
    return BadInputError(std::string(name) + ": not valid JSON (" + e.what() + ")");
  }
  if (!doc.is_object()) return BadInputError(std::string(name) + ": must be a JSON object");
  if (!doc.contains("schema") || !doc["schema"].is_string()) {
    return FieldError(name, "schema", "is missing; expected \"skintrack.lights/1\"");
  }
  if (doc["schema"].get<std::string>() != "skintrack.lights/1") {
    return FieldError(name, "schema",
                      "is \"" + doc["schema"].get<std::string>() +
                          "\"; this version reads \"skintrack.lights/1\"");
  }
  LightSet set;
  if (doc.contains("px_per_mm")) {
    SKT_ASSIGN_OR_RETURN(const double px_per_mm, NumberField(doc, "px_per_mm", name, "px_per_mm"));
    if (!IsPlausiblePxPerMm(px_per_mm)) {
      return FieldError(
          name, "px_per_mm",
          "must be between " + PxPerMmRangeText() + ", not " + doc["px_per_mm"].dump());
    }
    set.px_per_mm = px_per_mm;
  }
  if (doc.contains("encoding")) {
    // "srgb" or "linear"; a free-text description is accepted when it names exactly one of them.
    const json& encoding = doc["encoding"];
    std::string text = encoding.is_string() ? encoding.get<std::string>() : std::string();
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const bool says_srgb = text.find("srgb") != std::string::npos;
    const bool says_linear = text == "linear" || (!says_srgb && text.find("linear") != std::string::npos);
    if (!says_srgb && !says_linear) {
      return FieldError(name, "encoding", "must be \"srgb\" or \"linear\"");
    }
    set.linear_encoding = says_linear;
  }
  if (doc.contains("sphere")) {
    SKT_ASSIGN_OR_RETURN(set.sphere, ParseSphere(doc["sphere"], name));
  }
  if (!doc.contains("lights")) return FieldError(name, "lights", "is missing");
  const json& lights = doc["lights"];
  if (!lights.is_array()) return FieldError(name, "lights", "must be an array");
  if (lights.size() < static_cast<std::size_t>(kMinPhotometricLights)) {
    return FieldError(name, "lights",
                      "has " + std::to_string(lights.size()) + " entries; photometric stereo needs "
                          "at least " + std::to_string(kMinPhotometricLights) + " images");
  }
  if (lights.size() > static_cast<std::size_t>(kMaxPhotometricLights)) {
    return FieldError(name, "lights",
                      "has " + std::to_string(lights.size()) + " entries; at most " +
                          std::to_string(kMaxPhotometricLights) + " images are accepted");
  }
  std::set<std::filesystem::path> seen;
  for (std::size_t i = 0; i < lights.size(); ++i) {
    SKT_ASSIGN_OR_RETURN(Light light, ParseLight(lights[i], i, base_dir, set.sphere.has_value(),
                                                 name));
    if (!seen.insert(light.image.lexically_normal()).second) {
      return FieldError(name, Field(i, "image"),
                        "\"" + light.image.filename().string() + "\" is listed twice");
    }
    set.lights.push_back(std::move(light));
  }
  return set;
}

Result<LightSet> LoadLightSet(const std::filesystem::path& path) {
  SKT_ASSIGN_OR_RETURN(const std::string text, ReadFileBytes(path));
  return ParseLightSet(text, path.parent_path(), path.string());
}

double LightMatrixConditionNumber(const std::vector<cv::Vec3d>& directions,
                                  const std::vector<double>& intensities) {
  SKT_CHECK(directions.size() == intensities.size());
  if (directions.size() < 3) return std::numeric_limits<double>::infinity();
  Eigen::MatrixXd l(static_cast<Eigen::Index>(directions.size()), 3);
  for (std::size_t i = 0; i < directions.size(); ++i) {
    for (int c = 0; c < 3; ++c) {
      l(static_cast<Eigen::Index>(i), c) = intensities[i] * directions[i][c];
    }
  }
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(l);
  const Eigen::VectorXd s = svd.singularValues();
  if (s(2) <= 1e-12 * s(0)) return std::numeric_limits<double>::infinity();
  return s(0) / s(2);
}

Status CheckLightGeometry(const std::vector<cv::Vec3d>& directions,
                          const std::vector<double>& intensities,
                          const LightGeometryOptions& options) {
  const int n = static_cast<int>(directions.size());
  if (n < kMinPhotometricLights) {
    return BadInputError("photometric stereo needs at least 3 lights; got " + std::to_string(n));
  }
  if (n > kMaxPhotometricLights) {
    return BadInputError("at most " + std::to_string(kMaxPhotometricLights) +
                         " lights are accepted; got " + std::to_string(n));
  }
  const double condition = LightMatrixConditionNumber(directions, intensities);
  if (!(condition <= options.max_condition_number)) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.3g", condition);
    return BadInputError(
        std::string("the light directions are coplanar or nearly so (condition number ") + buf +
        ", limit " + std::to_string(static_cast<int>(options.max_condition_number)) +
        "): the surface normal cannot be determined. Use lights at different azimuths around "
        "the area and at least one well above the skin plane");
  }
  return OkStatus();
}

}  // namespace skintrack::core
