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

// The count of the features a key sums over: "pores.count" for the pore densities and area,
// "wrinkles.count" for the line lengths and area; empty for every other key.
std::string_view FeatureCountKey(std::string_view key);

// Default MDC95 for a metric given the subject's baseline value. For a key that sums over
// features (FeatureCountKey), `per_feature` is what one feature adds to it (its value over the
// count, read where the most features were found; 0 when unknown): the MDC95 is then at least the
// count's floor (2.5 features) times that, so that a density never calls a change that its own
// count would not (one pore or line coming or going in a close-up; docs/CLAIMS.md).
double DefaultMdc(const MetricInfo& info, double baseline_value, double per_feature = 0);

// What one feature adds to a key that sums over features: `value` / `count`, or 0 without any.
double PerFeature(double value, double count);

// What the user states about how the captures were taken, which lets values be judged that the
// captures' warnings would otherwise leave out.
struct JudgeRules {
  // Every capture was taken with the same light and camera settings (a fixed booth, white balance
  // and exposure locked): absolute colour keys are judged without a colour chart.
  bool same_light = false;
};

// Whether a capture's value of `key` ("group.key") is left out of changes, timelines and claims
// because of one of the capture's warnings. Its value is still reported.
//   - The pore keys of a capture with `pores_below_resolution`: even the largest pore spans under
//     3 px and what is counted is mostly noise and JPEG blocks (docs/METRICS.md, Resolution).
//   - The pore, wrinkle and scar keys, the brown-spot and the red area of a capture with
//     `heavy_compression` (JPEG quality under 50): its 8x8 blocks draw lines and specks at their
//     scale, and its coarse colour blocks speckle the areas above a threshold (docs/QUALITY.md; on
//     the phantom at 10 px/mm wrinkle length read +75 % at quality 35 and -30 % at 20, the pores'
//     diameter +20 %). Texture and the mean colour keys stay.
//   - The wrinkle keys of a capture with `wrinkles_unresolved`: even the widest line searched
//     spans under 3 px, and what is traced is noise and JPEG blocks (a portrait at 0.7 px/mm,
//     re-saved or turned 2°, read 2.5 times the line length; docs/METRICS.md, Resolution).
//   - The pore keys of a capture with `pores_compressed`: its pores span under 5 of the photo's
//     pixels and it was saved at a JPEG quality under 90 (50 and up; below, heavy_compression):
//     re-saving such a close-up moved its pore count by 8-22 % (docs/METRICS.md, Resolution).
//   - The keys that average over the features found (the pores' mean diameter, the lines' mean
//     width, the scars' shadow index) of a capture that found none (`pores_none_found`,
//     `wrinkles_none_found`, `scars_none_found`): their 0 stands for no value.
//   - The keys that read the light's colour or level as the skin's (ColourFollowsTheLight) of a
//     capture with `uncalibrated_colour` (no chart was found or fitted), unless
//     `rules.same_light`: without a chart a warmer lamp or a brighter exposure reads as redder or
//     darker skin (docs/COLOUR.md). Keys relative to the photo's own skin (brown-spot area,
//     texture) are judged.
bool MetricUnresolved(std::string_view key, const std::vector<std::string>& warnings,
                      const JudgeRules& rules = {});

// The warning of `warnings` that leaves `key` out (MetricUnresolved), e.g.
// "pores_below_resolution"; empty when none does.
std::string UnresolvingWarning(std::string_view key, const std::vector<std::string>& warnings,
                               const JudgeRules& rules = {});

// Whether `key` is one of the absolute colour keys: a*, erythema index, haemoglobin, red area
// (a fixed a* threshold), melanin index, melanin, ITA° and the L* spread (tone unevenness).
bool ColourFollowsTheLight(std::string_view key);

// The warnings that can leave `key` out (MetricUnresolved), in the order they are looked for;
// empty for keys no warning removes.
std::vector<std::string> UnresolvedWarningsFor(std::string_view key);

// Why a value left out under `warning` was left out, in words: "below the photo's resolution",
// "colour not calibrated (no colour chart)", "JPEG compression too strong".
std::string UnresolvedReason(std::string_view warning);

}  // namespace skintrack::compare
