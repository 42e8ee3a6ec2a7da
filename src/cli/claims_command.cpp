// `skintrack claims [--subject ID] [--spec claims.toml] [--json]`: per subject, each claim judged
// supported / not supported / not testable, with the evidence.
#include <cstdio>
#include <iostream>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "cli/db_options.h"

namespace skintrack::cli {
namespace {

struct ClaimsCommandOptions {
  std::string db;
  std::string subject;
  std::string spec;
  std::string region;
  bool json = false;
  compare::JudgeRules rules;
};

int RunClaims(const ClaimsCommandOptions& opts) {
  auto claims = LoadClaims(opts.spec);
  if (!claims.ok()) return ReportError("claims", claims.error(), opts.json);
  auto store = OpenStore(opts.db, /*must_exist=*/true);
  if (!store.ok()) return ReportError("claims", store.error(), opts.json);
  auto all = LoadTimelines(*store, opts.region, opts.rules);
  if (!all.ok()) return ReportError("claims", all.error(), opts.json);
  const compare::NoiseByMetric noise = compare::EstimateNoiseForAll(*all);

  nlohmann::json subjects = nlohmann::json::array();
  bool found = opts.subject.empty();
  for (const compare::SubjectTimeline& subject : *all) {
    if (!opts.subject.empty() && subject.subject != opts.subject) continue;
    found = true;
    nlohmann::json results = nlohmann::json::array();
    if (!opts.json) {
      std::cout << subject.subject << (subject.arm.empty() ? "" : " (" + subject.arm + ")") << "\n";
    }
    for (const compare::ClaimSpec& claim : *claims) {
      const compare::ClaimResult r = compare::EvaluateClaim(claim, subject, noise);
      results.push_back(ClaimResultToJson(r));
      if (!opts.json) {
        std::printf("  %-15s %-28s %s\n", ("[" + std::string(compare::ClaimVerdictName(r.verdict)) + "]").c_str(),
                    claim.id.c_str(), r.reason.c_str());
      }
    }
    subjects.push_back({{"subject", subject.subject}, {"arm", subject.arm}, {"results", results}});
  }
  if (!found) {
    return ReportError("claims",
                       BadInputError("subject '" + opts.subject + "' is not in the store"),
                       opts.json);
  }
  if (opts.json) {
    nlohmann::json doc = JsonEnvelope("skintrack.claims/1");
    doc["spec"] = opts.spec.empty() ? "presets" : opts.spec;
    nlohmann::json specs = nlohmann::json::array();
    for (const compare::ClaimSpec& c : *claims) specs.push_back(ClaimSpecToJson(c));
    doc["claims"] = specs;
    doc["subjects"] = subjects;
    PrintJson(doc);
  } else if (subjects.empty()) {
    std::cout << "no subjects yet; add photos with `skintrack import`\n";
  }
  return 0;
}

}  // namespace

CommandRun SetupClaimsCommand(CLI::App& root) {
  auto opts = std::make_shared<ClaimsCommandOptions>();
  CLI::App* sub = root.add_subcommand(
      "claims", "Judge treatment claims per subject: supported / not supported / not testable");
  AddDbOption(sub, &opts->db);
  sub->add_option("--subject", opts->subject, "Only this subject");
  sub->add_option("--spec", opts->spec, "Claim spec TOML (default: built-in presets, docs/CLAIMS.md)");
  sub->add_option("--region", opts->region, "Only scores of this region");
  AddSameLightOption(sub, &opts->rules);
  sub->add_flag("--json", opts->json, "Print the skintrack.claims/1 JSON document on stdout");
  return [opts] { return RunClaims(*opts); };
}

}  // namespace skintrack::cli
