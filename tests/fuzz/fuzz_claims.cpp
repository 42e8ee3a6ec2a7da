// Fuzz entry point: claim specs (TOML, compare/claims.h).
#include <cstddef>
#include <cstdint>
#include <string>

#include "compare/claims.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace skintrack;
  const std::string text = skintrack::fuzz::AsString(data, size);
  const auto specs = compare::ParseClaimSpec(text, "fuzz.toml");
  if (specs.ok()) {
    for (const auto& spec : *specs) {
      FUZZ_REQUIRE(!spec.id.empty());
      (void)spec.WindowText();
    }
  } else {
    FUZZ_REQUIRE(specs.error().code == ErrorCode::kBadInput);
  }
  return 0;
}
