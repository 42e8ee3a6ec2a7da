// `skintrack import PATH --db FILE`: a folder (subject/YYYY-MM-DD_kind/*.jpg) or a manifest CSV
// into the store, scoring each new image; re-import skips images already stored (by SHA-256).
#include <iostream>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "cli/db_options.h"
#include "core/base/sha256.h"
#include "core/base/version.h"
#include "core/pipeline/score_pipeline.h"
#include "store/importer.h"

namespace skintrack::cli {
namespace {

struct ImportCommandOptions {
  std::string path;
  std::string db;
  std::string calibrate = "auto";
  double px_per_mm = 0;
  double chart_pitch_mm = core::kClassicPatchPitchMm;
  double max_megapixels = 100;
  bool json = false;
  bool quiet = false;
};

core::ScoreOptions BaseScoreOptions(const ImportCommandOptions& opts) {
  core::ScoreOptions options;
  options.load.max_pixels = static_cast<std::int64_t>(opts.max_megapixels * 1e6);
  options.calibrate =
      opts.calibrate == "none" ? core::CalibrateMode::kNone : core::CalibrateMode::kAuto;
  if (opts.px_per_mm > 0) options.px_per_mm = opts.px_per_mm;
  options.chart_pitch_mm = opts.chart_pitch_mm;
  return options;
}

int RunImport(const ImportCommandOptions& opts) {
  const std::filesystem::path input(opts.path);
  std::error_code ec;
  Result<std::vector<store::ImportRow>> rows =
      std::filesystem::is_directory(input, ec) ? store::ScanFolder(input) : store::ReadManifest(input);
  if (!rows.ok()) return ReportError("import", rows.error(), opts.json);
  auto store = OpenStore(opts.db, /*must_exist=*/false);
  if (!store.ok()) return ReportError("import", store.error(), opts.json);

  const core::ScoreOptions base = BaseScoreOptions(opts);
  store::ImportOptions import_options;
  import_options.pipeline_version = std::string(kToolVersion) + "+" + kGitCommit;
  import_options.params_hash =
      Sha256Hex("calibrate=" + opts.calibrate + ";px_per_mm=" + std::to_string(opts.px_per_mm) +
                ChartPitchParameter(opts.chart_pitch_mm))
          .substr(0, 16);
  if (!opts.quiet && !opts.json) {
    import_options.progress = [](const store::ImportRow& row, const std::string& outcome) {
      std::cerr << row.subject << "/" << row.session << "/" << row.image.filename().string()
                << ": " << outcome << "\n";
    };
  }
  const store::ScoreFunction score = [&base](const store::ImportRow& row) {
    core::ScoreOptions options = base;
    if (row.px_per_mm) options.px_per_mm = *row.px_per_mm;
    return core::ScoreImageFile(row.image, options);
  };
  auto report = store::ImportRows(*store, *rows, score, import_options);
  if (!report.ok()) return ReportError("import", report.error(), opts.json);

  const std::string db_path = ResolveDbPath(opts.db).string();
  if (opts.json) {
    nlohmann::json doc = JsonEnvelope("skintrack.import/1");
    doc["db"] = db_path;
    doc["source"] = opts.path;
    doc["rows"] = report->rows;
    doc["imported"] = report->imported;
    doc["skipped_existing"] = report->skipped_existing;
    doc["failures"] = report->failures;
    PrintJson(doc);
  } else {
    std::cout << "imported " << report->imported << " of " << report->rows << " images into "
              << db_path << " (" << report->skipped_existing << " already imported, "
              << report->failures.size() << " failed)\n";
    for (const std::string& f : report->failures) std::cout << "failed: " << f << "\n";
  }
  if (!report->failures.empty()) {
    std::cerr << "skintrack import: error: " << report->first_failure.message << "\n";
    return ExitCodeFor(report->first_failure.code);
  }
  return 0;
}

}  // namespace

CommandRun SetupImportCommand(CLI::App& root) {
  auto opts = std::make_shared<ImportCommandOptions>();
  CLI::App* sub = root.add_subcommand(
      "import", "Import a folder (subject/YYYY-MM-DD_kind/*.jpg) or a manifest CSV into the store");
  sub->add_option("path", opts->path, "Folder or manifest .csv (subject,session,date,kind,image,...)")
      ->required();
  AddDbOption(sub, &opts->db);
  sub->add_option("--calibrate", opts->calibrate, "Colour calibration: auto or none")
      ->check(CLI::IsMember({"auto", "none"}));
  sub->add_option("--px-per-mm", opts->px_per_mm, "Scale for images whose row gives none")
      ->check(PxPerMmRange());
  AddChartPitchOption(sub, &opts->chart_pitch_mm);
  sub->add_option("--max-megapixels", opts->max_megapixels, "Refuse larger images (default 100)")
      ->check(MegapixelLimit());
  sub->add_flag("--quiet", opts->quiet, "No per-image progress on stderr");
  sub->add_flag("--json", opts->json, "Print the skintrack.import/1 JSON document on stdout");
  return [opts] { return RunImport(*opts); };
}

}  // namespace skintrack::cli
