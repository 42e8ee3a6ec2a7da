#include "compare/timeline.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>

#include <Eigen/Dense>

namespace skintrack::compare {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ReadInt(std::string_view text, std::size_t pos, std::size_t len, int* out) {
  if (pos + len > text.size()) return false;
  int value = 0;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

std::int64_t DayOf(std::int64_t seconds) {
  // Floor division so that times before 1970 still land on the right day.
  return seconds >= 0 ? seconds / kSecondsPerDay : -((-seconds + kSecondsPerDay - 1) / kSecondsPerDay);
}

}  // namespace

const char* SessionKindName(SessionKind kind) {
  switch (kind) {
    case SessionKind::kBaseline:
      return "baseline";
    case SessionKind::kRepeat:
      return "repeat";
    case SessionKind::kTreatment:
      return "treatment";
    case SessionKind::kFollowUp:
      return "follow-up";
    case SessionKind::kPostTreatmentCheck:
      return "post-treatment-check";
  }
  return "follow-up";
}

Result<SessionKind> ParseSessionKind(std::string_view text) {
  const std::string k = Lower(text);
  if (k == "baseline") return SessionKind::kBaseline;
  if (k == "repeat") return SessionKind::kRepeat;
  if (k == "treatment") return SessionKind::kTreatment;
  if (k == "follow-up" || k == "followup" || k == "follow_up") return SessionKind::kFollowUp;
  if (k == "post-treatment-check" || k == "post_treatment_check" || k == "post-treatment" ||
      k == "post_treatment" || k == "post" || k == "check") {
    return SessionKind::kPostTreatmentCheck;
  }
  return BadInputError("unknown session kind '" + std::string(text) +
                       "'; use baseline, repeat, treatment, follow-up or post-treatment-check");
}

Result<std::int64_t> ParseDateTime(std::string_view text) {
  auto bad = [&] {
    return BadInputError("malformed date '" + std::string(text) +
                         "'; expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]");
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (text.size() < 10 || !ReadInt(text, 0, 4, &y) || !ReadInt(text, 5, 2, &mo) ||
      !ReadInt(text, 8, 2, &d)) {
    return bad();
  }
  const char sep = text[4];
  if ((sep != '-' && sep != ':') || text[7] != sep) return bad();
  if (text.size() > 10) {
    if ((text[10] != 'T' && text[10] != ' ') || text.size() < 16 || !ReadInt(text, 11, 2, &h) ||
        text[13] != ':' || !ReadInt(text, 14, 2, &mi)) {
      return bad();
    }
    std::size_t end = 16;
    if (text.size() >= 19 && text[16] == ':') {
      if (!ReadInt(text, 17, 2, &s)) return bad();
      end = 19;
      // Fractional seconds are accepted and dropped.
      if (end < text.size() && text[end] == '.') {
        ++end;
        while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
      }
    }
    if (end != text.size()) return bad();
  }
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                        std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) {
    return BadInputError("date '" + std::string(text) + "' does not exist; check the day and month");
  }
  const std::int64_t days = std::chrono::sys_days(ymd).time_since_epoch().count();
  return days * kSecondsPerDay + h * 3600 + mi * 60 + s;
}

std::string FormatDateTime(std::int64_t seconds) {
  const std::int64_t day = DayOf(seconds);
  const std::int64_t rest = seconds - day * kSecondsPerDay;
  const std::chrono::year_month_day ymd{std::chrono::sys_days(std::chrono::days(day))};
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(rest / 3600), static_cast<int>(rest / 60 % 60),
                static_cast<int>(rest % 60));
  return buf;
}

std::string FormatDate(std::int64_t seconds) { return FormatDateTime(seconds).substr(0, 10); }

std::int64_t CalendarDaysBetween(std::int64_t from, std::int64_t to) { return DayOf(to) - DayOf(from); }

std::vector<SessionScores> SortedSessions(const SubjectTimeline& subject) {
  std::vector<SessionScores> sorted = subject.sessions;
  std::stable_sort(sorted.begin(), sorted.end(), [](const SessionScores& a, const SessionScores& b) {
    return a.time_s < b.time_s;
  });
  return sorted;
}

const SessionScores* FindBaseline(const std::vector<SessionScores>& sorted) {
  for (const SessionScores& s : sorted) {
    if (s.kind == SessionKind::kBaseline) return &s;
  }
  return sorted.empty() ? nullptr : &sorted.front();
}

std::vector<double> BaselineRepeats(const std::vector<SessionScores>& sorted,
                                    const std::string& metric) {
  std::vector<double> values;
  const SessionScores* baseline = FindBaseline(sorted);
  if (baseline == nullptr) return values;
  for (const SessionScores& s : sorted) {
    const bool is_baseline = &s == baseline;
    const bool same_day_repeat = s.kind == SessionKind::kRepeat &&
                                 CalendarDaysBetween(baseline->time_s, s.time_s) == 0;
    if (!is_baseline && !same_day_repeat) continue;
    auto it = s.values.find(metric);
    if (it != s.values.end()) values.insert(values.end(), it->second.begin(), it->second.end());
  }
  return values;
}

std::vector<std::string> MetricsPresent(const SubjectTimeline& subject) {
  std::set<std::string> keys;
  for (const SessionScores& s : subject.sessions) {
    for (const auto& [key, values] : s.values) {
      if (!values.empty()) keys.insert(key);
    }
  }
  return {keys.begin(), keys.end()};
}

std::string LeftOutText(const SubjectTimeline& subject, const std::string& metric) {
  auto it = subject.left_out.find(metric);
  if (it == subject.left_out.end() || it->second.empty()) return "";
  const std::vector<std::string>& sessions = it->second;
  std::string why;
  if (auto codes = subject.left_out_warnings.find(metric);
      codes != subject.left_out_warnings.end()) {
    for (const std::string& code : codes->second) why += (why.empty() ? "" : " or ") + code;
  }
  if (why.empty()) {
    const std::vector<std::string> codes = UnresolvedWarningsFor(metric);
    why = codes.empty() ? "warnings" : codes.front();
  }
  if (sessions.size() > 2 && sessions.size() == subject.sessions.size()) {
    return why + " in all " + std::to_string(sessions.size()) + " sessions";
  }
  std::string text = why + (sessions.size() == 1 ? " in session " : " in sessions ");
  for (std::size_t i = 0; i < sessions.size(); ++i) text += (i ? ", " : "") + sessions[i];
  return text;
}

MetricNoise EstimateNoise(const std::vector<SubjectTimeline>& subjects, const std::string& metric) {
  std::vector<std::vector<double>> rows;
  for (const SubjectTimeline& subject : subjects) {
    std::vector<double> repeats = BaselineRepeats(SortedSessions(subject), metric);
    if (repeats.size() >= 2) rows.push_back(std::move(repeats));
  }
  MetricNoise noise;
  if (rows.empty()) return noise;
  std::size_t k = rows.front().size();
  for (const auto& row : rows) k = std::min(k, row.size());
  for (auto& row : rows) row.resize(k);
  // An SEM from fewer than kMinRepeatDegreesOfFreedom residual degrees of freedom is too unstable
  // to judge change by (with 1 df its 95 % CI spans a factor of 30); the default is safer.
  const std::size_t df = rows.size() == 1 ? k - 1 : (rows.size() - 1) * (k - 1);
  auto repeatability = RepeatabilityFromRatings(rows);
  if (!repeatability.ok() || !(repeatability->mdc95 > 0)) {
    // E.g. every subject identical: the repeats say nothing usable; fall back to the default.
    return noise;
  }
  if (df < static_cast<std::size_t>(kMinRepeatDegreesOfFreedom)) {
    noise.few_repeats_mdc95 = repeatability->mdc95;
    noise.subjects = static_cast<int>(rows.size());
    noise.repeats = static_cast<int>(k);
    return noise;
  }
  noise.mdc95 = repeatability->mdc95;
  noise.sem = repeatability->sem;
  noise.icc_3_1 = repeatability->icc_3_1;
  noise.from_repeats = true;
  noise.subjects = static_cast<int>(rows.size());
  noise.repeats = static_cast<int>(k);
  return noise;
}

NoiseByMetric EstimateNoiseForAll(const std::vector<SubjectTimeline>& subjects) {
  std::set<std::string> keys;
  for (const SubjectTimeline& subject : subjects) {
    for (const std::string& key : MetricsPresent(subject)) keys.insert(key);
  }
  NoiseByMetric noise;
  for (const std::string& key : keys) noise[key] = EstimateNoise(subjects, key);
  return noise;
}

SubjectMdc MdcFor(const NoiseByMetric& noise, const std::string& metric, double baseline_value,
                  double per_feature) {
  auto it = noise.find(metric);
  if (it != noise.end() && it->second.from_repeats) return {it->second.mdc95, "repeats"};
  const double fallback = DefaultMdc(MetricInfoOrDefault(metric), baseline_value, per_feature);
  if (it != noise.end() && it->second.few_repeats_mdc95 > fallback) {
    return {it->second.few_repeats_mdc95, "few repeats"};
  }
  return {fallback, "default"};
}

const char* ChangeVerdictName(ChangeVerdict verdict) {
  switch (verdict) {
    case ChangeVerdict::kImproved:
      return "improved";
    case ChangeVerdict::kNoDetectableChange:
      return "no detectable change";
    case ChangeVerdict::kWorsened:
      return "worsened";
    case ChangeVerdict::kChanged:
      return "changed";
  }
  return "changed";
}

double ImprovementOf(double delta, Direction direction) {
  switch (direction) {
    case Direction::kLowerIsBetter:
      return -delta;
    case Direction::kHigherIsBetter:
      return delta;
    case Direction::kNeutral:
      return std::fabs(delta);
  }
  return std::fabs(delta);
}

ChangeVerdict ClassifyChange(double delta, double mdc95, Direction direction) {
  if (std::fabs(delta) <= mdc95) return ChangeVerdict::kNoDetectableChange;
  if (direction == Direction::kNeutral) return ChangeVerdict::kChanged;
  return ImprovementOf(delta, direction) > 0 ? ChangeVerdict::kImproved : ChangeVerdict::kWorsened;
}

std::optional<TrendFit> FitOnsetPlateau(const std::vector<double>& days,
                                        const std::vector<double>& values) {
  if (days.size() != values.size() || days.size() < 4) return std::nullopt;
  std::vector<double> distinct = days;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  if (distinct.size() < 3) return std::nullopt;
  const Eigen::Index n = static_cast<Eigen::Index>(days.size());
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) y(i) = values[static_cast<std::size_t>(i)];

  TrendFit best;
  double best_sse = std::numeric_limits<double>::infinity();
  for (std::size_t a = 0; a < distinct.size(); ++a) {
    for (std::size_t b = a + 1; b < distinct.size(); ++b) {
      const double onset = distinct[a], plateau = distinct[b];
      Eigen::MatrixXd design(n, 2);
      for (Eigen::Index i = 0; i < n; ++i) {
        const double t = days[static_cast<std::size_t>(i)];
        design(i, 0) = 1.0;
        design(i, 1) = std::clamp((t - onset) / (plateau - onset), 0.0, 1.0);
      }
      const Eigen::Vector2d coef = design.colPivHouseholderQr().solve(y);
      const double sse = (design * coef - y).squaredNorm();
      // Strictly smaller: among equal fits the earliest onset and shortest ramp win.
      if (std::isinf(best_sse) || sse < best_sse - 1e-12 * (1 + best_sse)) {
        best_sse = sse;
        best.onset_days = onset;
        best.plateau_days = plateau;
        best.start_level = coef(0);
        best.plateau_level = coef(0) + coef(1);
      }
    }
  }
  best.points = static_cast<int>(n);
  best.rmse = std::sqrt(best_sse / static_cast<double>(n));
  Eigen::MatrixXd line(n, 2);
  for (Eigen::Index i = 0; i < n; ++i) {
    line(i, 0) = 1.0;
    line(i, 1) = days[static_cast<std::size_t>(i)];
  }
  const Eigen::Vector2d fit = line.colPivHouseholderQr().solve(y);
  best.slope_per_30_days = fit(1) * 30.0;
  return best;
}

double PerFeatureOf(const std::vector<SessionScores>& sessions, const std::string& metric) {
  const std::string count_key(FeatureCountKey(metric));
  if (count_key.empty()) return 0;
  double most = 0;
  double per_feature = 0;
  for (const SessionScores& s : sessions) {
    auto value = s.values.find(metric);
    auto count = s.values.find(count_key);
    if (value == s.values.end() || count == s.values.end() || value->second.empty() ||
        count->second.empty()) {
      continue;
    }
    const double mean_count = Mean(count->second);
    if (mean_count > most) {
      most = mean_count;
      per_feature = PerFeature(Mean(value->second), mean_count);
    }
  }
  return per_feature;
}

Result<MetricTimeline> BuildMetricTimeline(const SubjectTimeline& subject, const std::string& metric,
                                           const NoiseByMetric& noise) {
  const std::vector<SessionScores> sorted = SortedSessions(subject);
  const SessionScores* baseline = FindBaseline(sorted);
  const std::vector<double> repeats = BaselineRepeats(sorted, metric);
  if (baseline == nullptr || repeats.empty()) {
    return AnalysisError("subject " + subject.subject + " has no baseline value for " + metric +
                         "; import a baseline session scored with this metric");
  }
  MetricTimeline t;
  t.metric = metric;
  t.info = MetricInfoOrDefault(metric);
  t.baseline_session = baseline->id;
  t.baseline = Mean(repeats);
  t.baseline_captures = static_cast<int>(repeats.size());
  auto it = noise.find(metric);
  t.mdc_from_repeats = it != noise.end() && it->second.from_repeats;
  const SubjectMdc mdc = MdcFor(noise, metric, t.baseline, PerFeatureOf(sorted, metric));
  t.mdc95 = mdc.mdc95;
  t.mdc_source = mdc.source;

  std::vector<double> days, levels;
  for (const SessionScores& s : sorted) {
    auto v = s.values.find(metric);
    if (v == s.values.end() || v->second.empty()) continue;
    ChangePoint p;
    p.session_id = s.id;
    p.kind = s.kind;
    p.time_s = s.time_s;
    p.days_since_baseline = CalendarDaysBetween(baseline->time_s, s.time_s);
    p.value = Mean(v->second);
    p.captures = static_cast<int>(v->second.size());
    p.delta = p.value - t.baseline;
    if (t.baseline != 0) p.delta_pct = 100.0 * p.delta / std::fabs(t.baseline);
    p.size_mdc = ImprovementOf(p.delta, t.info.improvement) / t.mdc95;
    p.verdict = ClassifyChange(p.delta, t.mdc95, t.info.improvement);
    t.points.push_back(p);
    days.push_back(static_cast<double>(p.days_since_baseline));
    levels.push_back(p.value);
  }
  t.trend = FitOnsetPlateau(days, levels);
  return t;
}

}  // namespace skintrack::compare
