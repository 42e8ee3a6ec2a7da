#pragma once
// What each metric key means for a before/after comparison: its direction of improvement and the
// smallest change that is treated as real when no repeatability data exist (docs/METRICS.md).
//
// The noise floors are defaults measured on the project's own repeatability tests (re-captures of
// the same synthetic skin with shift, rotation, exposure, white balance, noise and JPEG); studies
// with repeat captures should use their own MDC95 (src/compare).
// Thread-safety: constant data.

#include <optional>
#include <string>
#include <string_view>

namespace skintrack::core {

enum class Improvement { kLower, kHigher, kNotJudged };

struct MetricInfo {
  Improvement improvement = Improvement::kNotJudged;
  double abs_floor = 0;  // |delta| below this is "no_change" (key's unit)
  double rel_floor = 0;  // or below this fraction of |before|
};

// Info for "group.key"; nullopt for keys that are not metrics (units, labels, parameters).
std::optional<MetricInfo> LookupMetric(std::string_view group, std::string_view key);

// "improved", "worsened", "no_change" or "not_judged" for a change before -> after.
std::string JudgeChange(const MetricInfo& info, double before, double after);

}  // namespace skintrack::core
