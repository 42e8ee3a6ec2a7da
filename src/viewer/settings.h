#pragma once
// The viewer's settings file (JSON, `skintrack.viewer-settings/1`), by default
// $XDG_CONFIG_HOME/skintrack/viewer.json (else ~/.config/skintrack/viewer.json).
//
// Unknown keys are ignored and missing keys keep their defaults, so old files keep working. A file
// that is not valid JSON is reported (kBadInput) and the defaults are used; it is only overwritten
// when the user changes a setting. Writes are atomic.

#include <filesystem>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace skintrack::viewer {

struct ViewerSettings {
  int window_width = 1600;   // logical pixels
  int window_height = 1000;
  float font_size_px = 15.0f;  // before DPI scaling (content scale of the monitor)
  std::string font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";  // "" = ImGui default
  float blink_period_s = 0.6f;    // time each image is shown in blink mode
  float difference_gain = 4.0f;   // |after - before| (encoded, 0..1) x gain -> colour scale
  float overlay_alpha = 0.7f;     // opacity of metric-map overlays
  int max_tile_px = 0;            // texture tile size; 0 = GL_MAX_TEXTURE_SIZE (capped at 8192)
  int worker_threads = 2;         // decoding/scoring threads
  // Patch centre-to-centre distance of the colour chart in the photos, in mm: the scale of a photo
  // without one of its own (manifest px_per_mm, database score) is read from the chart with it.
  // 44 mm is the ColorChecker Classic; a Mini, Nano or Passport is smaller. 1 to 200 mm.
  double chart_pitch_mm = 44.0;
  // Every session was photographed with the same light and camera settings (a fixed booth, white
  // balance and exposure locked): absolute colour (a*, erythema index, melanin, ITA...) of photos
  // without a colour chart is judged in the progress panel and claims. Off: it is left out, as
  // `skintrack timeline` does without --same-light (compare::MetricUnresolved).
  bool same_light = false;
  std::string last_source;        // last database, manifest or folder opened
};

inline constexpr double kMinChartPitchMm = 1.0;
inline constexpr double kMaxChartPitchMm = 200.0;

std::filesystem::path DefaultSettingsPath();

// Reads settings; a missing file gives the defaults. Files over 1 MiB are refused (kBadInput).
Result<ViewerSettings> LoadSettings(const std::filesystem::path& path);
// Parses settings text; `name` names the file in messages. Values out of range (a window of
// 100000 px, 10000 worker threads, a NaN gain) are clamped to what the viewer can use; a chart
// pitch outside 1-200 mm falls back to the Classic's 44 mm.
Result<ViewerSettings> ParseSettings(std::string_view json_text, std::string_view name);
Status SaveSettings(const std::filesystem::path& path, const ViewerSettings& settings);

}  // namespace skintrack::viewer
