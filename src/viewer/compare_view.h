#pragma once
// The compare view: baseline and follow-up drawn by shaders/compare.frag into an offscreen target,
// with one shared view transform (synchronized pan and zoom), a wipe slider, blink/onion skin,
// absolute difference and metric-map overlays with a colour scale and legend, ROI polygons and
// manual point pairs drawn on top with ImDrawList.
//
// Image coordinates are baseline pixels (x right, y down). The view maps them to the screen with
// `zoom` screen pixels per image pixel around `center_px`, turned clockwise by `turns` quarter
// turns (a face photographed with the camera on its side is shown upright: the baseline's score
// gives the turn, metrics.mask.face_turn_deg, and T turns the view by hand). UI thread only.

#include <array>
#include <memory>
#include <string>

#include <opencv2/core.hpp>

#include "core/base/result.h"
#include "viewer/gl_wrappers.h"

namespace skintrack::viewer {

class App;

// The colour scale shared by compare.frag (ColourScale) and the legend: 5 stops, RGB 0..1.
const std::array<std::array<float, 3>, 5>& ColourScaleStops();

class CompareView {
 public:
  static Result<std::unique_ptr<CompareView>> Create();
  ~CompareView();
  CompareView(const CompareView&) = delete;
  CompareView& operator=(const CompareView&) = delete;

  // Draws the toolbar and the image area inside the current ImGui window; handles input.
  void Draw(App& app);
  // Re-reads the shaders (F5); keeps the old program when the new one fails (error logged).
  void ReloadShaders(App& app);
  void RequestFit() { fit_requested_ = true; }
  void ZoomBy(float factor);
  // The last rendered comparison as top-down BGR (for PNG export).
  cv::Mat CapturePixels() const { return target_.ReadPixels(); }
  // Where the image area was on screen last frame, in window pixels (x, y, width, height).
  cv::Rect2f screen_rect() const { return screen_rect_; }
  float split() const { return split_; }
  void set_split(float split) { split_ = split; }
  float zoom() const { return zoom_; }
  // Clockwise quarter turns of the view (0-3). Turning by hand (T) or setting it keeps that turn
  // for this comparison; otherwise the baseline's face turn is taken once its score arrives.
  int turns() const { return turns_; }
  void TurnClockwise(const App& app);
  void SetTurns(const App& app, int turns);

 private:
  CompareView() = default;
  void Render(App& app, int width, int height);
  void DrawTiles(App& app, int mode, int viewport_x, int viewport_width, int height);
  void HandleInput(App& app, const cv::Rect2f& rect);
  void DrawAnnotations(App& app, const cv::Rect2f& rect);
  void DrawLegend(App& app, const cv::Rect2f& rect);
  cv::Point2f ScreenToImage(const cv::Rect2f& rect, float sx, float sy) const;
  cv::Point2f ImageToScreen(const cv::Rect2f& rect, float ix, float iy) const;
  cv::Rect2f ViewportOf(const cv::Rect2f& rect, bool side, bool right) const;
  // The view's quarter turn applied to an image offset (ToView) and undone (FromView).
  cv::Point2f ToView(float dx, float dy) const;
  cv::Point2f FromView(float vx, float vy) const;
  // Takes the baseline's face turn from its score the first time it is known for a comparison.
  void TakeFaceTurn(const App& app);

  Shader shader_;
  Framebuffer target_;
  GLuint vertex_array_ = 0;
  GLuint vertex_buffer_ = 0;
  float center_x_px_ = 0;
  float center_y_px_ = 0;
  float zoom_ = 1;
  int turns_ = 0;
  std::string turn_session_;   // the baseline session `turns_` belongs to
  bool turn_decided_ = false;  // set by hand, by --turn, or from that baseline's score
  float split_ = 0.5f;
  bool onion_ = false;
  float onion_mix_ = 0.5f;
  bool fit_requested_ = true;
  bool dragging_split_ = false;
  cv::Size fitted_size_;
  bool side_fitted_ = false;
  cv::Rect2f screen_rect_;
};

}  // namespace skintrack::viewer
