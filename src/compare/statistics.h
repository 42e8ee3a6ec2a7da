#pragma once
// Statistics for repeatability and before/after claims (REFERENCES.md §9).
//
// Every function here is pure: plain vectors in, plain structs out, no I/O, no global state, so all
// of them are thread-safe. Inputs that make a statistic undefined (too few values, zero variance)
// are reported through `Result` errors (kBadInput) with the reason, never through NaN.
//
// References:
//   ICC: Shrout & Fleiss 1979, Psychol Bull 86:420 (the six forms, Table 2).
//   SEM / MDC95: Weir 2005, J Strength Cond Res 19:231 (MDC95 = 1.96·√2·SEM).
//   Bland & Altman 1986, Lancet i:307 (limits of agreement, SE of the limits).
//   Wilcoxon signed-rank, Hodges–Lehmann: Hollander & Wolfe, Nonparametric Statistical Methods,
//   §3.1–3.2 (exact null distribution, normal approximation with continuity and tie correction).
//   Wilson 1927, JASA 22:209 (score interval for a proportion).
//   Mann–Whitney U: Hollander & Wolfe §4.1.

#include <vector>

#include "core/base/result.h"

namespace skintrack::compare {

// Standard normal CDF and its inverse (Acklam's rational approximation refined by one Halley step;
// absolute error below 1e-12 over (1e-300, 1 - 1e-16)).
double NormalCdf(double z);
double NormalQuantile(double p);

double Median(std::vector<double> values);  // SKT_CHECKs that `values` is not empty
double Mean(const std::vector<double>& values);
// Sample standard deviation (n − 1 denominator); 0 for fewer than two values.
double SampleSd(const std::vector<double>& values);

// ---- Intraclass correlation (Shrout & Fleiss 1979) ----

// ratings[i][j]: target i (subject) rated by judge j (or repeat capture j). All rows must have the
// same length k >= 2, and n >= 2 rows.
struct IccTable {
  int n = 0;  // targets
  int k = 0;  // judges / repeats
  double bms = 0, wms = 0, jms = 0, ems = 0;  // mean squares: between targets, within, judges, error
  double icc_1_1 = 0, icc_2_1 = 0, icc_3_1 = 0;
  double icc_1_k = 0, icc_2_k = 0, icc_3_k = 0;
  double grand_sd = 0;  // SD of all n·k ratings (for SEM = SD·√(1 − ICC))
};
Result<IccTable> ComputeIcc(const std::vector<std::vector<double>>& ratings);

// Weir 2005: SEM = √MS_error (EMS of the two-way model) and MDC95 = 1.96·√2·SEM.
struct Repeatability {
  double sem = 0;
  double mdc95 = 0;
  double icc_3_1 = 0;
  double icc_2_1 = 0;
  int subjects = 0;
  int repeats = 0;
};
Result<Repeatability> RepeatabilityFromRatings(const std::vector<std::vector<double>>& ratings);
// MDC95 from a standard error of measurement.
double Mdc95FromSem(double sem);

// ---- Bland–Altman agreement ----

struct BlandAltman {
  int n = 0;
  double mean_difference = 0;  // mean of a − b
  double sd_difference = 0;
  double lower_limit = 0, upper_limit = 0;  // mean ± z·sd (z = 1.96 by default)
  double se_mean = 0;                       // sd/√n
  double se_limit = 0;                      // √(3 sd²/n)
  double lower_limit_ci_low = 0, lower_limit_ci_high = 0;  // limit ± t(0.975, n−1)·se_limit
  double within_subject_sd = 0;             // s_w = √(Σd²/2n), when a and b are repeats
  double mdc95 = 0;                         // 1.96·√2·s_w
};
Result<BlandAltman> ComputeBlandAltman(const std::vector<double>& a, const std::vector<double>& b,
                                       double z = 1.96);

// Student t quantile (two-sided use: StudentTQuantile(0.975, df)); df >= 1.
double StudentTQuantile(double p, int df);

// ---- Wilcoxon signed-rank (one sample of paired differences) ----

struct WilcoxonResult {
  int n = 0;                  // non-zero differences used
  int zeros_dropped = 0;
  double v = 0;               // T+ = sum of the ranks of positive differences (midranks for ties)
  bool exact = false;         // exact null distribution (n <= exact_max_n) or normal approximation
  bool ties = false;
  double p_greater = 1;       // one-sided P(T+ >= v) under H0 (differences tend to be positive)
  double p_less = 1;          // one-sided P(T+ <= v)
  double p_two_sided = 1;     // min(1, 2·min(p_greater, p_less))
  double mean = 0, sd = 0;    // of T+ under H0 (sd tie-corrected)
  double z = 0;               // normal approximation z, continuity corrected when used
};
// Zero differences are dropped (Wilcoxon's convention). The exact distribution is used for
// n <= exact_max_n (ties handled exactly on doubled midranks); beyond, the normal approximation with
// continuity and tie correction. Error when no non-zero difference remains.
Result<WilcoxonResult> WilcoxonSignedRank(const std::vector<double>& differences,
                                          int exact_max_n = 25, bool continuity = true);

// Hodges–Lehmann one-sample estimate (median of the Walsh averages) with the distribution-free
// confidence interval from the signed-rank distribution (exact for n <= 25, normal beyond).
struct HodgesLehmann {
  double estimate = 0;
  double ci_low = 0, ci_high = 0;
  double confidence = 0.95;  // achieved level may exceed the nominal one for small n
};
Result<HodgesLehmann> HodgesLehmannOneSample(const std::vector<double>& differences,
                                             double confidence = 0.95);

// ---- Proportions and two-sample comparison ----

struct Proportion {
  int successes = 0, n = 0;
  double rate = 0, ci_low = 0, ci_high = 0;
};
// Wilson score interval; n == 0 gives rate 0 and [0, 1].
Proportion WilsonInterval(int successes, int n, double confidence = 0.95);

struct MannWhitneyResult {
  int n_x = 0, n_y = 0;
  double u = 0;              // U for x: #{x_i > y_j} + 0.5·#{x_i == y_j}
  bool exact = false;        // exact when there are no ties and n_x, n_y <= 12
  double p_two_sided = 1;
  double p_greater = 1;      // x tends to be larger than y
  double z = 0;
  double hodges_lehmann = 0;  // median of x_i − y_j (shift estimate)
};
Result<MannWhitneyResult> MannWhitney(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace skintrack::compare
