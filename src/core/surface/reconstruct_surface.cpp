#include "core/surface/reconstruct_surface.h"

#include <cstdio>
#include <map>

#include <opencv2/imgproc.hpp>

#include "core/base/check.h"
#include "core/color/srgb.h"

namespace skintrack::core {

cv::Mat PhotometricIntensity(const cv::Mat& bgr, bool linear_encoding) {
  SKT_CHECK(bgr.type() == CV_8UC3 || bgr.type() == CV_16UC3) << "expected BGR 8/16-bit";
  cv::Mat luminance(bgr.size(), CV_32FC1);
  if (linear_encoding) {
    const cv::Mat unit_bgr = ToUnitFloat(bgr);
    cv::transform(unit_bgr, luminance, cv::Matx13f(0.0722F, 0.7152F, 0.2126F));
  } else {
    const cv::Mat rgb_linear = BgrToLinearRgb(bgr);
    cv::transform(rgb_linear, luminance, cv::Matx13f(0.2126F, 0.7152F, 0.0722F));
  }
  return luminance;
}

Result<LightSet> SelectLightSetImages(const LightSet& set,
                                      const std::vector<std::filesystem::path>& images) {
  if (images.empty()) return set;
  if (images.size() > static_cast<std::size_t>(kMaxPhotometricLights)) {
    return BadInputError(std::to_string(images.size()) + " images given; at most " +
                         std::to_string(kMaxPhotometricLights) + " are accepted");
  }
  std::map<std::string, std::size_t> entry_of_name;
  for (std::size_t i = 0; i < set.lights.size(); ++i) {
    entry_of_name[set.lights[i].image.filename().string()] = i;
  }
  LightSet selected = set;
  selected.lights.clear();
  std::vector<bool> used(set.lights.size(), false);
  for (const std::filesystem::path& image : images) {
    auto it = entry_of_name.find(image.filename().string());
    if (it == entry_of_name.end()) {
      return BadInputError("image " + image.string() +
                           " has no entry in the lights file: add {\"image\": \"" +
                           image.filename().string() +
                           "\", \"direction\": [x, y, z]} or leave the image out");
    }
    if (used[it->second]) {
      return BadInputError("image " + image.filename().string() + " is given twice");
    }
    used[it->second] = true;
    Light light = set.lights[it->second];
    light.image = image;
    selected.lights.push_back(light);
  }
  for (std::size_t i = 0; i < set.lights.size(); ++i) {
    if (!used[i]) {
      return BadInputError("the lights file lists " + set.lights[i].image.filename().string() +
                           " but that image was not given; give every image of the set (or "
                           "none, to use the files named in the lights file)");
    }
  }
  return selected;
}

Result<SurfaceReconstruction> ReconstructSurface(const std::vector<cv::Mat>& intensities,
                                                 const LightSet& set,
                                                 const SurfaceReconstructionOptions& options) {
  const std::size_t n = set.lights.size();
  if (intensities.size() != n) {
    return BadInputError(std::to_string(intensities.size()) + " images but " + std::to_string(n) +
                         " light entries; give one light entry per image");
  }
  if (n < static_cast<std::size_t>(kMinPhotometricLights) ||
      n > static_cast<std::size_t>(kMaxPhotometricLights)) {
    return BadInputError("photometric stereo takes 3 to " + std::to_string(kMaxPhotometricLights) +
                         " images; got " + std::to_string(n));
  }
  const double px_per_mm = options.px_per_mm.value_or(set.px_per_mm.value_or(0.0));
  if (!(px_per_mm > 0)) {
    return UsageError("the image scale is unknown: give --px-per-mm or \"px_per_mm\" in the "
                      "lights file");
  }
  for (std::size_t i = 1; i < n; ++i) {
    if (intensities[i].size() != intensities[0].size()) {
      return BadInputError(
          set.lights[i].image.filename().string() + " is " + std::to_string(intensities[i].cols) +
          "x" + std::to_string(intensities[i].rows) + " but " +
          set.lights[0].image.filename().string() + " is " +
          std::to_string(intensities[0].cols) + "x" + std::to_string(intensities[0].rows) +
          "; all images of a photometric-stereo set must have the same size");
    }
  }
  SurfaceReconstruction out;
  out.px_per_mm = px_per_mm;
  std::vector<double> light_intensities;
  for (std::size_t i = 0; i < n; ++i) {
    const Light& light = set.lights[i];
    light_intensities.push_back(light.intensity);
    if (light.direction) {
      out.directions.push_back(*light.direction);
      continue;
    }
    SKT_CHECK(set.sphere.has_value()) << "light without direction and no sphere";
    auto estimated = EstimateLightFromSphere(intensities[i], *set.sphere, options.sphere);
    if (!estimated.ok()) {
      return BadInputError(light.image.filename().string() + ": " + estimated.error().message);
    }
    out.directions.push_back(*estimated);
  }
  SKT_ASSIGN_OR_RETURN(out.normals, EstimateNormals(intensities, out.directions,
                                                     light_intensities, options.photometric));
  if (set.sphere) {
    // The probe is not skin: exclude it (with a margin) from the surface.
    cv::Mat sphere_mask = cv::Mat::zeros(out.normals.valid.size(), CV_8UC1);
    cv::circle(sphere_mask,
               cv::Point(static_cast<int>(set.sphere->center_px.x),
                         static_cast<int>(set.sphere->center_px.y)),
               static_cast<int>(set.sphere->radius_px * 1.1) + 2, cv::Scalar(255), cv::FILLED);
    out.normals.valid.setTo(0, sphere_mask);
    out.normals.p.setTo(0, sphere_mask);
    out.normals.q.setTo(0, sphere_mask);
    out.normals.valid_fraction =
        static_cast<double>(cv::countNonZero(out.normals.valid)) /
        static_cast<double>(out.normals.valid.total());
  }
  if (out.normals.valid_fraction < 0.5) {
    return AnalysisError("only " + std::to_string(static_cast<int>(100 * out.normals.valid_fraction)) +
                         "% of the pixels have 3 or more usable lights (the others are shadowed, "
                         "clipped or dark); check exposure and light directions");
  }
  if (out.normals.valid_fraction < 0.95) {
    char buf[160];
    std::snprintf(buf, sizeof(buf),
                  "%.1f%% of the pixels had too few usable lights (shadow or highlight); their "
                  "height is interpolated as flat",
                  100.0 * (1.0 - out.normals.valid_fraction));
    out.warnings.emplace_back(buf);
  }
  const cv::Mat height_px = IntegrateGradients(out.normals.p, out.normals.q, options.integration);
  const cv::Mat height_mm = height_px * (1.0 / px_per_mm);
  SKT_ASSIGN_OR_RETURN(out.height_mm,
                       RemoveForm(height_mm, px_per_mm, options.form, out.normals.valid));
  return out;
}

Result<SurfaceReconstruction> ReconstructSurfaceFromFiles(
    const LightSet& set, const SurfaceReconstructionOptions& options) {
  if (set.lights.size() > static_cast<std::size_t>(kMaxPhotometricLights)) {
    return BadInputError("at most " + std::to_string(kMaxPhotometricLights) +
                         " images are accepted; got " + std::to_string(set.lights.size()));
  }
  std::vector<cv::Mat> intensities;
  cv::Size first_size;
  for (std::size_t i = 0; i < set.lights.size(); ++i) {
    SKT_ASSIGN_OR_RETURN(LoadedImage image, LoadImage(set.lights[i].image, options.load));
    if (i == 0) first_size = image.bgr.size();
    if (image.bgr.size() != first_size) {
      return BadInputError(set.lights[i].image.string() + " is " +
                           std::to_string(image.bgr.cols) + "x" + std::to_string(image.bgr.rows) +
                           " but " + set.lights[0].image.string() + " is " +
                           std::to_string(first_size.width) + "x" +
                           std::to_string(first_size.height) +
                           "; all images of a photometric-stereo set must have the same size");
    }
    intensities.push_back(PhotometricIntensity(image.bgr, set.linear_encoding));
  }
  return ReconstructSurface(intensities, set, options);
}

}  // namespace skintrack::core
