#include "store/importer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "core/base/atomic_file.h"
#include "core/base/sha256.h"
#include "core/io/csv.h"

namespace skintrack::store {
namespace fs = std::filesystem;
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsImageFile(const fs::path& path) {
  const std::string ext = Lower(path.extension().string());
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".tif" || ext == ".tiff";
}

Result<std::optional<double>> ParsePositive(const std::string& text) {
  if (text.empty()) return std::optional<double>();
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !(value > 0)) {
    return BadInputError("'" + text + "' is not a positive number");
  }
  return std::optional<double>(value);
}

}  // namespace

std::string ImportRow::Where() const {
  if (line > 0) return source + ":" + std::to_string(line);
  return image.string();
}

Result<std::string> NormalizeSessionKind(std::string_view text) {
  const std::string k = Lower(text);
  if (k == "baseline" || k == "repeat" || k == "treatment") return k;
  if (k == "follow-up" || k == "followup" || k == "follow_up") return std::string("follow-up");
  if (k == "post-treatment-check" || k == "post_treatment_check" || k == "post-treatment" ||
      k == "post_treatment" || k == "post" || k == "check") {
    return std::string("post-treatment-check");
  }
  return BadInputError("unknown session kind '" + std::string(text) +
                       "'; use baseline, repeat, treatment, follow-up or post-treatment-check");
}

Result<std::string> NormalizeDateTime(std::string_view text) {
  auto bad = [&] {
    return BadInputError("malformed date '" + std::string(text) +
                         "'; expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]");
  };
  auto digits = [&](std::size_t pos, std::size_t len, int* out) {
    if (pos + len > text.size()) return false;
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
      v = v * 10 + (text[i] - '0');
    }
    *out = v;
    return true;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (text.size() < 10 || !digits(0, 4, &y) || !digits(5, 2, &mo) || !digits(8, 2, &d)) return bad();
  if ((text[4] != '-' && text[4] != ':') || text[7] != text[4]) return bad();
  if (text.size() > 10) {
    if ((text[10] != 'T' && text[10] != ' ') || !digits(11, 2, &h) || text.size() < 16 ||
        text[13] != ':' || !digits(14, 2, &mi)) {
      return bad();
    }
    std::size_t end = 16;
    if (text.size() >= 19 && text[16] == ':') {
      if (!digits(17, 2, &s)) return bad();
      end = 19;
      if (end < text.size() && text[end] == '.') {
        ++end;
        while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
      }
    }
    if (end != text.size()) return bad();
  }
  const std::chrono::year_month_day ymd{std::chrono::year(y),
                                        std::chrono::month(static_cast<unsigned>(mo)),
                                        std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) {
    return BadInputError("date '" + std::string(text) + "' does not exist; check the day and month");
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d", y % 10000, mo % 100, d % 100,
                h % 100, mi % 100, s % 100);
  return std::string(buf);
}

Result<std::vector<ImportRow>> ReadManifest(const fs::path& manifest) {
  SKT_ASSIGN_OR_RETURN(std::string text, ReadFileBytes(manifest));
  const std::string source = manifest.string();
  SKT_ASSIGN_OR_RETURN(core::CsvTable table, core::ParseCsvTable(text, source));
  for (const char* required : {"subject", "session", "date", "kind", "image"}) {
    if (!table.ColumnIndex(required)) {
      return BadInputError(source + ":1: missing column '" + std::string(required) +
                           "'; the header needs subject,session,date,kind,image");
    }
  }
  const fs::path base = manifest.parent_path();
  std::vector<ImportRow> rows;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& fields = table.rows[r].fields;
    ImportRow row;
    row.line = table.rows[r].line;
    row.source = source;
    auto get = [&](const char* name) -> std::string {
      auto col = table.ColumnIndex(name);
      return col ? fields[*col] : std::string();
    };
    auto problem = [&](const char* column, const std::string& what) {
      return BadInputError(row.Where() + ": column '" + column + "': " + what);
    };
    row.subject = get("subject");
    if (row.subject.empty()) return problem("subject", "empty; every row needs a subject ID");
    if (row.subject.find('/') != std::string::npos) {
      return problem("subject", "'" + row.subject + "' must not contain '/'");
    }
    row.session = get("session");
    auto kind = NormalizeSessionKind(get("kind"));
    if (!kind.ok()) return problem("kind", kind.error().message);
    row.kind = *kind;
    if (const std::string date = get("date"); !date.empty()) {
      auto normalized = NormalizeDateTime(date);
      if (!normalized.ok()) return problem("date", normalized.error().message);
      row.date = *normalized;
    }
    if (row.session.empty()) {
      if (row.date.empty()) {
        return problem("session", "empty, and no date to name the session after; fill one in");
      }
      row.session = row.date.substr(0, 10) + "_" + row.kind;
    }
    const std::string image = get("image");
    if (image.empty()) return problem("image", "empty; give the image path");
    row.image = fs::path(image).is_absolute() ? fs::path(image) : base / image;
    std::error_code ec;
    if (!fs::is_regular_file(row.image, ec)) {
      return problem("image", "file " + row.image.string() + " not found");
    }
    row.region = get("region");
    auto px = ParsePositive(get("px_per_mm"));
    if (!px.ok()) return problem("px_per_mm", px.error().message);
    row.px_per_mm = *px;
    if (const std::string lights = get("lights"); !lights.empty()) {
      row.lights = (fs::path(lights).is_absolute() ? fs::path(lights) : base / lights).string();
    }
    row.arm = Lower(get("arm"));
    if (!row.arm.empty() && row.arm != "treated" && row.arm != "control") {
      return problem("arm", "'" + row.arm + "' must be treated or control");
    }
    row.device = get("device");
    auto depth = ParsePositive(get("needle_depth_mm"));
    if (!depth.ok()) return problem("needle_depth_mm", depth.error().message);
    row.needle_depth_mm = *depth;
    row.notes = get("notes");
    row.display_name = get("display_name");
    row.skin_type = get("skin_type");
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<std::vector<ImportRow>> ScanFolder(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    return BadInputError(folder.string() + " is not a folder or a manifest .csv");
  }
  std::vector<ImportRow> rows;
  std::vector<fs::path> subjects;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (entry.is_directory()) subjects.push_back(entry.path());
  }
  std::sort(subjects.begin(), subjects.end());
  for (const fs::path& subject_dir : subjects) {
    std::vector<fs::path> sessions;
    for (const auto& entry : fs::directory_iterator(subject_dir, ec)) {
      if (entry.is_directory()) sessions.push_back(entry.path());
    }
    std::sort(sessions.begin(), sessions.end());
    for (const fs::path& session_dir : sessions) {
      const std::string name = session_dir.filename().string();
      const auto underscore = name.find('_');
      if (name.size() < 12 || underscore != 10) {
        return BadInputError(session_dir.string() +
                             ": session folders are named YYYY-MM-DD_kind (e.g. 2026-03-01_baseline)");
      }
      auto date = NormalizeDateTime(name.substr(0, 10));
      if (!date.ok()) return BadInputError(session_dir.string() + ": " + date.error().message);
      auto kind = NormalizeSessionKind(name.substr(11));
      if (!kind.ok()) return BadInputError(session_dir.string() + ": " + kind.error().message);
      std::vector<fs::path> images;
      for (const auto& entry : fs::directory_iterator(session_dir, ec)) {
        if (entry.is_regular_file() && IsImageFile(entry.path())) images.push_back(entry.path());
      }
      std::sort(images.begin(), images.end());
      for (const fs::path& image : images) {
        ImportRow row;
        row.source = folder.string();
        row.subject = subject_dir.filename().string();
        row.session = name;
        row.kind = *kind;
        row.date = *date;  // the day; the EXIF time of day, when present, refines it at import
        row.image = image;
        rows.push_back(std::move(row));
      }
    }
  }
  if (rows.empty()) {
    return BadInputError(folder.string() +
                         ": no images found; expected subject/YYYY-MM-DD_kind/*.jpg|png|tif");
  }
  return rows;
}

std::vector<ScoreRecord> ScoresFromDocument(const nlohmann::json& doc, const std::string& region,
                                            const std::string& pipeline_version,
                                            const std::string& params_hash) {
  std::vector<ScoreRecord> scores;
  auto metrics = doc.find("metrics");
  if (metrics == doc.end() || !metrics->is_object()) return scores;
  for (const auto& [group, values] : metrics->items()) {
    // "mask" and "analysis" describe how the image was analysed (pixels, scale), not the skin.
    if (!values.is_object() || group == "mask" || group == "analysis") continue;
    const nlohmann::json* units = nullptr;
    if (auto u = values.find("units"); u != values.end() && u->is_object()) units = &*u;
    for (const auto& [key, value] : values.items()) {
      if (key == "units" || !value.is_number() || value.is_boolean()) continue;
      const double v = value.get<double>();
      if (!std::isfinite(v)) continue;
      ScoreRecord s;
      s.metric = group + "." + key;
      s.value = v;
      if (units != nullptr) {
        if (auto unit = units->find(key); unit != units->end() && unit->is_string()) {
          s.unit = unit->get<std::string>();
        }
      }
      s.region = region;
      s.pipeline_version = pipeline_version;
      s.params_hash = params_hash;
      scores.push_back(std::move(s));
    }
  }
  return scores;
}

Result<ImportReport> ImportRows(Store& store, const std::vector<ImportRow>& rows,
                                const ScoreFunction& score, const ImportOptions& options) {
  // Validate sessions across rows before writing anything.
  struct SessionKey {
    std::string day, kind;
    const ImportRow* first;
  };
  std::map<std::pair<std::string, std::string>, SessionKey> by_label;
  std::map<std::tuple<std::string, std::string, std::string>, const ImportRow*> by_visit;
  for (const ImportRow& row : rows) {
    const std::string day = row.date.substr(0, std::min<std::size_t>(10, row.date.size()));
    auto [it, inserted] = by_label.try_emplace({row.subject, row.session}, SessionKey{day, row.kind, &row});
    if (!inserted) {
      const SessionKey& k = it->second;
      if (k.kind != row.kind || (!k.day.empty() && !day.empty() && k.day != day)) {
        return BadInputError(row.Where() + ": column 'session': session '" + row.session +
                             "' of subject " + row.subject + " was given as " + k.kind + " on " +
                             (k.day.empty() ? std::string("(EXIF date)") : k.day) + " at " +
                             k.first->Where() + "; use one date and kind per session");
      }
      continue;
    }
    if (day.empty() || row.kind == "repeat") continue;  // several repeat sessions a day are fine
    auto [visit, fresh] = by_visit.try_emplace({row.subject, day, row.kind}, &row);
    if (!fresh && visit->second->session != row.session) {
      return BadInputError(row.Where() + ": column 'session': duplicate session: '" + row.session +
                           "' and '" + visit->second->session + "' (" + visit->second->Where() +
                           ") are both " + row.kind + " sessions of " + row.subject + " on " + day +
                           "; use one session name per visit");
    }
  }

  ImportReport report;
  report.rows = static_cast<int>(rows.size());
  for (const ImportRow& row : rows) {
    SKT_ASSIGN_OR_RETURN(std::string sha, Sha256OfFile(row.image));
    SKT_ASSIGN_OR_RETURN(auto existing, store.FindCaptureBySha(sha));
    if (existing) {
      ++report.skipped_existing;
      if (options.progress) options.progress(row, "already imported");
      continue;
    }
    auto doc = score(row);
    if (!doc.ok()) {
      if (report.failures.empty()) {
        report.first_failure = Error{doc.error().code, row.Where() + ": " + doc.error().message};
      }
      report.failures.push_back(row.Where() + ": " + doc.error().message);
      if (options.progress) options.progress(row, "failed: " + doc.error().message);
      continue;
    }
    std::string captured_at;
    if (auto input = doc->find("input"); input != doc->end()) {
      if (auto at = input->find("captured_at"); at != input->end() && at->is_string()) {
        auto normalized = NormalizeDateTime(at->get<std::string>());
        if (normalized.ok()) captured_at = *normalized;
      }
    }
    std::string started_at = row.date;
    if (started_at.empty()) {
      if (captured_at.empty()) {
        return BadInputError(row.Where() + ": column 'date': empty and " + row.image.string() +
                             " has no EXIF capture date; fill in the date");
      }
      started_at = captured_at;
    } else if (!captured_at.empty() && captured_at.substr(0, 10) == started_at.substr(0, 10) &&
               started_at.substr(11) == "00:00:00") {
      started_at = captured_at;  // same day: keep the EXIF time of day
    }
    SubjectRecord subject{0, row.subject, row.display_name, row.skin_type, row.arm};
    SessionRecord session;
    session.label = row.session;
    session.started_at = started_at;
    session.kind = row.kind;
    session.device = row.device;
    session.needle_depth_mm = row.needle_depth_mm;
    session.notes = row.notes;
    CaptureRecord capture;
    capture.path = fs::absolute(row.image).lexically_normal().string();
    capture.sha256 = sha;
    capture.captured_at = captured_at;
    capture.region = row.region;
    capture.lighting_set = row.lights;
    capture.px_per_mm = row.px_per_mm;
    if (auto c = doc->find("calibration"); c != doc->end()) capture.calibration_json = c->dump();
    if (auto w = doc->find("warnings"); w != doc->end()) capture.warnings_json = w->dump();
    const std::vector<ScoreRecord> scores =
        ScoresFromDocument(*doc, row.region, options.pipeline_version, options.params_hash);
    auto added = store.ImportCapture(subject, session, capture, scores);
    if (!added.ok()) {
      if (added.error().code == ErrorCode::kBadInput) {
        return BadInputError(row.Where() + ": column 'session': " + added.error().message);
      }
      return added.error();
    }
    ++report.imported;
    if (options.progress) options.progress(row, "imported");
  }
  return report;
}

}  // namespace skintrack::store
