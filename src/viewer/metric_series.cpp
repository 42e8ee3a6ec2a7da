#include "viewer/metric_series.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/pipeline/score_pipeline.h"
#include "viewer/app.h"

#if defined(SKINTRACK_VIEWER_HAS_SKINTRACK_COMPARE)
#include "compare/claims.h"
#include "compare/timeline.h"
#endif

namespace skintrack::viewer {

namespace {

const nlohmann::json* FindGroup(const nlohmann::json& document, const std::string& block,
                                const std::string& group) {
  if (!document.is_object() || !document.contains(block)) return nullptr;
  const nlohmann::json& b = document.at(block);
  if (block == "quality") return &b;  // quality is flat: quality.<key>
  if (!b.is_object() || !b.contains(group) || !b.at(group).is_object()) return nullptr;
  return &b.at(group);
}

// Days since the first dated session; sessions without a parseable date count by position.
std::vector<double> SessionDays(const CatalogSubject& subject) {
  std::vector<double> days;
  std::optional<double> first;
  for (std::size_t i = 0; i < subject.sessions.size(); ++i) {
    int y = 0, m = 0, d = 0;
    double day = static_cast<double>(i);
    if (std::sscanf(subject.sessions[i].date.c_str(), "%d-%d-%d", &y, &m, &d) == 3) {
      // Days from civil date (proleptic Gregorian; Howard Hinnant's days_from_civil formula).
      y -= m <= 2;
      const int era = (y >= 0 ? y : y - 399) / 400;
      const int yoe = y - era * 400;
      const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
      const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
      day = static_cast<double>(era * 146097 + doe - 719468);
    }
    if (!first) first = day;
    days.push_back(day - *first);
  }
  return days;
}

}  // namespace

bool HaveCompareModule() {
#if defined(SKINTRACK_VIEWER_HAS_SKINTRACK_COMPARE)
  return true;
#else
  return false;
#endif
}

std::optional<double> ScoreValue(const nlohmann::json& document, const std::string& key) {
  const auto dot = key.find('.');
  if (dot == std::string::npos) return std::nullopt;
  const std::string group = key.substr(0, dot);
  const std::string name = key.substr(dot + 1);
  const nlohmann::json* values =
      FindGroup(document, group == "quality" ? "quality" : "metrics", group);
  if (values == nullptr || !values->contains(name)) return std::nullopt;
  const nlohmann::json& v = values->at(name);
  if (!v.is_number()) return std::nullopt;
  const double value = v.get<double>();
  return std::isfinite(value) ? std::optional<double>(value) : std::nullopt;
}

std::string ScoreUnit(const nlohmann::json& document, const std::string& key) {
  const auto dot = key.find('.');
  if (dot == std::string::npos) return {};
  const nlohmann::json* group = FindGroup(document, "metrics", key.substr(0, dot));
  if (group == nullptr || !group->contains("units")) return {};
  const nlohmann::json& units = group->at("units");
  const std::string name = key.substr(dot + 1);
  if (!units.is_object() || !units.contains(name) || !units.at(name).is_string()) return {};
  return units.at(name).get<std::string>();
}

std::vector<std::string> ScoredMetricKeys(const std::map<std::string, SessionScore>& scores) {
  std::vector<std::string> keys;
  for (const auto& [session, score] : scores) {
    if (score.state != JobState::kReady) continue;
    const nlohmann::json& doc = score.document;
    if (doc.contains("metrics") && doc.at("metrics").is_object()) {
      for (const auto& [group, values] : doc.at("metrics").items()) {
        if (!values.is_object()) continue;
        for (const auto& [name, value] : values.items()) {
          if (value.is_number()) keys.push_back(group + "." + name);
        }
      }
    }
    if (doc.contains("quality") && doc.at("quality").is_object()) {
      for (const auto& [name, value] : doc.at("quality").items()) {
        if (value.is_number()) keys.push_back("quality." + name);
      }
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  // Clinical metrics (those of the catalog, with a direction and an MDC) first; then the analysis
  // and mask figures (frame size, scale, skin fraction); capture-quality figures last.
  auto tail = std::stable_partition(keys.begin(), keys.end(), [](const std::string& k) {
#if defined(SKINTRACK_VIEWER_HAS_SKINTRACK_COMPARE)
    return compare::FindMetric(k).has_value();
#else
    return k.rfind("analysis.", 0) != 0 && k.rfind("mask.", 0) != 0 && k.rfind("quality.", 0) != 0;
#endif
  });
  std::stable_partition(tail, keys.end(),
                        [](const std::string& k) { return k.rfind("quality.", 0) != 0; });
  return keys;
}

#if defined(SKINTRACK_VIEWER_HAS_SKINTRACK_COMPARE)
namespace {
// Values a session's warnings leave out (compare::MetricUnresolved) are not in its timeline, as in
// `skintrack timeline` and the claims.
compare::SubjectTimeline ToTimeline(const CatalogSubject& subject,
                                    const std::map<std::string, SessionScore>& scores,
                                    const compare::JudgeRules& rules) {
  compare::SubjectTimeline timeline;
  timeline.subject = subject.id;
  const std::vector<double> days = SessionDays(subject);
  for (std::size_t i = 0; i < subject.sessions.size(); ++i) {
    const CatalogSession& session = subject.sessions[i];
    auto it = scores.find(session.id);
    if (it == scores.end() || it->second.state != JobState::kReady) continue;
    compare::SessionScores s;
    s.id = session.id;
    Result<compare::SessionKind> kind = compare::ParseSessionKind(session.kind);
    s.kind = kind.ok() ? *kind : (i == 0 ? compare::SessionKind::kBaseline
                                         : compare::SessionKind::kFollowUp);
    if (IsTreatmentKind(session.kind)) s.kind = compare::SessionKind::kTreatment;
    Result<std::int64_t> time = compare::ParseDateTime(session.date);
    s.time_s = time.ok() ? *time : static_cast<std::int64_t>(days[i] * 86400.0);
    std::vector<std::string> keys = ScoredMetricKeys({{session.id, it->second}});
    const std::vector<std::string> warnings = core::WarningCodes(it->second.document);
    for (const std::string& key : keys) {
      if (compare::MetricUnresolved(key, warnings, rules)) continue;
      if (auto value = ScoreValue(it->second.document, key)) s.values[key].push_back(*value);
    }
    timeline.sessions.push_back(std::move(s));
  }
  return timeline;
}
}  // namespace
#endif

MetricSeries BuildMetricSeries(const CatalogSubject& subject,
                               const std::map<std::string, SessionScore>& scores,
                               const std::string& metric, bool same_light) {
  MetricSeries series;
  series.metric = metric;
  const std::vector<double> days = SessionDays(subject);
  for (std::size_t i = 0; i < subject.sessions.size(); ++i) {
    if (IsTreatmentKind(subject.sessions[i].kind)) series.treatment_days.push_back(days[i]);
  }
#if defined(SKINTRACK_VIEWER_HAS_SKINTRACK_COMPARE)
  compare::JudgeRules rules;
  rules.same_light = same_light;
  const compare::SubjectTimeline timeline = ToTimeline(subject, scores, rules);
  const compare::NoiseByMetric noise = compare::EstimateNoiseForAll({timeline});
  Result<compare::MetricTimeline> built = compare::BuildMetricTimeline(timeline, metric, noise);
  if (built.ok()) {
    series.unit = built->info.unit;
    series.direction = compare::DirectionName(built->info.improvement);
    series.baseline = built->baseline;
    series.mdc95 = built->mdc95;
    series.mdc_from_repeats = built->mdc_from_repeats;
    series.mdc_source = built->mdc_source;
    for (const compare::ChangePoint& point : built->points) {
      MetricPoint p;
      p.session_id = point.session_id;
      p.days_since_baseline = static_cast<double>(point.days_since_baseline);
      p.value = point.value;
      p.delta = point.delta;
      p.delta_pct = point.delta_pct;
      p.verdict = compare::ChangeVerdictName(point.verdict);
      for (const CatalogSession& s : subject.sessions) {
        if (s.id == p.session_id) {
          p.date = s.date;
          p.kind = s.kind;
        }
      }
      series.points.push_back(std::move(p));
    }
    if (!series.points.empty()) {
      // compare counts days from its baseline; shift treatment markers to the same origin.
      for (std::size_t i = 0; i < subject.sessions.size(); ++i) {
        if (subject.sessions[i].id == built->baseline_session) {
          for (double& day : series.treatment_days) day -= days[i];
        }
      }
    }
  } else {
    series.note = built.error().message;
  }
  // Say which sessions' values are left out, and why.
  std::vector<std::string> unresolved;
  std::vector<std::string> reasons;
  for (const CatalogSession& session : subject.sessions) {
    auto it = scores.find(session.id);
    if (it == scores.end() || it->second.state != JobState::kReady) continue;
    const std::string warning =
        compare::UnresolvingWarning(metric, core::WarningCodes(it->second.document), rules);
    if (warning.empty()) continue;
    unresolved.push_back(session.id);
    const std::string reason = compare::UnresolvedReason(warning) + " (" + warning + ")";
    if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) {
      reasons.push_back(reason);
    }
  }
  if (!unresolved.empty()) {
    std::string list;
    for (const std::string& id : unresolved) list += (list.empty() ? "" : ", ") + id;
    std::string why;
    for (const std::string& reason : reasons) why += (why.empty() ? "" : "; ") + reason;
    series.left_out = "left out in " + list + ", " + why;
  }
#else
  (void)same_light;
  series.note = "built without src/compare: no MDC95 or verdicts";
  for (std::size_t i = 0; i < subject.sessions.size(); ++i) {
    auto it = scores.find(subject.sessions[i].id);
    if (it == scores.end() || it->second.state != JobState::kReady) continue;
    const std::optional<double> value = ScoreValue(it->second.document, metric);
    if (!value) continue;
    MetricPoint p;
    p.session_id = subject.sessions[i].id;
    p.date = subject.sessions[i].date;
    p.kind = subject.sessions[i].kind;
    p.days_since_baseline = days[i];
    p.value = *value;
    if (!series.baseline) series.baseline = *value;
    p.delta = *value - *series.baseline;
    if (*series.baseline != 0) p.delta_pct = 100.0 * *p.delta / std::abs(*series.baseline);
    series.points.push_back(std::move(p));
  }
#endif
  for (const auto& [session, score] : scores) {
    if (score.state != JobState::kReady) continue;
    const std::string unit = ScoreUnit(score.document, metric);
    if (!unit.empty()) {
      series.unit = unit;
      break;
    }
  }
  return series;
}

PairChange ComparePair(const MetricSeries& series, const std::string& before_id,
                       const std::string& after_id) {
  PairChange change;
  for (const MetricPoint& point : series.points) {
    if (point.session_id == before_id) change.before = point.value;
    if (point.session_id == after_id) change.after = point.value;
  }
  if (!change.before || !change.after) return change;
  change.delta = *change.after - *change.before;
  if (*change.before != 0) change.delta_pct = 100.0 * *change.delta / std::abs(*change.before);
#if defined(SKINTRACK_VIEWER_HAS_SKINTRACK_COMPARE)
  if (series.mdc95) {
    const compare::MetricInfo info = compare::MetricInfoOrDefault(series.metric);
    change.verdict =
        compare::ChangeVerdictName(compare::ClassifyChange(*change.delta, *series.mdc95,
                                                           info.improvement));
  }
#endif
  return change;
}

std::vector<ClaimWindow> EvaluateClaimWindows(const CatalogSubject& subject,
                                              const std::map<std::string, SessionScore>& scores,
                                              bool same_light) {
  std::vector<ClaimWindow> windows;
#if defined(SKINTRACK_VIEWER_HAS_SKINTRACK_COMPARE)
  compare::JudgeRules rules;
  rules.same_light = same_light;
  const compare::SubjectTimeline timeline = ToTimeline(subject, scores, rules);
  if (timeline.sessions.empty()) return windows;
  const compare::NoiseByMetric noise = compare::EstimateNoiseForAll({timeline});
  const std::vector<compare::SessionScores> sorted = compare::SortedSessions(timeline);
  const compare::SessionScores* baseline = compare::FindBaseline(sorted);
  std::vector<double> treatment_days;
  for (const compare::SessionScores& s : sorted) {
    if (s.kind == compare::SessionKind::kTreatment && baseline != nullptr) {
      treatment_days.push_back(
          static_cast<double>(compare::CalendarDaysBetween(baseline->time_s, s.time_s)));
    }
  }
  for (const compare::ClaimSpec& claim : compare::PresetClaims()) {
    const compare::ClaimResult result = compare::EvaluateClaim(claim, timeline, noise);
    ClaimWindow window;
    window.claim_id = claim.id;
    window.title = claim.title.empty() ? claim.id : claim.title;
    window.verdict = compare::ClaimVerdictName(result.verdict);
    window.reason = result.reason;
    window.window_text = claim.WindowText();
    std::optional<double> event_day;
    if (claim.event == compare::ClaimEvent::kBaseline) event_day = 0.0;
    if (claim.event == compare::ClaimEvent::kFirstTreatment && !treatment_days.empty()) {
      event_day = treatment_days.front();
    }
    if (claim.event == compare::ClaimEvent::kFinalTreatment && !treatment_days.empty()) {
      event_day = treatment_days.back();
    }
    if (event_day && claim.kind != compare::ClaimKind::kProtocol) {
      const double scale = claim.window_in_hours ? 1.0 / 24.0 : 1.0;
      window.start_day = *event_day + claim.window_start * scale;
      window.end_day = *event_day + claim.window_end * scale;
    }
    for (const compare::ClaimEvidence& e : result.evidence) {
      char line[256];
      std::snprintf(line, sizeof(line), "%s @ %s (+%lld d): delta %.4g, MDC95 %.4g, %.2f MDC%s",
                    e.metric.c_str(), e.session_id.c_str(),
                    static_cast<long long>(e.days_after_event), e.delta, e.mdc95, e.size_mdc,
                    e.passes ? " - passes" : "");
      window.evidence.push_back(line);
    }
    windows.push_back(std::move(window));
  }
#else
  (void)subject;
  (void)same_light;
  (void)scores;
#endif
  return windows;
}

}  // namespace skintrack::viewer
