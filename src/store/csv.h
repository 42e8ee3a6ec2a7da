#pragma once
// RFC 4180 CSV reading: comma-separated fields, optional double quotes around a field, "" inside
// quotes for a literal quote, CRLF or LF line ends, quoted fields may span lines. A UTF-8 byte-order
// mark at the start is ignored. The first record is the header.
//
// Errors are kBadInput "<source>:<line>: <problem>" (unterminated quote, a row with the wrong
// number of fields, text after a closing quote). Pure; thread-safe.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace skintrack::store {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> row_lines;  // 1-based line where each row starts

  // Index of a header column (exact, case-sensitive after trimming); nullopt when absent.
  std::optional<std::size_t> Column(std::string_view name) const;
};

// Limits that keep a wrong or hostile file from costing unbounded memory (kBadInput beyond them).
inline constexpr std::size_t kMaxCsvRows = 1'000'000;       // data rows after the header
inline constexpr std::size_t kMaxCsvFields = 256;            // fields per row
inline constexpr std::size_t kMaxCsvFieldBytes = 64 * 1024;  // per field

Result<CsvTable> ParseCsv(std::string_view text, std::string_view source_name);

// Quotes a field when it contains a comma, quote or line break (for writers).
std::string CsvField(std::string_view value);

}  // namespace skintrack::store
