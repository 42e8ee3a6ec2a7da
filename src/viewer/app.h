#pragma once
// skintrack-viewer application state and shell: the GLFW window (OpenGL 3.3 core), Dear ImGui with
// a fixed, docking-free layout of panels (one file per panel), the menu with keyboard shortcuts,
// the worker pool, and the scripted mode used by CI (render N frames, write a screenshot).
//
// Threads: everything in App runs on the UI thread. Slow work (decoding, quality, alignment,
// scoring) is submitted to `workers`; its completion hands results back to the UI thread, which
// uploads textures once. The UI never waits on a worker, except in scripted mode, which waits for
// the work to finish before it captures (so screenshots are deterministic).
//
// Failure: every error (missing or corrupt photo, failed alignment, unreadable manifest) goes to
// the log panel; the application keeps running.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "viewer/catalog.h"
#include "viewer/gl_wrappers.h"
#include "viewer/log_panel.h"
#include "viewer/settings.h"
#include "viewer/worker_pool.h"

struct GLFWwindow;

namespace skintrack::viewer {

enum class CompareMode { kSide, kSplit, kBlink, kDifference, kOverlay };
const char* CompareModeName(CompareMode mode);  // "side", "split", ...
std::optional<CompareMode> ParseCompareMode(const std::string& name);

// Metric maps that can be overlaid; each names the score group whose map is shown.
enum class OverlayKind { kRedness, kPigment, kPores, kWrinkles, kScars };
const char* OverlayName(OverlayKind kind);  // "redness", "pigment", "pores", "wrinkles", "scars"
std::optional<OverlayKind> ParseOverlay(const std::string& name);

// Command line of skintrack-viewer.
struct ViewerOptions {
  std::filesystem::path database;   // --db
  std::filesystem::path manifest;   // --manifest (a manifest.csv or a folder)
  std::string subject;              // --subject
  std::string before_session;       // --compare S1 S2
  std::string after_session;
  CompareMode mode = CompareMode::kSide;
  OverlayKind overlay = OverlayKind::kRedness;
  std::string panel = "compare";    // --panel compare|progress: which view gets the large area
  std::string metric;               // --metric group.key for the progress panel
  std::filesystem::path screenshot; // --screenshot OUT.png (scripted mode)
  int frames = 0;                   // --frames N (scripted mode; 0 = interactive)
  bool stats = false;               // --stats: frame-time and upload statistics on stdout
  bool show_unaligned = false;      // --unaligned
  float split = 0.5f;               // --split: wipe position, fraction of the view width
  std::optional<int> turn_deg;      // --turn 0|90|180|270: the view's clockwise turn (default:
                                    // the baseline's face turn, from its score)
  bool score = true;                // --no-score disables background scoring
  bool align = true;                // --no-align shows the unaligned follow-up without registering
  std::filesystem::path settings_path;
  int max_tile_px = 0;              // --max-tile (testing the tiled path)
  std::optional<double> chart_pitch_mm;  // --chart-pitch-mm: sets the setting of that name
  bool same_light = false;               // --same-light: sets the setting of that name
  int width = 0;                    // --size WxH overrides the settings
  int height = 0;
};

enum class JobState { kIdle, kRunning, kReady, kFailed };

// Everything the library panel shows about one photo.
struct PhotoInfo {
  JobState state = JobState::kIdle;
  std::string error;
  int width = 0;
  int height = 0;
  std::vector<std::string> quality_warnings;  // "code: message"
  cv::Mat thumbnail_pixels;                   // decoded on a worker, uploaded once
  Texture thumbnail;
};

// One side of the comparison.
struct CompareImage {
  std::string session_id;
  std::filesystem::path path;
  JobState state = JobState::kIdle;
  std::string error;
  cv::Mat pixels;          // kept for alignment, export and manual point pairs
  cv::Mat pending_upload;  // handed from a worker; uploaded on the next frame
  TiledImage texture;
};

// The score document of a session (its first photo), computed on a worker.
struct SessionScore {
  JobState state = JobState::kIdle;
  std::string error;
  nlohmann::json document;
  std::filesystem::path maps_dir;
};

struct OverlayMap {
  JobState state = JobState::kIdle;
  std::string error;
  cv::Mat pending_upload;  // CV_32FC1
  TiledImage texture;
  float range_min = 0;
  float range_max = 1;
  std::string unit;
};

struct RoiPolygon {
  std::vector<cv::Point2f> points_px;  // baseline image pixels
  bool closed = false;
  JobState state = JobState::kIdle;
  std::string error;
  nlohmann::json before_metrics;
  nlohmann::json after_metrics;
};

struct FrameStats {
  std::vector<double> frame_ms;
  std::vector<std::int64_t> uploads_per_frame;
};

class CompareView;
struct AlignmentResult;  // the registration of the current pair (app.cpp)

class App {
 public:
  explicit App(ViewerOptions options);
  ~App();
  // Runs until the window closes (interactive) or N frames were rendered (scripted). Returns the
  // process exit code: 0, also when photos failed to load (those errors are in the log).
  int Run();

  // ---- state shared with the panels (UI thread) ----
  ViewerOptions options;
  ViewerSettings settings;
  Log log;
  std::unique_ptr<WorkerPool> workers;
  Catalog catalog;
  bool catalog_loaded = false;
  std::string subject_id;
  std::string selected_session;  // library selection
  std::map<std::string, PhotoInfo> photos;         // by path string
  std::map<std::string, SessionScore> scores;      // by session id (current subject)
  int scores_version = 0;  // bumped whenever `scores` changes (panels cache on it)
  CompareImage before;
  CompareImage after_unaligned;
  CompareImage after_aligned;
  nlohmann::json registration;  // RegistrationToJson of the current pair (empty when none)
  std::string alignment_status;  // sentence shown in the compare toolbar
  bool show_unaligned = false;
  CompareMode mode = CompareMode::kSide;
  OverlayKind overlay = OverlayKind::kRedness;
  std::map<std::string, OverlayMap> overlay_maps;  // by "session/overlay"
  std::vector<RoiPolygon> rois;
  bool drawing_roi = false;
  bool picking_points = false;
  std::vector<cv::Point2d> picked_fixed_px;
  std::vector<cv::Point2d> picked_moving_px;
  std::string progress_metric;
  std::unique_ptr<CompareView> compare_view;
  std::int64_t frame_index = 0;
  double time_s = 0;

  // ---- actions (UI thread) ----
  void OpenSource(const std::filesystem::path& path, bool is_database);
  void SelectSubject(const std::string& id);
  void SetComparison(const std::string& before_session, const std::string& after_session);
  // Changes the chart pitch photos without a scale of their own are measured with, and scores the
  // subject's sessions again (results of scorings still running are dropped).
  void SetChartPitch(double pitch_mm);
  // Whether absolute colour without a chart is judged (ViewerSettings::same_light).
  void SetSameLight(bool same_light);
  void AddPhotos(const std::vector<std::filesystem::path>& paths);
  void RequestOverlay(OverlayKind kind);
  void ScoreRoi(std::size_t index);
  void ApplyManualAlignment();
  void ExportComparisonPng(const std::filesystem::path& path);
  void ExportReport(const std::filesystem::path& path);
  void SaveManifest();
  const CompareImage& DisplayedAfter() const;
  // Clockwise quarter turns that stand the face of a session's first photo upright, from its
  // score (metrics.mask.face_turn_deg; 0 without a face); nullopt until that score is ready.
  std::optional<int> FaceQuarterTurns(const std::string& session_id) const;
  const CatalogSubject* CurrentSubject() const;
  std::string BusyText() const;
  // Key of the overlay map shown now in overlay_maps: "<after session>/<overlay>[/unaligned]".
  std::string CurrentOverlayKey() const;

 private:
  bool InitWindow();
  void ShutdownWindow();
  void DrawFrame();
  void DrawMenu();
  void HandleShortcuts();
  void UploadPending();
  void RequestPhotoInfo(const std::filesystem::path& path);
  void RequestScore(const std::string& session_id);
  void LoadCompareImage(CompareImage& slot, const std::string& session_id);
  void StartAlignment();
  void WriteScreenshot();
  void PrintStats() const;

  GLFWwindow* window_ = nullptr;
  float content_scale_ = 1.0f;
  FrameStats stats_;
  std::shared_ptr<const AlignmentResult> alignment_;
  std::uint64_t comparison_generation_ = 0;  // drops results of superseded comparisons
  std::uint64_t score_generation_ = 0;       // drops scores made with a superseded chart pitch
  std::filesystem::path cache_dir_;
  bool want_export_png_ = false;
  bool want_report_ = false;
  char path_field_[1024] = {};
};

// Panels (one file each). Each draws inside an ImGui window the shell has begun.
void DrawLibraryPanel(App& app);
void DrawMeasurementPanel(App& app);
void DrawProgressPanel(App& app);

}  // namespace skintrack::viewer
