#pragma once
// The numbers the measurement and progress panels draw: per metric, the value of every session,
// the change versus baseline, MDC95 and verdict, and the claim verdicts with their windows.
//
// The statistics come from src/compare (timeline.h, claims.h) when the viewer is built with it;
// this file only gathers the score documents into compare's input and copies its results into
// plain structs for drawing. Without src/compare, only values and raw differences are shown and
// `note` says why verdicts are missing. UI thread (cheap: a few sessions).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "viewer/catalog.h"

namespace skintrack::viewer {

struct SessionScore;

struct MetricPoint {
  std::string session_id;
  std::string date;
  std::string kind;
  double days_since_baseline = 0;
  double value = 0;
  std::optional<double> delta;      // value - baseline
  std::optional<double> delta_pct;  // 100 * delta / |baseline|
  std::string verdict;              // "improved", "no detectable change", ... (empty if unknown)
};

struct MetricSeries {
  std::string metric;  // "group.key"
  std::string unit;
  std::string direction;  // "lower_is_better", "higher_is_better", "neutral" or ""
  std::optional<double> baseline;
  std::optional<double> mdc95;
  bool mdc_from_repeats = false;
  std::string mdc_source = "default";  // "repeats", "default" or "few repeats" (compare::MdcFor)
  std::vector<MetricPoint> points;      // by time, baseline first
  std::vector<double> treatment_days;   // days since baseline of treatment sessions
  std::string note;
  // The sessions whose values were left out, and why (compare::MetricUnresolved: pores below the
  // photo's resolution); empty when none were.
  std::string left_out;
};

struct ClaimWindow {
  std::string claim_id;
  std::string title;
  std::string verdict;  // "supported", "not supported", "not testable"
  std::string reason;
  std::string window_text;
  std::optional<double> start_day;  // days since baseline; empty when the event is missing
  std::optional<double> end_day;
  std::vector<std::string> evidence;  // one line per evidence item
};

// Every numeric "group.key" in the ready scores (metrics.* and quality.*), sorted.
std::vector<std::string> ScoredMetricKeys(const std::map<std::string, SessionScore>& scores);

// The numeric value of "group.key" in a score document (metrics first, then quality).
std::optional<double> ScoreValue(const nlohmann::json& document, const std::string& key);
std::string ScoreUnit(const nlohmann::json& document, const std::string& key);

// With `same_light` (ViewerSettings::same_light) absolute colour of sessions without a colour
// chart is judged; otherwise it is left out (compare::MetricUnresolved).
MetricSeries BuildMetricSeries(const CatalogSubject& subject,
                               const std::map<std::string, SessionScore>& scores,
                               const std::string& metric, bool same_light = false);

// Claim verdicts (built-in presets) for the subject; empty without src/compare.
std::vector<ClaimWindow> EvaluateClaimWindows(const CatalogSubject& subject,
                                              const std::map<std::string, SessionScore>& scores,
                                              bool same_light = false);

// The change from session `before_id` to `after_id` within a series (both must have values).
struct PairChange {
  std::optional<double> before;
  std::optional<double> after;
  std::optional<double> delta;      // after - before
  std::optional<double> delta_pct;  // 100 * delta / |before|
  std::string verdict;              // judged against the series' MDC95 (empty without compare)
};
PairChange ComparePair(const MetricSeries& series, const std::string& before_id,
                       const std::string& after_id);

bool HaveCompareModule();

}  // namespace skintrack::viewer
