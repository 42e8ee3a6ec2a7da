// Compare view: renders the pair with the project's shaders, then draws labels, the wipe handle,
// ROIs, point pairs and the legend on top with ImDrawList.
#include "viewer/compare_view.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include <imgui.h>

#include "viewer/app.h"
#include "viewer/catalog.h"

namespace skintrack::viewer {

namespace {

constexpr float kMinZoom = 1.0f / 64.0f;
constexpr float kMaxZoom = 32.0f;
constexpr float kSideGapPx = 4.0f;
const ImVec4 kBackground(0.075f, 0.08f, 0.09f, 1.0f);

ImU32 ScaleColour(float t) {
  const auto& stops = ColourScaleStops();
  t = std::clamp(t, 0.0f, 1.0f) * 4.0f;
  const int i = std::min(3, static_cast<int>(t));
  const float f = t - static_cast<float>(i);
  float rgb[3];
  for (int c = 0; c < 3; ++c) {
    rgb[c] = stops[static_cast<std::size_t>(i)][static_cast<std::size_t>(c)] * (1 - f) +
             stops[static_cast<std::size_t>(i + 1)][static_cast<std::size_t>(c)] * f;
  }
  return ImGui::ColorConvertFloat4ToU32(ImVec4(rgb[0], rgb[1], rgb[2], 1.0f));
}

std::string SessionLabel(const App& app, const std::string& session_id) {
  const CatalogSubject* subject = app.CurrentSubject();
  if (subject == nullptr) return session_id;
  const CatalogSession* session = FindSession(*subject, session_id);
  if (session == nullptr) return session_id;
  std::string label = session->id;
  if (!session->date.empty()) label += "  " + session->date;
  if (!session->kind.empty()) label += "  (" + session->kind + ")";
  return label;
}

}  // namespace

const std::array<std::array<float, 3>, 5>& ColourScaleStops() {
  // Keep in step with ColourScale() in shaders/compare.frag.
  static const std::array<std::array<float, 3>, 5> kStops = {{{0.050f, 0.030f, 0.280f},
                                                              {0.130f, 0.370f, 0.560f},
                                                              {0.150f, 0.650f, 0.520f},
                                                              {0.700f, 0.850f, 0.200f},
                                                              {0.990f, 0.950f, 0.600f}}};
  return kStops;
}

Result<std::unique_ptr<CompareView>> CompareView::Create() {
  SKT_ASSIGN_OR_RETURN(Shader shader, Shader::Build("image.vert", "compare.frag"));
  std::unique_ptr<CompareView> view(new CompareView());
  view->shader_ = std::move(shader);
  const float corners[] = {0, 0, 1, 0, 0, 1, 1, 1};
  glGenVertexArrays(1, &view->vertex_array_);
  glGenBuffers(1, &view->vertex_buffer_);
  glBindVertexArray(view->vertex_array_);
  glBindBuffer(GL_ARRAY_BUFFER, view->vertex_buffer_);
  glBufferData(GL_ARRAY_BUFFER, sizeof(corners), corners, GL_STATIC_DRAW);
  glEnableVertexAttribArray(0);
  glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 2 * sizeof(float), nullptr);
  glBindVertexArray(0);
  glBindBuffer(GL_ARRAY_BUFFER, 0);
  return view;
}

CompareView::~CompareView() {
  if (vertex_buffer_ != 0) glDeleteBuffers(1, &vertex_buffer_);
  if (vertex_array_ != 0) glDeleteVertexArrays(1, &vertex_array_);
}

void CompareView::ReloadShaders(App& app) {
  Result<Shader> shader = Shader::Build("image.vert", "compare.frag");
  if (!shader.ok()) {
    app.log.Error(shader.error().message);
    return;
  }
  shader_ = std::move(*shader);
  app.log.Info("shaders reloaded");
}

void CompareView::ZoomBy(float factor) { zoom_ = std::clamp(zoom_ * factor, kMinZoom, kMaxZoom); }

cv::Rect2f CompareView::ViewportOf(const cv::Rect2f& rect, bool side, bool right) const {
  if (!side) return rect;
  const float half = (rect.width - kSideGapPx) / 2.0f;
  return {right ? rect.x + half + kSideGapPx : rect.x, rect.y, half, rect.height};
}

namespace {
// (cos, sin) of `turns` clockwise quarter turns on a y-down screen.
std::pair<float, float> QuarterTurn(int turns) {
  switch (((turns % 4) + 4) % 4) {
    case 1:
      return {0.0f, 1.0f};
    case 2:
      return {-1.0f, 0.0f};
    case 3:
      return {0.0f, -1.0f};
    default:
      return {1.0f, 0.0f};
  }
}
}  // namespace

cv::Point2f CompareView::ToView(float dx, float dy) const {
  const auto [c, s] = QuarterTurn(turns_);
  return {c * dx - s * dy, s * dx + c * dy};
}

cv::Point2f CompareView::FromView(float vx, float vy) const {
  const auto [c, s] = QuarterTurn(turns_);
  return {c * vx + s * vy, -s * vx + c * vy};
}

cv::Point2f CompareView::ScreenToImage(const cv::Rect2f& viewport, float sx, float sy) const {
  const cv::Point2f d = FromView((sx - viewport.x - viewport.width / 2) / zoom_,
                                 (sy - viewport.y - viewport.height / 2) / zoom_);
  return {center_x_px_ + d.x, center_y_px_ + d.y};
}

cv::Point2f CompareView::ImageToScreen(const cv::Rect2f& viewport, float ix, float iy) const {
  const cv::Point2f v = ToView(ix - center_x_px_, iy - center_y_px_);
  return {viewport.x + viewport.width / 2 + v.x * zoom_,
          viewport.y + viewport.height / 2 + v.y * zoom_};
}

void CompareView::SetTurns(const App& app, int turns) {
  turns = ((turns % 4) + 4) % 4;
  if (turns != turns_) RequestFit();
  turns_ = turns;
  turn_session_ = app.before.session_id;
  turn_decided_ = true;
}

void CompareView::TurnClockwise(const App& app) { SetTurns(app, turns_ + 1); }

void CompareView::TakeFaceTurn(const App& app) {
  const std::string& session = app.before.session_id;
  if (session != turn_session_) {  // a new baseline: upright until its turn is known
    turn_session_ = session;
    turn_decided_ = false;
    if (turns_ != 0) RequestFit();
    turns_ = 0;
  }
  if (turn_decided_ || session.empty()) return;
  if (app.options.turn_deg) {
    SetTurns(app, *app.options.turn_deg / 90);
    return;
  }
  if (const std::optional<int> turns = app.FaceQuarterTurns(session)) SetTurns(app, *turns);
}

void CompareView::Draw(App& app) {
  TakeFaceTurn(app);
  // ---- toolbar ----
  const char* labels[] = {"Side by side [1]", "Split [2]", "Blink [3]", "Difference [4]",
                          "Overlay [5]"};
  for (int i = 0; i < 5; ++i) {
    if (i > 0) ImGui::SameLine();
    const CompareMode mode = static_cast<CompareMode>(i);
    if (ImGui::RadioButton(labels[i], app.mode == mode)) app.mode = mode;
  }
  ImGui::SameLine(0, 24);
  ImGui::Checkbox("Unaligned [A]", &app.show_unaligned);
  ImGui::SameLine();
  if (ImGui::Button("Fit [F]")) RequestFit();
  ImGui::SameLine();
  ImGui::TextDisabled("%.0f%%", static_cast<double>(zoom_ * 100.0f));

  ImGui::PushItemWidth(160);
  if (app.mode == CompareMode::kSplit) {
    ImGui::SliderFloat("Wipe", &split_, 0.0f, 1.0f, "%.2f");
  } else if (app.mode == CompareMode::kBlink) {
    ImGui::Checkbox("Onion skin", &onion_);
    ImGui::SameLine();
    if (onion_) {
      ImGui::SliderFloat("Follow-up weight", &onion_mix_, 0.0f, 1.0f, "%.2f");
    } else {
      ImGui::SliderFloat("Period (s)", &app.settings.blink_period_s, 0.2f, 2.0f, "%.1f");
    }
  } else if (app.mode == CompareMode::kDifference) {
    ImGui::SliderFloat("Gain", &app.settings.difference_gain, 1.0f, 16.0f, "x%.1f");
  } else if (app.mode == CompareMode::kOverlay) {
    int overlay = static_cast<int>(app.overlay);
    const char* names[] = {"Redness", "Pigment", "Pores", "Wrinkles", "Scar depth"};
    if (ImGui::Combo("Map", &overlay, names, 5)) app.RequestOverlay(static_cast<OverlayKind>(overlay));
    ImGui::SameLine();
    ImGui::SliderFloat("Opacity", &app.settings.overlay_alpha, 0.0f, 1.0f, "%.2f");
  } else {
    ImGui::TextDisabled("Drag to pan, wheel to zoom (both sides move together)");
  }
  ImGui::PopItemWidth();
  ImGui::SameLine(0, 24);
  if (ImGui::Button("Turn [T]")) TurnClockwise(app);
  ImGui::SameLine();
  if (ImGui::Checkbox("ROI [R]", &app.drawing_roi) && app.drawing_roi) app.picking_points = false;
  ImGui::SameLine();
  if (ImGui::Checkbox("Point pairs [P]", &app.picking_points) && app.picking_points) {
    app.drawing_roi = false;
    app.mode = CompareMode::kSide;
    app.show_unaligned = true;
  }
  if (!app.alignment_status.empty()) {
    ImGui::SameLine(0, 24);
    ImGui::TextDisabled("%s", app.alignment_status.c_str());
  }

  // ---- image area ----
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 available = ImGui::GetContentRegionAvail();
  const float width = std::max(available.x, 16.0f);
  const float height = std::max(available.y, 16.0f);
  const cv::Rect2f rect(origin.x, origin.y, width, height);
  screen_rect_ = rect;

  const CompareImage& after = app.DisplayedAfter();
  const bool have_images = app.before.texture.IsValid() || after.texture.IsValid();
  const bool side = app.mode == CompareMode::kSide;
  const TiledImage& reference = app.before.texture.IsValid() ? app.before.texture : after.texture;
  if (have_images && (fit_requested_ || fitted_size_ != cv::Size(reference.width(), reference.height()) ||
                      side_fitted_ != side)) {
    const cv::Rect2f viewport = ViewportOf(rect, side, false);
    // Turned a quarter, the photo's width runs down the screen.
    const bool across = turns_ % 2 == 1;
    const auto shown_width = static_cast<float>(across ? reference.height() : reference.width());
    const auto shown_height = static_cast<float>(across ? reference.width() : reference.height());
    zoom_ = 0.98f * std::min(viewport.width / shown_width, viewport.height / shown_height);
    center_x_px_ = static_cast<float>(reference.width()) / 2.0f;
    center_y_px_ = static_cast<float>(reference.height()) / 2.0f;
    fitted_size_ = cv::Size(reference.width(), reference.height());
    side_fitted_ = side;
    fit_requested_ = false;
  }

  const ImVec2 scale = ImGui::GetIO().DisplayFramebufferScale;
  const int target_width = std::max(1, static_cast<int>(width * scale.x));
  const int target_height = std::max(1, static_cast<int>(height * scale.y));
  if (!target_.EnsureSize(target_width, target_height)) {
    ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "The GL driver refused the view's framebuffer");
    return;
  }
  Render(app, target_width, target_height);
  ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(target_.colour_texture())),
               ImVec2(width, height), ImVec2(0, 1), ImVec2(1, 0));
  HandleInput(app, rect);
  DrawAnnotations(app, rect);
  if (!have_images) {
    const char* hint = app.BusyText().empty()
                           ? "Choose two sessions in the library (Before / After) to compare"
                           : "Loading photos...";
    const ImVec2 size = ImGui::CalcTextSize(hint);
    ImGui::GetWindowDrawList()->AddText(
        ImVec2(rect.x + (rect.width - size.x) / 2, rect.y + (rect.height - size.y) / 2),
        IM_COL32(170, 175, 185, 255), hint);
  }
}

void CompareView::Render(App& app, int width, int height) {
  GLint previous_viewport[4];
  glGetIntegerv(GL_VIEWPORT, previous_viewport);
  target_.Bind();
  glViewport(0, 0, width, height);
  glDisable(GL_BLEND);
  glDisable(GL_SCISSOR_TEST);
  glClearColor(kBackground.x, kBackground.y, kBackground.z, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  if (shader_.IsValid()) {
    if (app.mode == CompareMode::kSide) {
      const float scale = static_cast<float>(width) / screen_rect_.width;
      const int half = static_cast<int>((screen_rect_.width - kSideGapPx) / 2.0f * scale);
      DrawTiles(app, 0, 0, half, height);
      DrawTiles(app, 1, width - half, half, height);
    } else {
      int mode = 2;
      if (app.mode == CompareMode::kBlink) mode = 3;
      if (app.mode == CompareMode::kDifference) mode = 4;
      if (app.mode == CompareMode::kOverlay) mode = 5;
      DrawTiles(app, mode, 0, width, height);
    }
  }
  Framebuffer::BindDefault();
  glViewport(previous_viewport[0], previous_viewport[1], previous_viewport[2],
             previous_viewport[3]);
}

void CompareView::DrawTiles(App& app, int mode, int viewport_x, int viewport_width, int height) {
  const CompareImage& after = app.DisplayedAfter();
  const TiledImage* images[3] = {&app.before.texture, &after.texture, nullptr};
  const OverlayMap* overlay = nullptr;
  if (mode == 5) {
    auto it = app.overlay_maps.find(app.CurrentOverlayKey());
    if (it != app.overlay_maps.end() && it->second.texture.IsValid()) {
      overlay = &it->second;
      images[2] = &overlay->texture;
    }
  }
  int tile_px = 0;
  int columns = 0;
  int rows = 0;
  for (const TiledImage* image : images) {
    if (image == nullptr || !image->IsValid()) continue;
    tile_px = image->tile_px();
    columns = std::max(columns, image->columns());
    rows = std::max(rows, image->rows());
  }
  if (tile_px == 0) return;

  glViewport(viewport_x, 0, viewport_width, height);
  const float view_width = static_cast<float>(viewport_width);
  const float view_height = static_cast<float>(height);
  // ndc = image_px * scale + offset; the target is shown flipped, so image y down is ndc y down.
  const float scale_x = 2.0f * zoom_ * ImGui::GetIO().DisplayFramebufferScale.x / view_width;
  const float scale_y = -2.0f * zoom_ * ImGui::GetIO().DisplayFramebufferScale.y / view_height;
  shader_.Use();
  shader_.SetVec4("u_view", scale_x, scale_y, center_x_px_, center_y_px_);
  const auto [turn_cos, turn_sin] = QuarterTurn(turns_);
  shader_.SetMat2("u_turn", turn_cos, -turn_sin, turn_sin, turn_cos);
  shader_.SetInt("u_before", 0);
  shader_.SetInt("u_after", 1);
  shader_.SetInt("u_map", 2);
  shader_.SetInt("u_mode", mode);
  // The wipe sits at a fixed screen fraction; the shader needs it as a line in image pixels: the
  // points whose view x (the first row of the turn applied to image - centre) is the wipe's.
  const float split_view_x = (split_ - 0.5f) * screen_rect_.width / zoom_;
  shader_.SetVec3("u_split_line", turn_cos, -turn_sin,
                  turn_cos * center_x_px_ - turn_sin * center_y_px_ + split_view_x);
  shader_.SetFloat("u_split_line_px", 1.0f / zoom_);
  float mix = onion_ ? onion_mix_ : 0.0f;
  if (!onion_) {
    const double period = std::max(0.05, static_cast<double>(app.settings.blink_period_s));
    mix = static_cast<int>(std::floor(app.time_s / period)) % 2 == 0 ? 0.0f : 1.0f;
  }
  shader_.SetFloat("u_mix", mix);
  shader_.SetFloat("u_diff_gain", app.settings.difference_gain);
  shader_.SetFloat("u_overlay_alpha", app.settings.overlay_alpha);
  shader_.SetInt("u_overlay_on_after", 1);  // maps belong to the follow-up
  shader_.SetVec2("u_map_range", overlay ? overlay->range_min : 0.0f,
                  overlay ? overlay->range_max : 1.0f);
  shader_.SetVec4("u_background", kBackground.x, kBackground.y, kBackground.z, 1.0f);
  glBindVertexArray(vertex_array_);
  const char* size_uniforms[3] = {"u_before_size_px", "u_after_size_px", "u_map_size_px"};
  for (int row = 0; row < rows; ++row) {
    for (int column = 0; column < columns; ++column) {
      const float x0 = static_cast<float>(column * tile_px);
      const float y0 = static_cast<float>(row * tile_px);
      shader_.SetVec4("u_tile_rect_px", x0, y0, static_cast<float>(tile_px),
                      static_cast<float>(tile_px));
      for (int unit = 0; unit < 3; ++unit) {
        const Texture* tile = images[unit] && images[unit]->IsValid()
                                  ? images[unit]->Tile(column, row)
                                  : nullptr;
        glActiveTexture(static_cast<GLenum>(GL_TEXTURE0 + unit));
        glBindTexture(GL_TEXTURE_2D, tile ? tile->id() : 0);
        shader_.SetVec2(size_uniforms[unit], tile ? static_cast<float>(tile->width()) : 0.0f,
                        tile ? static_cast<float>(tile->height()) : 0.0f);
      }
      glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    }
  }
  glActiveTexture(GL_TEXTURE0);
  glBindVertexArray(0);
  glUseProgram(0);
}

void CompareView::HandleInput(App& app, const cv::Rect2f& rect) {
  if (!ImGui::IsItemHovered()) {
    if (!ImGui::IsMouseDown(ImGuiMouseButton_Left)) dragging_split_ = false;
    return;
  }
  ImGuiIO& io = ImGui::GetIO();
  const bool side = app.mode == CompareMode::kSide;
  const bool right = side && io.MousePos.x > rect.x + rect.width / 2;
  const cv::Rect2f viewport = ViewportOf(rect, side, right);
  if (io.MouseWheel != 0) {
    const cv::Point2f anchor = ScreenToImage(viewport, io.MousePos.x, io.MousePos.y);
    ZoomBy(std::pow(1.2f, io.MouseWheel));
    // Keep the image point under the cursor fixed while zooming.
    const cv::Point2f offset = FromView((io.MousePos.x - viewport.x - viewport.width / 2) / zoom_,
                                        (io.MousePos.y - viewport.y - viewport.height / 2) / zoom_);
    center_x_px_ = anchor.x - offset.x;
    center_y_px_ = anchor.y - offset.y;
  }
  if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left) && !app.drawing_roi) RequestFit();
  const float split_screen_x = rect.x + split_ * rect.width;
  if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
    const cv::Point2f image = ScreenToImage(viewport, io.MousePos.x, io.MousePos.y);
    if (app.mode == CompareMode::kSplit && std::abs(io.MousePos.x - split_screen_x) < 8.0f) {
      dragging_split_ = true;
    } else if (app.drawing_roi) {
      if (app.rois.empty() || app.rois.back().closed) app.rois.emplace_back();
      app.rois.back().points_px.push_back(image);
    } else if (app.picking_points && side) {
      (right ? app.picked_moving_px : app.picked_fixed_px).emplace_back(image.x, image.y);
    }
  }
  if (app.drawing_roi && ImGui::IsMouseClicked(ImGuiMouseButton_Right) && !app.rois.empty() &&
      !app.rois.back().closed && app.rois.back().points_px.size() >= 3) {
    app.rois.back().closed = true;
    app.ScoreRoi(app.rois.size() - 1);
  }
  if (ImGui::IsMouseDragging(ImGuiMouseButton_Left)) {
    if (dragging_split_) {
      split_ = std::clamp((io.MousePos.x - rect.x) / rect.width, 0.0f, 1.0f);
    } else if (!app.drawing_roi && !app.picking_points) {
      const cv::Point2f moved = FromView(io.MouseDelta.x / zoom_, io.MouseDelta.y / zoom_);
      center_x_px_ -= moved.x;
      center_y_px_ -= moved.y;
    }
  }
  if (!ImGui::IsMouseDown(ImGuiMouseButton_Left)) dragging_split_ = false;
}

void CompareView::DrawAnnotations(App& app, const cv::Rect2f& rect) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->PushClipRect(ImVec2(rect.x, rect.y), ImVec2(rect.x + rect.width, rect.y + rect.height),
                     true);
  const bool side = app.mode == CompareMode::kSide;
  const CompareImage& after = app.DisplayedAfter();
  const std::string before_label = "Before: " + SessionLabel(app, app.before.session_id);
  std::string after_label = "After: " + SessionLabel(app, after.session_id);
  after_label += app.show_unaligned ? "  [unaligned]" : "";
  auto label = [&](float x, float y, const std::string& text, bool align_right) {
    const ImVec2 size = ImGui::CalcTextSize(text.c_str());
    const float left = align_right ? x - size.x - 12 : x;
    draw->AddRectFilled(ImVec2(left, y), ImVec2(left + size.x + 12, y + size.y + 6),
                        IM_COL32(20, 22, 26, 200), 3.0f);
    draw->AddText(ImVec2(left + 6, y + 3), IM_COL32(235, 238, 242, 255), text.c_str());
  };
  if (!app.before.session_id.empty()) {
    label(rect.x + 8, rect.y + 8, before_label, false);
    if (app.mode == CompareMode::kSide || app.mode == CompareMode::kSplit) {
      label(rect.x + rect.width - 8, rect.y + 8, after_label, true);
    } else if (app.mode == CompareMode::kBlink) {
      label(rect.x + rect.width - 8, rect.y + 8, after_label, true);
    }
  }
  if (app.mode == CompareMode::kSplit) {
    const float x = rect.x + split_ * rect.width;
    const float y = rect.y + rect.height / 2;
    draw->AddCircleFilled(ImVec2(x, y), 10, IM_COL32(245, 245, 245, 230));
    draw->AddTriangleFilled(ImVec2(x - 7, y), ImVec2(x - 3, y - 4), ImVec2(x - 3, y + 4),
                            IM_COL32(40, 40, 40, 255));
    draw->AddTriangleFilled(ImVec2(x + 7, y), ImVec2(x + 3, y - 4), ImVec2(x + 3, y + 4),
                            IM_COL32(40, 40, 40, 255));
  }
  // ROI polygons (drawn on the baseline viewport, and mirrored on the follow-up when side by side).
  for (int pass = 0; pass < (side ? 2 : 1); ++pass) {
    const cv::Rect2f viewport = ViewportOf(rect, side, pass == 1);
    for (std::size_t i = 0; i < app.rois.size(); ++i) {
      const RoiPolygon& roi = app.rois[i];
      std::vector<ImVec2> points;
      for (const cv::Point2f& p : roi.points_px) {
        const cv::Point2f s = ImageToScreen(viewport, p.x, p.y);
        points.emplace_back(s.x, s.y);
      }
      if (points.empty()) continue;
      const ImU32 colour = IM_COL32(255, 200, 60, 255);
      draw->AddPolyline(points.data(), static_cast<int>(points.size()), colour,
                        roi.closed ? ImDrawFlags_Closed : ImDrawFlags_None, 2.0f);
      for (const ImVec2& p : points) draw->AddCircleFilled(p, 3.0f, colour);
      draw->AddText(ImVec2(points[0].x + 6, points[0].y - 18), colour,
                    ("ROI " + std::to_string(i + 1)).c_str());
    }
  }
  if (side) {
    const cv::Rect2f left = ViewportOf(rect, true, false);
    const cv::Rect2f right = ViewportOf(rect, true, true);
    for (std::size_t i = 0; i < app.picked_fixed_px.size(); ++i) {
      const cv::Point2f s = ImageToScreen(left, static_cast<float>(app.picked_fixed_px[i].x),
                                          static_cast<float>(app.picked_fixed_px[i].y));
      draw->AddCircle(ImVec2(s.x, s.y), 7, IM_COL32(90, 220, 255, 255), 0, 2);
      draw->AddText(ImVec2(s.x + 8, s.y), IM_COL32(90, 220, 255, 255), std::to_string(i + 1).c_str());
    }
    for (std::size_t i = 0; i < app.picked_moving_px.size(); ++i) {
      const cv::Point2f s = ImageToScreen(right, static_cast<float>(app.picked_moving_px[i].x),
                                          static_cast<float>(app.picked_moving_px[i].y));
      draw->AddCircle(ImVec2(s.x, s.y), 7, IM_COL32(90, 220, 255, 255), 0, 2);
      draw->AddText(ImVec2(s.x + 8, s.y), IM_COL32(90, 220, 255, 255), std::to_string(i + 1).c_str());
    }
  }
  if (app.mode == CompareMode::kDifference || app.mode == CompareMode::kOverlay) {
    DrawLegend(app, rect);
  }
  draw->PopClipRect();
}

void CompareView::DrawLegend(App& app, const cv::Rect2f& rect) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  std::string title;
  std::string low = "0";
  std::string high;
  char text[64];
  if (app.mode == CompareMode::kDifference) {
    title = "|after - before| (sRGB, 0-1)";
    std::snprintf(text, sizeof(text), "%.3f",
                  1.0 / std::max(1.0, static_cast<double>(app.settings.difference_gain)));
    high = text;
  } else {
    auto it = app.overlay_maps.find(app.CurrentOverlayKey());
    title = std::string(OverlayName(app.overlay)) + " map";
    if (it == app.overlay_maps.end() || !it->second.texture.IsValid()) {
      const bool busy = it != app.overlay_maps.end() && it->second.state == JobState::kRunning;
      title += busy ? " (computing...)" : " (not available for this photo)";
      high = "-";
      low = "-";
    } else {
      title += it->second.unit.empty() ? "" : " (" + it->second.unit + ")";
      std::snprintf(text, sizeof(text), "%.3g", static_cast<double>(it->second.range_min));
      low = text;
      std::snprintf(text, sizeof(text), "%.3g", static_cast<double>(it->second.range_max));
      high = text;
    }
  }
  const float bar_width = 220;
  const float bar_height = 12;
  const float x = rect.x + rect.width - bar_width - 24;
  const float y = rect.y + rect.height - 64;
  draw->AddRectFilled(ImVec2(x - 10, y - 26), ImVec2(x + bar_width + 10, y + bar_height + 24),
                      IM_COL32(20, 22, 26, 215), 4.0f);
  draw->AddText(ImVec2(x, y - 22), IM_COL32(235, 238, 242, 255), title.c_str());
  const int steps = 44;
  for (int i = 0; i < steps; ++i) {
    const float t0 = static_cast<float>(i) / steps;
    const float t1 = static_cast<float>(i + 1) / steps;
    draw->AddRectFilled(ImVec2(x + t0 * bar_width, y), ImVec2(x + t1 * bar_width + 0.5f, y + bar_height),
                        ScaleColour((t0 + t1) / 2));
  }
  draw->AddRect(ImVec2(x, y), ImVec2(x + bar_width, y + bar_height), IM_COL32(200, 200, 200, 160));
  draw->AddText(ImVec2(x, y + bar_height + 3), IM_COL32(200, 204, 210, 255), low.c_str());
  const ImVec2 high_size = ImGui::CalcTextSize(high.c_str());
  draw->AddText(ImVec2(x + bar_width - high_size.x, y + bar_height + 3),
                IM_COL32(200, 204, 210, 255), high.c_str());
}

}  // namespace skintrack::viewer
