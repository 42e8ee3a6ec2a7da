#include "store/scores_csv.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "core/io/csv.h"
#include "store/importer.h"

namespace skintrack::store {

Result<std::vector<LongScore>> ParseScoresCsv(std::string_view text, std::string_view source_name) {
  const std::string source(source_name);
  SKT_ASSIGN_OR_RETURN(core::CsvTable table, core::ParseCsvTable(text, source));
  for (const char* required :
       {"subject", "session", "date", "kind", "region", "metric", "value", "unit", "image_sha256"}) {
    if (!table.ColumnIndex(required)) {
      return BadInputError(source + ":1: missing column '" + std::string(required) +
                           "'; scores.csv needs subject,session,date,kind,region,metric,value,unit,"
                           "image_sha256");
    }
  }
  std::vector<LongScore> out;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& fields = table.rows[r].fields;
    auto get = [&](const char* name) {
      auto col = table.ColumnIndex(name);
      return col ? fields[*col] : std::string();
    };
    LongScore s;
    s.line = table.rows[r].line;
    auto problem = [&](const char* column, const std::string& what) {
      return BadInputError(source + ":" + std::to_string(s.line) + ": column '" + column + "': " + what);
    };
    const std::string value = get("value");
    if (value.empty()) continue;
    char* end = nullptr;
    s.value = std::strtod(value.c_str(), &end);
    if (end == value.c_str() || *end != '\0' || !std::isfinite(s.value)) {
      return problem("value", "'" + value + "' is not a number");
    }
    s.subject = get("subject");
    if (s.subject.empty()) return problem("subject", "empty");
    s.session = get("session");
    auto date = NormalizeDateTime(get("date"));
    if (!date.ok()) return problem("date", date.error().message);
    s.date = *date;
    auto kind = NormalizeSessionKind(get("kind"));
    if (!kind.ok()) return problem("kind", kind.error().message);
    s.kind = *kind;
    if (s.session.empty()) s.session = s.date.substr(0, 10) + "_" + s.kind;
    s.region = get("region");
    s.metric = get("metric");
    if (s.metric.find('.') == std::string::npos) {
      return problem("metric", "'" + s.metric + "' is not a group.key metric name");
    }
    s.unit = get("unit");
    s.image_sha256 = get("image_sha256");
    s.arm = get("arm");
    for (char& c : s.arm) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace skintrack::store
