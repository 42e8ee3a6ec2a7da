// Measurement panel: the metric table of the two sessions (values, change, %, MDC95, verdict),
// the alignment figures and manual point-pair alignment, and per-ROI metrics.
#include <cstdio>
#include <map>

#include <imgui.h>

#include "viewer/app.h"
#include "viewer/metric_series.h"

namespace skintrack::viewer {

namespace {

struct TableCache {
  std::string subject;
  int version = -1;
  std::vector<MetricSeries> series;
};

ImVec4 VerdictColour(const std::string& verdict) {
  if (verdict == "improved") return ImVec4(0.45f, 0.85f, 0.55f, 1.0f);
  if (verdict == "worsened") return ImVec4(1.00f, 0.50f, 0.45f, 1.0f);
  if (verdict == "changed") return ImVec4(0.95f, 0.75f, 0.30f, 1.0f);
  return ImVec4(0.70f, 0.72f, 0.76f, 1.0f);
}

std::string Number(std::optional<double> value, const char* format = "%.4g") {
  if (!value) return "-";
  char text[48];
  std::snprintf(text, sizeof(text), format, *value);
  return text;
}

// The chart pitch that photos without a scale of their own are measured with, and the scale the
// baseline's score took. A change applies when the field is left, and scores every session again.
void DrawChartPitch(App& app, const std::string& before_id) {
  static double value = 0;
  static bool editing = false;
  if (!editing) value = app.settings.chart_pitch_mm;
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5.0f);
  ImGui::InputDouble("chart patch pitch (mm)", &value, 0.0, 0.0, "%.1f");
  editing = ImGui::IsItemActive();
  if (ImGui::IsItemDeactivatedAfterEdit()) app.SetChartPitch(value);
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip(
        "Centre-to-centre distance of the colour chart's patches: 44 mm for a ColorChecker\n"
        "Classic, less for a Mini, Nano or Passport. The scale of a photo without one of its\n"
        "own (manifest px_per_mm, database score) is read from the chart with it.");
  }
  const auto score = app.scores.find(before_id);
  if (score == app.scores.end() || score->second.state != JobState::kReady) return;
  const nlohmann::json calibration =
      score->second.document.value("calibration", nlohmann::json::object());
  ImGui::SameLine();
  if (const std::optional<double> scale = CalibrationScale(calibration)) {
    ImGui::TextDisabled("baseline %.2f px/mm (%s)", *scale,
                        calibration.value("scale_source", std::string("?")).c_str());
  } else {
    ImGui::TextDisabled("baseline: no scale (sizes in pixels)");
  }
}

void DrawAlignment(App& app) {
  if (!app.alignment_status.empty()) ImGui::TextWrapped("%s", app.alignment_status.c_str());
  if (app.registration.is_object() && !app.registration.empty()) {
    const nlohmann::json& r = app.registration;
    ImGui::TextDisabled("model %s, method %s, NCC %.3f -> %.3f, overlap %.0f%%",
                        r.value("model", "?").c_str(), r.value("method", "?").c_str(),
                        r.value("ncc_before", 0.0), r.value("ncc_after", 0.0),
                        100.0 * r.value("overlap_fraction", 0.0));
  }
  if (app.picking_points || !app.picked_fixed_px.empty()) {
    ImGui::TextWrapped("Point pairs: click a skin landmark on the baseline (left), then the same "
                       "landmark on the follow-up (right). %zu / %zu placed.",
                       app.picked_fixed_px.size(), app.picked_moving_px.size());
    if (ImGui::Button("Align from points")) app.ApplyManualAlignment();
    ImGui::SameLine();
    if (ImGui::Button("Clear points")) {
      app.picked_fixed_px.clear();
      app.picked_moving_px.clear();
    }
  }
}

void DrawRois(App& app) {
  if (app.rois.empty()) {
    ImGui::TextDisabled("ROI: press R, click the polygon's corners on the image, right-click to "
                        "close it.");
    return;
  }
  for (std::size_t i = 0; i < app.rois.size(); ++i) {
    RoiPolygon& roi = app.rois[i];
    ImGui::PushID(static_cast<int>(i));
    const std::string title = "ROI " + std::to_string(i + 1) + " (" +
                              std::to_string(roi.points_px.size()) + " corners)";
    const bool open = ImGui::TreeNodeEx(title.c_str(), ImGuiTreeNodeFlags_DefaultOpen);
    ImGui::SameLine();
    const bool remove = ImGui::SmallButton("Delete");
    if (open) {
      if (!roi.closed) {
        ImGui::TextDisabled("right-click on the image to close the polygon");
      } else if (roi.state == JobState::kRunning) {
        ImGui::TextDisabled("measuring...");
      } else if (roi.state == JobState::kFailed) {
        ImGui::TextColored(ImVec4(1, 0.45f, 0.42f, 1), "%s", roi.error.c_str());
      } else if (roi.state == JobState::kReady) {
        std::map<std::string, SessionScore> pair;
        pair["before"].state = JobState::kReady;
        pair["before"].document = roi.before_metrics;
        pair["after"].state = JobState::kReady;
        pair["after"].document = roi.after_metrics;
        if (ImGui::BeginTable("roi", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
          ImGui::TableSetupColumn("metric");
          ImGui::TableSetupColumn("before");
          ImGui::TableSetupColumn("after");
          ImGui::TableHeadersRow();
          for (const std::string& key : ScoredMetricKeys(pair)) {
            if (key.rfind("quality.", 0) == 0) continue;
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(key.c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(Number(ScoreValue(roi.before_metrics, key)).c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(Number(ScoreValue(roi.after_metrics, key)).c_str());
          }
          ImGui::EndTable();
        }
      }
      ImGui::TreePop();
    }
    ImGui::PopID();
    if (remove) {
      app.rois.erase(app.rois.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  }
}

}  // namespace

void DrawMeasurementPanel(App& app) {
  static TableCache cache;
  const CatalogSubject* subject = app.CurrentSubject();
  if (subject == nullptr || app.before.session_id.empty()) {
    ImGui::TextDisabled("Choose Before and After sessions in the library.");
    return;
  }
  const std::string& before_id = app.before.session_id;
  const std::string& after_id = app.after_unaligned.session_id;
  ImGui::Text("%s: %s  ->  %s", subject->id.c_str(), before_id.c_str(), after_id.c_str());
  DrawAlignment(app);
  DrawChartPitch(app, before_id);
  ImGui::Separator();

  if (cache.subject != subject->id || cache.version != app.scores_version) {
    cache.subject = subject->id;
    cache.version = app.scores_version;
    cache.series.clear();
    for (const std::string& key : ScoredMetricKeys(app.scores)) {
      cache.series.push_back(BuildMetricSeries(*subject, app.scores, key, app.settings.same_light));
    }
  }
  int scoring = 0;
  for (const auto& [id, score] : app.scores) scoring += score.state == JobState::kRunning ? 1 : 0;
  if (scoring > 0) ImGui::TextDisabled("scoring %d session(s)...", scoring);
  if (!HaveCompareModule()) {
    ImGui::TextColored(ImVec4(0.95f, 0.75f, 0.30f, 1.0f),
                       "Built without src/compare: MDC95 and verdicts unavailable");
  }

  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp |
                                ImGuiTableFlags_Resizable;
  const float table_h = std::max(140.0f, ImGui::GetContentRegionAvail().y * 0.62f);
  if (ImGui::BeginTable("metrics", 6, flags, ImVec2(-1, table_h))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("Metric", ImGuiTableColumnFlags_None, 2.6f);
    ImGui::TableSetupColumn("Before", ImGuiTableColumnFlags_None, 1.0f);
    ImGui::TableSetupColumn("After", ImGuiTableColumnFlags_None, 1.0f);
    ImGui::TableSetupColumn("Change", ImGuiTableColumnFlags_None, 1.3f);
    ImGui::TableSetupColumn("MDC95", ImGuiTableColumnFlags_None, 0.9f);
    ImGui::TableSetupColumn("Verdict", ImGuiTableColumnFlags_None, 1.5f);
    ImGui::TableHeadersRow();
    std::string group;
    for (const MetricSeries& series : cache.series) {
      PairChange change = ComparePair(series, before_id, after_id);
      if (!series.left_out.empty() && (!change.before || !change.after)) {
        // A value left out of the series (below the photo's resolution, colour without a chart)
        // is shown from its score, not judged, as `skintrack compare` does.
        const auto stored = [&](const std::string& id) -> std::optional<double> {
          const auto it = app.scores.find(id);
          if (it == app.scores.end() || it->second.state != JobState::kReady) return std::nullopt;
          return ScoreValue(it->second.document, series.metric);
        };
        change = PairChange{};
        change.before = stored(before_id);
        change.after = stored(after_id);
        if (change.before && change.after) {
          change.delta = *change.after - *change.before;
          if (*change.before != 0)
            change.delta_pct = 100.0 * *change.delta / std::abs(*change.before);
        }
        change.verdict = "not judged";
      }
      if (!change.before && !change.after) continue;
      const std::string this_group = series.metric.substr(0, series.metric.find('.'));
      if (this_group != group) {
        group = this_group;
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextColored(ImVec4(0.45f, 0.80f, 0.90f, 1.0f), "%s", group.c_str());
      }
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      const std::string name = series.metric.substr(series.metric.find('.') + 1);
      ImGui::Text("  %s", name.c_str());
      if (ImGui::IsItemHovered()) {
        ImGui::SetTooltip("%s\nunit: %s\ndirection: %s%s%s%s%s", series.metric.c_str(),
                          series.unit.empty() ? "-" : series.unit.c_str(),
                          series.direction.empty() ? "-" : series.direction.c_str(),
                          series.note.empty() ? "" : "\n", series.note.c_str(),
                          series.left_out.empty() ? "" : "\n", series.left_out.c_str());
      }
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(Number(change.before).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(Number(change.after).c_str());
      ImGui::TableNextColumn();
      std::string delta = Number(change.delta, "%+.3g");
      if (change.delta_pct) delta += " (" + Number(change.delta_pct, "%+.1f") + "%)";
      ImGui::TextUnformatted(delta.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(Number(series.mdc95, "%.3g").c_str());
      if (ImGui::IsItemHovered() && series.mdc95) {
        ImGui::SetTooltip(series.mdc_from_repeats ? "MDC95 from repeat captures"
                          : series.mdc_source == "default"
                              ? "MDC95: documented default (no repeats)"
                              : "MDC95: documented default raised by too few repeat captures");
      }
      ImGui::TableNextColumn();
      ImGui::TextColored(VerdictColour(change.verdict), "%s",
                         change.verdict.empty() ? "-" : change.verdict.c_str());
    }
    ImGui::EndTable();
  }
  ImGui::Separator();
  DrawRois(app);
}

}  // namespace skintrack::viewer
