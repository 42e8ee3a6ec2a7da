#include "core/phantom/random.h"

#include <cmath>
#include <numbers>

#include "core/base/check.h"

namespace skintrack::core::phantom {

std::uint64_t Mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::uint64_t DeriveSeed(std::uint64_t seed, std::initializer_list<std::uint64_t> labels) {
  std::uint64_t state = Mix64(seed);
  for (std::uint64_t label : labels) state = Mix64(state ^ Mix64(label + 0x632BE59BD9B4E019ull));
  return state;
}

double PhantomRng::Uniform() {
  return static_cast<double>(engine_() >> 11) * (1.0 / 9007199254740992.0);  // 2^-53
}

int PhantomRng::UniformInt(int lo, int hi) {
  SKT_CHECK(hi >= lo) << lo << " > " << hi;
  const auto span = static_cast<std::uint64_t>(static_cast<std::int64_t>(hi) - lo + 1);
  // Multiply-shift mapping of the top 32 bits; bias below 2^-32 * span, irrelevant here.
  const std::uint64_t r = (engine_() >> 32) * span >> 32;
  return lo + static_cast<int>(r);
}

double PhantomRng::Normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u1 = Uniform();
  while (u1 <= 0.0) u1 = Uniform();
  const double u2 = Uniform();
  const double radius = std::sqrt(-2.0 * std::log(u1));
  const double angle = 2.0 * std::numbers::pi * u2;
  spare_ = radius * std::sin(angle);
  has_spare_ = true;
  return radius * std::cos(angle);
}

void FillFastNormal(cv::Mat& out, std::uint64_t seed) {
  SKT_CHECK(out.type() == CV_32F) << "type " << out.type();
  for (int y = 0; y < out.rows; ++y) {
    std::uint64_t state = DeriveSeed(seed, {static_cast<std::uint64_t>(y)});
    auto* row = out.ptr<float>(y);
    for (int x = 0; x < out.cols; ++x) {
      state += 0x9E3779B97F4A7C15ull;  // SplitMix64 stream
      std::uint64_t z = state;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      row[x] = FastNormalFromBits(z ^ (z >> 31));
    }
  }
}

}  // namespace skintrack::core::phantom
