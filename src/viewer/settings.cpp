#include "viewer/settings.h"

#include <cstdlib>
#include <system_error>

#include <nlohmann/json.hpp>

#include "core/base/atomic_file.h"

namespace skintrack::viewer {

namespace {
constexpr const char* kSettingsSchema = "skintrack.viewer-settings/1";

template <typename T>
void ReadKey(const nlohmann::json& doc, const char* key, T& value) {
  if (doc.contains(key)) {
    try {
      value = doc.at(key).get<T>();
    } catch (const nlohmann::json::exception&) {
      // A wrongly typed value keeps the default; the rest of the file still applies.
    }
  }
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
  ViewerSettings settings;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return settings;
  SKT_ASSIGN_OR_RETURN(const std::string bytes, ReadFileBytes(path));
  nlohmann::json doc = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return BadInputError("settings file " + path.string() +
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
  ReadKey(doc, "last_source", settings.last_source);
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
      {"last_source", settings.last_source},
  };
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  return WriteFileAtomic(path, doc.dump(2) + "\n");
}

}  // namespace skintrack::viewer
