#pragma once
// Shared by the fuzz entry points (tests/fuzz/fuzz_*.cpp): each defines LLVMFuzzerTestOneInput and
// is linked either with libFuzzer (SKINTRACK_FUZZ=ON, clang) or with fuzz_replay_main.cpp, which
// runs the committed corpus through the same function under CTest.
//
// FUZZ_REQUIRE states an invariant of the parser's result; a violation aborts, which libFuzzer
// (and CTest) report as a crash with the input that caused it.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#define FUZZ_REQUIRE(condition)                                                        \
  do {                                                                                 \
    if (!(condition)) {                                                                \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__,   \
                   #condition);                                                        \
      std::abort();                                                                    \
    }                                                                                  \
  } while (false)

namespace skintrack::fuzz {

inline std::string AsString(const std::uint8_t* data, std::size_t size) {
  return size == 0 ? std::string() : std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace skintrack::fuzz
