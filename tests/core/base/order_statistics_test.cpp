#include "core/base/order_statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace skintrack {
namespace {

// The reference: a full sort.
std::vector<float> Sorted(std::vector<float> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Samples of several shapes, large enough to take the binned path.
std::vector<std::vector<float>> Distributions() {
  std::mt19937 rng(7);
  const size_t n = 200001;
  std::vector<std::vector<float>> out;
  std::normal_distribution<float> normal(12.0f, 3.0f);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  out.push_back(v);
  // Heavy tails: most samples in a sliver of the range, a few far out.
  std::cauchy_distribution<float> cauchy(0.0f, 1e-4f);
  for (float& x : v) x = cauchy(rng);
  out.push_back(v);
  // Few distinct values, with many ties.
  std::uniform_int_distribution<int> level(0, 4);
  for (float& x : v) x = 0.25f * static_cast<float>(level(rng));
  out.push_back(v);
  // Negative, tiny and denormal values.
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  for (size_t i = 0; i < n; ++i) v[i] = unit(rng) * (i % 3 == 0 ? 1e-40f : 1e-20f);
  out.push_back(v);
  // Nearly the whole float range.
  for (size_t i = 0; i < n; ++i) v[i] = unit(rng) * 3e38f;
  out.push_back(v);
  // Small (the partial-sort path).
  out.push_back(std::vector<float>(v.begin(), v.begin() + 101));
  return out;
}

TEST(OrderStatistics, SelectRanksEqualsTheSortedSamples) {
  for (const std::vector<float>& samples : Distributions()) {
    const std::vector<float> sorted = Sorted(samples);
    const size_t n = samples.size();
    const std::vector<size_t> ranks = {0, n / 100, n / 4, n / 2, n / 2 + 1, 3 * n / 4,
                                       n - 1 - n / 100, n - 1};
    const std::vector<float> got = SelectRanks(samples, ranks);
    ASSERT_EQ(got.size(), ranks.size());
    for (size_t i = 0; i < ranks.size(); ++i) {
      EXPECT_EQ(got[i], sorted[ranks[i]]) << "rank " << ranks[i] << " of " << n;
    }
  }
}

TEST(OrderStatistics, MedianAndMadEqualTheSortedSamples) {
  for (const std::vector<float>& samples : Distributions()) {
    const std::vector<float> sorted = Sorted(samples);
    const float median = sorted[samples.size() / 2];
    std::vector<float> deviation;
    for (const float x : samples) deviation.push_back(std::abs(x - median));
    const MedianMad got = SelectMedianMad(samples);
    EXPECT_EQ(got.median, median);
    EXPECT_EQ(got.mad, Sorted(deviation)[samples.size() / 2]);
  }
}

TEST(OrderStatistics, EdgeCases) {
  EXPECT_TRUE(SelectRanks({}, {}).empty());
  const std::vector<float> same(50000, 2.5f);
  const std::vector<size_t> ranks = {0, 49999};
  EXPECT_EQ(SelectRanks(same, ranks), (std::vector<float>{2.5f, 2.5f}));
  // An infinity cannot be binned; the result is still exact.
  std::vector<float> with_inf(50000, 1.0f);
  with_inf[10] = std::numeric_limits<float>::infinity();
  with_inf[20] = -3.0f;
  EXPECT_EQ(SelectRanks(with_inf, ranks), (std::vector<float>{-3.0f, with_inf[10]}));
  const MedianMad empty = SelectMedianMad({});
  EXPECT_EQ(empty.median, 0.0f);
  EXPECT_EQ(empty.mad, 0.0f);
}

}  // namespace
}  // namespace skintrack
