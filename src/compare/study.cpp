#include "compare/study.h"

#include <algorithm>
#include <cctype>

namespace skintrack::compare {

bool IsControl(const SubjectTimeline& subject) {
  std::string arm = subject.arm;
  for (char& c : arm) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return arm == "control" || arm == "untreated" || arm == "sham";
}

StudyReport ComputeStudy(const std::vector<SubjectTimeline>& subjects,
                         const std::vector<ClaimSpec>& claims) {
  StudyReport report;
  report.subjects = static_cast<int>(subjects.size());
  for (const SubjectTimeline& s : subjects) (IsControl(s) ? report.controls : report.treated)++;
  report.noise = EstimateNoiseForAll(subjects);

  for (const ClaimSpec& claim : claims) {
    StudyClaimSummary summary;
    summary.claim = claim;
    std::map<std::string, std::vector<double>> treated_changes, control_changes;
    std::map<std::string, std::pair<int, int>> by_class;  // class -> (supported, testable)
    for (const SubjectTimeline& subject : subjects) {
      ClaimResult result = EvaluateClaim(claim, subject, report.noise);
      const bool control = IsControl(subject);
      const bool testable = result.verdict != ClaimVerdict::kNotTestable;
      const bool supported = result.verdict == ClaimVerdict::kSupported;
      if (control) {
        if (testable) ++summary.control_testable;
        if (supported) ++summary.control_supported;
      } else {
        ++summary.subjects;
        if (supported) ++summary.supported;
        if (result.verdict == ClaimVerdict::kNotSupported) ++summary.not_supported;
        if (!testable) ++summary.not_testable;
        if (testable && !result.ita_class.empty()) {
          auto& cls = by_class[result.ita_class];
          cls.second++;
          if (supported) cls.first++;
        }
      }
      if (testable) {
        auto& changes = control ? control_changes : treated_changes;
        for (const auto& [metric, change] : result.change_by_metric) changes[metric].push_back(change);
      }
      summary.results.push_back(std::move(result));
    }
    summary.responders =
        WilsonInterval(summary.supported, summary.supported + summary.not_supported);
    for (const auto& [cls, counts] : by_class) {
      summary.responders_by_ita_class[cls] = WilsonInterval(counts.first, counts.second);
    }
    for (const std::string& metric : claim.metrics) {
      auto it = treated_changes.find(metric);
      if (it == treated_changes.end()) continue;
      StudyMetricSummary m;
      m.metric = metric;
      const std::vector<double>& changes = it->second;
      m.n = static_cast<int>(changes.size());
      m.median_change = Median(changes);
      if (auto hl = HodgesLehmannOneSample(changes); hl.ok()) m.hodges_lehmann = *hl;
      if (auto w = WilcoxonSignedRank(changes); w.ok()) m.wilcoxon = *w;
      auto c = control_changes.find(metric);
      if (c != control_changes.end() && !c->second.empty()) {
        m.n_control = static_cast<int>(c->second.size());
        m.control_median_change = Median(c->second);
        if (auto mw = MannWhitney(changes, c->second); mw.ok()) m.treated_vs_control = *mw;
      }
      summary.metrics.push_back(std::move(m));
    }
    report.claims.push_back(std::move(summary));
  }
  return report;
}

}  // namespace skintrack::compare
