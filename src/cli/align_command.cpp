// `skintrack align MOVING FIXED -o OUT`: register a follow-up photo to its baseline and write the
// aligned follow-up (same size as FIXED). JSON schema `skintrack.align/1`.
#include <cstdio>
#include <iostream>

#include <opencv2/imgcodecs.hpp>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "core/base/atomic_file.h"
#include "core/io/image_io.h"
#include "core/registration/registration.h"

namespace skintrack::cli {
namespace {

struct AlignCommandOptions {
  std::string moving;
  std::string fixed;
  std::string output;
  std::string model = "auto";
  std::string points;
  std::string mask;
  std::string flow;
  bool nonrigid = false;
  double max_megapixels = 100;
  bool json = false;
};

Result<cv::Mat> LoadMask(const std::filesystem::path& path, cv::Size expected) {
  SKT_ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(path));
  cv::Mat mask;
  try {
    std::vector<uchar> buffer(bytes.begin(), bytes.end());
    mask = cv::imdecode(buffer, cv::IMREAD_GRAYSCALE);
  } catch (const cv::Exception&) {
    mask.release();
  }
  if (mask.empty()) return BadInputError(path.string() + ": not a readable mask image (PNG, non-zero = skin)");
  if (mask.size() != expected) {
    return BadInputError(path.string() + ": mask is " + std::to_string(mask.cols) + "x" +
                         std::to_string(mask.rows) + " but the baseline (FIXED) image is " +
                         std::to_string(expected.width) + "x" + std::to_string(expected.height));
  }
  return mask;
}

void PrintHuman(const core::Registration& r, const AlignCommandOptions& opts) {
  const auto& h = r.fixed_from_moving;
  std::printf("%s: %s model via %s, %d/%d inliers, residual %.3f px, NCC %.3f -> %.3f, overlap %.0f%%\n",
              r.ok ? "aligned" : "FAILED", core::MotionModelName(r.model), r.method.c_str(),
              r.inliers, r.matches, r.rms_residual_px, r.ncc_before, r.ncc_after,
              100 * r.overlap_fraction);
  std::printf("fixed_from_moving = [%.6g %.6g %.6g; %.6g %.6g %.6g; %.6g %.6g %.6g]\n", h(0, 0),
              h(0, 1), h(0, 2), h(1, 0), h(1, 1), h(1, 2), h(2, 0), h(2, 1), h(2, 2));
  if (!r.flow_fixed_px.empty()) {
    std::printf("non-rigid flow: mean %.2f px, p95 %.2f px, max %.2f px\n", r.flow_mean_px,
                r.flow_p95_px, r.flow_max_px);
  }
  for (const auto& w : r.warnings) std::cout << "warning: " << w << "\n";
  if (r.ok) std::cout << "wrote " << opts.output << "\n";
}

int RunAlign(const AlignCommandOptions& opts) {
  constexpr const char* kCommand = "align";
  auto model = core::ParseMotionModel(opts.model);
  if (!model.ok()) return ReportError(kCommand, model.error(), opts.json);
  if (Status checked = CheckImageOutputPath(opts.output); !checked.ok()) {
    return ReportError(kCommand, checked.error(), opts.json);
  }
  core::LoadOptions load;
  load.max_pixels = static_cast<std::int64_t>(opts.max_megapixels * 1e6);
  auto moving = core::LoadImage(opts.moving, load);
  if (!moving.ok()) return ReportError(kCommand, moving.error(), opts.json);
  auto fixed = core::LoadImage(opts.fixed, load);
  if (!fixed.ok()) return ReportError(kCommand, fixed.error(), opts.json);
  cv::Mat mask;
  if (!opts.mask.empty()) {
    auto loaded = LoadMask(opts.mask, fixed->bgr.size());
    if (!loaded.ok()) return ReportError(kCommand, loaded.error(), opts.json);
    mask = *loaded;
  }

  core::Registration registration;
  if (!opts.points.empty()) {
    auto pairs = core::ReadPointPairsJson(opts.points);
    if (!pairs.ok()) return ReportError(kCommand, pairs.error(), opts.json);
    auto from_points =
        core::RegisterFromPoints(*pairs, *model, moving->bgr.size(), fixed->bgr.size());
    if (!from_points.ok()) return ReportError(kCommand, from_points.error(), opts.json);
    registration = *from_points;
    const Status evaluated = core::EvaluateRegistration(moving->bgr, fixed->bgr, mask, registration);
    if (!evaluated.ok()) return ReportError(kCommand, evaluated.error(), opts.json);
  } else {
    core::RegistrationOptions options;
    options.model = *model;
    options.nonrigid = opts.nonrigid;
    auto result = core::RegisterImagesDetailed(moving->bgr, fixed->bgr, mask, options);
    if (!result.ok()) return ReportError(kCommand, result.error(), opts.json);
    registration = *result;
  }

  nlohmann::json doc = JsonEnvelope("skintrack.align/1");
  doc["moving"] = {{"path", opts.moving}, {"sha256", moving->sha256}};
  doc["fixed"] = {{"path", opts.fixed}, {"sha256", fixed->sha256}};
  doc["registration"] = core::RegistrationToJson(registration);
  // The main fields also at top level, as DESIGN.md's command-line contract lists them.
  for (const char* key : {"ok", "model", "fixed_from_moving", "inliers", "rms_residual_px",
                          "ncc_before", "ncc_after", "overlap_fraction"}) {
    doc[key] = doc["registration"][key];
  }
  doc["output"] = nullptr;
  doc["flow"] = nullptr;

  if (!registration.ok) {
    const Error error = AnalysisError(
        "alignment failed: " + registration.failure_reason +
        ". Check that both photos show the same skin area; otherwise align by hand with --points "
        "P.json (>= 3 point pairs) or try another --model");
    ReportError(kCommand, error, false);
    if (opts.json) {
      doc["error"] = {{"category", ErrorCodeName(error.code)},
                      {"exit_code", ExitCodeFor(error.code)},
                      {"message", error.message}};
      PrintJson(doc);
    } else {
      PrintHuman(registration, opts);
    }
    return ExitCodeFor(error.code);
  }

  auto aligned = core::WarpToFixed(moving->bgr, registration);
  if (!aligned.ok()) return ReportError(kCommand, aligned.error(), opts.json);
  Status written = WriteOutputImage(opts.output, *aligned);
  if (!written.ok()) return ReportError(kCommand, written.error(), opts.json);
  doc["output"] = opts.output;
  if (!registration.flow_fixed_px.empty()) {
    std::filesystem::path flow_path = opts.flow;
    if (flow_path.empty()) {
      flow_path = std::filesystem::path(opts.output).replace_extension(".flow.flo");
    }
    written = core::WriteFlowFile(flow_path, registration.flow_fixed_px);
    if (!written.ok()) return ReportError(kCommand, written.error(), opts.json);
    doc["flow"] = flow_path.string();
  }
  if (opts.json) {
    PrintJson(doc);
  } else {
    PrintHuman(registration, opts);
  }
  return 0;
}

}  // namespace

CommandRun SetupAlignCommand(CLI::App& root) {
  auto opts = std::make_shared<AlignCommandOptions>();
  CLI::App* sub = root.add_subcommand(
      "align", "Align a follow-up photo (MOVING) to its baseline (FIXED); exit 3 when it cannot");
  sub->add_option("moving", opts->moving, "Follow-up image to be warped")->required();
  sub->add_option("fixed", opts->fixed, "Baseline image (defines the output frame)")->required();
  sub->add_option("-o,--output", opts->output, "Aligned image (.png/.tif keep 16 bits, or .jpg)")
      ->required();
  sub->add_option("--model", opts->model, "similarity, affine, homography or auto (default)")
      ->check(CLI::IsMember({"similarity", "affine", "homography", "auto"}));
  sub->add_flag("--nonrigid", opts->nonrigid,
                "Add a smooth, bounded dense-flow correction (expression changes); writes the flow");
  sub->add_option("--flow", opts->flow,
                  "Where to write the flow field (.flo; default OUT with extension .flow.flo)");
  sub->add_option("--points", opts->points,
                  "Manual alignment from point pairs: {\"pairs\": [{\"moving\": [x, y], \"fixed\": "
                  "[x, y]}, ...]} (>= 3 pairs)");
  sub->add_option("--mask", opts->mask, "Skin mask of FIXED (PNG, non-zero = skin)");
  sub->add_option("--max-megapixels", opts->max_megapixels, "Refuse larger images (default 100)")
      ->check(MegapixelLimit());
  sub->add_flag("--json", opts->json, "Print the skintrack.align/1 JSON document on stdout");
  return [opts] { return RunAlign(*opts); };
}

}  // namespace skintrack::cli
