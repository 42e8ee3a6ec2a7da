// Timelines: dates, change vs baseline, MDC from repeats and the onset/plateau fit.
#include "compare/timeline.h"

#include <cmath>

#include <gtest/gtest.h>

namespace skintrack::compare {
namespace {

std::int64_t Day(const char* date) { return ParseDateTime(date).value(); }

TEST(Dates, ParseFormatsAndRefuseImpossibleDates) {
  EXPECT_EQ(FormatDateTime(Day("2026-03-01")), "2026-03-01T00:00:00");
  EXPECT_EQ(FormatDateTime(Day("2026-03-01T14:05:09")), "2026-03-01T14:05:09");
  EXPECT_EQ(FormatDateTime(Day("2026:03:01 14:05:09")), "2026-03-01T14:05:09");
  EXPECT_EQ(FormatDate(Day("2024-02-29 08:00")), "2024-02-29");
  EXPECT_EQ(CalendarDaysBetween(Day("2026-01-31T23:00"), Day("2026-02-01T01:00")), 1);
  EXPECT_EQ(CalendarDaysBetween(Day("2026-03-01"), Day("2026-04-26")), 56);
  for (const char* bad : {"2026-02-30", "2026-13-01", "26-01-01", "2026/01/01", "2026-01-01T25:00",
                          "2026-01-01x", ""}) {
    auto r = ParseDateTime(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kBadInput);
  }
}

TEST(SessionKinds, ParseNamesAndAliases) {
  EXPECT_EQ(ParseSessionKind("Follow-Up").value(), SessionKind::kFollowUp);
  EXPECT_EQ(ParseSessionKind("post_treatment_check").value(), SessionKind::kPostTreatmentCheck);
  EXPECT_EQ(ParseSessionKind("baseline").value(), SessionKind::kBaseline);
  EXPECT_FALSE(ParseSessionKind("lunch").ok());
}

TEST(Change, VerdictIsDirectionAware) {
  EXPECT_EQ(ClassifyChange(-3, 2, Direction::kLowerIsBetter), ChangeVerdict::kImproved);
  EXPECT_EQ(ClassifyChange(3, 2, Direction::kLowerIsBetter), ChangeVerdict::kWorsened);
  EXPECT_EQ(ClassifyChange(3, 2, Direction::kHigherIsBetter), ChangeVerdict::kImproved);
  EXPECT_EQ(ClassifyChange(1.9, 2, Direction::kHigherIsBetter), ChangeVerdict::kNoDetectableChange);
  EXPECT_EQ(ClassifyChange(-5, 2, Direction::kNeutral), ChangeVerdict::kChanged);
}

SubjectTimeline TwoSubjectsWithRepeats(double offset, double r0 = 0, double r1 = 2, double r2 = 1) {
  SubjectTimeline s;
  s.subject = "S" + std::to_string(static_cast<int>(offset));
  s.sessions.push_back({"base", SessionKind::kBaseline, Day("2026-01-05T10:00"),
                        {{"pores.count", {100 + offset + r0, 100 + offset + r1}}}});
  s.sessions.push_back({"rep", SessionKind::kRepeat, Day("2026-01-05T10:30"),
                        {{"pores.count", {100 + offset + r2}}}});
  s.sessions.push_back({"fu", SessionKind::kFollowUp, Day("2026-03-02T10:00"),
                        {{"pores.count", {90 + offset}}}});
  return s;
}

TEST(Noise, TooFewRepeatsKeepTheDefault) {
  // 2 subjects x 3 repeats: 2 residual degrees of freedom, below kMinRepeatDegreesOfFreedom.
  const std::vector<SubjectTimeline> subjects = {TwoSubjectsWithRepeats(0),
                                                 TwoSubjectsWithRepeats(20, 1, 0, 2)};
  EXPECT_FALSE(EstimateNoise(subjects, "pores.count").from_repeats);
}

TEST(Noise, TooFewRepeatsCanRaiseTheDefaultButNeverLowerIt) {
  // Small scatter: EMS = 1.5 (hand-computed), MDC95 = 1.96·√2·√1.5 = 3.39 < the default 20.2.
  NoiseByMetric calm = EstimateNoiseForAll(
      {TwoSubjectsWithRepeats(0), TwoSubjectsWithRepeats(20, 1, 0, 2)});
  EXPECT_NEAR(calm.at("pores.count").few_repeats_mdc95, 1.96 * std::sqrt(2.0 * 1.5), 1e-9);
  auto t = BuildMetricTimeline(TwoSubjectsWithRepeats(0), "pores.count", calm);
  ASSERT_TRUE(t.ok());
  EXPECT_NEAR(t->mdc95, 20.2, 1e-9);
  EXPECT_STREQ(t->mdc_source, "default");

  // The same pattern x15: EMS = 337.5, MDC95 = 1.96·√2·√337.5 = 50.9 > the default 23 (20 % of
  // the baseline mean 115). A 25-count drop is then no detectable change.
  const std::vector<SubjectTimeline> noisy = {TwoSubjectsWithRepeats(0, 0, 30, 15),
                                              TwoSubjectsWithRepeats(20, 15, 0, 30)};
  NoiseByMetric table = EstimateNoiseForAll(noisy);
  EXPECT_FALSE(table.at("pores.count").from_repeats);
  t = BuildMetricTimeline(noisy[0], "pores.count", table);
  ASSERT_TRUE(t.ok());
  EXPECT_NEAR(t->mdc95, 1.96 * std::sqrt(2.0 * 337.5), 1e-9);
  EXPECT_STREQ(t->mdc_source, "few repeats");
  EXPECT_FALSE(t->mdc_from_repeats);
  EXPECT_EQ(t->points.back().verdict, ChangeVerdict::kNoDetectableChange);
}

TEST(Noise, PooledRepeatsGiveMdcAndOverrideDefault) {
  // 6 subjects x 3 repeats alternating the patterns (0, +2, +1) and (+1, 0, +2): EMS = 0.9
  // (hand-computed), 10 residual degrees of freedom.
  std::vector<SubjectTimeline> subjects;
  for (int i = 0; i < 6; ++i) {
    subjects.push_back(i % 2 == 0 ? TwoSubjectsWithRepeats(20.0 * i)
                                  : TwoSubjectsWithRepeats(20.0 * i, 1, 0, 2));
  }
  const MetricNoise noise = EstimateNoise(subjects, "pores.count");
  ASSERT_TRUE(noise.from_repeats);
  EXPECT_EQ(noise.subjects, 6);
  EXPECT_EQ(noise.repeats, 3);
  EXPECT_NEAR(noise.sem, std::sqrt(0.9), 1e-9);
  EXPECT_NEAR(noise.mdc95, 1.96 * std::sqrt(2.0) * std::sqrt(0.9), 1e-9);

  NoiseByMetric table = {{"pores.count", noise}};
  auto t = BuildMetricTimeline(subjects[0], "pores.count", table);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_TRUE(t->mdc_from_repeats);
  EXPECT_NEAR(t->baseline, 101, 1e-9);
  EXPECT_EQ(t->baseline_captures, 3);
  ASSERT_EQ(t->points.size(), 3u);
  const ChangePoint& fu = t->points.back();
  EXPECT_EQ(fu.days_since_baseline, 56);
  EXPECT_NEAR(fu.delta, -11, 1e-9);
  EXPECT_NEAR(*fu.delta_pct, -11.0 / 101.0 * 100, 1e-9);
  EXPECT_EQ(fu.verdict, ChangeVerdict::kImproved);

  // Without repeats the catalog default (20 % of baseline for the pore count) applies, and the
  // 11-pore drop is within it.
  auto fallback = BuildMetricTimeline(subjects[0], "pores.count", {});
  ASSERT_TRUE(fallback.ok());
  EXPECT_FALSE(fallback->mdc_from_repeats);
  EXPECT_NEAR(fallback->mdc95, 20.2, 1e-9);
  EXPECT_EQ(fallback->points.back().verdict, ChangeVerdict::kNoDetectableChange);
}

// A close-up without scale: no pore at baseline, one at the follow-up. The density in pixels has
// no floor of its own; judged through its count's floor (2.5 pores) it is no change, as the
// count is. Five pores are a change for both.
TEST(Timeline, DensityOfOneNewPoreIsNoChange) {
  const auto subject = [](double pores) {
    SubjectTimeline s;
    s.subject = "S";
    SessionScores b{"baseline", SessionKind::kBaseline, Day("2026-01-01"), {}};
    b.values["pores.count"] = {0};
    b.values["pores.density_per_mpx"] = {0};
    SessionScores f{"followup", SessionKind::kFollowUp, Day("2026-03-01"), {}};
    f.values["pores.count"] = {pores};
    f.values["pores.density_per_mpx"] = {12.5 * pores};
    s.sessions = {b, f};
    return s;
  };
  for (const char* key : {"pores.count", "pores.density_per_mpx"}) {
    auto one = BuildMetricTimeline(subject(1), key, {});
    ASSERT_TRUE(one.ok()) << one.error().message;
    EXPECT_EQ(one->points.back().verdict, ChangeVerdict::kNoDetectableChange) << key;
    auto five = BuildMetricTimeline(subject(5), key, {});
    ASSERT_TRUE(five.ok()) << five.error().message;
    EXPECT_EQ(five->points.back().verdict, ChangeVerdict::kWorsened) << key;
  }
  EXPECT_DOUBLE_EQ(PerFeatureOf(subject(5).sessions, "pores.density_per_mpx"), 12.5);
  EXPECT_DOUBLE_EQ(PerFeatureOf(subject(5).sessions, "pores.count"), 0.0);
}

TEST(Timeline, MissingBaselineIsAnAnalysisError) {
  SubjectTimeline s = TwoSubjectsWithRepeats(0);
  auto t = BuildMetricTimeline(s, "redness.a_star_mean", {});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, ErrorCode::kAnalysisFailed);
}

TEST(Trend, RecoversOnsetAndPlateau) {
  // Flat at 50 until day 28, linear to 40 at day 84, flat afterwards.
  std::vector<double> days, values;
  for (double d : {0.0, 14.0, 28.0, 42.0, 56.0, 70.0, 84.0, 112.0, 140.0}) {
    days.push_back(d);
    const double ramp = std::clamp((d - 28.0) / 56.0, 0.0, 1.0);
    values.push_back(50.0 - 10.0 * ramp);
  }
  auto fit = FitOnsetPlateau(days, values);
  ASSERT_TRUE(fit.has_value());
  EXPECT_NEAR(fit->onset_days, 28, 1e-9);
  EXPECT_NEAR(fit->plateau_days, 84, 1e-9);
  EXPECT_NEAR(fit->start_level, 50, 1e-9);
  EXPECT_NEAR(fit->plateau_level, 40, 1e-9);
  EXPECT_NEAR(fit->rmse, 0, 1e-9);
  EXPECT_LT(fit->slope_per_30_days, 0);
  EXPECT_FALSE(FitOnsetPlateau({0, 1, 2}, {1, 2, 3}).has_value());
}

}  // namespace
}  // namespace skintrack::compare
