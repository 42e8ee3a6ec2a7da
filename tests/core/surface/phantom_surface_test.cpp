// The phantom's photometric-stereo sets (core/phantom/phantom.h, docs/PHANTOM.md) through the
// surface pipeline, every scar wholly inside the crop compared with truth.json: volume within 15 %
// and depth within 10 % (or 20 um, whichever is larger). The truth is the scar's own profile (depth
// and volume below the surrounding skin), so wrinkles and texture around or across a scar are not
// part of it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/io/image_io.h"
#include "core/phantom/phantom.h"
#include "core/surface/reconstruct_surface.h"
#include "core/surface/surface_metrics.h"

namespace skintrack::core {
namespace {

struct ScarComparison {
  std::string name;  // "S01/ps_baseline scar 2"
  bool found = false;
  double depth_mm = 0, truth_depth_mm = 0;
  double volume_mm3 = 0, truth_volume_mm3 = 0;
};

// Renders the baseline and 12-month sets (8 lights, 20 px/mm, 512 px crop, seed 5), reconstructs
// and measures them with the defaults, and pairs each truth scar with the detection whose centroid
// lies within half its radius. Computed once for all tests.
const std::vector<ScarComparison>& PhantomScars() {
  static const std::vector<ScarComparison> comparisons = [] {
    std::vector<ScarComparison> out;
    PhantomOptions options;
    options.seed = 5;
    options.width_px = 640;
    options.height_px = 640;
    options.px_per_mm = 20;
    options.subjects = {PhantomResponse::kResponder};
    options.treatment_sessions = 1;
    options.photometric_stereo = true;
    options.ps_lights = 8;
    options.ps_size_px = 512;
    options.features.chart = false;
    std::map<std::string, std::string> files;
    auto series = RenderSeriesTo(options, [&](const PhantomFile& file) -> Status {
      if (file.relative_path.find("/ps_") != std::string::npos) {
        files[file.relative_path] = file.bytes;
      }
      return OkStatus();
    });
    if (!series.ok()) {
      ADD_FAILURE() << series.error().message;
      return out;
    }
    for (const auto& ps : series->truth["subjects"][0]["photometric_stereo"]) {
      const std::string dir = ps["directory"].get<std::string>();
      auto lights = ParseLightSet(files.at(dir + "/lights.json"), dir, dir + "/lights.json");
      if (!lights.ok()) {
        ADD_FAILURE() << lights.error().message;
        continue;
      }
      std::vector<cv::Mat> intensities;
      for (const Light& light : lights->lights) {
        auto image = DecodeImage(files.at(light.image.generic_string()), light.image);
        if (!image.ok()) {
          ADD_FAILURE() << image.error().message;
          return out;
        }
        intensities.push_back(PhotometricIntensity(image->bgr, lights->linear_encoding));
      }
      auto surface = ReconstructSurface(intensities, *lights, {});
      if (!surface.ok()) {
        ADD_FAILURE() << surface.error().message;
        continue;
      }
      SurfaceAnalysisOptions analysis;
      analysis.mask = surface->normals.valid;
      auto metrics = AnalyseHeightMap(surface->height_mm, surface->px_per_mm, analysis);
      if (!metrics.ok()) {
        ADD_FAILURE() << metrics.error().message;
        continue;
      }
      for (const auto& truth : ps["scars_in_crop_px"]) {
        const double x = truth["x_px"], y = truth["y_px"];
        const double radius_px = truth["diameter_mm"].get<double>() / 2 * options.px_per_mm;
        if (x < radius_px || y < radius_px || x > surface->height_mm.cols - radius_px ||
            y > surface->height_mm.rows - radius_px) {
          continue;  // not wholly inside the crop
        }
        ScarComparison c;
        c.name = dir + " scar " + std::to_string(truth["id"].get<int>());
        c.truth_depth_mm = truth["depth_mm"];
        c.truth_volume_mm3 = truth["volume_mm3"];
        for (const SurfaceScar& scar : metrics->scars.items) {
          if (std::hypot(scar.centroid_px.x - x, scar.centroid_px.y - y) < 0.5 * radius_px) {
            c.found = true;
            c.depth_mm = scar.depth_max_mm;
            c.volume_mm3 = scar.volume_mm3;
          }
        }
        std::printf("%s: depth %.4f vs %.4f mm (%+.1f %%), volume %.5f vs %.5f mm3 (%+.1f %%)\n",
                    c.name.c_str(), c.depth_mm, c.truth_depth_mm,
                    100 * (c.depth_mm / c.truth_depth_mm - 1), c.volume_mm3, c.truth_volume_mm3,
                    100 * (c.volume_mm3 / c.truth_volume_mm3 - 1));
        out.push_back(c);
      }
    }
    return out;
  }();
  return comparisons;
}

TEST(PhantomSurface, EveryScarFoundWithVolumeWithinFifteenPercent) {
  const auto& scars = PhantomScars();
  EXPECT_GE(scars.size(), 4U);
  for (const ScarComparison& c : scars) {
    ASSERT_TRUE(c.found) << c.name << " not found";
    EXPECT_NEAR(c.volume_mm3, c.truth_volume_mm3, 0.15 * c.truth_volume_mm3) << c.name;
  }
}

// Every scar's maximum depth within 10 % (or 20 um) of truth, wrinkle-crossed scar 5 included.
TEST(PhantomSurface, EveryScarDepthWithinTenPercent) {
  const auto& scars = PhantomScars();
  EXPECT_GE(scars.size(), 4U);
  for (const ScarComparison& c : scars) {
    ASSERT_TRUE(c.found) << c.name << " not found";
    EXPECT_NEAR(c.depth_mm, c.truth_depth_mm, std::max(0.1 * c.truth_depth_mm, 0.020)) << c.name;
  }
}

}  // namespace
}  // namespace skintrack::core
