#include "viewer/settings.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <system_error>

#include <nlohmann/json.hpp>

#include "core/base/atomic_file.h"

namespace skintrack::viewer {

namespace {
constexpr const char* kSettingsSchema = "skintrack.viewer-settings/1";
// A settings file is a few hundred bytes.
constexpr std::int64_t kMaxSettingsBytes = std::int64_t{1} << 20;

float ClampFinite(float value, float lo, float hi, float fallback) {
  return std::isfinite(value) ? std::clamp(value, lo, hi) : fallback;
}

// A missing or wrongly typed value keeps the default; the rest of the file still applies. Numbers
// are read as double first, so 1e30 for an int setting is rejected instead of converted (which
// would be undefined behaviour).
void ReadKey(const nlohmann::json& doc, const char* key, std::string& value) {
  const auto it = doc.find(key);
  if (it != doc.end() && it->is_string()) value = it->get<std::string>();
}

void ReadKey(const nlohmann::json& doc, const char* key, float& value) {
  const auto it = doc.find(key);
  if (it == doc.end() || !it->is_number()) return;
  const double number = it->get<double>();
  if (std::isfinite(number) && std::abs(number) <= 1e30) value = static_cast<float>(number);
}

void ReadKey(const nlohmann::json& doc, const char* key, double& value) {
  const auto it = doc.find(key);
  if (it == doc.end() || !it->is_number()) return;
  const double number = it->get<double>();
  if (std::isfinite(number)) value = number;
}

void ReadKey(const nlohmann::json& doc, const char* key, bool& value) {
  const auto it = doc.find(key);
  if (it != doc.end() && it->is_boolean()) value = it->get<bool>();
}

void ReadKey(const nlohmann::json& doc, const char* key, int& value) {
  const auto it = doc.find(key);
  if (it == doc.end() || !it->is_number()) return;
  const double number = it->get<double>();
  if (std::isfinite(number) && std::abs(number) <= 1e9) value = static_cast<int>(number);
}
}  // namespace

std::filesystem::path DefaultSettingsPath() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg != nullptr && *xdg != '\0') return std::filesystem::path(xdg) / "skintrack" / "viewer.json";
  const char* home = std::getenv("HOME");
  const std::filesystem::path base = (home != nullptr && *home != '\0') ? home : ".";
  return base / ".config" / "skintrack" / "viewer.json";
}

Result<ViewerSettings> LoadSettings(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return ViewerSettings{};
  SKT_ASSIGN_OR_RETURN(const std::string bytes, ReadFileBytes(path, kMaxSettingsBytes));
  return ParseSettings(bytes, path.string());
}

Result<ViewerSettings> ParseSettings(std::string_view json_text, std::string_view name) {
  ViewerSettings settings;
  nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return BadInputError("settings file " + std::string(name) +
                         " is not a JSON object; fix or delete it (defaults are used meanwhile)");
  }
  ReadKey(doc, "window_width", settings.window_width);
  ReadKey(doc, "window_height", settings.window_height);
  ReadKey(doc, "font_size_px", settings.font_size_px);
  ReadKey(doc, "font_path", settings.font_path);
  ReadKey(doc, "blink_period_s", settings.blink_period_s);
  ReadKey(doc, "difference_gain", settings.difference_gain);
  ReadKey(doc, "overlay_alpha", settings.overlay_alpha);
  ReadKey(doc, "max_tile_px", settings.max_tile_px);
  ReadKey(doc, "worker_threads", settings.worker_threads);
  ReadKey(doc, "chart_pitch_mm", settings.chart_pitch_mm);
  ReadKey(doc, "same_light", settings.same_light);
  ReadKey(doc, "last_source", settings.last_source);
  // The file is edited by hand and shared on clinic workstations: a value the viewer cannot use
  // (a million worker threads, a 1e30 px font, NaN) is brought into range instead of crashing it.
  const ViewerSettings defaults;
  settings.window_width = std::clamp(settings.window_width, 320, 16384);
  settings.window_height = std::clamp(settings.window_height, 240, 16384);
  settings.font_size_px = ClampFinite(settings.font_size_px, 6.0f, 96.0f, defaults.font_size_px);
  settings.blink_period_s = ClampFinite(settings.blink_period_s, 0.05f, 60.0f,
                                        defaults.blink_period_s);
  settings.difference_gain = ClampFinite(settings.difference_gain, 0.1f, 1000.0f,
                                         defaults.difference_gain);
  settings.overlay_alpha = ClampFinite(settings.overlay_alpha, 0.0f, 1.0f, defaults.overlay_alpha);
  settings.max_tile_px = settings.max_tile_px <= 0 ? 0 : std::clamp(settings.max_tile_px, 64, 16384);
  settings.worker_threads = std::clamp(settings.worker_threads, 1, 64);
  if (!(settings.chart_pitch_mm >= kMinChartPitchMm && settings.chart_pitch_mm <= kMaxChartPitchMm))
    settings.chart_pitch_mm = defaults.chart_pitch_mm;
  if (settings.font_path.size() > 4096) settings.font_path = defaults.font_path;
  if (settings.last_source.size() > 4096) settings.last_source.clear();
  return settings;
}

Status SaveSettings(const std::filesystem::path& path, const ViewerSettings& settings) {
  nlohmann::json doc = {
      {"schema", kSettingsSchema},
      {"window_width", settings.window_width},
      {"window_height", settings.window_height},
      {"font_size_px", settings.font_size_px},
      {"font_path", settings.font_path},
      {"blink_period_s", settings.blink_period_s},
      {"difference_gain", settings.difference_gain},
      {"overlay_alpha", settings.overlay_alpha},
      {"max_tile_px", settings.max_tile_px},
      {"worker_threads", settings.worker_threads},
      {"chart_pitch_mm", settings.chart_pitch_mm},
      {"same_light", settings.same_light},
      {"last_source", settings.last_source},
  };
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  return WriteFileAtomic(path, doc.dump(2) + "\n");
}

}  // namespace skintrack::viewer
