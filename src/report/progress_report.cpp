#include "report/progress_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace skintrack::report {
namespace {

struct HeadlineGroup {
  const char* group;
  const char* title;       // plain name for patients
  const char* lower_word;  // what "lower" means for this group
  const char* higher_word;
  std::vector<const char*> preferred_keys;
  const char* verb = "is";  // "Visible pores are", "Redness is"
};

const std::vector<HeadlineGroup>& HeadlineGroups() {
  static const std::vector<HeadlineGroup> groups = {
      {"redness", "Redness", "less red", "redder",
       {"redness.erythema_index_mean", "redness.a_star_mean", "redness.red_area_pct"}},
      {"pores", "Visible pores", "fewer or smaller", "more or larger",
       {"pores.density_per_cm2", "pores.count", "pores.area_pct"},
       "are"},
      {"texture", "Skin texture", "smoother", "rougher",
       {"texture.sq_um", "texture.roughness_rq", "texture.roughness_ra"}},
      {"scars", "Scars", "shallower or smaller", "deeper or larger",
       {"scars.depth_mean_mm", "scars.volume_mm3", "scars.area_pct", "scars.shadow_index"},
       "are"},
  };
  return groups;
}

std::string FormatNumber(double value, int digits = 3) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*g", digits, value);
  return buffer;
}

std::string FormatPct(double pct) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.0f%%", std::abs(pct));
  return buffer;
}

const HeadlineGroup* GroupOf(const std::string& key) {
  const std::string group = key.substr(0, key.find('.'));
  for (const HeadlineGroup& g : HeadlineGroups()) {
    if (group == g.group) return &g;
  }
  return nullptr;
}

// "Texture is 18% smoother than at your first visit; changes smaller than 6% cannot be told apart
// from measurement noise."
std::string Sentence(const MetricSummary& m, const compare::MetricInfo& info) {
  const HeadlineGroup* group = GroupOf(m.key);
  const std::string name = group ? group->title : m.title;
  const std::string is = group ? group->verb : "is";
  const double base = std::abs(m.baseline);
  const bool pct_ok = base > 1e-12;
  const std::string noise = pct_ok ? FormatPct(100.0 * m.mdc95 / base)
                                   : FormatNumber(m.mdc95) + " " + m.unit;
  const std::string change = pct_ok && m.delta_pct ? FormatPct(*m.delta_pct)
                                                   : FormatNumber(std::abs(m.delta)) + " " + m.unit;
  const bool lower = m.delta < 0;
  std::string direction_word;
  if (group) {
    direction_word = lower ? group->lower_word : group->higher_word;
  } else {
    direction_word = lower ? "lower" : "higher";
  }
  if (m.verdict == "no detectable change") {
    const std::string shows = is == "are" ? " show" : " shows";  // "Scars show", "Redness shows"
    return name + shows + " no detectable change since your first visit: the difference (" +
           change + ") is within measurement noise (changes smaller than " + noise +
           " cannot be told apart from noise).";
  }
  if (m.verdict == "improved") {
    return name + " " + is + " " + change + " " + direction_word +
           " than at your first visit; changes smaller than " + noise +
           " cannot be told apart from measurement noise.";
  }
  if (m.verdict == "worsened") {
    return name + " " + is + " " + change + " " + direction_word +
           " than at your first visit. This is more than measurement noise (" + noise +
           "); please discuss it with your practitioner.";
  }
  (void)info;
  return name + " has changed by " + change + " (" + direction_word +
         ") since your first visit; this measure has no better or worse direction.";
}

}  // namespace

MetricChart ChartFromTimeline(const compare::MetricTimeline& timeline, const std::string& origin_date,
                              const std::vector<double>& treatment_days,
                              const std::vector<compare::ClaimSpec>& claims) {
  MetricChart chart;
  chart.title = timeline.metric;
  chart.unit = timeline.info.unit;
  chart.origin_date = origin_date;
  for (const compare::ChangePoint& p : timeline.points) {
    chart.days.push_back(static_cast<double>(p.days_since_baseline));
    chart.values.push_back(p.value);
  }
  chart.baseline = timeline.baseline;
  chart.mdc95 = timeline.mdc95;
  chart.treatment_days = treatment_days;
  if (treatment_days.empty()) return chart;
  for (const compare::ClaimSpec& c : claims) {
    if (std::find(c.metrics.begin(), c.metrics.end(), timeline.metric) == c.metrics.end()) continue;
    const double scale = c.window_in_hours ? 1.0 / 24.0 : 1.0;
    std::vector<double> events;
    switch (c.event) {
      case compare::ClaimEvent::kFirstTreatment: events = {treatment_days.front()}; break;
      case compare::ClaimEvent::kFinalTreatment: events = {treatment_days.back()}; break;
      case compare::ClaimEvent::kEachTreatment: events = treatment_days; break;
      case compare::ClaimEvent::kBaseline: events = {0.0}; break;
    }
    for (double e : events) {
      chart.windows.push_back({e + c.window_start * scale, e + c.window_end * scale, c.id});
    }
  }
  return chart;
}

ProgressReport BuildProgressReport(const ReportInputs& in) {
  ProgressReport report;
  report.audience = in.audience;
  report.subject_label = in.subject_label;
  report.generated_on = in.generated_on;
  report.tool_version = in.tool_version;
  report.sessions = in.sessions;
  report.photos = in.photos;
  report.caveats = in.caveats;
  report.technical = in.technical;

  const std::vector<compare::SessionScores> sorted = compare::SortedSessions(in.timeline);
  const compare::SessionScores* baseline = compare::FindBaseline(sorted);
  if (!sorted.empty()) {
    report.period = compare::FormatDate(sorted.front().time_s) + " to " +
                    compare::FormatDate(sorted.back().time_s);
  }
  std::vector<double> treatment_days;
  bool has_later_session = false;
  for (const compare::SessionScores& s : sorted) {
    const auto day = baseline ? compare::CalendarDaysBetween(baseline->time_s, s.time_s) : 0;
    if (s.IsTreatment()) treatment_days.push_back(static_cast<double>(day));
    if (baseline && s.time_s > baseline->time_s && s.kind != compare::SessionKind::kRepeat) {
      has_later_session = true;
    }
  }
  report.nothing_to_compare = baseline == nullptr || !has_later_session;
  const std::string origin = baseline ? compare::FormatDate(baseline->time_s) : "";

  // Metrics: headline groups first (one preferred key each), then every other metric.
  std::vector<std::string> order;
  std::vector<std::string> present = compare::MetricsPresent(in.timeline);
  for (const HeadlineGroup& g : HeadlineGroups()) {
    for (const char* key : g.preferred_keys) {
      if (std::find(present.begin(), present.end(), key) != present.end()) {
        order.push_back(key);
        break;
      }
    }
  }
  const std::size_t headline_count = order.size();
  for (const std::string& key : present) {
    if (std::find(order.begin(), order.end(), key) == order.end()) order.push_back(key);
  }
  for (std::size_t i = 0; i < order.size(); ++i) {
    auto t = compare::BuildMetricTimeline(in.timeline, order[i], in.noise);
    if (!t.ok() || t->points.empty()) continue;
    MetricSummary m;
    m.key = order[i];
    const HeadlineGroup* group = GroupOf(m.key);
    m.title = group ? std::string(group->title) + " (" + m.key + ")" : m.key;
    m.unit = t->info.unit;
    m.headline = i < headline_count;
    m.baseline = t->baseline;
    m.mdc95 = t->mdc95;
    m.mdc_from_repeats = t->mdc_from_repeats;
    m.mdc_source = t->mdc_source;
    const compare::ChangePoint& last = t->points.back();
    m.latest = last.value;
    m.latest_date = compare::FormatDate(last.time_s);
    m.delta = last.delta;
    m.delta_pct = last.delta_pct;
    m.verdict = compare::ChangeVerdictName(last.verdict);
    m.sentence = report.nothing_to_compare ? "" : Sentence(m, t->info);
    m.chart = ChartFromTimeline(*t, origin, treatment_days, in.claims);
    m.chart.title = group ? group->title : m.key;
    if (m.headline && !report.nothing_to_compare) report.summary.push_back(m.sentence);
    report.metrics.push_back(std::move(m));
  }
  if (report.nothing_to_compare) {
    report.summary.push_back(
        "This report covers your first visit only, so there is nothing to compare yet. The "
        "measurements below are your starting point; later visits will be compared with them.");
  }

  for (const compare::ClaimSpec& spec : in.claims) {
    const compare::ClaimResult r = compare::EvaluateClaim(spec, in.timeline, in.noise);
    ClaimLine line;
    line.title = spec.title.empty() ? spec.id : spec.title;
    line.verdict = compare::ClaimVerdictName(r.verdict);
    line.reason = r.reason;
    for (const compare::ClaimEvidence& e : r.evidence) {
      std::string text = e.metric + " @ " + e.session_id + " (" + std::to_string(e.days_after_event) +
                         " d): " + FormatNumber(e.reference, 4) + " -> " + FormatNumber(e.value, 4) +
                         ", change " + FormatNumber(e.size_mdc, 3) + " MDC" +
                         (e.passes ? " (passes)" : " (fails)");
      if (!e.note.empty()) text += "; " + e.note;
      line.evidence.push_back(text);
    }
    report.claims.push_back(std::move(line));
  }
  return report;
}

}  // namespace skintrack::report
