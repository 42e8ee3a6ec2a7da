// `skintrack phantom -o DIR`: a synthetic treatment series with exact ground truth (docs/PHANTOM.md).
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "core/calibration/chart_geometry.h"
#include "core/phantom/phantom.h"

namespace skintrack::cli {
namespace {

struct PhantomCommandOptions {
  std::string output_dir;
  std::uint64_t seed = 1;
  int sessions = 3;
  std::string size = "1200x900";
  double px_per_mm = 10;
  std::string tone = "light";
  double effect = 0.3;
  std::string subjects = "responder,control";
  int jpeg_quality = 90;
  std::string start_date = "2026-01-05";
  bool photometric_stereo = false;
  int ps_lights = 6;
  int ps_size = 512;
  bool hair = false;
  bool no_chart = false;
  bool no_capture_variation = false;
  bool json = false;
};

Result<core::PhantomOptions> ToOptions(const PhantomCommandOptions& in) {
  core::PhantomOptions o;
  o.seed = in.seed;
  o.treatment_sessions = in.sessions;
  int w = 0, h = 0;
  char x = 0, tail = 0;
  if (std::sscanf(in.size.c_str(), "%d%c%d%c", &w, &x, &h, &tail) != 3 || (x != 'x' && x != 'X')) {
    return UsageError("--size must look like 1200x900 (width x height in pixels), got '" + in.size +
                      "'");
  }
  o.width_px = w;
  o.height_px = h;
  o.px_per_mm = in.px_per_mm;
  SKT_ASSIGN_OR_RETURN(o.tone, core::ParseSkinTone(in.tone));
  o.effect = in.effect;
  o.subjects.clear();
  std::stringstream list(in.subjects);
  std::string item;
  while (std::getline(list, item, ',')) {
    if (item.empty()) continue;
    SKT_ASSIGN_OR_RETURN(core::PhantomResponse r, core::ParsePhantomResponse(item));
    o.subjects.push_back(r);
  }
  o.jpeg_quality = in.jpeg_quality;
  o.start_date = in.start_date;
  o.photometric_stereo = in.photometric_stereo;
  o.ps_lights = in.ps_lights;
  o.ps_size_px = in.ps_size;
  o.features.hair = in.hair;
  o.features.chart = !in.no_chart;
  o.capture.enabled = !in.no_capture_variation;
  SKT_RETURN_IF_ERROR(o.Check());
  return o;
}

int RunPhantom(const PhantomCommandOptions& in) {
  auto options = ToOptions(in);
  if (!options.ok()) return ReportError("phantom", options.error(), in.json);
  auto series = core::WriteSeries(*options, in.output_dir);
  if (!series.ok()) return ReportError("phantom", series.error(), in.json);
  const auto& subjects = series->truth["subjects"];
  std::size_t images = 0;
  for (const auto& s : subjects) images += s["sessions"].size();
  // The chart is drawn at a smaller pitch than a ColorChecker Classic's whenever a Classic would not
  // fit the frame: scored alone, a capture would read as several times farther away.
  std::optional<double> small_chart_pitch_mm;
  if (!subjects.empty() && subjects[0]["chart"]["present"].get<bool>()) {
    const double pitch = subjects[0]["chart"]["patch_pitch_mm"].get<double>();
    if (std::abs(pitch - core::ChartGeometry{}.patch_pitch_mm) > 0.05) small_chart_pitch_mm = pitch;
  }
  if (in.json) {
    nlohmann::json doc = JsonEnvelope("skintrack.phantom/1");
    doc["output_dir"] = in.output_dir;
    doc["manifest"] = "manifest.csv";
    doc["truth"] = "truth.json";
    doc["subjects"] = subjects.size();
    doc["images"] = images;
    doc["options"] = series->truth["options"];
    doc["chart_patch_pitch_mm"] =
        subjects.empty() || !subjects[0]["chart"]["present"].get<bool>()
            ? nlohmann::json(nullptr)
            : subjects[0]["chart"]["patch_pitch_mm"];
    PrintJson(doc);
  } else {
    std::cout << "phantom: " << subjects.size() << " subject(s), " << images << " capture(s) in "
              << in.output_dir << " (manifest.csv, truth.json)\n";
    for (const auto& s : subjects) {
      const auto& first = s["sessions"].front()["summary"];
      const auto& last = s["sessions"].back()["summary"];
      std::printf("  %s %-13s tone %s (ITA %.1f)  pores %d -> %d, scar depth %.3f -> %.3f mm\n",
                  s["id"].get<std::string>().c_str(), s["response"].get<std::string>().c_str(),
                  s["tone"]["name"].get<std::string>().c_str(),
                  s["tone"]["ita_deg"].is_number() ? s["tone"]["ita_deg"].get<double>() : 0.0,
                  first["pores"]["count"].get<int>(), last["pores"]["count"].get<int>(),
                  first["scars"]["depth_mean_mm"].get<double>(),
                  last["scars"]["depth_mean_mm"].get<double>());
    }
    if (small_chart_pitch_mm) {
      std::printf(
          "  chart: patch pitch %.2f mm, not a Classic's %.0f mm. manifest.csv carries each "
          "capture's px_per_mm for batch and import; to score one capture alone, give "
          "--chart-pitch-mm %.2f\n",
          *small_chart_pitch_mm, core::ChartGeometry{}.patch_pitch_mm, *small_chart_pitch_mm);
    }
  }
  return 0;
}

}  // namespace

CommandRun SetupPhantomCommand(CLI::App& root) {
  auto opts = std::make_shared<PhantomCommandOptions>();
  CLI::App* sub = root.add_subcommand(
      "phantom", "Render a synthetic skin treatment series with exact ground truth (truth.json)");
  sub->add_option("-o,--output", opts->output_dir, "Output directory (created if missing)")
      ->required();
  sub->add_option("--seed", opts->seed, "Random seed; the same seed gives byte-identical output")
      ->capture_default_str();
  sub->add_option("--sessions", opts->sessions, "Number of treatment sessions, 1..6")
      ->capture_default_str();
  sub->add_option("--size", opts->size, "Image size WxH in pixels")->capture_default_str();
  sub->add_option("--px-per-mm", opts->px_per_mm, "Scale of the baseline image, pixels per mm")
      ->capture_default_str();
  sub->add_option("--tone", opts->tone,
                  "Skin tone (ITA class): very_light, light, intermediate, tan, brown, dark")
      ->capture_default_str();
  sub->add_option("--effect", opts->effect,
                  "Responder's fractional improvement (pores, texture, scars, wrinkles, redness)")
      ->capture_default_str();
  sub->add_option("--subjects", opts->subjects,
                  "Comma-separated subject kinds: responder, non_responder, control")
      ->capture_default_str();
  sub->add_option("--jpeg-quality", opts->jpeg_quality, "JPEG quality of the captures")
      ->capture_default_str();
  sub->add_option("--start-date", opts->start_date, "Baseline date YYYY-MM-DD")
      ->capture_default_str();
  sub->add_flag("--photometric-stereo", opts->photometric_stereo,
                "Also write a photometric-stereo set (lights.json + height map) at baseline and "
                "at the last follow-up");
  sub->add_option("--ps-lights", opts->ps_lights, "Lights in a photometric-stereo set, 4..8")
      ->capture_default_str();
  sub->add_option("--ps-size", opts->ps_size, "Side of the photometric-stereo crop in pixels")
      ->capture_default_str();
  sub->add_flag("--hair", opts->hair, "Draw a few dark hairs");
  sub->add_flag("--no-chart", opts->no_chart, "Leave out the ColorChecker");
  sub->add_flag("--no-capture-variation", opts->no_capture_variation,
                "Photograph every session with the baseline set-up");
  sub->add_flag("--json", opts->json, "Print a skintrack.phantom/1 summary on stdout");
  return [opts] { return RunPhantom(*opts); };
}

}  // namespace skintrack::cli
