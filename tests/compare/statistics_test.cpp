// Statistics against the worked examples of REFERENCES.md §9.
#include "compare/statistics.h"

#include <cmath>

#include <gtest/gtest.h>

namespace skintrack::compare {
namespace {

// Shrout & Fleiss 1979, Table 2: 6 targets x 4 judges.
const std::vector<std::vector<double>> kShroutFleiss = {
    {9, 2, 5, 8}, {6, 1, 3, 2}, {8, 4, 6, 8}, {7, 1, 2, 6}, {10, 5, 6, 9}, {6, 2, 4, 7}};

TEST(Icc, MatchesShroutFleissTable) {
  auto icc = ComputeIcc(kShroutFleiss);
  ASSERT_TRUE(icc.ok()) << icc.error().message;
  // Mean squares as published (2 decimals).
  EXPECT_NEAR(icc->bms, 11.24, 0.005);
  EXPECT_NEAR(icc->wms, 6.26, 0.005);
  EXPECT_NEAR(icc->jms, 32.49, 0.005);
  EXPECT_NEAR(icc->ems, 1.02, 0.005);
  // Independent recomputation (4 decimals).
  struct Row {
    double value, expected;
  };
  for (const Row& row : {Row{icc->icc_1_1, 0.1657}, Row{icc->icc_2_1, 0.2898},
                         Row{icc->icc_3_1, 0.7148}, Row{icc->icc_1_k, 0.4428},
                         Row{icc->icc_2_k, 0.6201}, Row{icc->icc_3_k, 0.9093}}) {
    EXPECT_NEAR(row.value, row.expected, 5e-5);
  }
}

TEST(Icc, RefusesUnbalancedTable) {
  EXPECT_FALSE(ComputeIcc({{1, 2}, {3}}).ok());
  EXPECT_FALSE(ComputeIcc({{1, 2}}).ok());
}

TEST(Repeatability, MdcIsSemTimesTwoPointSevenSeven) {
  auto r = RepeatabilityFromRatings(kShroutFleiss);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->sem, std::sqrt(1.02), 0.01);
  EXPECT_NEAR(r->mdc95, 1.96 * std::sqrt(2.0) * r->sem, 1e-12);
  EXPECT_NEAR(Mdc95FromSem(15.31), 42.4, 0.05);
}

// Bland & Altman 1986, PEFR (l/min), n = 17.
const std::vector<double> kWright1 = {494, 395, 516, 434, 476, 557, 413, 442, 650,
                                      433, 417, 656, 267, 478, 178, 423, 427};
const std::vector<double> kMini1 = {512, 430, 520, 428, 500, 600, 364, 380, 658,
                                    445, 432, 626, 260, 477, 259, 350, 451};
const std::vector<double> kWright2 = {490, 397, 512, 401, 470, 611, 415, 431, 638,
                                      429, 420, 633, 275, 492, 165, 372, 421};

TEST(BlandAltman, MatchesLancetExample) {
  auto ba = ComputeBlandAltman(kWright1, kMini1);
  ASSERT_TRUE(ba.ok());
  EXPECT_NEAR(ba->mean_difference, -2.118, 5e-4);
  EXPECT_NEAR(ba->sd_difference, 38.765, 5e-4);
  EXPECT_NEAR(ba->lower_limit, -78.10, 5e-3);
  EXPECT_NEAR(ba->upper_limit, 73.86, 5e-3);
  EXPECT_NEAR(ba->se_mean, 9.40, 5e-3);
  EXPECT_NEAR(ba->se_limit, 16.28, 5e-3);
  auto paper = ComputeBlandAltman(kWright1, kMini1, 2.0);
  ASSERT_TRUE(paper.ok());
  EXPECT_NEAR(paper->lower_limit, -79.65, 5e-3);
  EXPECT_NEAR(paper->upper_limit, 75.41, 5e-3);
  // 95 % CI of the lower limit, quoted to 1 decimal (-114.3 to -45.1) from rounded inputs.
  EXPECT_NEAR(paper->lower_limit_ci_low, -114.3, 0.2);
  EXPECT_NEAR(paper->lower_limit_ci_high, -45.1, 0.1);
}

TEST(BlandAltman, RepeatabilityOfWrightMeter) {
  auto ba = ComputeBlandAltman(kWright1, kWright2);
  ASSERT_TRUE(ba.ok());
  EXPECT_NEAR(ba->mean_difference, 4.94, 5e-3);
  EXPECT_NEAR(ba->sd_difference, 21.72, 5e-3);
  EXPECT_NEAR(ba->within_subject_sd, 15.31, 5e-3);
  EXPECT_NEAR(ba->mdc95, 42.4, 0.05);
}

// Hollander & Wolfe Example 3.1.
const std::vector<double> kX = {1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30};
const std::vector<double> kY = {0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29};

std::vector<double> Differences() {
  std::vector<double> d;
  for (std::size_t i = 0; i < kX.size(); ++i) d.push_back(kX[i] - kY[i]);
  return d;
}

TEST(Wilcoxon, ExactMatchesHollanderWolfe) {
  auto w = WilcoxonSignedRank(Differences());
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->exact);
  EXPECT_EQ(w->n, 9);
  EXPECT_DOUBLE_EQ(w->v, 40);
  EXPECT_NEAR(w->p_greater, 10.0 / 512.0, 1e-12);
  EXPECT_NEAR(w->p_greater, 0.019531, 5e-7);
  EXPECT_NEAR(w->p_two_sided, 0.039063, 6e-7);  // 0.0390625 published as 0.039063
}

TEST(Wilcoxon, NormalApproximationMatchesReference) {
  auto plain = WilcoxonSignedRank(Differences(), /*exact_max_n=*/0, /*continuity=*/false);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->exact);
  EXPECT_NEAR(plain->mean, 22.5, 1e-12);
  EXPECT_NEAR(plain->sd, 8.4410, 5e-5);
  EXPECT_NEAR(plain->z, 2.0732, 5e-5);
  EXPECT_NEAR(plain->p_greater, 0.01908, 5e-6);
  auto corrected = WilcoxonSignedRank(Differences(), 0, true);
  ASSERT_TRUE(corrected.ok());
  EXPECT_NEAR(corrected->z, 2.0140, 5e-5);
  EXPECT_NEAR(corrected->p_greater, 0.02201, 5e-6);
}

TEST(Wilcoxon, TiesAndZerosFollowConvention) {
  // Zeros dropped; tied |d| share midranks; exact distribution on doubled ranks.
  auto w = WilcoxonSignedRank({0, 1, -1, 2, 2, 3});
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->zeros_dropped, 1);
  EXPECT_EQ(w->n, 5);
  EXPECT_TRUE(w->ties);
  EXPECT_DOUBLE_EQ(w->v, 1.5 + 3.5 + 3.5 + 5);
  EXPECT_FALSE(WilcoxonSignedRank({0, 0}).ok());
}

TEST(Wilcoxon, LargeSampleUsesTieCorrectedNormal) {
  std::vector<double> d;
  for (int i = 0; i < 30; ++i) d.push_back(i % 3 == 0 ? -1.0 : static_cast<double>(i % 5 + 1));
  auto w = WilcoxonSignedRank(d);
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE(w->exact);
  EXPECT_LT(w->sd, std::sqrt(30.0 * 31 * 61 / 24));
  EXPECT_LT(w->p_greater, 0.01);
}

TEST(HodgesLehmann, EstimateAndExactInterval) {
  auto hl = HodgesLehmannOneSample(Differences());
  ASSERT_TRUE(hl.ok());
  // Median of the 45 Walsh averages of the Hamilton differences (hand-computed: 0.46).
  EXPECT_NEAR(hl->estimate, 0.46, 1e-9);
  // n = 9, alpha = 0.05: k = 6 (P(T+ <= 5) = 10/512 <= 0.025 < P(T+ <= 6) = 14/512), so the
  // interval is [W(6), W(40)] of the sorted Walsh averages = [0.010, 0.786].
  EXPECT_NEAR(hl->ci_low, 0.010, 1e-9);
  EXPECT_NEAR(hl->ci_high, 0.786, 1e-9);
  EXPECT_NEAR(hl->confidence, 1 - 2 * 10.0 / 512.0, 1e-12);
  // Shifting the data shifts the estimate and interval.
  std::vector<double> shifted = Differences();
  for (double& v : shifted) v += 1.0;
  auto hl2 = HodgesLehmannOneSample(shifted);
  ASSERT_TRUE(hl2.ok());
  EXPECT_NEAR(hl2->estimate, hl->estimate + 1.0, 1e-12);
  EXPECT_NEAR(hl2->ci_low, hl->ci_low + 1.0, 1e-12);
}

TEST(Wilson, MatchesClosedForm) {
  // 8 of 10: Wilson 95 % interval 0.4902 to 0.9433 (Newcombe 1998, method 3).
  const Proportion p = WilsonInterval(8, 10);
  EXPECT_NEAR(p.rate, 0.8, 1e-12);
  EXPECT_NEAR(p.ci_low, 0.4902, 5e-4);
  EXPECT_NEAR(p.ci_high, 0.9433, 5e-4);
  const Proportion none = WilsonInterval(0, 0);
  EXPECT_EQ(none.ci_low, 0);
  EXPECT_EQ(none.ci_high, 1);
}

TEST(MannWhitney, ExactAndNormal) {
  // Completely separated samples of 4 and 4: U = 16, exact one-sided p = 1/70.
  auto mw = MannWhitney({5, 6, 7, 8}, {1, 2, 3, 4});
  ASSERT_TRUE(mw.ok());
  EXPECT_TRUE(mw->exact);
  EXPECT_DOUBLE_EQ(mw->u, 16);
  EXPECT_NEAR(mw->p_greater, 1.0 / 70.0, 1e-12);
  EXPECT_NEAR(mw->p_two_sided, 2.0 / 70.0, 1e-12);
  EXPECT_DOUBLE_EQ(mw->hodges_lehmann, 4);
  auto ties = MannWhitney({1, 2, 2, 3}, {2, 3, 3, 4});
  ASSERT_TRUE(ties.ok());
  EXPECT_FALSE(ties->exact);
  EXPECT_GT(ties->p_two_sided, 0.05);
}

TEST(Quantiles, NormalAndStudent) {
  EXPECT_NEAR(NormalQuantile(0.975), 1.959964, 1e-6);
  EXPECT_NEAR(NormalCdf(1.959964), 0.975, 1e-6);
  EXPECT_NEAR(StudentTQuantile(0.975, 16), 2.1199, 5e-4);
  EXPECT_NEAR(StudentTQuantile(0.975, 1), 12.706, 5e-3);
}

}  // namespace
}  // namespace skintrack::compare
