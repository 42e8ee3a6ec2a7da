#pragma once
// The metrics the comparison module knows about: key, unit, direction of improvement and the
// default minimal detectable change (MDC95) used when a subject has no repeat captures.
//
// Keys are "group.key" as in the score JSON (`metrics.<group>.<key>`, DESIGN.md "Metrics").
// Directions follow docs/METRICS.md; the default MDCs are documented in docs/CLAIMS.md. They are
// deliberately conservative placeholders until the project's repeatability tests replace them;
// any real repeat captures (baseline + `repeat` sessions) override them.
//
// Thread-safety: the catalog is immutable after first use.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace skintrack::compare {

enum class Direction {
  kLowerIsBetter,   // e.g. redness, pore count, roughness
  kHigherIsBetter,  // none of the current metrics; kept for metrics to come
  kNeutral,         // no direction (ITA°: skin tone is not a defect): verdicts say "changed"
};

const char* DirectionName(Direction direction);  // "lower_is_better" ...

struct MetricInfo {
  std::string key;   // "group.key"
  std::string unit;  // as in the score JSON's units block
  Direction improvement = Direction::kNeutral;
  // Default MDC95 without repeats: absolute in `unit` when `default_mdc_abs` > 0, otherwise
  // `default_mdc_pct` percent of the subject's baseline magnitude, and never below
  // `default_mdc_min` (a count of a few lines, one of which comes and goes between captures).
  double default_mdc_abs = 0;
  double default_mdc_pct = 10;
  double default_mdc_min = 0;
};

// All known metrics, grouped, in a stable order.
const std::vector<MetricInfo>& MetricCatalog();

// The entry for "group.key"; nullopt when unknown.
std::optional<MetricInfo> FindMetric(std::string_view key);

// Expands a claim's metric reference: "group.key" -> {key}; "group" -> all keys of the group.
// Empty when neither a known key nor a known group.
std::vector<std::string> ExpandMetricReference(std::string_view reference);

// Information for any key: the catalog entry or, for keys the catalog does not know (new metrics
// from core), a neutral entry with the 10 % default.
MetricInfo MetricInfoOrDefault(std::string_view key);

// Default MDC95 for a metric given the subject's baseline value.
double DefaultMdc(const MetricInfo& info, double baseline_value);

// Whether a capture's value of `key` ("group.key") is left out of changes, timelines and claims
// because of one of the capture's warnings: the pore keys of a capture with
// `pores_below_resolution`, where even the largest pore spans under 3 px and what is counted is
// mostly noise and JPEG blocks (docs/METRICS.md, Resolution). Its value is still reported.
bool MetricUnresolved(std::string_view key, const std::vector<std::string>& warnings);

// The warning that makes `key` unresolved (MetricUnresolved), e.g. "pores_below_resolution";
// empty for keys no warning removes.
std::string UnresolvedWarningFor(std::string_view key);

}  // namespace skintrack::compare
