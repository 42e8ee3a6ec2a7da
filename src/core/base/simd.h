#pragma once
// Helpers for pixel loops that the compiler should vectorise.
//
// A per-pixel "keep the best so far" update written as `out[x] = better ? v : out[x]` becomes a
// conditional store, which baseline x86-64 (SSE2) cannot vectorise. Select() does the choice with
// bit operations on the values instead, which vectorise everywhere and give exactly the chosen
// value.

#include <bit>
#include <cstdint>

namespace skintrack {

// `condition ? a : b`, branch-free.
inline float Select(bool condition, float a, float b) {
  const std::uint32_t mask = 0u - static_cast<std::uint32_t>(condition);
  return std::bit_cast<float>((std::bit_cast<std::uint32_t>(a) & mask) |
                              (std::bit_cast<std::uint32_t>(b) & ~mask));
}

}  // namespace skintrack
