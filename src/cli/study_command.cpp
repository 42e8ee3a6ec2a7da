// `skintrack study DIR|scores.csv|--db FILE [--spec claims.toml] [--json]`: study statistics per
// claim over many subjects (n, median change, Hodges–Lehmann with CI, Wilcoxon signed-rank,
// responder rate with Wilson CI, treated vs control Mann–Whitney).
#include <cmath>
#include <cstdio>
#include <iostream>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "cli/db_options.h"
#include "compare/study.h"
#include "core/base/atomic_file.h"
#include "store/scores_csv.h"

namespace skintrack::cli {
namespace {

struct StudyCommandOptions {
  std::string input;
  std::string db;
  std::string spec;
  std::string region;
  bool json = false;
  compare::JudgeRules rules;
};

nlohmann::json Finite(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

nlohmann::json ProportionToJson(const compare::Proportion& p) {
  return {{"successes", p.successes}, {"n", p.n}, {"rate", p.rate},
          {"ci95", {p.ci_low, p.ci_high}}};
}

nlohmann::json MetricToJson(const compare::StudyMetricSummary& m) {
  nlohmann::json j = {{"metric", m.metric}, {"n", m.n}, {"median_change", m.median_change}};
  if (m.hodges_lehmann) {
    j["hodges_lehmann"] = {{"estimate", m.hodges_lehmann->estimate},
                           {"ci", {m.hodges_lehmann->ci_low, m.hodges_lehmann->ci_high}},
                           {"confidence", m.hodges_lehmann->confidence}};
  }
  if (m.wilcoxon) {
    j["wilcoxon"] = {{"v", m.wilcoxon->v},
                     {"n", m.wilcoxon->n},
                     {"zeros_dropped", m.wilcoxon->zeros_dropped},
                     {"exact", m.wilcoxon->exact},
                     {"p_two_sided", m.wilcoxon->p_two_sided},
                     {"p_greater", m.wilcoxon->p_greater},
                     {"p_less", m.wilcoxon->p_less},
                     {"z", Finite(m.wilcoxon->z)}};
  }
  if (m.treated_vs_control) {
    j["control"] = {{"n", m.n_control},
                    {"median_change", m.control_median_change ? nlohmann::json(*m.control_median_change)
                                                              : nlohmann::json()},
                    {"mann_whitney_u", m.treated_vs_control->u},
                    {"exact", m.treated_vs_control->exact},
                    {"p_two_sided", m.treated_vs_control->p_two_sided},
                    {"shift_hodges_lehmann", m.treated_vs_control->hodges_lehmann}};
  }
  return j;
}

Result<std::vector<compare::SubjectTimeline>> LoadStudyData(const StudyCommandOptions& opts,
                                                            std::string* source) {
  if (!opts.input.empty()) {
    std::filesystem::path csv(opts.input);
    std::error_code ec;
    if (std::filesystem::is_directory(csv, ec)) csv /= "scores.csv";
    *source = csv.string();
    SKT_ASSIGN_OR_RETURN(std::string text, ReadFileBytes(csv));
    SKT_ASSIGN_OR_RETURN(std::vector<store::LongScore> scores, store::ParseScoresCsv(text, csv.string()));
    // A batch folder's per-image documents say which values their warnings leave out.
    SKT_ASSIGN_OR_RETURN(auto warnings, BatchWarningsByImage(csv.parent_path()));
    return TimelinesFromLongScores(scores, opts.region, warnings, opts.rules);
  }
  *source = ResolveDbPath(opts.db).string();
  SKT_ASSIGN_OR_RETURN(store::Store store, OpenStore(opts.db, /*must_exist=*/true));
  return LoadTimelines(store, opts.region, opts.rules);
}

void PrintStudy(const compare::StudyReport& report) {
  std::printf("%d subjects (%d treated, %d control)\n", report.subjects, report.treated,
              report.controls);
  for (const compare::StudyClaimSummary& c : report.claims) {
    std::printf("\n%s: %s\n", c.claim.id.c_str(), c.claim.title.c_str());
    std::printf("  treated: %d supported, %d not supported, %d not testable", c.supported,
                c.not_supported, c.not_testable);
    if (c.responders.n > 0) {
      std::printf("; responders %.0f %% (95 %% CI %.0f-%.0f %%)", 100 * c.responders.rate,
                  100 * c.responders.ci_low, 100 * c.responders.ci_high);
    }
    std::printf("\n");
    if (c.control_testable > 0) {
      std::printf("  control: %d of %d supported\n", c.control_supported, c.control_testable);
    }
    for (const auto& [cls, p] : c.responders_by_ita_class) {
      std::printf("  ITA class %-12s %d/%d supported\n", cls.c_str(), p.successes, p.n);
    }
    for (const compare::StudyMetricSummary& m : c.metrics) {
      std::printf("  %-28s n=%-3d median change %+.4g", m.metric.c_str(), m.n, m.median_change);
      if (m.hodges_lehmann) {
        std::printf(", HL %+.4g [%+.4g, %+.4g]", m.hodges_lehmann->estimate,
                    m.hodges_lehmann->ci_low, m.hodges_lehmann->ci_high);
      }
      if (m.wilcoxon) {
        std::printf(", Wilcoxon V=%.1f p=%.4g (%s)", m.wilcoxon->v, m.wilcoxon->p_two_sided,
                    m.wilcoxon->exact ? "exact" : "normal");
      }
      if (m.treated_vs_control) {
        std::printf(", vs control (n=%d) p=%.4g", m.n_control, m.treated_vs_control->p_two_sided);
      }
      std::printf("\n");
    }
  }
}

int RunStudy(const StudyCommandOptions& opts) {
  auto claims = LoadClaims(opts.spec);
  if (!claims.ok()) return ReportError("study", claims.error(), opts.json);
  std::string source;
  auto data = LoadStudyData(opts, &source);
  if (!data.ok()) return ReportError("study", data.error(), opts.json);
  if (data->empty()) {
    return ReportError("study", BadInputError("no scores found in " + source), opts.json);
  }
  const compare::StudyReport report = compare::ComputeStudy(*data, *claims);
  if (!opts.json) {
    std::printf("study of %s\n", source.c_str());
    PrintStudy(report);
    return 0;
  }
  nlohmann::json doc = JsonEnvelope("skintrack.study/1");
  doc["source"] = source;
  doc["spec"] = opts.spec.empty() ? "presets" : opts.spec;
  doc["subjects"] = report.subjects;
  doc["treated"] = report.treated;
  doc["controls"] = report.controls;
  nlohmann::json noise = nlohmann::json::object();
  for (const auto& [metric, n] : report.noise) {
    if (n.from_repeats) {
      noise[metric] = {{"mdc95", n.mdc95}, {"sem", n.sem}, {"subjects", n.subjects},
                       {"repeats", n.repeats}, {"icc_3_1", Finite(n.icc_3_1)}};
    }
  }
  doc["repeatability"] = noise;
  nlohmann::json out = nlohmann::json::array();
  for (const compare::StudyClaimSummary& c : report.claims) {
    nlohmann::json j = ClaimSpecToJson(c.claim);
    j["treated"] = {{"subjects", c.subjects},
                    {"supported", c.supported},
                    {"not_supported", c.not_supported},
                    {"not_testable", c.not_testable}};
    j["responders"] = ProportionToJson(c.responders);
    j["control"] = {{"supported", c.control_supported}, {"testable", c.control_testable}};
    nlohmann::json by_class = nlohmann::json::object();
    for (const auto& [cls, p] : c.responders_by_ita_class) by_class[cls] = ProportionToJson(p);
    j["responders_by_ita_class"] = by_class;
    nlohmann::json metrics = nlohmann::json::array();
    for (const compare::StudyMetricSummary& m : c.metrics) metrics.push_back(MetricToJson(m));
    j["statistics"] = metrics;
    nlohmann::json per_subject = nlohmann::json::array();
    for (const compare::ClaimResult& r : c.results) {
      per_subject.push_back({{"subject", r.subject},
                             {"verdict", compare::ClaimVerdictName(r.verdict)},
                             {"reason", r.reason}});
    }
    j["subjects"] = per_subject;
    out.push_back(j);
  }
  doc["claims"] = out;
  PrintJson(doc);
  return 0;
}

}  // namespace

CommandRun SetupStudyCommand(CLI::App& root) {
  auto opts = std::make_shared<StudyCommandOptions>();
  CLI::App* sub = root.add_subcommand(
      "study", "Study statistics per claim over a batch result (DIR/scores.csv) or a store");
  sub->add_option("input", opts->input, "Batch output folder with scores.csv, or a scores.csv file");
  AddDbOption(sub, &opts->db);
  sub->add_option("--spec", opts->spec, "Claim spec TOML (default: built-in presets)");
  sub->add_option("--region", opts->region, "Only scores of this region");
  AddSameLightOption(sub, &opts->rules);
  sub->add_flag("--json", opts->json, "Print the skintrack.study/1 JSON document on stdout");
  return [opts] { return RunStudy(*opts); };
}

}  // namespace skintrack::cli
