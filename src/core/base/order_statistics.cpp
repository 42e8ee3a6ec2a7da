#include "core/base/order_statistics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/base/check.h"

namespace skintrack {
namespace {

constexpr int kBins = 1 << 16;
// Below this many samples a plain nth_element on a copy is as fast.
constexpr size_t kMinSamplesForBins = 1 << 14;

// nth_element on a copy, rank after rank (each searched in the tail the previous one left).
std::vector<float> SelectByPartialSort(std::span<const float> samples,
                                       std::span<const size_t> ranks) {
  std::vector<float> out;
  out.reserve(ranks.size());
  std::vector<float> copy(samples.begin(), samples.end());
  auto first = copy.begin();
  for (const size_t k : ranks) {
    const auto kth = copy.begin() + static_cast<std::ptrdiff_t>(k);
    std::nth_element(first, kth, copy.end());
    out.push_back(*kth);
    first = kth;
  }
  return out;
}

}  // namespace

std::vector<float> SelectRanks(std::span<const float> samples, std::span<const size_t> ranks) {
  SKT_CHECK(std::is_sorted(ranks.begin(), ranks.end()));
  if (samples.empty()) return {};
  SKT_CHECK(ranks.empty() || ranks.back() < samples.size());
  // Range in eight independent lanes (a single running min/max is one long dependency chain).
  std::array<float, 8> lane_lo;
  std::array<float, 8> lane_hi;
  lane_lo.fill(samples[0]);
  lane_hi.fill(samples[0]);
  const size_t n = samples.size();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (size_t j = 0; j < 8; ++j) {
      const float v = samples[i + j];
      lane_lo[j] = v < lane_lo[j] ? v : lane_lo[j];
      lane_hi[j] = v > lane_hi[j] ? v : lane_hi[j];
    }
  }
  for (; i < n; ++i) {
    lane_lo[0] = samples[i] < lane_lo[0] ? samples[i] : lane_lo[0];
    lane_hi[0] = samples[i] > lane_hi[0] ? samples[i] : lane_hi[0];
  }
  const float lo = *std::min_element(lane_lo.begin(), lane_lo.end());
  const float hi = *std::max_element(lane_hi.begin(), lane_hi.end());
  // Small samples are as fast without bins; infinities have no bin, and a range near the float
  // limit would overflow (v - lo) * scale. (NaN is caught below.)
  const double span = static_cast<double>(hi) - static_cast<double>(lo);
  if (n < kMinSamplesForBins || !std::isfinite(span) ||
      span >= 0.5 * static_cast<double>(std::numeric_limits<float>::max())) {
    return SelectByPartialSort(samples, ranks);
  }
  if (span == 0) return std::vector<float>(ranks.size(), lo);  // all equal (or NaN among them)

  const float scale = static_cast<float>((kBins - 1) / span);
  std::vector<uint16_t> bins(n);
  std::vector<uint32_t> counts(kBins, 0);
  bool nan = false;
  for (i = 0; i < n; ++i) {
    const float position = (samples[i] - lo) * scale;  // 0 .. kBins - 1 (+ rounding)
    nan |= !(position >= 0.0f);
    const auto b = static_cast<uint16_t>(std::min(position, static_cast<float>(kBins - 1)));
    bins[i] = b;
    ++counts[b];
  }
  if (nan) return SelectByPartialSort(samples, ranks);

  // The bin of each rank and the number of samples before that bin.
  std::vector<uint16_t> rank_bin(ranks.size());
  std::vector<size_t> rank_below(ranks.size());
  {
    size_t below = 0;
    size_t bin = 0;
    for (size_t r = 0; r < ranks.size(); ++r) {
      while (below + counts[bin] <= ranks[r]) below += counts[bin++];
      rank_bin[r] = static_cast<uint16_t>(bin);
      rank_below[r] = below;
    }
  }
  // One pass gathers the samples of every bin needed (ranks ascending: bins ascending too).
  std::vector<uint16_t> wanted(rank_bin.begin(), rank_bin.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  std::vector<std::vector<float>> gathered(wanted.size());
  for (size_t w = 0; w < wanted.size(); ++w) gathered[w].reserve(counts[wanted[w]]);
  if (wanted.size() == 1) {
    for (i = 0; i < n; ++i) {
      if (bins[i] == wanted[0]) gathered[0].push_back(samples[i]);
    }
  } else {
    for (i = 0; i < n; ++i) {
      const auto it = std::lower_bound(wanted.begin(), wanted.end(), bins[i]);
      if (it != wanted.end() && *it == bins[i]) {
        gathered[static_cast<size_t>(it - wanted.begin())].push_back(samples[i]);
      }
    }
  }
  std::vector<float> out;
  out.reserve(ranks.size());
  for (size_t r = 0; r < ranks.size(); ++r) {
    const auto w = static_cast<size_t>(
        std::lower_bound(wanted.begin(), wanted.end(), rank_bin[r]) - wanted.begin());
    std::vector<float>& candidates = gathered[w];
    const auto kth = candidates.begin() + static_cast<std::ptrdiff_t>(ranks[r] - rank_below[r]);
    std::nth_element(candidates.begin(), kth, candidates.end());
    out.push_back(*kth);
  }
  return out;
}

MedianMad SelectMedianMad(std::span<const float> samples) {
  if (samples.empty()) return {};
  const size_t k = samples.size() / 2;
  const size_t rank[] = {k};
  const float median = SelectRanks(samples, rank)[0];
  std::vector<float> deviation(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) deviation[i] = std::abs(samples[i] - median);
  return {median, SelectRanks(deviation, rank)[0]};
}

}  // namespace skintrack
