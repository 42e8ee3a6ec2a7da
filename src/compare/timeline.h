#pragma once
// Timelines: per subject and metric, the series of session values, the change versus baseline and a
// direction-aware verdict judged against measurement noise (MDC95), plus an onset/plateau trend fit.
//
// Model. A subject has sessions (baseline, repeat, treatment, follow-up, post-treatment check), each
// with a local date-time and, per metric key ("group.key"), the values of its captures. The
// baseline level is the mean of every capture in the baseline session and in `repeat` sessions on
// the baseline day; those captures are also the repeat measurements from which noise is estimated.
//
// Noise (Weir 2005): with repeat captures, MDC95 = 1.96·√2·SEM where SEM = √MS_error of the
// subjects × repeats table (ICC(3,1) model), pooled over every subject that has repeats; with one
// subject, SEM is the SD of its repeats. Without repeats the per-metric default of
// metric_catalog.h applies (docs/CLAIMS.md).
//
// Verdict of a change d = value − baseline: |d| <= MDC95 -> no detectable change; otherwise improved
// or worsened according to the metric's direction (or "changed" for neutral metrics).
//
// Times are civil local date-times counted in seconds from 1970-01-01T00:00:00 without a time zone
// (clinic photos carry local EXIF times); day differences are calendar-day differences.
//
// No I/O; all functions are pure and thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compare/metric_catalog.h"
#include "compare/statistics.h"
#include "core/base/result.h"

namespace skintrack::compare {

enum class SessionKind { kBaseline, kRepeat, kTreatment, kFollowUp, kPostTreatmentCheck };

// "baseline", "repeat", "treatment", "follow-up", "post-treatment-check".
const char* SessionKindName(SessionKind kind);
// Accepts the names above and the aliases followup, follow_up, check, post, post-treatment,
// post_treatment_check (case-insensitive). kBadInput naming the accepted values otherwise.
Result<SessionKind> ParseSessionKind(std::string_view text);

// Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]", "YYYY-MM-DD HH:MM[:SS]" and EXIF
// "YYYY:MM:DD HH:MM:SS" into seconds since 1970-01-01T00:00:00 (civil, no zone). Checks that the
// date exists (2026-02-30 is refused). kBadInput with the text and the expected form otherwise.
Result<std::int64_t> ParseDateTime(std::string_view text);
std::string FormatDateTime(std::int64_t seconds);  // "YYYY-MM-DDTHH:MM:SS"
std::string FormatDate(std::int64_t seconds);      // "YYYY-MM-DD"
// Whole calendar days from `from` to `to` (negative when `to` is earlier).
std::int64_t CalendarDaysBetween(std::int64_t from, std::int64_t to);

struct SessionScores {
  std::string id;  // label unique within the subject (e.g. "2026-03-01_baseline")
  SessionKind kind = SessionKind::kFollowUp;
  std::int64_t time_s = 0;
  // metric key -> one value per capture of this session
  std::map<std::string, std::vector<double>> values;
  // A treatment was performed at this visit although its kind is not `treatment` (typically the
  // first treatment right after the baseline photos; the store sets it when treatment parameters
  // such as the device are recorded for the session).
  bool treatment_performed = false;

  bool IsTreatment() const { return kind == SessionKind::kTreatment || treatment_performed; }
};

struct SubjectTimeline {
  std::string subject;
  std::string arm;  // "treated", "control" or empty (treated)
  std::vector<SessionScores> sessions;  // any order; functions sort by time where it matters
  // Metric key -> the sessions whose values of it were left out because of their captures'
  // warnings (MetricUnresolved, metric_catalog.h: pores below the photo's resolution, colour
  // without a chart unless the light was the same), so that a
  // missing series or an untestable claim can say why.
  std::map<std::string, std::vector<std::string>> left_out;
  // Metric key -> the warnings that left its values out (UnresolvingWarning), each once.
  std::map<std::string, std::vector<std::string>> left_out_warnings;
};

// "pores_below_resolution in sessions s0, s1" (or "in all 10 sessions"; "heavy_compression or
// pores_below_resolution in ..." when several warnings left values out) for a metric the subject's
// left_out names; empty otherwise.
std::string LeftOutText(const SubjectTimeline& subject, const std::string& metric);

// Sessions sorted by time (stable: equal times keep their order).
std::vector<SessionScores> SortedSessions(const SubjectTimeline& subject);

// The baseline session: the first of kind baseline, else the earliest session. nullptr if none.
const SessionScores* FindBaseline(const std::vector<SessionScores>& sorted);

// All captures of `metric` in the baseline session and in repeat sessions on the baseline day.
std::vector<double> BaselineRepeats(const std::vector<SessionScores>& sorted,
                                    const std::string& metric);

// Every metric key present in any session of the subject, sorted.
std::vector<std::string> MetricsPresent(const SubjectTimeline& subject);

struct MetricNoise {
  double mdc95 = 0;           // 0 when the default (per subject) applies
  bool from_repeats = false;  // false: per-metric default from the catalog
  int subjects = 0;           // subjects that contributed repeats
  int repeats = 0;            // repeats per subject used
  double sem = 0;
  double icc_3_1 = 0;
  // MDC95 of repeats too few to replace the default (fewer than kMinRepeatDegreesOfFreedom residual
  // degrees of freedom); 0 when there are none. It can raise the default, never lower it: a
  // scatter seen on few repeats is evidence that noise is at least that large, while a small
  // scatter on few repeats may be luck.
  double few_repeats_mdc95 = 0;
};

// Residual degrees of freedom needed before repeat captures replace the default MDC: e.g. one
// subject with 6 captures, 6 subjects with 2, 4 subjects with 3 or 3 subjects with 4.
inline constexpr int kMinRepeatDegreesOfFreedom = 5;

// Pools baseline repeats over `subjects` (each with >= 2 captures; truncated to the smallest count
// so the table is balanced). from_repeats = false when no subject has repeats or the table has
// fewer than kMinRepeatDegreesOfFreedom residual degrees of freedom; in the latter case the
// estimate is kept in few_repeats_mdc95.
MetricNoise EstimateNoise(const std::vector<SubjectTimeline>& subjects, const std::string& metric);
using NoiseByMetric = std::map<std::string, MetricNoise>;
NoiseByMetric EstimateNoiseForAll(const std::vector<SubjectTimeline>& subjects);

// MDC95 for one subject's metric and where it comes from: the pooled estimate when it came from
// repeats ("repeats"), else the larger of the catalog default for this subject's baseline
// ("default") and the few-repeats estimate ("few repeats": the default raised by repeats too few
// to replace it).
struct SubjectMdc {
  double mdc95 = 0;
  const char* source = "default";
};
// `per_feature`: DefaultMdc's, for a key that sums over features (PerFeatureOf).
SubjectMdc MdcFor(const NoiseByMetric& noise, const std::string& metric, double baseline_value,
                  double per_feature = 0);

// What one feature adds to `metric` (compare::PerFeature), read in the session whose captures
// found the most features on average (FeatureCountKey); 0 for keys that do not sum over features
// and where no session found any.
double PerFeatureOf(const std::vector<SessionScores>& sessions, const std::string& metric);

enum class ChangeVerdict { kImproved, kNoDetectableChange, kWorsened, kChanged };
const char* ChangeVerdictName(ChangeVerdict verdict);  // "improved", "no detectable change", ...

// Classifies d = value − baseline against mdc95 for a metric with `direction`.
ChangeVerdict ClassifyChange(double delta, double mdc95, Direction direction);
// Signed improvement in metric units: −d for lower-is-better, +d for higher-is-better, |d| neutral.
double ImprovementOf(double delta, Direction direction);

struct ChangePoint {
  std::string session_id;
  SessionKind kind = SessionKind::kFollowUp;
  std::int64_t time_s = 0;
  std::int64_t days_since_baseline = 0;
  double value = 0;           // mean of the session's captures
  int captures = 0;
  double delta = 0;           // value − baseline
  std::optional<double> delta_pct;  // 100·delta/|baseline|; empty when baseline is 0
  double size_mdc = 0;        // improvement / MDC95 (signed: > 0 better)
  ChangeVerdict verdict = ChangeVerdict::kNoDetectableChange;
};

// Onset/plateau ramp fitted by least squares: level(t) = start for t <= onset, rising linearly to
// plateau at t = plateau_days, constant afterwards. Onset and plateau are searched over the observed
// days; the two levels are the linear least-squares solution (Eigen) for each candidate pair.
struct TrendFit {
  double onset_days = 0;
  double plateau_days = 0;
  double start_level = 0;
  double plateau_level = 0;
  double rmse = 0;
  double slope_per_30_days = 0;  // plain linear trend over all points
  int points = 0;
};
// Needs >= 4 points with >= 3 distinct days; nullopt otherwise.
std::optional<TrendFit> FitOnsetPlateau(const std::vector<double>& days,
                                        const std::vector<double>& values);

struct MetricTimeline {
  std::string metric;
  MetricInfo info;
  std::string baseline_session;
  double baseline = 0;
  int baseline_captures = 0;
  double mdc95 = 0;
  bool mdc_from_repeats = false;
  const char* mdc_source = "default";  // MdcFor: "repeats", "default" or "few repeats"
  std::vector<ChangePoint> points;  // every session with a value, baseline included, by time
  std::optional<TrendFit> trend;
};

// The timeline of one metric for one subject. kAnalysisFailed when the subject has no baseline
// value for the metric.
Result<MetricTimeline> BuildMetricTimeline(const SubjectTimeline& subject, const std::string& metric,
                                           const NoiseByMetric& noise);

}  // namespace skintrack::compare
