// `skintrack rescore --db FILE [--subject ID]`: recompute the scores of stored captures (after a
// pipeline update), replacing each capture's scores in one transaction.
#include <iostream>
#include <map>
#include <set>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "cli/db_options.h"
#include "core/base/sha256.h"
#include "core/base/version.h"
#include "core/pipeline/score_pipeline.h"
#include "store/importer.h"

namespace skintrack::cli {
namespace {

struct RescoreCommandOptions {
  std::string db;
  std::string subject;
  std::string calibrate = "auto";
  double chart_pitch_mm = core::kClassicPatchPitchMm;
  bool json = false;
};

int RunRescore(const RescoreCommandOptions& opts) {
  auto store = OpenStore(opts.db, /*must_exist=*/true);
  if (!store.ok()) return ReportError("rescore", store.error(), opts.json);
  auto subjects = store->ListSubjects();
  if (!subjects.ok()) return ReportError("rescore", subjects.error(), opts.json);
  std::set<std::int64_t> sessions;
  std::map<std::int64_t, std::string> region_of_session;
  bool subject_found = opts.subject.empty();
  for (const store::SubjectRecord& s : *subjects) {
    if (!opts.subject.empty() && s.code != opts.subject) continue;
    subject_found = true;
    auto list = store->ListSessions(s.id);
    if (!list.ok()) return ReportError("rescore", list.error(), opts.json);
    for (const store::SessionRecord& session : *list) sessions.insert(session.id);
  }
  if (!subject_found) {
    return ReportError("rescore",
                       BadInputError("subject '" + opts.subject +
                                     "' is not in the store; `skintrack sessions` lists subjects"),
                       opts.json);
  }
  auto captures = store->ListCaptures();
  if (!captures.ok()) return ReportError("rescore", captures.error(), opts.json);
  const std::string version = std::string(kToolVersion) + "+" + kGitCommit;
  const std::string params_hash =
      Sha256Hex("calibrate=" + opts.calibrate + ";px_per_mm=0" +
                ChartPitchParameter(opts.chart_pitch_mm))
          .substr(0, 16);
  int rescored = 0;
  std::vector<std::string> problems;
  for (const store::CaptureRecord& c : *captures) {
    if (sessions.count(c.session_id) == 0) continue;
    core::ScoreOptions options;
    options.calibrate =
        opts.calibrate == "none" ? core::CalibrateMode::kNone : core::CalibrateMode::kAuto;
    if (c.px_per_mm) options.px_per_mm = *c.px_per_mm;
    options.chart_pitch_mm = opts.chart_pitch_mm;
    auto doc = core::ScoreImageFile(c.path, options);
    if (!doc.ok()) {
      problems.push_back(c.path + ": " + doc.error().message);
      continue;
    }
    if ((*doc)["input"]["sha256"] != c.sha256) {
      problems.push_back(c.path + ": the file changed since import (SHA-256 differs); import it "
                                  "again as a new capture instead");
      continue;
    }
    const auto scores = store::ScoresFromDocument(*doc, c.region, version, params_hash);
    const std::string calibration = doc->contains("calibration") ? (*doc)["calibration"].dump() : "{}";
    const std::string warnings = doc->contains("warnings") ? (*doc)["warnings"].dump() : "[]";
    const Status replaced = store->ReplaceScores(c.id, scores, calibration, warnings);
    if (!replaced.ok()) return ReportError("rescore", replaced.error(), opts.json);
    ++rescored;
  }
  if (opts.json) {
    nlohmann::json doc = JsonEnvelope("skintrack.rescore/1");
    doc["db"] = ResolveDbPath(opts.db).string();
    doc["rescored"] = rescored;
    doc["problems"] = problems;
    PrintJson(doc);
  } else {
    std::cout << "rescored " << rescored << " captures\n";
    for (const std::string& p : problems) std::cout << "skipped: " << p << "\n";
  }
  return problems.empty() ? 0 : ExitCodeFor(ErrorCode::kBadInput);
}

}  // namespace

CommandRun SetupRescoreCommand(CLI::App& root) {
  auto opts = std::make_shared<RescoreCommandOptions>();
  CLI::App* sub = root.add_subcommand("rescore", "Recompute the stored scores of every capture");
  AddDbOption(sub, &opts->db);
  sub->add_option("--subject", opts->subject, "Only this subject");
  sub->add_option("--calibrate", opts->calibrate, "Colour calibration: auto or none")
      ->check(CLI::IsMember({"auto", "none"}));
  AddChartPitchOption(sub, &opts->chart_pitch_mm);
  sub->add_flag("--json", opts->json, "Print a skintrack.rescore/1 JSON summary");
  return [opts] { return RunRescore(*opts); };
}

}  // namespace skintrack::cli
