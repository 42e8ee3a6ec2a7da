#pragma once
// Study statistics: each claim evaluated for every subject, then summarised over subjects.
//
// Per claim and metric, over treated subjects for which the claim is testable:
//   n, median change (value − reference, metric units), Hodges–Lehmann estimate with its
//   distribution-free 95 % CI, Wilcoxon signed-rank test of "no change" (exact for n <= 25, normal
//   approximation with continuity and tie correction beyond), and, when control subjects exist
//   (arm = "control"), a Mann–Whitney comparison of treated vs control changes.
// Per claim: responder rate (verdict supported / testable treated subjects) with a Wilson 95 % CI,
// and the same split by ITA° skin-tone class at baseline (for pigment claims).
//
// No I/O; pure; thread-safe. References as in statistics.h.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compare/claims.h"
#include "compare/statistics.h"
#include "compare/timeline.h"

namespace skintrack::compare {

struct StudyMetricSummary {
  std::string metric;
  int n = 0;
  double median_change = 0;
  std::optional<HodgesLehmann> hodges_lehmann;
  std::optional<WilcoxonResult> wilcoxon;  // absent when n == 0 or every change is zero
  int n_control = 0;
  std::optional<double> control_median_change;
  std::optional<MannWhitneyResult> treated_vs_control;
};

struct StudyClaimSummary {
  ClaimSpec claim;
  int subjects = 0;  // treated subjects
  int supported = 0, not_supported = 0, not_testable = 0;
  Proportion responders;  // supported / (supported + not supported)
  int control_supported = 0, control_testable = 0;
  std::map<std::string, Proportion> responders_by_ita_class;
  std::vector<StudyMetricSummary> metrics;
  std::vector<ClaimResult> results;  // every subject, treated and control
};

struct StudyReport {
  int subjects = 0;
  int treated = 0;
  int controls = 0;
  NoiseByMetric noise;
  std::vector<StudyClaimSummary> claims;
};

bool IsControl(const SubjectTimeline& subject);

StudyReport ComputeStudy(const std::vector<SubjectTimeline>& subjects,
                         const std::vector<ClaimSpec>& claims);

}  // namespace skintrack::compare
