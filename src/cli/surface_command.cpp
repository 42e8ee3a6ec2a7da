// `skintrack surface --lights L.json [IMG...] [--px-per-mm F] [-o HEIGHT.tiff] [--json]`:
// photometric stereo -> normals -> height map (mm) -> ISO 25178 texture and atrophic scars.
#include <cstdio>
#include <iostream>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "core/surface/reconstruct_surface.h"
#include "core/surface/surface_maps.h"
#include "core/surface/surface_metrics.h"

namespace skintrack::cli {
namespace {

struct SurfaceCommandOptions {
  std::string lights;
  std::vector<std::string> images;
  std::string output;
  double px_per_mm = 0;
  std::string integration = "poisson";
  std::string form = "plane";
  double cutoff_mm = 10.0;
  double scar_depth_mm = 0.05;
  double max_megapixels = 100;
  bool json = false;
};

// HEIGHT.tiff -> HEIGHT_<suffix>.png beside it.
std::filesystem::path Sibling(const std::filesystem::path& height, const std::string& suffix) {
  return height.parent_path() / (height.stem().string() + "_" + suffix + ".png");
}

void PrintHuman(const core::SurfaceReconstruction& surface, const core::SurfaceMetrics& metrics,
                const std::string& output) {
  const auto& iso = metrics.iso25178;
  std::printf("surface: %dx%d px at %.3g px/mm, %.1f%% of pixels solved\n",
              surface.height_mm.cols, surface.height_mm.rows, surface.px_per_mm,
              100.0 * surface.normals.valid_fraction);
  std::printf("ISO 25178: Sa %.2f um, Sq %.2f um, Ssk %.3f, Sku %.3f, Sp %.2f um, Sv %.2f um, "
              "Sz %.2f um, Sdr %.3f %%\n",
              iso.sa_um, iso.sq_um, iso.ssk, iso.sku, iso.sp_um, iso.sv_um, iso.sz_um,
              iso.sdr_pct);
  const auto& scars = metrics.scars;
  std::printf("scars: %d, area %.3f mm2 (%.2f %%), depth mean %.3f mm, max %.3f mm, volume %.4f "
              "mm3\n",
              scars.count, scars.area_mm2, scars.area_pct, scars.depth_mean_mm,
              scars.depth_max_mm, scars.volume_mm3);
  for (std::size_t i = 0; i < scars.items.size(); ++i) {
    const auto& s = scars.items[i];
    std::printf("  #%zu %-8s at (%.0f, %.0f) px: width %.2f mm, depth max %.3f mm, volume "
                "%.4f mm3\n",
                i + 1, core::ScarTypeName(s.type), s.centroid_px.x, s.centroid_px.y, s.width_mm,
                s.depth_max_mm, s.volume_mm3);
  }
  if (!output.empty()) std::cout << "height map: " << output << "\n";
  for (const auto& w : surface.warnings) std::cout << "warning: " << w << "\n";
}

int RunSurface(const SurfaceCommandOptions& opts) {
  auto fail = [&](const Error& e) { return ReportError("surface", e, opts.json); };
  core::SurfaceReconstructionOptions options;
  options.load.max_pixels = static_cast<std::int64_t>(opts.max_megapixels * 1e6);
  if (opts.px_per_mm > 0) options.px_per_mm = opts.px_per_mm;
  auto integration = core::ParseIntegrationMethod(opts.integration);
  if (!integration.ok()) return fail(integration.error());
  options.integration = *integration;
  auto form = core::ParseFormRemovalMethod(opts.form);
  if (!form.ok()) return fail(form.error());
  options.form.method = *form;
  options.form.cutoff_mm = opts.cutoff_mm;
  if (!opts.output.empty()) {
    const std::string ext = std::filesystem::path(opts.output).extension().string();
    if (ext != ".tif" && ext != ".tiff") {
      return fail(UsageError("-o names the height map, a 32-bit float TIFF: use a .tiff name"));
    }
  }

  auto set = core::LoadLightSet(opts.lights);
  if (!set.ok()) return fail(set.error());
  std::vector<std::filesystem::path> images(opts.images.begin(), opts.images.end());
  auto selected = core::SelectLightSetImages(*set, images);
  if (!selected.ok()) return fail(selected.error());
  auto surface = core::ReconstructSurfaceFromFiles(*selected, options);
  if (!surface.ok()) return fail(surface.error());

  core::SurfaceAnalysisOptions analysis;  // the height map is already levelled
  analysis.scars.depth_threshold_mm = opts.scar_depth_mm;
  analysis.scars.extent_depth_mm = std::min(analysis.scars.extent_depth_mm, opts.scar_depth_mm);
  analysis.mask = surface->normals.valid;
  auto metrics = core::AnalyseHeightMap(surface->height_mm, surface->px_per_mm, analysis);
  if (!metrics.ok()) return fail(metrics.error());

  nlohmann::json outputs = nlohmann::json::object();
  if (!opts.output.empty()) {
    const std::filesystem::path height_path(opts.output);
    const auto shaded_path = Sibling(height_path, "shaded");
    const auto normals_path = Sibling(height_path, "normals");
    const auto albedo_path = Sibling(height_path, "albedo");
    Status written = core::WriteHeightMapTiff(height_path, surface->height_mm);
    if (written.ok()) {
      written = core::WriteImageFile(shaded_path, core::ShadedPreview(surface->normals.normals));
    }
    if (written.ok()) {
      written = core::WriteImageFile(normals_path, core::NormalsToBgr8(surface->normals.normals));
    }
    if (written.ok()) {
      double max_albedo = 0;
      cv::minMaxLoc(surface->normals.albedo, nullptr, &max_albedo);
      cv::Mat albedo8;
      surface->normals.albedo.convertTo(albedo8, CV_8UC1,
                                        max_albedo > 0 ? 255.0 / max_albedo : 1.0);
      written = core::WriteImageFile(albedo_path, albedo8);
    }
    if (!written.ok()) return fail(written.error());
    outputs = {{"height_tiff", height_path.string()},
               {"shaded_png", shaded_path.string()},
               {"normals_png", normals_path.string()},
               {"albedo_png", albedo_path.string()}};
  }

  if (opts.json) {
    nlohmann::json doc = JsonEnvelope("skintrack.surface/1");
    nlohmann::json lights = nlohmann::json::array();
    for (std::size_t i = 0; i < selected->lights.size(); ++i) {
      const cv::Vec3d& d = surface->directions[i];
      lights.push_back({{"image", selected->lights[i].image.string()},
                        {"direction", {d[0], d[1], d[2]}},
                        {"intensity", selected->lights[i].intensity}});
    }
    doc["input"] = {{"lights_file", opts.lights}, {"lights", lights}};
    doc["surface"] = {{"width", surface->height_mm.cols},
                      {"height", surface->height_mm.rows},
                      {"px_per_mm", surface->px_per_mm},
                      {"valid_pct", 100.0 * surface->normals.valid_fraction},
                      {"integration", core::IntegrationMethodName(options.integration)},
                      {"form_removal", core::FormRemovalMethodName(options.form.method)}};
    if (options.form.method == core::FormRemovalMethod::kGaussian) {
      doc["surface"]["cutoff_mm"] = options.form.cutoff_mm;
    }
    const nlohmann::json measured = core::SurfaceMetricsToJson(*metrics);
    doc["iso25178"] = measured["iso25178"];
    doc["scars"] = measured["scars"];
    doc["scars"]["depth_threshold_mm"] = analysis.scars.depth_threshold_mm;
    doc["analysed_area_mm2"] = measured["analysed_area_mm2"];
    doc["outputs"] = outputs;
    doc["warnings"] = surface->warnings;
    PrintJson(doc);
  } else {
    PrintHuman(*surface, *metrics, opts.output);
  }
  return 0;
}

}  // namespace

CommandRun SetupSurfaceCommand(CLI::App& root) {
  auto opts = std::make_shared<SurfaceCommandOptions>();
  CLI::App* sub = root.add_subcommand(
      "surface", "Photometric stereo: height map (mm), ISO 25178 texture and scar depth/volume");
  sub->add_option("--lights", opts->lights, "lights.json (skintrack.lights/1)")->required();
  sub->add_option("images", opts->images,
                  "Images of the set (default: those named in the lights file)");
  sub->add_option("-o,--output", opts->output,
                  "Height map to write (32-bit float TIFF, mm); also writes <name>_shaded.png, "
                  "<name>_normals.png and <name>_albedo.png beside it");
  sub->add_option("--px-per-mm", opts->px_per_mm,
                  "Image scale in pixels per mm (default: px_per_mm in the lights file)")
      ->check(PxPerMmRange());
  sub->add_option("--integration", opts->integration,
                  "Gradient integration: poisson (DCT, default) or fc (Frankot-Chellappa)")
      ->check(CLI::IsMember({"poisson", "fc", "frankot-chellappa"}));
  sub->add_option("--form", opts->form,
                  "Form removal: plane (robust, default), poly2, gaussian or none")
      ->check(CLI::IsMember({"plane", "poly2", "gaussian", "none"}));
  sub->add_option("--cutoff-mm", opts->cutoff_mm,
                  "Gaussian high-pass cut-off wavelength in mm (with --form gaussian; default 10)")
      ->check(NumberIn(0.01, 1000, "--cutoff-mm", "0.01 and 1000 mm"));
  sub->add_option("--scar-depth-mm", opts->scar_depth_mm,
                  "Depressions deeper than this count as scars (default 0.05)")
      ->check(NumberIn(0.001, 100, "--scar-depth-mm", "0.001 and 100 mm"));
  sub->add_option("--max-megapixels", opts->max_megapixels, "Refuse larger images (default 100)")
      ->check(MegapixelLimit());
  sub->add_flag("--json", opts->json, "Print the skintrack.surface/1 JSON document on stdout");
  return [opts] { return RunSurface(*opts); };
}

}  // namespace skintrack::cli
