#include "core/metrics/metric_catalog.h"

#include <cmath>

namespace skintrack::core {
namespace {

struct Entry {
  const char* group;
  const char* key;
  MetricInfo info;
};

constexpr Improvement kLower = Improvement::kLower;
constexpr Improvement kNone = Improvement::kNotJudged;

// Floors: about twice the re-capture standard deviation seen in the repeatability tests.
constexpr Entry kEntries[] = {
    {"redness", "a_star_mean", {kLower, 1.0, 0.0}},
    {"redness", "erythema_index_mean", {kLower, 2.0, 0.0}},
    {"redness", "hemoglobin_mean", {kLower, 0.03, 0.0}},
    {"redness", "red_area_pct", {kLower, 2.0, 0.0}},
    {"pigmentation", "melanin_index_mean", {kLower, 2.0, 0.0}},
    {"pigmentation", "melanin_mean", {kLower, 0.03, 0.0}},
    {"pigmentation", "ita_deg", {kNone, 2.0, 0.0}},
    {"pigmentation", "l_star_sd", {kLower, 0.2, 0.05}},
    {"pigmentation", "brown_spot_area_pct", {kLower, 0.5, 0.1}},
    {"pores", "count", {kLower, 3.0, 0.08}},
    {"pores", "density_per_cm2", {kLower, 0.0, 0.08}},
    {"pores", "density_per_mpx", {kLower, 0.0, 0.08}},
    {"pores", "mean_diameter_mm", {kLower, 0.0, 0.05}},
    {"pores", "mean_diameter_px", {kLower, 0.0, 0.05}},
    {"pores", "area_pct", {kLower, 0.0, 0.1}},
    {"texture", "roughness_rq", {kLower, 0.0, 0.04}},
    {"texture", "roughness_ra", {kLower, 0.0, 0.04}},
    {"wrinkles", "length_mm_per_cm2", {kLower, 0.0, 0.08}},
    {"wrinkles", "length_px_per_mpx", {kLower, 0.0, 0.08}},
    {"wrinkles", "mean_width_mm", {kLower, 0.0, 0.08}},
    {"wrinkles", "mean_width_px", {kLower, 0.0, 0.08}},
    {"wrinkles", "area_pct", {kLower, 0.0, 0.1}},
    {"wrinkles", "count", {kLower, 1.0, 0.1}},
    {"scars", "count", {kLower, 1.0, 0.0}},
    {"scars", "area_pct", {kLower, 0.1, 0.1}},
    {"scars", "shadow_index", {kLower, 0.5, 0.05}},
};

}  // namespace

std::optional<MetricInfo> LookupMetric(std::string_view group, std::string_view key) {
  for (const Entry& e : kEntries) {
    if (group == e.group && key == e.key) return e.info;
  }
  return std::nullopt;
}

std::string JudgeChange(const MetricInfo& info, double before, double after) {
  if (info.improvement == Improvement::kNotJudged) return "not_judged";
  const double delta = after - before;
  const double floor = std::max(info.abs_floor, info.rel_floor * std::abs(before));
  if (std::abs(delta) <= floor) return "no_change";
  const bool lower = delta < 0;
  const bool improved = info.improvement == Improvement::kLower ? lower : !lower;
  return improved ? "improved" : "worsened";
}

}  // namespace skintrack::core
