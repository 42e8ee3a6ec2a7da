// skintrack-viewer: the practitioner's workstation. See docs/VIEWER.md.
//
//   skintrack-viewer [--db F | --manifest M] [--subject ID] [--compare S1 S2]
//                    [--mode side|split|blink|difference|overlay] [--overlay redness|...]
//                    [--panel compare|progress] [--screenshot OUT.png --frames N] [--stats]
//                    [--turn 0|90|180|270]
//
// Exit codes: 0 (also when photos fail to load: those errors go to the log panel), 1 usage or no
// display.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "core/base/allocator.h"
#include "viewer/app.h"

int main(int argc, char** argv) {
  skintrack::TuneAllocatorForImages();
  skintrack::KeepFreedImageBuffers();  // it loads and scores image after image
  using skintrack::viewer::ViewerOptions;
  ViewerOptions options;
  CLI::App cli{"skintrack-viewer: compare skin photos across treatment sessions"};
  std::string mode = "side";
  std::string overlay = "redness";
  std::vector<std::string> compare;
  std::string size;
  bool no_score = false;
  bool no_align = false;
  int turn_deg = 0;
  cli.add_option("--db", options.database, "SQLite store written by `skintrack import`");
  cli.add_option("--manifest", options.manifest,
                 "manifest.csv (subject,session,date,kind,image) or a folder of photos");
  cli.add_option("--subject", options.subject, "subject ID to show");
  cli.add_option("--compare", compare, "the two sessions to compare: BEFORE AFTER")->expected(2);
  cli.add_option("--mode", mode, "compare mode: side, split, blink, difference, overlay");
  cli.add_option("--overlay", overlay, "overlay map: redness, pigment, pores, wrinkles, scars");
  cli.add_option("--split", options.split, "wipe position in split mode, 0..1 of the view width")
      ->check(CLI::Range(0.0, 1.0));
  CLI::Option* turn = cli.add_option(
      "--turn", turn_deg,
      "turn the compare view clockwise by 0, 90, 180 or 270 degrees (default: stand the "
      "baseline's face upright when it was photographed on its side)");
  cli.add_option("--panel", options.panel, "large view: compare or progress")
      ->check(CLI::IsMember({"compare", "progress"}));
  cli.add_option("--metric", options.metric, "metric shown in the progress panel (group.key)");
  cli.add_option("--screenshot", options.screenshot,
                 "scripted mode: write the window as PNG after the last frame");
  cli.add_option("--frames", options.frames, "scripted mode: frames to render, then exit")
      ->check(CLI::Range(1, 100000));
  cli.add_flag("--stats", options.stats, "print frame-time and texture-upload statistics (JSON)");
  cli.add_flag("--unaligned", options.show_unaligned, "show the unaligned follow-up");
  cli.add_flag("--no-score", no_score, "do not score sessions in the background");
  cli.add_flag("--no-align", no_align, "do not register the follow-up (show it unaligned)");
  cli.add_option("--settings", options.settings_path, "settings file (default ~/.config/...)");
  cli.add_option("--max-tile", options.max_tile_px, "largest texture tile in pixels (testing)")
      ->check(CLI::Range(16, 16384));
  cli.add_option("--size", size, "window size WxH in logical pixels");
  double chart_pitch_mm = 0;
  CLI::Option* pitch = cli.add_option(
      "--chart-pitch-mm", chart_pitch_mm,
      "patch centre-to-centre distance of the colour chart in mm (default 44, the ColorChecker "
      "Classic; smaller for a Mini, Nano or Passport), for photos without a scale of their own; "
      "kept as a setting");
  cli.add_flag("--same-light", options.same_light,
               "every session was photographed with the same light and camera settings: judge "
               "colour without a colour chart; kept as a setting");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 1;
  }
  if (pitch->count() > 0) {
    // Checked here rather than with CLI::Range, which lets NaN through.
    if (!(chart_pitch_mm >= skintrack::viewer::kMinChartPitchMm &&
          chart_pitch_mm <= skintrack::viewer::kMaxChartPitchMm)) {
      std::fprintf(stderr, "skintrack-viewer: --chart-pitch-mm must be between 1 and 200 mm\n");
      return 1;
    }
    options.chart_pitch_mm = chart_pitch_mm;
  }
  if (turn->count() > 0) {
    if (turn_deg != 0 && turn_deg != 90 && turn_deg != 180 && turn_deg != 270) {
      std::fprintf(stderr, "skintrack-viewer: --turn must be 0, 90, 180 or 270\n");
      return 1;
    }
    options.turn_deg = turn_deg;
  }
  auto parsed_mode = skintrack::viewer::ParseCompareMode(mode);
  if (!parsed_mode) {
    std::fprintf(stderr, "skintrack-viewer: unknown --mode '%s' (side, split, blink, difference, "
                         "overlay)\n", mode.c_str());
    return 1;
  }
  options.mode = *parsed_mode;
  auto parsed_overlay = skintrack::viewer::ParseOverlay(overlay);
  if (!parsed_overlay) {
    std::fprintf(stderr, "skintrack-viewer: unknown --overlay '%s' (redness, pigment, pores, "
                         "wrinkles, scars)\n", overlay.c_str());
    return 1;
  }
  options.overlay = *parsed_overlay;
  if (compare.size() == 2) {
    options.before_session = compare[0];
    options.after_session = compare[1];
  }
  if (!size.empty() && std::sscanf(size.c_str(), "%dx%d", &options.width, &options.height) != 2) {
    std::fprintf(stderr, "skintrack-viewer: --size must look like 1600x1000\n");
    return 1;
  }
  if (!options.database.empty() && !options.manifest.empty()) {
    std::fprintf(stderr, "skintrack-viewer: give --db or --manifest, not both\n");
    return 1;
  }
  options.score = !no_score;
  options.align = !no_align;
  try {
    skintrack::viewer::App app(std::move(options));
    return app.Run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "skintrack-viewer: internal error: %s\n", e.what());
    return 5;
  }
}
