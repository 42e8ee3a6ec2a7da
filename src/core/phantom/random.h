#pragma once
// Deterministic random numbers for the digital skin phantom.
//
// The C++ standard fixes the output of std::mt19937_64 but not of std::*_distribution, so every
// distribution used by the phantom is written here: uniform doubles from the top 53 bits, normals by
// Box-Muller (Box & Muller 1958) for the few per-feature parameters, and a fast counter-based
// approximate normal (Irwin-Hall sum of four 16-bit uniforms, unit variance) for per-pixel noise.
// Same seed -> same numbers on every platform and compiler.
//
// Independent streams are derived with SplitMix64 (Steele, Lea & Flood 2014) from (seed, labels),
// so that, for example, adding a session never changes the skin of a subject.
// Thread-safety: a PhantomRng is a plain value; use one per thread.

#include <cstdint>
#include <initializer_list>
#include <random>

#include <opencv2/core.hpp>

namespace skintrack::core::phantom {

// SplitMix64 finaliser: a good 64-bit mixing function.
std::uint64_t Mix64(std::uint64_t x);

// A stream seed derived from a base seed and a list of labels (e.g. {subject, kStreamCapture, visit}).
std::uint64_t DeriveSeed(std::uint64_t seed, std::initializer_list<std::uint64_t> labels);

class PhantomRng {
 public:
  explicit PhantomRng(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t Next() { return engine_(); }
  // Uniform in [0, 1).
  double Uniform();
  // Uniform in [lo, hi).
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Integer uniform in [lo, hi] (inclusive).
  int UniformInt(int lo, int hi);
  // Standard normal by Box-Muller (caches the second value).
  double Normal();
  double Normal(double mean, double sd) { return mean + sd * Normal(); }

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0;
};

// Approximately standard-normal value from one 64-bit word (Irwin-Hall, n = 4, rescaled to unit
// variance; support ±3.46).
inline float FastNormalFromBits(std::uint64_t bits) {
  const std::uint64_t sum = (bits & 0xFFFFu) + ((bits >> 16) & 0xFFFFu) + ((bits >> 32) & 0xFFFFu) +
                            ((bits >> 48) & 0xFFFFu);
  // Four uniforms on {0..65535}/65536: mean 2 - 2/65536, variance 4/12; scale to unit variance.
  constexpr double kScale = 1.7320508075688772 / 65536.0;  // sqrt(3) / 65536
  return static_cast<float>((static_cast<double>(sum) - 2.0 * 65535.0) * kScale);
}

// Fills a CV_32F matrix with approximately normal values, row r drawn from stream (seed, r): the
// result does not depend on how the work is split across threads.
void FillFastNormal(cv::Mat& out, std::uint64_t seed);

}  // namespace skintrack::core::phantom
