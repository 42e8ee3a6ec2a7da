#include "compare/statistics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/base/check.h"

namespace skintrack::compare {
namespace {

// Midranks (1-based) of |values|; `tie_term` receives Σ(t³ − t) over tie groups.
std::vector<double> MidRanks(const std::vector<double>& values, double* tie_term) {
  const std::size_t n = values.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(n);
  double ties = 0;
  std::size_t i = 0;
  while (i < n) {
    std::size_t j = i;
    while (j + 1 < n && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = 0.5 * static_cast<double>(i + j) + 1.0;
    for (std::size_t m = i; m <= j; ++m) ranks[order[m]] = rank;
    const double t = static_cast<double>(j - i + 1);
    ties += t * t * t - t;
    i = j + 1;
  }
  if (tie_term != nullptr) *tie_term = ties;
  return ranks;
}

// Exact null distribution of the sum of a random subset of `doubled_ranks` (each included with
// probability 1/2): counts[s] = number of subsets whose doubled-rank sum is s.
std::vector<double> SubsetSumCounts(const std::vector<int>& doubled_ranks) {
  const int total = std::accumulate(doubled_ranks.begin(), doubled_ranks.end(), 0);
  std::vector<double> counts(static_cast<std::size_t>(total) + 1, 0.0);
  counts[0] = 1;
  int reach = 0;
  for (int r : doubled_ranks) {
    for (int s = reach; s >= 0; --s) {
      if (counts[static_cast<std::size_t>(s)] != 0) {
        counts[static_cast<std::size_t>(s + r)] += counts[static_cast<std::size_t>(s)];
      }
    }
    reach += r;
  }
  return counts;
}

// Continued fraction for the regularized incomplete beta function (modified Lentz).
double BetaContinuedFraction(double a, double b, double x) {
  constexpr double kTiny = 1e-300;
  double c = 1.0;
  double d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 500; ++m) {
    const double md = static_cast<double>(m);
    double num = md * (b - md) * x / ((a + 2 * md - 1) * (a + 2 * md));
    d = 1.0 + num * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + num / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    num = -(a + md) * (a + b + md) * x / ((a + 2 * md) * (a + 2 * md + 1));
    d = 1.0 + num * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + num / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < 1e-15) break;
  }
  return h;
}

double RegularizedBeta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) +
                           b * std::log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return std::exp(log_front) * BetaContinuedFraction(a, b, x) / a;
  return 1.0 - std::exp(log_front) * BetaContinuedFraction(b, a, 1.0 - x) / b;
}

double StudentTCdf(double t, int df) {
  const double v = static_cast<double>(df);
  const double tail = 0.5 * RegularizedBeta(v / 2, 0.5, v / (v + t * t));
  return t >= 0 ? 1.0 - tail : tail;
}

}  // namespace

double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double NormalQuantile(double p) {
  SKT_CHECK(p > 0 && p < 1) << "p = " << p;
  // Acklam's coefficients for the rational approximation of the inverse normal CDF.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01,  -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  // One Halley step against the exact CDF.
  const double e = NormalCdf(x) - p;
  const double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

double StudentTQuantile(double p, int df) {
  SKT_CHECK(df >= 1 && p > 0 && p < 1);
  double lo = -1e4, hi = 1e4;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (StudentTCdf(mid, df) < p) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return 0.5 * (lo + hi);
}

double Median(std::vector<double> values) {
  SKT_CHECK(!values.empty()) << "median of an empty sample";
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

double Mean(const std::vector<double>& values) {
  if (values.empty()) return 0;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double SampleSd(const std::vector<double>& values) {
  if (values.size() < 2) return 0;
  const double mean = Mean(values);
  double ss = 0;
  for (double v : values) ss += (v - mean) * (v - mean);
  return std::sqrt(ss / static_cast<double>(values.size() - 1));
}

Result<IccTable> ComputeIcc(const std::vector<std::vector<double>>& ratings) {
  const std::size_t n = ratings.size();
  if (n < 2) return BadInputError("ICC needs at least two subjects with repeat measurements");
  const std::size_t k = ratings.front().size();
  if (k < 2) return BadInputError("ICC needs at least two repeat measurements per subject");
  for (const auto& row : ratings) {
    if (row.size() != k) {
      return BadInputError("ICC needs the same number of repeat measurements for every subject");
    }
  }
  const double nd = static_cast<double>(n), kd = static_cast<double>(k);
  double grand = 0;
  std::vector<double> row_mean(n, 0.0), col_mean(k, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < k; ++j) {
      grand += ratings[i][j];
      row_mean[i] += ratings[i][j] / kd;
      col_mean[j] += ratings[i][j] / nd;
    }
  }
  grand /= nd * kd;
  double ss_total = 0, ss_rows = 0, ss_cols = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < k; ++j) ss_total += (ratings[i][j] - grand) * (ratings[i][j] - grand);
    ss_rows += kd * (row_mean[i] - grand) * (row_mean[i] - grand);
  }
  for (std::size_t j = 0; j < k; ++j) ss_cols += nd * (col_mean[j] - grand) * (col_mean[j] - grand);
  const double ss_within = ss_total - ss_rows;
  const double ss_error = ss_within - ss_cols;
  IccTable t;
  t.n = static_cast<int>(n);
  t.k = static_cast<int>(k);
  t.bms = ss_rows / (nd - 1);
  t.wms = ss_within / (nd * (kd - 1));
  t.jms = ss_cols / (kd - 1);
  t.ems = ss_error / ((nd - 1) * (kd - 1));
  if (t.bms <= 0) return BadInputError("ICC is undefined: all subjects have the same mean");
  t.icc_1_1 = (t.bms - t.wms) / (t.bms + (kd - 1) * t.wms);
  t.icc_2_1 = (t.bms - t.ems) / (t.bms + (kd - 1) * t.ems + kd * (t.jms - t.ems) / nd);
  t.icc_3_1 = (t.bms - t.ems) / (t.bms + (kd - 1) * t.ems);
  t.icc_1_k = (t.bms - t.wms) / t.bms;
  t.icc_2_k = (t.bms - t.ems) / (t.bms + (t.jms - t.ems) / nd);
  t.icc_3_k = (t.bms - t.ems) / t.bms;
  t.grand_sd = std::sqrt(ss_total / (nd * kd - 1));
  return t;
}

double Mdc95FromSem(double sem) { return 1.96 * std::sqrt(2.0) * sem; }

Result<Repeatability> RepeatabilityFromRatings(const std::vector<std::vector<double>>& ratings) {
  Repeatability r;
  r.subjects = static_cast<int>(ratings.size());
  r.repeats = ratings.empty() ? 0 : static_cast<int>(ratings.front().size());
  if (ratings.size() == 1) {
    // One subject: the SD of its repeats is the SEM (no ICC is defined).
    if (ratings.front().size() < 2) return BadInputError("repeatability needs at least two repeats");
    r.sem = SampleSd(ratings.front());
    r.mdc95 = Mdc95FromSem(r.sem);
    r.icc_2_1 = r.icc_3_1 = std::nan("");
    return r;
  }
  SKT_ASSIGN_OR_RETURN(IccTable t, ComputeIcc(ratings));
  r.sem = std::sqrt(std::max(0.0, t.ems));
  r.mdc95 = Mdc95FromSem(r.sem);
  r.icc_3_1 = t.icc_3_1;
  r.icc_2_1 = t.icc_2_1;
  return r;
}

Result<BlandAltman> ComputeBlandAltman(const std::vector<double>& a, const std::vector<double>& b,
                                       double z) {
  if (a.size() != b.size()) return BadInputError("Bland–Altman needs paired measurements");
  if (a.size() < 3) return BadInputError("Bland–Altman needs at least three pairs");
  std::vector<double> d(a.size());
  double sum_sq = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    d[i] = a[i] - b[i];
    sum_sq += d[i] * d[i];
  }
  BlandAltman out;
  out.n = static_cast<int>(d.size());
  const double n = static_cast<double>(d.size());
  out.mean_difference = Mean(d);
  out.sd_difference = SampleSd(d);
  out.lower_limit = out.mean_difference - z * out.sd_difference;
  out.upper_limit = out.mean_difference + z * out.sd_difference;
  out.se_mean = out.sd_difference / std::sqrt(n);
  out.se_limit = std::sqrt(3.0 * out.sd_difference * out.sd_difference / n);
  const double t = StudentTQuantile(0.975, out.n - 1);
  out.lower_limit_ci_low = out.lower_limit - t * out.se_limit;
  out.lower_limit_ci_high = out.lower_limit + t * out.se_limit;
  out.within_subject_sd = std::sqrt(sum_sq / (2 * n));
  out.mdc95 = Mdc95FromSem(out.within_subject_sd);
  return out;
}

Result<WilcoxonResult> WilcoxonSignedRank(const std::vector<double>& differences, int exact_max_n,
                                          bool continuity) {
  WilcoxonResult r;
  std::vector<double> abs_values;
  std::vector<bool> positive;
  for (double d : differences) {
    if (d == 0) {
      ++r.zeros_dropped;
      continue;
    }
    abs_values.push_back(std::fabs(d));
    positive.push_back(d > 0);
  }
  r.n = static_cast<int>(abs_values.size());
  if (r.n == 0) return BadInputError("signed-rank test: every difference is zero");
  double tie_term = 0;
  const std::vector<double> ranks = MidRanks(abs_values, &tie_term);
  r.ties = tie_term > 0;
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    if (positive[i]) r.v += ranks[i];
  }
  const double n = static_cast<double>(r.n);
  r.mean = n * (n + 1) / 4;
  r.sd = std::sqrt(n * (n + 1) * (2 * n + 1) / 24 - tie_term / 48);
  if (r.n <= exact_max_n) {
    r.exact = true;
    std::vector<int> doubled(ranks.size());
    for (std::size_t i = 0; i < ranks.size(); ++i) doubled[i] = static_cast<int>(std::lround(2 * ranks[i]));
    const std::vector<double> counts = SubsetSumCounts(doubled);
    const double total = std::pow(2.0, n);
    const int v2 = static_cast<int>(std::lround(2 * r.v));
    double ge = 0, le = 0;
    for (std::size_t s = 0; s < counts.size(); ++s) {
      if (static_cast<int>(s) >= v2) ge += counts[s];
      if (static_cast<int>(s) <= v2) le += counts[s];
    }
    r.p_greater = ge / total;
    r.p_less = le / total;
    r.z = r.sd > 0 ? (r.v - r.mean) / r.sd : 0;
  } else {
    const double diff = r.v - r.mean;
    const double cc = continuity ? 0.5 : 0.0;
    r.p_greater = r.sd > 0 ? 1.0 - NormalCdf((diff - cc) / r.sd) : 0.5;
    r.p_less = r.sd > 0 ? NormalCdf((diff + cc) / r.sd) : 0.5;
    const double corrected = diff > 0 ? std::max(0.0, diff - cc) : std::min(0.0, diff + cc);
    r.z = r.sd > 0 ? corrected / r.sd : 0;
  }
  r.p_two_sided = std::min(1.0, 2 * std::min(r.p_greater, r.p_less));
  return r;
}

Result<HodgesLehmann> HodgesLehmannOneSample(const std::vector<double>& differences,
                                             double confidence) {
  const std::size_t n = differences.size();
  if (n == 0) return BadInputError("Hodges–Lehmann estimate of an empty sample");
  std::vector<double> walsh;
  walsh.reserve(n * (n + 1) / 2);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i; j < n; ++j) walsh.push_back(0.5 * (differences[i] + differences[j]));
  }
  std::sort(walsh.begin(), walsh.end());
  HodgesLehmann hl;
  hl.estimate = Median(walsh);
  const double alpha = 1 - confidence;
  const std::size_t m = walsh.size();
  // k: the largest count such that P(T+ <= k − 1) <= alpha/2; the interval is
  // [W_(k), W_(M + 1 − k)] (Hollander & Wolfe §3.3).
  std::size_t k = 0;
  if (n <= 25) {
    std::vector<int> doubled(n);
    for (std::size_t i = 0; i < n; ++i) doubled[i] = static_cast<int>(2 * (i + 1));
    const std::vector<double> counts = SubsetSumCounts(doubled);
    const double total = std::pow(2.0, static_cast<double>(n));
    double cumulative = 0;
    for (std::size_t t = 0; t <= m; ++t) {
      cumulative += counts[2 * t] / total;  // P(T+ <= t)
      if (cumulative > alpha / 2) {
        k = t;  // P(T+ <= t − 1) <= alpha/2 < P(T+ <= t)
        break;
      }
    }
    double tail = 0;
    for (std::size_t t = 0; t + 1 <= k; ++t) tail += counts[2 * t] / total;
    hl.confidence = 1 - 2 * tail;
  } else {
    const double nd = static_cast<double>(n);
    const double z = NormalQuantile(1 - alpha / 2);
    const double kk = nd * (nd + 1) / 4 - z * std::sqrt(nd * (nd + 1) * (2 * nd + 1) / 24);
    k = static_cast<std::size_t>(std::max(0.0, std::floor(kk)));
    hl.confidence = confidence;
  }
  if (k == 0) {
    // Too few values for the requested level: the widest interval is all that can be said.
    hl.ci_low = walsh.front();
    hl.ci_high = walsh.back();
    hl.confidence = 1.0;
  } else {
    hl.ci_low = walsh[k - 1];
    hl.ci_high = walsh[m - k];
  }
  return hl;
}

Proportion WilsonInterval(int successes, int n, double confidence) {
  Proportion p;
  p.successes = successes;
  p.n = n;
  if (n <= 0) {
    p.ci_low = 0;
    p.ci_high = 1;
    return p;
  }
  const double nd = static_cast<double>(n);
  const double phat = static_cast<double>(successes) / nd;
  const double z = NormalQuantile(1 - (1 - confidence) / 2);
  const double denom = 1 + z * z / nd;
  const double centre = (phat + z * z / (2 * nd)) / denom;
  const double half = z * std::sqrt(phat * (1 - phat) / nd + z * z / (4 * nd * nd)) / denom;
  p.rate = phat;
  p.ci_low = std::max(0.0, centre - half);
  p.ci_high = std::min(1.0, centre + half);
  return p;
}

Result<MannWhitneyResult> MannWhitney(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.empty() || y.empty()) return BadInputError("Mann–Whitney needs two non-empty samples");
  MannWhitneyResult r;
  r.n_x = static_cast<int>(x.size());
  r.n_y = static_cast<int>(y.size());
  std::vector<double> pooled = x;
  pooled.insert(pooled.end(), y.begin(), y.end());
  double tie_term = 0;
  const std::vector<double> ranks = MidRanks(pooled, &tie_term);
  double rank_sum_x = 0;
  for (std::size_t i = 0; i < x.size(); ++i) rank_sum_x += ranks[i];
  const double nx = static_cast<double>(r.n_x), ny = static_cast<double>(r.n_y);
  r.u = rank_sum_x - nx * (nx + 1) / 2;
  std::vector<double> shifts;
  shifts.reserve(x.size() * y.size());
  for (double xi : x) {
    for (double yj : y) shifts.push_back(xi - yj);
  }
  r.hodges_lehmann = Median(shifts);
  const double mean = nx * ny / 2;
  const double total = nx + ny;
  const double var = nx * ny / 12 * ((total + 1) - tie_term / (total * (total - 1)));
  if (tie_term == 0 && r.n_x <= 12 && r.n_y <= 12) {
    // Exact: number of arrangements with U = u, by the recurrence over the largest observation.
    r.exact = true;
    const int max_u = r.n_x * r.n_y;
    // f[i][j][u] flattened by dynamic programming over (i, j).
    std::vector<std::vector<std::vector<double>>> f(
        static_cast<std::size_t>(r.n_x) + 1,
        std::vector<std::vector<double>>(static_cast<std::size_t>(r.n_y) + 1));
    for (int i = 0; i <= r.n_x; ++i) {
      for (int j = 0; j <= r.n_y; ++j) {
        auto& cell = f[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
        cell.assign(static_cast<std::size_t>(i * j) + 1, 0.0);
        if (i == 0 || j == 0) {
          cell[0] = 1;
          continue;
        }
        // Largest value is an x (contributes j to U) or a y (contributes 0).
        const auto& from_x = f[static_cast<std::size_t>(i - 1)][static_cast<std::size_t>(j)];
        const auto& from_y = f[static_cast<std::size_t>(i)][static_cast<std::size_t>(j - 1)];
        for (std::size_t u = 0; u < from_x.size(); ++u) cell[u + static_cast<std::size_t>(j)] += from_x[u];
        for (std::size_t u = 0; u < from_y.size(); ++u) cell[u] += from_y[u];
      }
    }
    const auto& dist = f[static_cast<std::size_t>(r.n_x)][static_cast<std::size_t>(r.n_y)];
    const double all = std::accumulate(dist.begin(), dist.end(), 0.0);
    const int u_int = static_cast<int>(std::lround(r.u));
    double ge = 0, le = 0;
    for (int u = 0; u <= max_u; ++u) {
      if (u >= u_int) ge += dist[static_cast<std::size_t>(u)];
      if (u <= u_int) le += dist[static_cast<std::size_t>(u)];
    }
    r.p_greater = ge / all;
    r.p_two_sided = std::min(1.0, 2 * std::min(ge, le) / all);
    r.z = var > 0 ? (r.u - mean) / std::sqrt(var) : 0;
  } else {
    const double sd = std::sqrt(std::max(0.0, var));
    const double diff = r.u - mean;
    const double corrected = diff > 0 ? std::max(0.0, diff - 0.5) : std::min(0.0, diff + 0.5);
    r.z = sd > 0 ? corrected / sd : 0;
    r.p_greater = sd > 0 ? 1 - NormalCdf((diff - 0.5) / sd) : 0.5;
    r.p_two_sided = sd > 0 ? std::min(1.0, 2 * (1 - NormalCdf(std::fabs(r.z)))) : 1.0;
  }
  return r;
}

}  // namespace skintrack::compare
