#pragma once
// Exact order statistics (k-th smallest values) of large float samples, faster than
// std::nth_element on a copy: one pass finds the range, one counts the samples in 2^16 equal
// bins of it, and only the samples of the bin holding rank k are gathered and partially sorted.
// The bin index is a non-decreasing function of the value (a subtraction and a multiplication by
// a positive constant, both monotonic under IEEE rounding), so every sample of an earlier bin is
// no larger than every sample of a later one and the result is exactly nth_element's.
//
// Metric statistics on a 3 MP analysis frame (percentile bands, robust noise levels) took about a
// sixth of `score`'s time with nth_element; see bench/metrics_bench.cpp.
//
// Samples must not contain NaN (nor does nth_element order them). Thread-safety: reentrant.

#include <cstddef>
#include <span>
#include <vector>

namespace skintrack {

// The values of ascending ranks `ranks` (0-based, each < samples.size()) of `samples`, as if the
// samples were sorted. `samples` is not modified. Empty samples: an empty result.
std::vector<float> SelectRanks(std::span<const float> samples, std::span<const size_t> ranks);

// The median (rank n/2) and the median absolute deviation from it (same rank) of `samples`;
// {0, 0} when empty.
struct MedianMad {
  float median = 0;
  float mad = 0;
};
MedianMad SelectMedianMad(std::span<const float> samples);

}  // namespace skintrack
