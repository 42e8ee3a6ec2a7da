#pragma once
// CSV (RFC 4180) reading and writing for manifests, tidy score tables and error lists.
//
// Reading accepts what spreadsheets and scripts produce: LF or CRLF line ends, an optional UTF-8
// byte-order mark, fields quoted with '"' (a doubled quote inside is one quote; quoted fields may
// span lines), empty lines (skipped). Every record remembers the 1-based line on which it starts so
// that validation errors can name "line 12, column date". Limits (rows, fields per row, bytes per
// field) protect against a wrong file being read as a manifest; exceeding one is kBadInput.
//
// Writing quotes a field only when needed (comma, quote, CR, LF, or leading/trailing space) and
// ends every record with "\n"; R (read.csv, readr) and pandas read this directly. The output is a
// pure function of the fields, so tables are byte-identical between runs.
//
// Errors: kBadInput naming the source, line and what is wrong (unterminated quote, text after a
// closing quote, too many rows, field too long, ragged row). Thread-safety: pure functions.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace skintrack::core {

struct CsvLimits {
  std::size_t max_rows = 1'000'000;        // data records after the header
  std::size_t max_fields_per_row = 256;
  std::size_t max_field_bytes = 64 * 1024;  // per field, after unquoting
};

struct CsvRecord {
  int line = 0;  // 1-based line of the record's first character in the source
  std::vector<std::string> fields;
};

// A CSV file whose first record is a header.
struct CsvTable {
  std::vector<std::string> header;  // names trimmed of surrounding spaces
  std::vector<CsvRecord> rows;      // every data record; shorter rows are padded with "" (see below)

  // Index of a header column (exact, case-sensitive match), or nullopt.
  std::optional<std::size_t> ColumnIndex(std::string_view name) const;
};

// Splits `text` into records. `source_name` is used in error messages (a file name).
Result<std::vector<CsvRecord>> ParseCsvRecords(std::string_view text, std::string_view source_name,
                                               const CsvLimits& limits = {});

// Parses a CSV with a header record. Rows with fewer fields than the header are padded with empty
// fields (trailing optional columns may be left off); rows with more fields are kBadInput.
// An empty file (no header) is kBadInput.
Result<CsvTable> ParseCsvTable(std::string_view text, std::string_view source_name,
                               const CsvLimits& limits = {});

// Reads and parses a file (kBadInput when missing or unreadable).
Result<CsvTable> ReadCsvFile(const std::filesystem::path& path, const CsvLimits& limits = {});

// One field as written: quoted (and inner quotes doubled) only when needed.
std::string CsvEscapeField(std::string_view field);

// Appends one record (fields joined by ',' and terminated by '\n') to `out`.
void AppendCsvRecord(std::string& out, const std::vector<std::string>& fields);

}  // namespace skintrack::core
