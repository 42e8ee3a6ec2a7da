// `skintrack timeline --subject ID [--metric M] [--chart OUT.svg] [--json]`: per metric the series,
// change vs baseline, verdict against MDC95 and the onset/plateau trend; optional chart.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "cli/db_options.h"
#include "report/chart.h"

namespace skintrack::cli {
namespace {

struct TimelineCommandOptions {
  std::string db;
  std::string subject;
  std::vector<std::string> metrics;
  std::string region;
  std::string chart;
  std::string spec;
  bool json = false;
  compare::JudgeRules rules;
};

nlohmann::json TimelineToJson(const compare::MetricTimeline& t, const compare::MetricNoise* noise) {
  nlohmann::json points = nlohmann::json::array();
  for (const compare::ChangePoint& p : t.points) {
    points.push_back({{"session", p.session_id},
                      {"kind", compare::SessionKindName(p.kind)},
                      {"date", compare::FormatDateTime(p.time_s)},
                      {"days_since_baseline", p.days_since_baseline},
                      {"value", p.value},
                      {"captures", p.captures},
                      {"delta", p.delta},
                      {"delta_pct", p.delta_pct ? nlohmann::json(*p.delta_pct) : nlohmann::json()},
                      {"size_mdc", p.size_mdc},
                      {"verdict", compare::ChangeVerdictName(p.verdict)}});
  }
  nlohmann::json j = {{"metric", t.metric},
                      {"unit", t.info.unit},
                      {"direction", compare::DirectionName(t.info.improvement)},
                      {"baseline_session", t.baseline_session},
                      {"baseline", t.baseline},
                      {"baseline_captures", t.baseline_captures},
                      {"mdc95", t.mdc95},
                      {"mdc_source", t.mdc_source},
                      {"points", points}};
  if (noise != nullptr && noise->from_repeats) {
    j["repeatability"] = {{"sem", noise->sem},
                          {"icc_3_1", std::isfinite(noise->icc_3_1) ? nlohmann::json(noise->icc_3_1)
                                                                    : nlohmann::json()},
                          {"subjects", noise->subjects},
                          {"repeats", noise->repeats}};
  }
  if (t.trend) {
    j["trend"] = {{"onset_days", t.trend->onset_days},
                  {"plateau_days", t.trend->plateau_days},
                  {"start_level", t.trend->start_level},
                  {"plateau_level", t.trend->plateau_level},
                  {"rmse", t.trend->rmse},
                  {"slope_per_30_days", t.trend->slope_per_30_days}};
  } else {
    j["trend"] = nullptr;
  }
  return j;
}

void PrintTimeline(const compare::MetricTimeline& t) {
  std::printf("\n%s [%s, %s]\n", t.metric.c_str(), t.info.unit.c_str(),
              compare::DirectionName(t.info.improvement));
  std::printf("  baseline %.4g (%d capture%s, session %s), MDC95 %.4g (%s)\n", t.baseline,
              t.baseline_captures, t.baseline_captures == 1 ? "" : "s", t.baseline_session.c_str(),
              t.mdc95,
              t.mdc_from_repeats                       ? "from repeat captures"
              : std::string_view(t.mdc_source) == "default" ? "per-metric default"
                                                       : "per-metric default raised by few repeats");
  std::printf("  %-10s %-20s %5s %10s %10s %8s %7s  %s\n", "date", "kind", "day", "value", "delta",
              "delta%", "MDC", "verdict");
  for (const compare::ChangePoint& p : t.points) {
    char pct[16] = "-";
    if (p.delta_pct) std::snprintf(pct, sizeof(pct), "%+.1f", *p.delta_pct);
    std::printf("  %-10s %-20s %5lld %10.4g %+10.4g %8s %+7.2f  %s\n",
                compare::FormatDate(p.time_s).c_str(), compare::SessionKindName(p.kind),
                static_cast<long long>(p.days_since_baseline), p.value, p.delta, pct, p.size_mdc,
                compare::ChangeVerdictName(p.verdict));
  }
  if (t.trend) {
    std::printf("  trend: onset day %.0f, plateau day %.0f, level %.4g -> %.4g (rmse %.3g)\n",
                t.trend->onset_days, t.trend->plateau_days, t.trend->start_level,
                t.trend->plateau_level, t.trend->rmse);
  }
}

// Claim windows (change/lasting/recovery) for `metric`, in days since baseline.
std::vector<report::ChartWindow> WindowsFor(const std::vector<compare::ClaimSpec>& claims,
                                            const std::string& metric,
                                            const std::vector<double>& treatment_days) {
  std::vector<report::ChartWindow> windows;
  if (treatment_days.empty()) return windows;
  for (const compare::ClaimSpec& c : claims) {
    if (c.kind == compare::ClaimKind::kProtocol || c.kind == compare::ClaimKind::kNoWorsening) continue;
    if (std::find(c.metrics.begin(), c.metrics.end(), metric) == c.metrics.end()) continue;
    const double scale = c.window_in_hours ? 1.0 / 24.0 : 1.0;
    std::vector<double> events;
    if (c.event == compare::ClaimEvent::kFirstTreatment) events = {treatment_days.front()};
    if (c.event == compare::ClaimEvent::kFinalTreatment) events = {treatment_days.back()};
    if (c.event == compare::ClaimEvent::kEachTreatment) events = treatment_days;
    if (c.event == compare::ClaimEvent::kBaseline) events = {0.0};
    for (double e : events) {
      windows.push_back({e + c.window_start * scale, e + c.window_end * scale, c.id});
    }
  }
  return windows;
}

int RunTimeline(const TimelineCommandOptions& opts) {
  auto store = OpenStore(opts.db, /*must_exist=*/true);
  if (!store.ok()) return ReportError("timeline", store.error(), opts.json);
  auto all = LoadTimelines(*store, opts.region, opts.rules);
  if (!all.ok()) return ReportError("timeline", all.error(), opts.json);
  const compare::SubjectTimeline* subject = nullptr;
  for (const compare::SubjectTimeline& t : *all) {
    if (t.subject == opts.subject) subject = &t;
  }
  if (subject == nullptr) {
    return ReportError("timeline",
                       BadInputError("subject '" + opts.subject +
                                     "' is not in the store; `skintrack sessions` lists subjects"),
                       opts.json);
  }
  for (const std::string& m : opts.metrics) {
    const Status known = CheckMetricName(m, *all);
    if (!known.ok()) return ReportError("timeline", known.error(), opts.json);
  }
  auto claims = LoadClaims(opts.spec);
  if (!claims.ok()) return ReportError("timeline", claims.error(), opts.json);
  const compare::NoiseByMetric noise = compare::EstimateNoiseForAll(*all);
  const std::vector<std::string> metrics =
      opts.metrics.empty() ? compare::MetricsPresent(*subject) : opts.metrics;

  const std::vector<compare::SessionScores> sorted = compare::SortedSessions(*subject);
  const compare::SessionScores* baseline = compare::FindBaseline(sorted);
  std::vector<double> treatment_days;
  nlohmann::json sessions = nlohmann::json::array();
  for (const compare::SessionScores& s : sorted) {
    const auto day = baseline ? compare::CalendarDaysBetween(baseline->time_s, s.time_s) : 0;
    if (s.IsTreatment()) treatment_days.push_back(static_cast<double>(day));
    sessions.push_back({{"session", s.id},
                        {"kind", compare::SessionKindName(s.kind)},
                        {"date", compare::FormatDateTime(s.time_s)},
                        {"treatment", s.IsTreatment()},
                        {"days_since_baseline", day}});
  }

  nlohmann::json metric_docs = nlohmann::json::array();
  std::vector<report::MetricChart> charts;
  std::vector<std::string> skipped;
  if (!opts.json) {
    std::cout << "subject " << subject->subject << (subject->arm.empty() ? "" : " (" + subject->arm + ")")
              << ", " << sorted.size() << " sessions\n";
  }
  for (const std::string& metric : metrics) {
    auto t = compare::BuildMetricTimeline(*subject, metric, noise);
    if (!t.ok()) {
      skipped.push_back(t.error().message);
      continue;
    }
    auto n = noise.find(metric);
    metric_docs.push_back(TimelineToJson(*t, n == noise.end() ? nullptr : &n->second));
    if (!opts.json) PrintTimeline(*t);
    report::MetricChart chart;
    chart.title = metric;
    chart.unit = t->info.unit;
    chart.origin_date = baseline ? compare::FormatDate(baseline->time_s) : "";
    for (const compare::ChangePoint& p : t->points) {
      chart.days.push_back(static_cast<double>(p.days_since_baseline));
      chart.values.push_back(p.value);
    }
    chart.baseline = t->baseline;
    chart.mdc95 = t->mdc95;
    chart.treatment_days = treatment_days;
    chart.windows = WindowsFor(*claims, metric, treatment_days);
    charts.push_back(std::move(chart));
  }
  // Values left out (compare::MetricUnresolved: pores below the photos' resolution, colour without
  // a chart) are named, so that a series missing in part or whole says why.
  nlohmann::json left_out = nlohmann::json::object();
  nlohmann::json left_out_warnings = nlohmann::json::object();
  for (const auto& [metric, left_sessions] : subject->left_out) {
    if (!opts.metrics.empty() &&
        std::find(opts.metrics.begin(), opts.metrics.end(), metric) == opts.metrics.end()) {
      continue;
    }
    left_out[metric] = left_sessions;
    if (auto codes = subject->left_out_warnings.find(metric);
        codes != subject->left_out_warnings.end()) {
      left_out_warnings[metric] = codes->second;
    }
    skipped.push_back(metric + " left out: " + compare::LeftOutText(*subject, metric));
  }
  if (!opts.json) {
    for (const std::string& s : skipped) std::cout << "note: " << s << "\n";
    if (metric_docs.empty()) std::cout << "no scored metrics for this subject yet\n";
  }
  if (!opts.chart.empty()) {
    const Status written = report::WriteChart(charts, opts.chart);
    if (!written.ok()) return ReportError("timeline", written.error(), opts.json);
    if (!opts.json) std::cout << "chart written to " << opts.chart << "\n";
  }
  if (opts.json) {
    nlohmann::json doc = JsonEnvelope("skintrack.timeline/1");
    doc["subject"] = subject->subject;
    doc["arm"] = subject->arm;
    doc["sessions"] = sessions;
    doc["metrics"] = metric_docs;
    doc["notes"] = skipped;
    doc["left_out"] = left_out;
    doc["left_out_warnings"] = left_out_warnings;
    if (!opts.chart.empty()) doc["chart"] = opts.chart;
    PrintJson(doc);
  }
  return 0;
}

}  // namespace

CommandRun SetupTimelineCommand(CLI::App& root) {
  auto opts = std::make_shared<TimelineCommandOptions>();
  CLI::App* sub = root.add_subcommand(
      "timeline", "Metric series of one subject: change vs baseline, verdict against MDC95, trend");
  AddDbOption(sub, &opts->db);
  sub->add_option("--subject", opts->subject, "Subject ID")->required();
  sub->add_option("--metric", opts->metrics, "Only these metrics (group.key; repeatable)");
  sub->add_option("--region", opts->region, "Only scores of this region");
  sub->add_option("--chart", opts->chart, "Write a chart (.svg, .png or .pdf)");
  sub->add_option("--spec", opts->spec, "Claim spec TOML whose windows are shaded (default: presets)");
  AddSameLightOption(sub, &opts->rules);
  sub->add_flag("--json", opts->json, "Print the skintrack.timeline/1 JSON document on stdout");
  return [opts] { return RunTimeline(*opts); };
}

}  // namespace skintrack::cli
