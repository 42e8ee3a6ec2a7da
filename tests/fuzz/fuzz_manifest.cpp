// Fuzz entry point: the capture manifest CSV (core/io/manifest.h, read by batch and by import
// through core/io/csv.h).
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/io/manifest.h"
#include "fuzz_support.h"
#include "core/io/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace skintrack;
  const std::string text = skintrack::fuzz::AsString(data, size);
  core::ManifestOptions options;
  options.limits.max_rows = 10'000;
  options.limits.max_field_bytes = 4096;
  const auto manifest = core::ParseManifest(text, "/fuzz", "fuzz.csv", options);
  if (manifest.ok()) {
    FUZZ_REQUIRE(manifest->entries.size() + manifest->rejected.size() == manifest->row_count);
    FUZZ_REQUIRE(manifest->row_count <= options.limits.max_rows);
  } else {
    FUZZ_REQUIRE(manifest.error().code == ErrorCode::kBadInput);
  }
  const auto table = core::ParseCsvTable(text, "fuzz.csv");
  if (table.ok()) {
    for (const auto& row : table->rows) FUZZ_REQUIRE(row.fields.size() == table->header.size());
  } else {
    FUZZ_REQUIRE(table.error().code == ErrorCode::kBadInput);
  }
  return 0;
}
