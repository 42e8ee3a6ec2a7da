// Progress panel: one metric across all sessions of the subject (ImDrawList chart) with treatment
// markers, the baseline +/- MDC95 band, claim windows shaded, hover values, and the claim verdicts
// with their evidence.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include <imgui.h>

#include "viewer/app.h"
#include "viewer/metric_series.h"

namespace skintrack::viewer {

namespace {

struct ProgressCache {
  std::string subject;
  std::string metric;
  int version = -1;
  MetricSeries series;
  std::vector<ClaimWindow> claims;
};

ImU32 ClaimColour(const std::string& verdict, int alpha) {
  if (verdict == "supported") return IM_COL32(80, 190, 110, alpha);
  if (verdict == "not supported") return IM_COL32(220, 90, 80, alpha);
  return IM_COL32(150, 150, 160, alpha);
}

// A "nice" tick step (1, 2 or 5 x 10^k) giving about `count` ticks over `span`.
double NiceStep(double span, int count) {
  if (span <= 0) return 1;
  const double raw = span / count;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double fraction = raw / magnitude;
  const double nice = fraction < 1.5 ? 1 : fraction < 3.5 ? 2 : fraction < 7.5 ? 5 : 10;
  return nice * magnitude;
}

void DrawChart(const MetricSeries& series, const std::vector<ClaimWindow>& claims, ImVec2 size) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("chart", size);
  const bool hovered = ImGui::IsItemHovered();
  const float left = origin.x + 64, right = origin.x + size.x - 16;
  const float top = origin.y + 10, bottom = origin.y + size.y - 30;
  draw->AddRectFilled(ImVec2(left, top), ImVec2(right, bottom), IM_COL32(24, 27, 32, 255));
  if (series.points.empty()) {
    // Values left out for the photos' resolution are not "yet" to come: the series says why.
    const std::string text = !series.left_out.empty()
                                 ? "No values: " + series.left_out
                                 : "No values yet for this metric (sessions are scored in the "
                                   "background).";
    draw->AddText(ImVec2(left + 12, top + 12), IM_COL32(170, 175, 185, 255), text.c_str());
    return;
  }
  double x_min = 0, x_max = 1;
  double y_min = series.points.front().value, y_max = y_min;
  for (const MetricPoint& p : series.points) {
    x_min = std::min(x_min, p.days_since_baseline);
    x_max = std::max(x_max, p.days_since_baseline);
    y_min = std::min(y_min, p.value);
    y_max = std::max(y_max, p.value);
  }
  for (double day : series.treatment_days) x_max = std::max(x_max, day);
  if (series.baseline && series.mdc95) {
    y_min = std::min(y_min, *series.baseline - *series.mdc95);
    y_max = std::max(y_max, *series.baseline + *series.mdc95);
  }
  const double y_pad = std::max((y_max - y_min) * 0.12, std::abs(y_max) * 0.02 + 1e-9);
  y_min -= y_pad;
  y_max += y_pad;
  const double x_pad = (x_max - x_min) * 0.04 + 0.5;
  x_min -= x_pad;
  x_max += x_pad;
  auto sx = [&](double day) {
    return left + static_cast<float>((day - x_min) / (x_max - x_min)) * (right - left);
  };
  auto sy = [&](double value) {
    return bottom - static_cast<float>((value - y_min) / (y_max - y_min)) * (bottom - top);
  };
  draw->PushClipRect(ImVec2(left, top), ImVec2(right, bottom), true);
  // Claim windows (shaded, coloured by verdict).
  for (const ClaimWindow& claim : claims) {
    if (!claim.start_day || !claim.end_day) continue;
    const float x0 = sx(*claim.start_day), x1 = std::max(sx(*claim.end_day), x0 + 2.0f);
    draw->AddRectFilled(ImVec2(x0, top), ImVec2(x1, bottom), ClaimColour(claim.verdict, 38));
    draw->AddText(ImVec2(x0 + 3, top + 3), ClaimColour(claim.verdict, 220), claim.claim_id.c_str());
  }
  // Baseline +/- MDC95 band: changes inside it are not detectable.
  if (series.baseline) {
    if (series.mdc95) {
      draw->AddRectFilled(ImVec2(left, sy(*series.baseline + *series.mdc95)),
                          ImVec2(right, sy(*series.baseline - *series.mdc95)),
                          IM_COL32(90, 160, 220, 45));
    }
    draw->AddLine(ImVec2(left, sy(*series.baseline)), ImVec2(right, sy(*series.baseline)),
                  IM_COL32(90, 160, 220, 160), 1.0f);
  }
  // Grid and y ticks.
  const double y_step = NiceStep(y_max - y_min, 5);
  char text[64];
  draw->PopClipRect();
  for (double y = std::ceil(y_min / y_step) * y_step; y <= y_max; y += y_step) {
    draw->AddLine(ImVec2(left, sy(y)), ImVec2(right, sy(y)), IM_COL32(255, 255, 255, 18));
    std::snprintf(text, sizeof(text), "%.4g", y);
    const ImVec2 text_size = ImGui::CalcTextSize(text);
    draw->AddText(ImVec2(left - text_size.x - 6, sy(y) - text_size.y / 2),
                  IM_COL32(170, 175, 185, 255), text);
  }
  const double x_step = std::max(1.0, NiceStep(x_max - x_min, 8));
  for (double x = std::ceil(x_min / x_step) * x_step; x <= x_max; x += x_step) {
    draw->AddLine(ImVec2(sx(x), bottom), ImVec2(sx(x), bottom + 4), IM_COL32(170, 175, 185, 255));
    std::snprintf(text, sizeof(text), "%.0f", x);
    draw->AddText(ImVec2(sx(x) - 6, bottom + 6), IM_COL32(170, 175, 185, 255), text);
  }
  draw->AddText(ImVec2(right - 140, bottom + 6), IM_COL32(140, 145, 155, 255),
                "days since baseline");
  // Treatment markers.
  for (double day : series.treatment_days) {
    const float x = sx(day);
    for (float y = top; y < bottom; y += 8) {
      draw->AddLine(ImVec2(x, y), ImVec2(x, std::min(y + 4, bottom)), IM_COL32(240, 190, 90, 200),
                    1.5f);
    }
    draw->AddText(ImVec2(x + 3, bottom - 18), IM_COL32(240, 190, 90, 230), "Tx");
  }
  // The series.
  std::vector<ImVec2> points;
  for (const MetricPoint& p : series.points) points.emplace_back(sx(p.days_since_baseline), sy(p.value));
  draw->AddPolyline(points.data(), static_cast<int>(points.size()), IM_COL32(120, 205, 230, 255),
                    ImDrawFlags_None, 2.0f);
  int hover_index = -1;
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const MetricPoint& p = series.points[i];
    ImU32 colour = IM_COL32(120, 205, 230, 255);
    if (p.verdict == "improved") colour = IM_COL32(110, 215, 140, 255);
    if (p.verdict == "worsened") colour = IM_COL32(240, 110, 100, 255);
    draw->AddCircleFilled(points[i], 5.0f, colour);
    draw->AddCircle(points[i], 5.0f, IM_COL32(20, 20, 20, 255));
    const float dx = mouse.x - points[i].x, dy = mouse.y - points[i].y;
    if (hovered && dx * dx + dy * dy < 12 * 12) hover_index = static_cast<int>(i);
  }
  if (hover_index >= 0) {
    const MetricPoint& p = series.points[static_cast<std::size_t>(hover_index)];
    ImGui::BeginTooltip();
    ImGui::Text("%s  %s  %s", p.session_id.c_str(), p.date.c_str(), p.kind.c_str());
    ImGui::Text("%s = %.4g %s", series.metric.c_str(), p.value, series.unit.c_str());
    if (p.delta) {
      ImGui::Text("change vs baseline %+.4g%s", *p.delta,
                  p.delta_pct ? (" (" + std::to_string(static_cast<int>(std::lround(*p.delta_pct))) + "%)").c_str() : "");
    }
    if (!p.verdict.empty()) ImGui::Text("verdict: %s", p.verdict.c_str());
    ImGui::EndTooltip();
  }
}

}  // namespace

void DrawProgressPanel(App& app) {
  static ProgressCache cache;
  const CatalogSubject* subject = app.CurrentSubject();
  if (subject == nullptr) {
    ImGui::TextDisabled("Open a source and choose a subject.");
    return;
  }
  const std::vector<std::string> keys = ScoredMetricKeys(app.scores);
  if (app.progress_metric.empty() && !keys.empty()) app.progress_metric = keys.front();
  ImGui::SetNextItemWidth(280);
  if (ImGui::BeginCombo("Metric", app.progress_metric.empty() ? "(none yet)"
                                                              : app.progress_metric.c_str())) {
    for (const std::string& key : keys) {
      if (ImGui::Selectable(key.c_str(), key == app.progress_metric)) app.progress_metric = key;
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  bool same_light = app.settings.same_light;
  if (ImGui::Checkbox("same light", &same_light)) app.SetSameLight(same_light);
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip(
        "Every session was photographed with the same light and camera settings (a fixed\n"
        "booth, white balance and exposure locked). Then redness, melanin, ITA and L* spread\n"
        "of photos without a colour chart are judged; otherwise they are left out, because\n"
        "a change of light reads as a change of skin.");
  }
  if (cache.subject != subject->id || cache.metric != app.progress_metric ||
      cache.version != app.scores_version) {
    cache.subject = subject->id;
    cache.metric = app.progress_metric;
    cache.version = app.scores_version;
    cache.series =
        BuildMetricSeries(*subject, app.scores, app.progress_metric, app.settings.same_light);
    cache.claims = EvaluateClaimWindows(*subject, app.scores, app.settings.same_light);
  }
  const MetricSeries& series = cache.series;
  ImGui::SameLine();
  if (series.mdc95) {
    ImGui::TextDisabled("baseline %.4g %s, MDC95 %.3g (%s)", series.baseline.value_or(0),
                        series.unit.c_str(), *series.mdc95,
                        series.mdc_source.c_str());
  } else if (!series.note.empty()) {
    ImGui::TextDisabled("%s", series.note.c_str());
  }
  // Sessions whose values were left out (below the photo's resolution) are named beside it.
  if (!series.left_out.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("%s", series.left_out.c_str());
  }
  const ImVec2 available = ImGui::GetContentRegionAvail();
  const bool claims_beside = available.x > 900;
  const float chart_w = claims_beside ? available.x * 0.62f : available.x;
  const float chart_h = claims_beside ? available.y : std::max(160.0f, available.y * 0.62f);
  DrawChart(series, cache.claims, ImVec2(chart_w, chart_h));
  if (claims_beside) ImGui::SameLine();
  ImGui::BeginChild("claims", ImVec2(0, 0), false);
  ImGui::Text("Claims (built-in presets)");
  if (cache.claims.empty()) {
    ImGui::TextDisabled(HaveCompareModule() ? "no scores yet"
                                            : "built without src/compare: no claim verdicts");
  }
  for (const ClaimWindow& claim : cache.claims) {
    ImGui::PushID(claim.claim_id.c_str());
    const ImU32 colour = ClaimColour(claim.verdict, 255);
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(colour));
    const bool open = ImGui::TreeNode("claim", "%s: %s", claim.verdict.c_str(), claim.title.c_str());
    ImGui::PopStyleColor();
    if (open) {
      ImGui::TextDisabled("%s", claim.window_text.c_str());
      ImGui::PushTextWrapPos(0);
      ImGui::TextUnformatted(claim.reason.c_str());
      for (const std::string& line : claim.evidence) ImGui::BulletText("%s", line.c_str());
      ImGui::PopTextWrapPos();
      ImGui::TreePop();
    }
    ImGui::PopID();
  }
  ImGui::EndChild();
}

}  // namespace skintrack::viewer
