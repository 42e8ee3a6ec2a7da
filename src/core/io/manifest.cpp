#include "core/io/manifest.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <tuple>

#include "core/base/atomic_file.h"
#include "core/base/capture_limits.h"

namespace skintrack::core {
namespace {

constexpr std::string_view kRequiredColumns[] = {"subject", "session", "date", "kind", "image"};
constexpr std::string_view kOptionalColumns[] = {"region", "roi", "px_per_mm", "lights"};

std::string Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Parses exactly `digits` decimal digits at `text[pos]`.
std::optional<int> Digits(std::string_view text, std::size_t pos, std::size_t digits) {
  if (pos + digits > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + digits; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

std::filesystem::path Resolve(const std::filesystem::path& base_dir, const std::string& text) {
  const std::filesystem::path path(text);
  return path.is_absolute() ? path : base_dir / path;
}

}  // namespace

const char* CaptureKindName(CaptureKind kind) {
  switch (kind) {
    case CaptureKind::kBaseline: return "baseline";
    case CaptureKind::kRepeat: return "repeat";
    case CaptureKind::kTreatment: return "treatment";
    case CaptureKind::kFollowup: return "followup";
    case CaptureKind::kPostTreatmentCheck: return "post_treatment_check";
  }
  return "baseline";
}

std::optional<CaptureKind> ParseCaptureKind(std::string_view text) {
  std::string name = Lower(Trim(text));
  std::replace(name.begin(), name.end(), '-', '_');
  if (name == "follow_up") name = "followup";
  // Aliases the store importer and compare::ParseSessionKind accept as well.
  if (name == "post_treatment" || name == "post" || name == "check") name = "post_treatment_check";
  for (const CaptureKind kind : {CaptureKind::kBaseline, CaptureKind::kRepeat,
                                 CaptureKind::kTreatment, CaptureKind::kFollowup,
                                 CaptureKind::kPostTreatmentCheck}) {
    if (name == CaptureKindName(kind)) return kind;
  }
  return std::nullopt;
}

bool IsValidManifestDate(std::string_view text) {
  if (text.size() != 10 && text.size() != 16 && text.size() != 19) return false;
  if (text[4] != '-' || text[7] != '-') return false;
  const auto year = Digits(text, 0, 4);
  const auto month = Digits(text, 5, 2);
  const auto day = Digits(text, 8, 2);
  if (!year || !month || !day || *month < 1 || *month > 12 || *day < 1 ||
      *day > DaysInMonth(*year, *month)) {
    return false;
  }
  if (text.size() == 10) return true;
  if (text[10] != 'T' || text[13] != ':') return false;
  const auto hour = Digits(text, 11, 2);
  const auto minute = Digits(text, 14, 2);
  if (!hour || !minute || *hour > 23 || *minute > 59) return false;
  if (text.size() == 16) return true;
  if (text[16] != ':') return false;
  const auto second = Digits(text, 17, 2);
  return second && *second <= 59;
}

Result<Manifest> ParseManifest(std::string_view text, const std::filesystem::path& base_dir,
                               std::string_view source_name, const ManifestOptions& options) {
  SKT_ASSIGN_OR_RETURN(CsvTable table, ParseCsvTable(text, source_name, options.limits));
  const std::string source(source_name);

  // Map canonical column name -> index in the file.
  std::map<std::string, std::size_t, std::less<>> columns;
  Manifest manifest;
  manifest.base_dir = base_dir;
  for (std::size_t i = 0; i < table.header.size(); ++i) {
    const std::string name = Lower(table.header[i]);
    const bool known =
        std::find(std::begin(kRequiredColumns), std::end(kRequiredColumns), name) !=
            std::end(kRequiredColumns) ||
        std::find(std::begin(kOptionalColumns), std::end(kOptionalColumns), name) !=
            std::end(kOptionalColumns);
    if (!known) {
      manifest.ignored_columns.push_back(table.header[i]);
      continue;
    }
    if (columns.count(name) > 0) {
      return BadInputError(source + ", line 1: column '" + name +
                           "' appears twice in the header; keep one");
    }
    columns[name] = i;
  }
  for (const std::string_view required : kRequiredColumns) {
    if (columns.find(required) == columns.end()) {
      return BadInputError(source + ", line 1: the header has no '" + std::string(required) +
                           "' column; a manifest needs subject,session,date,kind,image "
                           "(optional region,roi,px_per_mm,lights)");
    }
  }
  if (table.rows.empty()) {
    return BadInputError(source + ": the manifest has a header but no rows");
  }

  auto field = [&](const CsvRecord& record, std::string_view name) -> std::string {
    const auto it = columns.find(name);
    return it == columns.end() ? std::string() : Trim(record.fields[it->second]);
  };

  // (subject, session, image) -> line of its first appearance.
  std::map<std::tuple<std::string, std::string, std::string>, int> seen;
  manifest.row_count = table.rows.size();
  for (std::size_t row = 0; row < table.rows.size(); ++row) {
    const CsvRecord& record = table.rows[row];
    ManifestEntry entry;
    entry.line = record.line;
    entry.row = row;
    entry.subject = field(record, "subject");
    entry.session = field(record, "session");
    entry.date = field(record, "date");
    entry.image = field(record, "image");
    entry.region = field(record, "region");
    entry.roi = field(record, "roi");
    entry.lights = field(record, "lights");
    const std::string kind_text = field(record, "kind");
    const std::string scale_text = field(record, "px_per_mm");

    auto reject = [&](std::string column, std::string message) {
      ManifestRejectedRow bad;
      bad.line = record.line;
      bad.row = row;
      bad.column = std::move(column);
      bad.subject = entry.subject;
      bad.session = entry.session;
      bad.image = entry.image;
      bad.message = source + ", line " + std::to_string(record.line) +
                    (bad.column.empty() ? "" : ", column " + bad.column) + ": " +
                    std::move(message);
      manifest.rejected.push_back(std::move(bad));
    };

    if (entry.subject.empty()) {
      reject("subject", "the subject is empty; give every row a subject id");
      continue;
    }
    if (entry.session.empty()) {
      reject("session", "the session is empty; give every row a session id");
      continue;
    }
    if (entry.image.empty()) {
      reject("image", "the image path is empty");
      continue;
    }
    if (!IsValidManifestDate(entry.date)) {
      reject("date", "'" + entry.date +
                         "' is not a date; write YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] "
                         "(a real calendar date)");
      continue;
    }
    const auto kind = ParseCaptureKind(kind_text);
    if (!kind) {
      reject("kind", "'" + kind_text +
                         "' is not a capture kind; use baseline, repeat, treatment, followup "
                         "or post_treatment_check");
      continue;
    }
    entry.kind = *kind;
    if (!scale_text.empty()) {
      double value = 0;
      const char* begin = scale_text.data();
      const char* end = begin + scale_text.size();
      const auto parsed = std::from_chars(begin, end, value);
      if (parsed.ec != std::errc() || parsed.ptr != end || !std::isfinite(value) || value <= 0) {
        reject("px_per_mm", "'" + scale_text + "' is not a positive number of pixels per mm");
        continue;
      }
      if (!IsPlausiblePxPerMm(value)) {
        reject("px_per_mm", "must be between " + PxPerMmRangeText() + ", not " + scale_text);
        continue;
      }
      entry.px_per_mm = value;
    }
    const auto key = std::make_tuple(entry.subject, entry.session, entry.image);
    const auto [it, inserted] = seen.emplace(key, record.line);
    if (!inserted) {
      reject("", "duplicate row: subject '" + entry.subject + "', session '" + entry.session +
                     "', image '" + entry.image + "' already appears on line " +
                     std::to_string(it->second) + "; remove one");
      continue;
    }
    entry.image_path = Resolve(base_dir, entry.image);
    if (!entry.roi.empty()) entry.roi_path = Resolve(base_dir, entry.roi);
    if (!entry.lights.empty()) entry.lights_path = Resolve(base_dir, entry.lights);
    manifest.entries.push_back(std::move(entry));
  }
  return manifest;
}

Result<Manifest> ReadManifest(const std::filesystem::path& path, const ManifestOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return BadInputError(path.string() + ": manifest not found (or not a file); give the path of "
                                         "a CSV with subject,session,date,kind,image columns");
  }
  SKT_ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(path));
  const std::filesystem::path base_dir = path.has_parent_path() ? path.parent_path()
                                                                : std::filesystem::path(".");
  SKT_ASSIGN_OR_RETURN(Manifest manifest,
                       ParseManifest(bytes, base_dir, path.string(), options));
  manifest.path = path;
  return manifest;
}

}  // namespace skintrack::core
