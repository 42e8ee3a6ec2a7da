#include "core/io/csv.h"

#include <string>

#include "core/base/atomic_file.h"

namespace skintrack::core {
namespace {

std::string Where(std::string_view source_name, int line) {
  return std::string(source_name) + ", line " + std::to_string(line);
}

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool IsBlankRecord(const std::vector<std::string>& fields) {
  return fields.size() == 1 && TrimSpaces(fields[0]).empty();
}

}  // namespace

Result<std::vector<CsvRecord>> ParseCsvRecords(std::string_view text, std::string_view source_name,
                                               const CsvLimits& limits) {
  // A UTF-8 byte-order mark is what Excel writes at the start of "CSV UTF-8" files.
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string field;
  int line = 1;
  record.line = 1;
  bool in_quotes = false;
  bool after_closing_quote = false;  // a quoted field ended; only ',' or a line end may follow
  bool field_was_quoted = false;

  auto finish_field = [&]() -> Status {
    if (field.size() > limits.max_field_bytes) {
      return BadInputError(Where(source_name, record.line) + ": a field is longer than " +
                           std::to_string(limits.max_field_bytes) +
                           " bytes; is this really a CSV table?");
    }
    if (record.fields.size() >= limits.max_fields_per_row) {
      return BadInputError(Where(source_name, record.line) + ": more than " +
                           std::to_string(limits.max_fields_per_row) + " fields in one record");
    }
    record.fields.push_back(std::move(field));
    field.clear();
    after_closing_quote = false;
    field_was_quoted = false;
    return OkStatus();
  };
  auto finish_record = [&]() -> Status {
    SKT_RETURN_IF_ERROR(finish_field());
    if (!IsBlankRecord(record.fields)) {
      // The header counts as a record here; the data-row limit is max_rows after it.
      if (records.size() > limits.max_rows) {
        return BadInputError(std::string(source_name) + ": more than " +
                             std::to_string(limits.max_rows) +
                             " rows; split the table or raise the limit");
      }
      records.push_back(std::move(record));
    }
    record = CsvRecord{};
    return OkStatus();
  };

  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          in_quotes = false;
          after_closing_quote = true;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
        if (field.size() > limits.max_field_bytes) {
          return BadInputError(Where(source_name, record.line) + ": a quoted field is longer than " +
                               std::to_string(limits.max_field_bytes) +
                               " bytes (is a closing quote missing?)");
        }
      }
      continue;
    }
    if (c == ',') {
      SKT_RETURN_IF_ERROR(finish_field());
      continue;
    }
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      SKT_RETURN_IF_ERROR(finish_record());
      ++line;
      record.line = line;
      continue;
    }
    if (after_closing_quote) {
      if (c == ' ' || c == '\t') continue;  // spaces between a closing quote and the comma
      return BadInputError(Where(source_name, line) +
                           ": text after a closing quote; inside a quoted field write a quote as \"\"");
    }
    if (c == '"') {
      if (TrimSpaces(field).empty() && !field_was_quoted) {
        field.clear();
        in_quotes = true;
        field_was_quoted = true;
        continue;
      }
      return BadInputError(Where(source_name, line) +
                           ": a quote inside an unquoted field; quote the whole field and write "
                           "the quote as \"\"");
    }
    field.push_back(c);
    if (field.size() > limits.max_field_bytes) {
      return BadInputError(Where(source_name, record.line) + ": a field is longer than " +
                           std::to_string(limits.max_field_bytes) + " bytes");
    }
  }
  if (in_quotes) {
    return BadInputError(Where(source_name, record.line) +
                         ": a quoted field is not closed before the end of the file");
  }
  if (!record.fields.empty() || !field.empty() || after_closing_quote) {
    SKT_RETURN_IF_ERROR(finish_record());
  }
  return records;
}

std::optional<std::size_t> CsvTable::ColumnIndex(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  return std::nullopt;
}

Result<CsvTable> ParseCsvTable(std::string_view text, std::string_view source_name,
                               const CsvLimits& limits) {
  SKT_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, ParseCsvRecords(text, source_name, limits));
  if (records.empty()) {
    return BadInputError(std::string(source_name) + ": the file is empty; expected a header line");
  }
  CsvTable table;
  for (const std::string& name : records.front().fields) {
    table.header.emplace_back(TrimSpaces(name));
  }
  table.rows.reserve(records.size() - 1);
  for (std::size_t i = 1; i < records.size(); ++i) {
    CsvRecord& row = records[i];
    if (row.fields.size() > table.header.size()) {
      return BadInputError(Where(source_name, row.line) + ": " + std::to_string(row.fields.size()) +
                           " fields but the header has " + std::to_string(table.header.size()) +
                           "; quote fields that contain commas");
    }
    row.fields.resize(table.header.size());
    table.rows.push_back(std::move(row));
  }
  return table;
}

Result<CsvTable> ReadCsvFile(const std::filesystem::path& path, const CsvLimits& limits) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec) {
    // Refuse before reading a file that cannot be a table within the limits.
    const double max_bytes = static_cast<double>(limits.max_rows + 1) *
                             static_cast<double>(limits.max_fields_per_row) *
                             static_cast<double>(limits.max_field_bytes + 3);
    if (static_cast<double>(size) > max_bytes) {
      return BadInputError(path.string() + ": file is too large to be a CSV table within limits");
    }
  }
  SKT_ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(path));
  return ParseCsvTable(bytes, path.string(), limits);
}

std::string CsvEscapeField(std::string_view field) {
  bool needs_quotes = false;
  for (const char c : field) {
    if (c == ',' || c == '"' || c == '\r' || c == '\n') {
      needs_quotes = true;
      break;
    }
  }
  if (!field.empty() && (field.front() == ' ' || field.back() == ' ' || field.front() == '\t' ||
                         field.back() == '\t')) {
    needs_quotes = true;
  }
  if (!needs_quotes) return std::string(field);
  std::string out;
  out.reserve(field.size() + 2);
  out.push_back('"');
  for (const char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

void AppendCsvRecord(std::string& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += CsvEscapeField(fields[i]);
  }
  out.push_back('\n');
}

}  // namespace skintrack::core
