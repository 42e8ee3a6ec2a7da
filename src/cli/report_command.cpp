// `skintrack report`: a progress report for one subject, PDF or HTML, for the patient or the
// practitioner. Private by default: pseudonymous ID, metadata-free photos, no file paths.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <iostream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "cli/db_options.h"
#include "core/base/version.h"
#include "core/color/srgb.h"
#include "core/mask/face_regions.h"
#include "core/pipeline/score_pipeline.h"
#include "report/photos.h"
#include "report/progress_report.h"
#include "report/report_text.h"

namespace skintrack::cli {
namespace {
namespace fs = std::filesystem;

struct ReportCommandOptions {
  std::string db;
  std::string subject;
  std::string output;
  std::string audience = "patient";
  std::string sessions;
  std::string spec;
  std::string paper = "a4";
  bool identify = false;
  bool json = false;
  compare::JudgeRules rules;
};

// Clockwise quarter turns that bring the face of a photo upright: 0 unless its score
// found the face on its side (warning `face_turned`), then the turn FindFace finds again. Later
// photos are aligned into the baseline's frame and take the same turn, so a patient sees every
// photo upright.
int UprightTurns(const cv::Mat& bgr, const std::string& warnings_json) {
  const std::vector<std::string> warnings = core::StoredWarningCodes(warnings_json);
  if (std::find(warnings.begin(), warnings.end(), "face_turned") == warnings.end()) return 0;
  std::vector<std::string> ignored;
  int turns = 0;
  if (!core::FindFace(core::BgrToLinearRgb(bgr), ignored, nullptr, &turns)) return 0;
  return turns;
}

std::string Today() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&now, &tm);
  char buffer[16];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%d", &tm);
  return buffer;
}

// Plain-language caveat for a pipeline or capture-quality warning code; empty for codes that are
// findings rather than caveats ("no redness patch found") or that another code already explains.
std::string CaveatFor(std::string code, int photos, const compare::JudgeRules& rules) {
  const std::string count = " (" + std::to_string(photos) + (photos == 1 ? " photo)" : " photos)");
  if (code == "red_area_none" || code.ends_with("_none_found") || code == "no_colour_chart" ||
      code == "texture_band_assumed_scale") {
    return "";
  }
  if (code == "chart_patches_clipped") {
    return "Some colour-chart squares were over- or under-exposed, so the colour correction rests "
           "on fewer of them" +
           count + ".";
  }
  if (code == "pores_below_resolution") {
    // Their pore values are left out of the charts and claims (compare::MetricUnresolved).
    return "Some photos were taken from too far away to show pores at all; their pore counts are "
           "not used in this report" +
           count + ".";
  }
  if (code == "pores_compressed") {
    // Their pore values are left out of the charts and claims (compare::MetricUnresolved).
    return "Some photos were compressed too much for pores of their size, which changes how many "
           "are counted; their pore counts are not used in this report" +
           count + ".";
  }
  if (code == "chart_pitch_check") {
    return "The size scale was read from the colour chart as a full-size chart, which makes the "
           "skin look farther away than a close-up; if a smaller chart was used, sizes and pore "
           "figures need its size to be given" +
           count + ".";
  }
  if (code == "pores_near_resolution") {
    return "Some photos were taken from too far away to show the smallest pores clearly; pore "
           "counts and sizes there are less certain" +
           count + ".";
  }
  if (code == "dark_skin_low_resolution") {
    return "Some photos of darker skin were taken from too far away for lines, scars and pores to "
           "be measured reliably; take them closer (about 15 pixels per millimetre or more)" +
           count + ".";
  }
  if (code == "wrinkles_unresolved") {
    return "Some photos were taken from too far away to show even the deepest lines; their "
           "wrinkle figures are not used in this report" +
           count + ".";
  }
  if (code == "wrinkles_below_resolution") {
    return "Some photos were taken from too far away to show the finest lines" + count + ".";
  }
  if (code == "scars_below_resolution") {
    return "Some photos were taken from too far away to show small scars" + count + ".";
  }
  if (code == "texture_capture_blurred") {
    return "Some photos were not sharp enough for the finest skin texture, which then looks "
           "smoother than it is" +
           count + ".";
  }
  if (code == "scale_unknown_sizes_in_px") code = "no_scale";
  if (code == "uncalibrated_colour") {
    // Their colour values are left out of the charts and claims unless the practitioner states
    // that every visit had the same light (compare::MetricUnresolved).
    if (rules.same_light) {
      return "No colour chart was visible, so colour measures (redness, pigmentation) also "
             "reflect the lighting of each visit; they are compared because every visit was "
             "photographed with the same light and camera settings" +
             count + ".";
    }
    return "No colour chart was visible, so a change of light could not be told from a change of "
           "skin colour; their redness and skin-tone values are not used in this report" +
           count + ".";
  }
  if (code == "blurry") return "Some photos were slightly out of focus; fine detail may be under-counted" + count + ".";
  if (code == "clipped_highlights" || code == "glare") {
    return "Bright reflections hid part of the skin in some photos" + count + ".";
  }
  if (code == "clipped_shadows" || code == "underexposed") return "Some photos were too dark" + count + ".";
  if (code == "alpha_ignored") {
    return "Some photos were partly transparent; what lies under the transparency was measured "
           "too" +
           count + ".";
  }
  if (code == "texture_noise_dominated") {
    return "Some photos were grainy (too little light for the camera), and most of their fine "
           "texture reading was that grain; it was allowed for, but those texture figures are "
           "less certain" +
           count + ".";
  }
  if (code == "heavy_compression") {
    // Their pore, line and scar values are left out of the charts and claims
    // (compare::MetricUnresolved).
    return "Some photos were strongly compressed, which draws blocks over pores, fine lines and "
           "scars; their pore, line, scar and spot-area figures are not used in this report" +
           count + ".";
  }
  if (code == "greyscale") {
    return "Some photos had no colour (greyscale), so their redness and pigmentation figures do "
           "not describe the skin" + count + ".";
  }
  if (code == "colour_cast") return "Some photos had a colour tint from the room lighting" + count + ".";
  if (code == "no_scale") return "No physical scale was known, so sizes are in pixels" + count + ".";
  if (code == "face_turned") {
    return "Some photos were taken with the camera on its side and did not say so, so the face "
           "lay sideways; the face was found turned and measured as it lay" +
           count + ".";
  }
  if (code == "face_tilted") {
    return "The head leaned to one side in some photos; the face was found and its skin outlined "
           "as if level, and measured as it was photographed" +
           count + ".";
  }
  if (code == "hair_on_skin") {
    return "Hair lay over the skin in some photos; brown spots, pores, lines and skin texture were "
           "measured on the skin between the hairs, and the hairs themselves were not counted" +
           count + ".";
  }
  if (code == "colourless_in_mask") {
    return "Part of the skin measured in some photos had almost no skin colour (white or grey "
           "hair, glare, or something white taken for skin); its lines, pores and texture may "
           "not be the skin's" +
           count + ".";
  }
  if (code == "skin_colour_unusual") {
    return "In some photos the skin's colour lay outside the usual range of skin, most likely "
           "from strongly tinted light; their redness and pigmentation figures describe the light "
           "as much as the skin" +
           count + ".";
  }
  if (code == "skin_assumed_from_surface") {
    return "Some close-ups had no skin-coloured area at all, most likely from strongly tinted "
           "light, and the surface filling most of the photo was measured as the skin; white hair "
           "on it could not be told from skin by its colour" +
           count + ".";
  }
  if (code == "backdrop_like_skin") {
    return "The wall behind the face was close to skin in colour in some photos; it was separated "
           "from the face along the face's outline, which may have left a little of it in or a "
           "little of the face out" +
           count + ".";
  }
  if (code == "scars_on_whole_face") {
    return "Scars were counted on whole-face photos (on the forehead, cheeks and chin), where "
           "shadows of the face's own shape can still count; close-ups of the scarred area are "
           "more reliable" +
           count + ".";
  }
  return "Capture note '" + code + "'" + count + ".";
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

int RunReport(const ReportCommandOptions& opts) {
  const fs::path out(opts.output);
  std::string ext = out.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext != ".pdf" && ext != ".html" && ext != ".htm") {
    return ReportError("report", UsageError("output must end in .pdf or .html: " + opts.output), opts.json);
  }
  auto store = OpenStore(opts.db, /*must_exist=*/true);
  if (!store.ok()) return ReportError("report", store.error(), opts.json);
  auto subject = store->FindSubject(opts.subject);
  if (!subject.ok()) return ReportError("report", subject.error(), opts.json);
  if (!subject->has_value()) {
    return ReportError("report", BadInputError("subject '" + opts.subject +
                                               "' is not in the store; `skintrack sessions` lists subjects"),
                       opts.json);
  }
  auto all = LoadTimelines(*store, "", opts.rules);
  if (!all.ok()) return ReportError("report", all.error(), opts.json);
  auto claims = LoadClaims(opts.spec);
  if (!claims.ok()) return ReportError("report", claims.error(), opts.json);
  auto sessions = store->ListSessions((*subject)->id);
  if (!sessions.ok()) return ReportError("report", sessions.error(), opts.json);
  auto captures = store->ListCaptures();
  if (!captures.ok()) return ReportError("report", captures.error(), opts.json);

  report::ReportInputs in;
  in.audience = opts.audience == "practitioner" ? report::Audience::kPractitioner
                                                : report::Audience::kPatient;
  in.subject_label = opts.identify && !(*subject)->display_name.empty() ? (*subject)->display_name
                                                                         : (*subject)->code;
  in.generated_on = Today();
  in.tool_version = kToolVersion;
  in.claims = *claims;
  in.noise = compare::EstimateNoiseForAll(*all);
  for (const compare::SubjectTimeline& t : *all) {
    if (t.subject == opts.subject) in.timeline = t;
  }
  const std::vector<std::string> wanted = SplitList(opts.sessions);
  if (!wanted.empty()) {
    for (const std::string& w : wanted) {
      const bool known = std::any_of(in.timeline.sessions.begin(), in.timeline.sessions.end(),
                                     [&](const compare::SessionScores& s) { return s.id == w; });
      if (!known) {
        return ReportError("report", BadInputError("session '" + w + "' is not a session of " +
                                                   opts.subject + "; `skintrack timeline` lists them"),
                           opts.json);
      }
    }
    std::erase_if(in.timeline.sessions, [&](const compare::SessionScores& s) {
      return std::find(wanted.begin(), wanted.end(), s.id) == wanted.end();
    });
  }

  // Sessions in time order, with their captures.
  const auto sorted = compare::SortedSessions(in.timeline);
  const compare::SessionScores* baseline = compare::FindBaseline(sorted);
  std::map<std::string, const store::SessionRecord*> session_by_label;
  for (const store::SessionRecord& s : *sessions) session_by_label[s.label] = &s;
  std::map<std::int64_t, std::vector<const store::CaptureRecord*>> captures_by_session;
  for (const store::CaptureRecord& c : *captures) captures_by_session[c.session_id].push_back(&c);
  std::map<std::string, int> warning_counts;
  for (const compare::SessionScores& s : sorted) {
    report::SessionInfo info;
    info.id = s.id;
    info.date = compare::FormatDate(s.time_s);
    info.kind = s.kind;
    auto it = session_by_label.find(s.id);
    if (it != session_by_label.end()) {
      info.device = it->second->device;
      info.needle_depth_mm = it->second->needle_depth_mm;
      for (const store::CaptureRecord* c : captures_by_session[it->second->id]) {
        const std::vector<std::string> stored = core::StoredWarningCodes(c->warnings_json);
        const std::set<std::string> codes(stored.begin(), stored.end());
        for (const std::string& code : codes) ++warning_counts[code];
      }
    }
    in.sessions.push_back(info);
  }
  for (const auto& [code, n] : warning_counts) {
    std::string caveat = CaveatFor(code, n, opts.rules);
    if (!caveat.empty() &&
        std::find(in.caveats.begin(), in.caveats.end(), caveat) == in.caveats.end())
      in.caveats.push_back(std::move(caveat));
  }

  // Photos: baseline, the 6-8 week follow-up after the final treatment, and the latest visit.
  auto first_capture = [&](const compare::SessionScores* s) -> const store::CaptureRecord* {
    if (s == nullptr) return nullptr;
    auto it = session_by_label.find(s->id);
    if (it == session_by_label.end()) return nullptr;
    const auto& list = captures_by_session[it->second->id];
    return list.empty() ? nullptr : list.front();
  };
  const compare::SessionScores* latest = nullptr;
  const compare::SessionScores* six_eight = nullptr;
  std::int64_t final_treatment = -1;
  for (const compare::SessionScores& s : sorted) {
    if (s.IsTreatment()) final_treatment = s.time_s;
  }
  for (const compare::SessionScores& s : sorted) {
    if (baseline && s.time_s > baseline->time_s && s.kind != compare::SessionKind::kRepeat) latest = &s;
    if (final_treatment >= 0) {
      const auto days = compare::CalendarDaysBetween(final_treatment, s.time_s);
      if (days >= 42 && days <= 56 && six_eight == nullptr) six_eight = &s;
    }
  }
  if (six_eight == latest) six_eight = nullptr;
  cv::Mat baseline_bgr;
  int upright_turns = 0;
  if (const store::CaptureRecord* c = first_capture(baseline)) {
    auto photo = report::LoadAlignedPhoto(c->path, cv::Mat());
    if (photo.ok()) {
      baseline_bgr = photo->bgr;
      upright_turns = UprightTurns(photo->bgr, c->warnings_json);
      in.photos.push_back(report::EncodeReportPhoto(core::TurnClockwise(photo->bgr, upright_turns),
                                                    "First visit",
                                                    compare::FormatDate(baseline->time_s)));
    } else {
      in.caveats.push_back("The first-visit photo could not be read, so no photos are shown.");
    }
  }
  int aligned_ok = 0, aligned_failed = 0;
  for (const auto& [session, caption] :
       {std::pair{six_eight, "6\xE2\x80\x93" "8 weeks after the last treatment"}, std::pair{latest, "Latest visit"}}) {
    const store::CaptureRecord* c = first_capture(session);
    if (c == nullptr || baseline_bgr.empty()) continue;
    auto photo = report::LoadAlignedPhoto(c->path, baseline_bgr);
    if (!photo.ok()) continue;
    (photo->aligned ? aligned_ok : aligned_failed)++;
    // An aligned photo lies in the baseline's frame and takes its turn; one as taken, its own.
    const int turns = photo->aligned ? upright_turns : UprightTurns(photo->bgr, c->warnings_json);
    in.photos.push_back(
        report::EncodeReportPhoto(core::TurnClockwise(photo->bgr, turns),
                                  std::string(caption) + (photo->aligned ? "" : " (not aligned)"),
                                  compare::FormatDate(session->time_s)));
    in.technical.push_back({std::string("alignment, ") + caption,
                            photo->aligned ? "ok, NCC " + report::FormatValue(photo->ncc_after) +
                                                 ", residual " + report::FormatValue(photo->rms_residual_px) + " px"
                                           : "failed: " + photo->note});
  }
  if (aligned_failed > 0) {
    in.caveats.push_back("A later photo could not be aligned to the first one and is shown as taken.");
  }
  // Practitioner facts: calibration of each capture used, noise source, tool version.
  for (const compare::SessionScores& s : sorted) {
    const store::CaptureRecord* c = first_capture(&s);
    if (c == nullptr) continue;
    const auto cal = nlohmann::json::parse(c->calibration_json.empty() ? "{}" : c->calibration_json,
                                           nullptr, false);
    std::string text = "method " + (cal.is_object() ? cal.value("method", std::string("none")) : "none");
    if (cal.is_object() && cal.contains("delta_e00_mean") && cal["delta_e00_mean"].is_number()) {
      text += ", \xCE\x94" "E00 mean " + report::FormatValue(cal["delta_e00_mean"].get<double>());
    }
    if (c->px_per_mm) text += ", " + report::FormatValue(*c->px_per_mm) + " px/mm";
    in.technical.push_back({"calibration " + s.id, text});
  }
  in.technical.push_back({"noise (MDC95)", "from baseline repeat captures where available, "
                                           "otherwise per-metric defaults (docs/CLAIMS.md)"});
  in.technical.push_back({"tool", std::string(kToolName) + " " + kToolVersion + " (" + kGitCommit + ")"});

  const report::ProgressReport built = report::BuildProgressReport(in);
  const Status written = ext == ".pdf"
                             ? report::WritePdfReport(built, out,
                                                      opts.paper == "letter" ? report::PaperSize::kLetter
                                                                             : report::PaperSize::kA4)
                             : report::WriteHtmlReport(built, out);
  if (!written.ok()) return ReportError("report", written.error(), opts.json);
  if (opts.json) {
    nlohmann::json doc = JsonEnvelope("skintrack.report/1");
    doc["subject"] = built.subject_label;
    doc["audience"] = opts.audience;
    doc["output"] = out.filename().string();
    doc["nothing_to_compare"] = built.nothing_to_compare;
    doc["metrics"] = built.metrics.size();
    doc["photos"] = built.photos.size();
    doc["claims"] = built.claims.size();
    PrintJson(doc);
  } else {
    std::cout << "report written to " << opts.output
              << (built.nothing_to_compare ? " (first visit only: nothing to compare yet)" : "") << "\n";
  }
  return 0;
}

}  // namespace

CommandRun SetupReportCommand(CLI::App& root) {
  auto opts = std::make_shared<ReportCommandOptions>();
  CLI::App* sub = root.add_subcommand("report", "Progress report (PDF or HTML) for one subject");
  AddDbOption(sub, &opts->db);
  sub->add_option("--subject", opts->subject, "Subject ID (pseudonymous code)")->required();
  sub->add_option("-o,--output", opts->output, "Output file: .pdf or .html")->required();
  sub->add_option("--audience", opts->audience, "patient (plain language) or practitioner (full record)")
      ->check(CLI::IsMember({"patient", "practitioner"}));
  sub->add_option("--sessions", opts->sessions, "Only these sessions (comma-separated labels)");
  sub->add_option("--spec", opts->spec, "Claim spec TOML (default: built-in presets)");
  sub->add_option("--paper", opts->paper, "Paper size for PDF: a4 or letter")
      ->check(CLI::IsMember({"a4", "letter"}));
  sub->add_flag("--identify", opts->identify, "Print the subject's display name instead of the ID");
  AddSameLightOption(sub, &opts->rules);
  sub->add_flag("--json", opts->json, "Print a skintrack.report/1 summary on stdout");
  return [opts] { return RunReport(*opts); };
}

}  // namespace skintrack::cli
