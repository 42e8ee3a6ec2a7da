#include "store/csv.h"

namespace skintrack::store {

std::optional<std::size_t> CsvTable::Column(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  return std::nullopt;
}

Result<CsvTable> ParseCsv(std::string_view text, std::string_view source_name) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  const std::string source(source_name);
  CsvTable table;
  std::vector<std::string> record;
  std::string field;
  int line = 1, record_line = 1;
  bool in_quotes = false, after_quote = false, record_has_content = false;
  auto end_field = [&]() -> Status {
    if (record.size() >= kMaxCsvFields) {
      return BadInputError(source + ":" + std::to_string(record_line) + ": more than " +
                           std::to_string(kMaxCsvFields) + " fields in one row");
    }
    record.push_back(std::move(field));
    field.clear();
    after_quote = false;
    return OkStatus();
  };
  auto add_char = [&](char c) -> Status {
    if (field.size() >= kMaxCsvFieldBytes) {
      return BadInputError(source + ":" + std::to_string(record_line) +
                           ": a field is longer than " + std::to_string(kMaxCsvFieldBytes) +
                           " bytes (is a closing quote missing?)");
    }
    field += c;
    return OkStatus();
  };
  auto end_record = [&]() -> Status {
    SKT_RETURN_IF_ERROR(end_field());
    const bool blank = !record_has_content && record.size() == 1 && record[0].empty();
    if (!blank) {
      for (std::string& f : record) {
        // Unquoted surrounding spaces are not part of the value in manifests people type by hand.
        const auto first = f.find_first_not_of(" \t");
        const auto last = f.find_last_not_of(" \t");
        f = first == std::string::npos ? std::string() : f.substr(first, last - first + 1);
      }
      if (table.header.empty()) {
        table.header = std::move(record);
      } else if (record.size() != table.header.size()) {
        return BadInputError(source + ":" + std::to_string(record_line) + ": expected " +
                             std::to_string(table.header.size()) + " fields (as in the header) but found " +
                             std::to_string(record.size()));
      } else if (table.rows.size() >= kMaxCsvRows) {
        return BadInputError(source + ": more than " + std::to_string(kMaxCsvRows) +
                             " rows; split the manifest");
      } else {
        table.rows.push_back(std::move(record));
        table.row_lines.push_back(record_line);
      }
    }
    record.clear();
    record_has_content = false;
    return OkStatus();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          SKT_RETURN_IF_ERROR(add_char('"'));
          ++i;
        } else {
          in_quotes = false;
          after_quote = true;
        }
      } else {
        if (c == '\n') ++line;
        SKT_RETURN_IF_ERROR(add_char(c));
      }
      continue;
    }
    if (c == ',') {
      SKT_RETURN_IF_ERROR(end_field());
      record_has_content = true;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      SKT_RETURN_IF_ERROR(end_record());
      ++line;
      record_line = line;
    } else if (c == '"' && field.find_first_not_of(" \t") == std::string::npos && !after_quote) {
      field.clear();
      in_quotes = true;
      record_has_content = true;
    } else if (after_quote) {
      if (c != ' ' && c != '\t') {
        return BadInputError(source + ":" + std::to_string(line) +
                             ": text after a closing quote; quote the whole field");
      }
    } else {
      SKT_RETURN_IF_ERROR(add_char(c));
      if (c != ' ' && c != '\t') record_has_content = true;
    }
  }
  if (in_quotes) {
    return BadInputError(source + ":" + std::to_string(record_line) +
                         ": unterminated quoted field; close it with \"");
  }
  if (!field.empty() || !record.empty() || record_has_content) SKT_RETURN_IF_ERROR(end_record());
  if (table.header.empty()) return BadInputError(source + ":1: empty CSV file (no header)");
  return table;
}

std::string CsvField(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace skintrack::store
