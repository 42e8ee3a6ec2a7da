#pragma once
// Claims: declarative statements such as "results show 6–8 weeks after the final treatment", read
// from TOML (docs/CLAIMS.md) or taken from the built-in presets, and judged per subject against the
// measured change and its noise (MDC95, timeline.h).
//
// Claim kinds and their rules (window = calendar days after the event, or exact hours for
// window_hours):
//   change        mean value over the sessions in the window vs baseline; a metric passes when its
//                 improvement (in the claimed direction) is >= min_mdc·MDC95 and >= min_pct %.
//   lasting       like change, but every session in the window must pass.
//   recovery      event each_treatment: for every treatment with a session in the window, the value
//                 must be back within MDC95 of the pre-treatment level (or better).
//   protocol      treatment sessions: count within [sessions], consecutive gaps within [interval].
//   no_worsening  no session after the event may worsen beyond MDC95 (pigment darkening).
// `combine` says whether any or all of the claim's metrics (those with data) must pass.
//
// Verdicts: supported / not supported / not testable, the last naming the missing evidence
// ("no session between 42 and 56 days after the final treatment").
//
// Parsing errors (bad TOML, unknown metric, bad value) are kBadInput with "<source>:<line>: problem".
// No I/O: the caller reads the file. Thread-safe.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compare/timeline.h"
#include "core/base/result.h"

namespace skintrack::compare {

enum class ClaimKind { kChange, kLasting, kRecovery, kProtocol, kNoWorsening };
enum class ClaimEvent { kBaseline, kFirstTreatment, kFinalTreatment, kEachTreatment };
enum class ClaimDirection { kImprove, kDecrease, kIncrease };

const char* ClaimKindName(ClaimKind kind);
const char* ClaimEventName(ClaimEvent event);

struct ClaimSpec {
  std::string id;
  std::string title;
  ClaimKind kind = ClaimKind::kChange;
  std::vector<std::string> metrics;  // resolved "group.key" references
  ClaimEvent event = ClaimEvent::kFinalTreatment;
  double window_start = 0;  // in days, or hours when window_in_hours
  double window_end = 0;
  bool window_in_hours = false;
  ClaimDirection direction = ClaimDirection::kImprove;
  double min_mdc = 1.0;  // minimum size in MDC95 units
  double min_pct = 0.0;  // and in percent of baseline (0 = no requirement)
  bool combine_all = false;
  // With combine = "any" over several metrics, a control would pass by chance far more often than
  // the 2.5 % one metric allows; the Bonferroni correction raises each metric's threshold so the
  // claim as a whole keeps that rate (multiplicity = "bonferroni", the default, or "none").
  bool bonferroni = true;
  // protocol
  int min_sessions = 3, max_sessions = 6;
  double min_interval_days = 28, max_interval_days = 42;
  int line = 0;  // line of the [[claim]] table in its source (0 for presets)

  // Human description of the window ("42–56 days after the final treatment").
  std::string WindowText() const;
};

// Parses a claim spec:
//   [[claim]]
//   id = "visible_6_8_weeks"        # required, unique
//   title = "..."                   # optional
//   kind = "change"                 # change | lasting | recovery | protocol | no_worsening
//   metrics = ["pores", "texture.roughness_rq"]   # keys or groups (not for protocol)
//   event = "final_treatment"       # baseline | first_treatment | final_treatment | each_treatment
//   window_weeks = [6, 8]           # or window_days / window_months (30.4375 d) / window_hours
//   direction = "improve"           # improve | decrease | increase
//   min_mdc = 1.0                   # minimum size in MDC95 units
//   min_pct = 0                     # minimum size in % of baseline
//   combine = "any"                 # any | all (over the claim's metrics)
//   sessions = [3, 6]               # protocol only
//   interval_weeks = [4, 6]         # protocol only (or interval_days)
Result<std::vector<ClaimSpec>> ParseClaimSpec(std::string_view toml_text,
                                              std::string_view source_name);

// The built-in presets (docs/CLAIMS.md), also available as TOML text.
const std::vector<ClaimSpec>& PresetClaims();
std::string_view PresetClaimsToml();

enum class ClaimVerdict { kSupported, kNotSupported, kNotTestable };
const char* ClaimVerdictName(ClaimVerdict verdict);  // "supported", "not supported", "not testable"

struct ClaimEvidence {
  std::string metric;
  std::string session_id;  // session (or sessions joined with ',') the value comes from
  std::int64_t days_after_event = 0;
  double value = 0;
  double reference = 0;  // baseline or pre-treatment level
  double delta = 0;      // value − reference
  std::optional<double> delta_pct;
  double mdc95 = 0;
  double size_mdc = 0;  // claimed-direction change / MDC95
  bool passes = false;
  std::string note;
};

struct ClaimResult {
  std::string claim_id;
  std::string title;
  std::string subject;
  ClaimVerdict verdict = ClaimVerdict::kNotTestable;
  std::string reason;  // why: what passed, failed or is missing
  std::vector<ClaimEvidence> evidence;
  // Per metric the change used for study statistics (value − reference, metric units).
  std::map<std::string, double> change_by_metric;
  std::map<std::string, bool> passes_by_metric;
  std::string ita_class;  // skin-tone class at baseline (Chardon 1991) when ITA° is known
  // The size (in MDC95 units) each metric had to reach: min_mdc, raised for multiplicity.
  double threshold_mdc = 0;
};

ClaimResult EvaluateClaim(const ClaimSpec& claim, const SubjectTimeline& subject,
                          const NoiseByMetric& noise);

// ITA° classes (Chardon et al. 1991): very light > 55, light 41–55, intermediate 28–41,
// tan 10–28, brown −30–10, dark < −30.
const char* ItaClass(double ita_deg);

}  // namespace skintrack::compare
