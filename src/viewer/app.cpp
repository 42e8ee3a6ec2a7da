// Application shell: window, ImGui, layout, menus and shortcuts, worker jobs, scripted mode.
#include "viewer/app.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <thread>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <dlfcn.h>
#include <link.h>

#include <string>
#include <vector>
#endif

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/base/atomic_file.h"
#include "core/io/image_io.h"
#include "core/pipeline/score_pipeline.h"
#include "core/quality/capture_quality.h"
#include "viewer/compare_view.h"
#include "viewer/metric_series.h"

#if defined(SKINTRACK_VIEWER_HAS_CORE_REGISTRATION)
#include "core/registration/registration.h"
#endif

namespace skintrack::viewer {

namespace {

#if defined(__SANITIZE_ADDRESS__)
// Under AddressSanitizer only. glfwTerminate unloads the OpenGL driver (Mesa's DRI/Gallium
// modules), so the allocations it never frees reach LeakSanitizer's exit-time check with stacks
// in code that is no longer mapped ("<unknown module>"), which no suppression can name. Marking
// the driver's modules RTLD_NODELETE keeps them mapped until exit, so their leaks are attributed
// and matched by tests/sanitizers/lsan.supp.
void KeepGlDriverLoadedForLeakChecks() {
  std::vector<std::string> modules;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) {
        const std::string name = info->dlpi_name != nullptr ? info->dlpi_name : "";
        if (name.find("dri") != std::string::npos || name.find("gallium") != std::string::npos ||
            name.find("GLX") != std::string::npos || name.find("LLVM") != std::string::npos ||
            name.find("glapi") != std::string::npos) {
          static_cast<std::vector<std::string>*>(out)->push_back(name);
        }
        return 0;
      },
      &modules);
  for (const std::string& name : modules) {
    dlopen(name.c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);  // adds NODELETE; no new handle
  }
}
#else
void KeepGlDriverLoadedForLeakChecks() {}
#endif


constexpr int kThumbnailPx = 160;
constexpr double kScriptedFrameS = 1.0 / 60.0;
constexpr double kScriptedWorkTimeoutS = 300.0;

App* g_drop_target = nullptr;  // GLFW's drop callback carries no user pointer we own

void OnDrop(GLFWwindow* /*window*/, int count, const char** paths) {
  if (g_drop_target == nullptr) return;
  std::vector<std::filesystem::path> files;
  for (int i = 0; i < count; ++i) files.emplace_back(paths[i]);
  g_drop_target->AddPhotos(files);
}

void OnGlfwError(int code, const char* description) {
  std::fprintf(stderr, "skintrack-viewer: GLFW error %d: %s\n", code, description);
}

void ApplyClinicalStyle(float scale) {
  ImGui::StyleColorsDark();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = 0;
  style.FrameRounding = 3;
  style.GrabRounding = 3;
  style.WindowBorderSize = 1;
  style.FramePadding = ImVec2(7, 4);
  style.ItemSpacing = ImVec2(8, 6);
  ImVec4* c = style.Colors;
  c[ImGuiCol_WindowBg] = ImVec4(0.105f, 0.115f, 0.13f, 1.0f);
  c[ImGuiCol_ChildBg] = ImVec4(0.095f, 0.10f, 0.115f, 1.0f);
  c[ImGuiCol_TitleBg] = ImVec4(0.13f, 0.16f, 0.20f, 1.0f);
  c[ImGuiCol_TitleBgActive] = ImVec4(0.16f, 0.24f, 0.32f, 1.0f);
  c[ImGuiCol_MenuBarBg] = ImVec4(0.13f, 0.145f, 0.165f, 1.0f);
  c[ImGuiCol_Header] = ImVec4(0.18f, 0.33f, 0.45f, 0.7f);
  c[ImGuiCol_HeaderHovered] = ImVec4(0.22f, 0.42f, 0.56f, 0.8f);
  c[ImGuiCol_HeaderActive] = ImVec4(0.24f, 0.47f, 0.62f, 1.0f);
  c[ImGuiCol_Button] = ImVec4(0.18f, 0.30f, 0.40f, 0.8f);
  c[ImGuiCol_ButtonHovered] = ImVec4(0.24f, 0.42f, 0.55f, 1.0f);
  c[ImGuiCol_FrameBg] = ImVec4(0.16f, 0.18f, 0.21f, 1.0f);
  c[ImGuiCol_CheckMark] = ImVec4(0.45f, 0.80f, 0.90f, 1.0f);
  c[ImGuiCol_SliderGrab] = ImVec4(0.40f, 0.70f, 0.85f, 1.0f);
  c[ImGuiCol_TableHeaderBg] = ImVec4(0.15f, 0.19f, 0.24f, 1.0f);
  style.ScaleAllSizes(scale);
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(std::lround(p * static_cast<double>(values.size() - 1)));
  return values[std::min(index, values.size() - 1)];
}

// Chooses the first photo of a session for the comparison and the timeline.
std::optional<CatalogPhoto> FirstPhoto(const CatalogSubject& subject,
                                       const std::string& session_id) {
  const CatalogSession* session = FindSession(subject, session_id);
  if (session == nullptr || session->photos.empty()) return std::nullopt;
  return session->photos.front();
}

// The score group whose map an overlay shows.
const char* OverlayGroup(OverlayKind kind) {
  switch (kind) {
    case OverlayKind::kRedness: return "redness";
    case OverlayKind::kPigment: return "pigmentation";
    case OverlayKind::kPores: return "pores";
    case OverlayKind::kWrinkles: return "wrinkles";
    case OverlayKind::kScars: return "scars";
  }
  return "redness";
}

}  // namespace

#if defined(SKINTRACK_VIEWER_HAS_CORE_REGISTRATION)
struct AlignmentResult {
  core::Registration registration;
};
#else
struct AlignmentResult {};
#endif

const char* CompareModeName(CompareMode mode) {
  switch (mode) {
    case CompareMode::kSide: return "side";
    case CompareMode::kSplit: return "split";
    case CompareMode::kBlink: return "blink";
    case CompareMode::kDifference: return "difference";
    case CompareMode::kOverlay: return "overlay";
  }
  return "side";
}

std::optional<CompareMode> ParseCompareMode(const std::string& name) {
  for (int i = 0; i < 5; ++i) {
    if (name == CompareModeName(static_cast<CompareMode>(i))) return static_cast<CompareMode>(i);
  }
  return std::nullopt;
}

const char* OverlayName(OverlayKind kind) {
  switch (kind) {
    case OverlayKind::kRedness: return "redness";
    case OverlayKind::kPigment: return "pigment";
    case OverlayKind::kPores: return "pores";
    case OverlayKind::kWrinkles: return "wrinkles";
    case OverlayKind::kScars: return "scars";
  }
  return "redness";
}

std::optional<OverlayKind> ParseOverlay(const std::string& name) {
  for (int i = 0; i < 5; ++i) {
    if (name == OverlayName(static_cast<OverlayKind>(i))) return static_cast<OverlayKind>(i);
  }
  if (name == "pigmentation") return OverlayKind::kPigment;
  if (name == "scar" || name == "scar_depth") return OverlayKind::kScars;
  return std::nullopt;
}

App::App(ViewerOptions viewer_options) : options(std::move(viewer_options)) {
  const std::filesystem::path settings_path =
      options.settings_path.empty() ? DefaultSettingsPath() : options.settings_path;
  Result<ViewerSettings> loaded = LoadSettings(settings_path);
  if (loaded.ok()) {
    settings = *loaded;
  } else {
    log.Warning(loaded.error().message);
  }
  if (options.chart_pitch_mm) settings.chart_pitch_mm = *options.chart_pitch_mm;
  if (options.same_light) settings.same_light = true;
  if (options.width > 0 && options.height > 0) {
    settings.window_width = options.width;
    settings.window_height = options.height;
  }
  if (options.max_tile_px > 0) settings.max_tile_px = options.max_tile_px;
  mode = options.mode;
  overlay = options.overlay;
  show_unaligned = options.show_unaligned;
  progress_metric = options.metric;
  workers = std::make_unique<WorkerPool>(std::max(1, settings.worker_threads), log);
  std::error_code ec;
  cache_dir_ = std::filesystem::temp_directory_path(ec) /
               ("skintrack-viewer-" + std::to_string(::getpid()));
  std::filesystem::create_directories(cache_dir_, ec);
}

App::~App() {
  workers.reset();  // joins before the state the jobs reference goes away
  std::error_code ec;
  std::filesystem::remove_all(cache_dir_, ec);
}

std::optional<int> App::FaceQuarterTurns(const std::string& session_id) const {
  const auto it = scores.find(session_id);
  if (it == scores.end() || it->second.state != JobState::kReady) return std::nullopt;
  const nlohmann::json::json_pointer where("/metrics/mask/face_turn_deg");
  const nlohmann::json& document = it->second.document;
  const bool known = document.contains(where) && document.at(where).is_number_integer();
  return known ? document.at(where).get<int>() / 90 : 0;
}

const CompareImage& App::DisplayedAfter() const {
  if (show_unaligned || !after_aligned.texture.IsValid()) return after_unaligned;
  return after_aligned;
}

const CatalogSubject* App::CurrentSubject() const { return catalog.FindSubject(subject_id); }

std::string App::BusyText() const {
  const std::vector<std::string> labels = workers->ActiveLabels();
  if (labels.empty()) return {};
  std::string text = labels.front();
  if (labels.size() > 1) text += " (+" + std::to_string(labels.size() - 1) + " more)";
  return text;
}

std::string App::CurrentOverlayKey() const {
  const CompareImage& after = DisplayedAfter();
  return after.session_id + "/" + OverlayName(overlay) + (show_unaligned ? "/unaligned" : "");
}

// ---- window ----------------------------------------------------------------------------------

bool App::InitWindow() {
  glfwSetErrorCallback(OnGlfwError);
  if (!glfwInit()) {
    std::fprintf(stderr, "skintrack-viewer: cannot initialise GLFW (is there a display? "
                         "use xvfb-run for headless runs)\n");
    return false;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
  if (options.frames > 0) glfwWindowHint(GLFW_RESIZABLE, GLFW_FALSE);
  window_ = glfwCreateWindow(settings.window_width, settings.window_height, "skintrack viewer",
                             nullptr, nullptr);
  if (window_ == nullptr) {
    std::fprintf(stderr, "skintrack-viewer: cannot create an OpenGL 3.3 core window\n");
    glfwTerminate();
    return false;
  }
  glfwMakeContextCurrent(window_);
  KeepGlDriverLoadedForLeakChecks();
  glfwSwapInterval(options.frames > 0 ? 0 : 1);
  float scale_y = 1.0f;
  glfwGetWindowContentScale(window_, &content_scale_, &scale_y);
  content_scale_ = std::clamp(content_scale_, 1.0f, 4.0f);
  g_drop_target = this;
  glfwSetDropCallback(window_, OnDrop);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // the layout is fixed; settings live in our own file
  ApplyClinicalStyle(content_scale_);
  const float font_px = settings.font_size_px * content_scale_;
  std::error_code ec;
  if (!settings.font_path.empty() && std::filesystem::exists(settings.font_path, ec)) {
    io.Fonts->AddFontFromFileTTF(settings.font_path.c_str(), font_px);
  } else {
    ImFontConfig config;
    config.SizePixels = font_px;
    io.Fonts->AddFontDefault(&config);
    if (!settings.font_path.empty()) {
      log.Warning("font " + settings.font_path + " not found; using the built-in font");
    }
  }
  ImGui_ImplGlfw_InitForOpenGL(window_, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");
  log.Info(std::string("OpenGL ") + reinterpret_cast<const char*>(glGetString(GL_VERSION)) +
           " on " + reinterpret_cast<const char*>(glGetString(GL_RENDERER)));
  return true;
}

void App::ShutdownWindow() {
  compare_view.reset();
  photos.clear();
  before = {};
  after_unaligned = {};
  after_aligned = {};
  overlay_maps.clear();
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  g_drop_target = nullptr;
  glfwDestroyWindow(window_);
  glfwTerminate();
}

// ---- main loop -------------------------------------------------------------------------------

int App::Run() {
  if (!InitWindow()) return 1;
  Result<std::unique_ptr<CompareView>> view = CompareView::Create();
  if (view.ok()) {
    compare_view = std::move(*view);
  } else {
    log.Error(view.error().message);
  }
  if (compare_view) compare_view->set_split(options.split);

  if (!options.database.empty()) {
    OpenSource(options.database, /*is_database=*/true);
  } else if (!options.manifest.empty()) {
    OpenSource(options.manifest, /*is_database=*/false);
  } else if (!settings.last_source.empty() && options.frames == 0) {
    OpenSource(settings.last_source, settings.last_source.ends_with(".db") ||
                                         settings.last_source.ends_with(".sqlite"));
  }
  if (!options.subject.empty()) {
    if (catalog.FindSubject(options.subject) != nullptr) {
      SelectSubject(options.subject);
    } else if (catalog_loaded) {
      log.Error("subject '" + options.subject + "' is not in " + catalog.source.string());
    }
  }
  if (!options.before_session.empty()) {
    SetComparison(options.before_session, options.after_session);
  }
  if (mode == CompareMode::kOverlay) RequestOverlay(overlay);

  const bool scripted = options.frames > 0;
  if (scripted) {
    // Deterministic captures: let every job (and the jobs their completions start) finish first.
    const auto start = std::chrono::steady_clock::now();
    while (workers->Pending() > 0) {
      workers->DrainCompletions();
      glfwPollEvents();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      const double waited =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (waited > kScriptedWorkTimeoutS) {
        log.Error("scripted mode: background work did not finish within 300 s; capturing anyway");
        break;
      }
    }
    workers->DrainCompletions();
  }

  const auto start = std::chrono::steady_clock::now();
  while (!glfwWindowShouldClose(window_)) {
    const auto frame_start = std::chrono::steady_clock::now();
    const std::int64_t uploads_before = TextureUploadCount();
    glfwPollEvents();
    workers->DrainCompletions();
    time_s = scripted ? static_cast<double>(frame_index) * kScriptedFrameS
                      : std::chrono::duration<double>(frame_start - start).count();
    UploadPending();
    DrawFrame();
    const bool last_frame = scripted && frame_index + 1 >= options.frames;
    if (scripted) glFinish();  // honest frame times on a software rasterizer
    if (last_frame && !options.screenshot.empty()) WriteScreenshot();
    glfwSwapBuffers(window_);
    const double frame_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - frame_start)
            .count();
    stats_.frame_ms.push_back(frame_ms);
    stats_.uploads_per_frame.push_back(TextureUploadCount() - uploads_before);
    ++frame_index;
    if (last_frame) break;
  }
  if (options.stats) PrintStats();
  if (!scripted) {
    const std::filesystem::path path =
        options.settings_path.empty() ? DefaultSettingsPath() : options.settings_path;
    int w = 0, h = 0;
    glfwGetWindowSize(window_, &w, &h);
    if (w > 0 && h > 0) {
      settings.window_width = w;
      settings.window_height = h;
    }
    Status saved = SaveSettings(path, settings);
    if (!saved.ok()) std::fprintf(stderr, "skintrack-viewer: %s\n", saved.error().message.c_str());
  }
  ShutdownWindow();
  return 0;
}

void App::PrintStats() const {
  if (stats_.frame_ms.empty()) return;
  // Frame 0 carries the texture uploads; steady state is every frame after it.
  std::vector<double> steady(stats_.frame_ms.begin() + 1, stats_.frame_ms.end());
  std::int64_t later_uploads = 0;
  for (std::size_t i = 1; i < stats_.uploads_per_frame.size(); ++i) {
    later_uploads += stats_.uploads_per_frame[i];
  }
  const double mean = steady.empty() ? 0
                                     : std::accumulate(steady.begin(), steady.end(), 0.0) /
                                           static_cast<double>(steady.size());
  const char* renderer = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  std::printf(
      "{\"schema\": \"skintrack.viewer-stats/1\", \"renderer\": \"%s\", \"mode\": \"%s\", "
      "\"frames\": %zu, \"first_frame_ms\": %.2f, \"first_frame_uploads\": %lld, "
      "\"uploads_after_first_frame\": %lld, \"frame_ms_mean\": %.2f, \"frame_ms_p50\": %.2f, "
      "\"frame_ms_p95\": %.2f, \"frame_ms_max\": %.2f, \"before_px\": [%d, %d], "
      "\"after_px\": [%d, %d], \"tile_px\": %d}\n",
      renderer ? renderer : "?", CompareModeName(mode), stats_.frame_ms.size(), stats_.frame_ms[0],
      static_cast<long long>(stats_.uploads_per_frame[0]), static_cast<long long>(later_uploads),
      mean, Percentile(steady, 0.5), Percentile(steady, 0.95), Percentile(steady, 1.0),
      before.texture.width(), before.texture.height(), DisplayedAfter().texture.width(),
      DisplayedAfter().texture.height(), before.texture.tile_px());
  std::fflush(stdout);
}

void App::WriteScreenshot() {
  int width = 0, height = 0;
  glfwGetFramebufferSize(window_, &width, &height);
  const cv::Mat pixels = ReadWindowPixels(width, height);
  std::vector<unsigned char> png;
  if (!cv::imencode(".png", pixels, png)) {
    log.Error("could not encode the screenshot as PNG");
    return;
  }
  Status written = WriteFileAtomic(options.screenshot,
                                   std::string_view(reinterpret_cast<const char*>(png.data()),
                                                    png.size()));
  if (!written.ok()) {
    log.Error(written.error().message);
    return;
  }
  // A sidecar tells tests where the compare view and its wipe were (window pixels).
  nlohmann::json layout = {{"schema", "skintrack.viewer-screenshot/1"},
                           {"mode", CompareModeName(mode)},
                           {"window_px", {width, height}},
                           {"errors", log.ErrorCount()}};
  if (compare_view) {
    const ImVec2 scale = ImGui::GetIO().DisplayFramebufferScale;
    const cv::Rect2f r = compare_view->screen_rect();
    layout["compare_view_px"] = {r.x * scale.x, r.y * scale.y, r.width * scale.x,
                                 r.height * scale.y};
    layout["split"] = compare_view->split();
    layout["turn_deg"] = 90 * compare_view->turns();
  }
  // And what each session's score was measured with.
  layout["chart_pitch_mm"] = settings.chart_pitch_mm;
  nlohmann::json scored = nlohmann::json::object();
  for (const auto& [session, score] : scores) {
    nlohmann::json entry = {{"state", score.state == JobState::kReady    ? "ready"
                                      : score.state == JobState::kFailed ? "failed"
                                                                         : "pending"}};
    if (score.state == JobState::kReady) {
      const nlohmann::json calibration =
          score.document.value("calibration", nlohmann::json::object());
      const std::optional<double> scale = CalibrationScale(calibration);
      entry["px_per_mm"] = scale ? nlohmann::json(*scale) : nlohmann::json();
      entry["scale_source"] = calibration.value("scale_source", nlohmann::json());
    }
    scored[session] = entry;
  }
  layout["scores"] = scored;
  // And the progress panel's series: its sessions, and those left out.
  if (const CatalogSubject* subject = CurrentSubject();
      subject != nullptr && !progress_metric.empty()) {
    const MetricSeries series =
        BuildMetricSeries(*subject, scores, progress_metric, settings.same_light);
    nlohmann::json sessions = nlohmann::json::array();
    for (const MetricPoint& point : series.points) sessions.push_back(point.session_id);
    layout["progress"] = {{"metric", progress_metric},
                          {"sessions", sessions},
                          {"left_out", series.left_out},
                          {"same_light", settings.same_light}};
  }
  std::filesystem::path sidecar = options.screenshot;
  sidecar += ".json";
  Status sidecar_written = WriteFileAtomic(sidecar, layout.dump(2) + "\n");
  if (!sidecar_written.ok()) log.Error(sidecar_written.error().message);
  log.Info("screenshot written to " + options.screenshot.string());
}

void App::UploadPending() {
  const int tile_px = ChooseTilePx(settings.max_tile_px);
  auto upload = [&](CompareImage& slot) {
    if (slot.pending_upload.empty()) return;
    Result<TiledImage> tiled = TiledImage::Upload(slot.pending_upload, tile_px);
    slot.pending_upload.release();
    if (tiled.ok()) {
      slot.texture = std::move(*tiled);
    } else {
      slot.state = JobState::kFailed;
      log.Error("cannot show " + slot.path.string() + ": " + tiled.error().message);
    }
  };
  upload(before);
  upload(after_unaligned);
  upload(after_aligned);
  for (auto& [key, map] : overlay_maps) {
    if (map.pending_upload.empty()) continue;
    Result<TiledImage> tiled = TiledImage::Upload(map.pending_upload, tile_px);
    map.pending_upload.release();
    if (tiled.ok()) {
      map.texture = std::move(*tiled);
    } else {
      log.Error("cannot show the " + key + " map: " + tiled.error().message);
    }
  }
  for (auto& [path, info] : photos) {
    if (info.thumbnail_pixels.empty()) continue;
    Result<Texture> texture = Texture::Upload(info.thumbnail_pixels, /*mipmapped=*/false);
    info.thumbnail_pixels.release();
    if (texture.ok()) info.thumbnail = std::move(*texture);
  }
}

// ---- layout ----------------------------------------------------------------------------------

void App::DrawFrame() {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
  HandleShortcuts();
  DrawMenu();

  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  const ImVec2 origin = viewport->WorkPos;
  const ImVec2 size = viewport->WorkSize;
  const float left_w = std::round(size.x * 0.19f);
  const float right_w = std::round(size.x * 0.25f);
  const float centre_w = size.x - left_w - right_w;
  const bool progress_focus = options.panel == "progress";
  const float compare_h = std::round(size.y * (progress_focus ? 0.36f : 0.66f));
  const float measure_h = std::round(size.y * 0.64f);
  const ImGuiWindowFlags fixed = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                 ImGuiWindowFlags_NoCollapse |
                                 ImGuiWindowFlags_NoBringToFrontOnFocus;
  auto place = [&](float x, float y, float w, float h) {
    ImGui::SetNextWindowPos(ImVec2(origin.x + x, origin.y + y), ImGuiCond_Always);
    ImGui::SetNextWindowSize(ImVec2(w, h), ImGuiCond_Always);
  };

  place(0, 0, left_w, size.y);
  if (ImGui::Begin("Library", nullptr, fixed)) DrawLibraryPanel(*this);
  ImGui::End();

  place(left_w, 0, centre_w, compare_h);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(6, 6));
  if (ImGui::Begin("Compare", nullptr, fixed | ImGuiWindowFlags_NoScrollbar |
                                           ImGuiWindowFlags_NoScrollWithMouse)) {
    if (compare_view) {
      compare_view->Draw(*this);
    } else {
      ImGui::TextColored(ImVec4(1, 0.45f, 0.42f, 1),
                         "The compare shaders failed to build; see the log panel.");
    }
  }
  ImGui::End();
  ImGui::PopStyleVar();

  place(left_w, compare_h, centre_w, size.y - compare_h);
  if (ImGui::Begin("Progress", nullptr, fixed)) DrawProgressPanel(*this);
  ImGui::End();

  place(left_w + centre_w, 0, right_w, measure_h);
  if (ImGui::Begin("Measurements", nullptr, fixed)) DrawMeasurementPanel(*this);
  ImGui::End();

  place(left_w + centre_w, measure_h, right_w, size.y - measure_h);
  if (ImGui::Begin("Log", nullptr, fixed)) DrawLogPanel(log);
  ImGui::End();

  ImGui::Render();
  int width = 0, height = 0;
  glfwGetFramebufferSize(window_, &width, &height);
  glViewport(0, 0, width, height);
  glClearColor(0.08f, 0.085f, 0.095f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void App::DrawMenu() {
  if (!ImGui::BeginMainMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::MenuItem("Save manifest", "Ctrl+S", false, catalog_loaded)) SaveManifest();
    if (ImGui::MenuItem("Export comparison PNG", "Ctrl+E", false, before.texture.IsValid())) {
      want_export_png_ = true;
    }
    if (ImGui::MenuItem("Patient report", "Ctrl+R", false, catalog_loaded)) want_report_ = true;
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) glfwSetWindowShouldClose(window_, GLFW_TRUE);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    for (int i = 0; i < 5; ++i) {
      const CompareMode m = static_cast<CompareMode>(i);
      const std::string shortcut = std::to_string(i + 1);
      if (ImGui::MenuItem(CompareModeName(m), shortcut.c_str(), mode == m)) mode = m;
    }
    ImGui::Separator();
    ImGui::MenuItem("Show unaligned follow-up", "A", &show_unaligned);
    if (ImGui::MenuItem("Fit to view", "F") && compare_view) compare_view->RequestFit();
    if (ImGui::MenuItem("Turn view clockwise", "T") && compare_view)
      compare_view->TurnClockwise(*this);
    if (ImGui::MenuItem("Zoom in", "+") && compare_view) compare_view->ZoomBy(1.25f);
    if (ImGui::MenuItem("Zoom out", "-") && compare_view) compare_view->ZoomBy(0.8f);
    ImGui::Separator();
    if (ImGui::MenuItem("Reload shaders", "F5") && compare_view) compare_view->ReloadShaders(*this);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Tools")) {
    ImGui::MenuItem("Draw ROI polygon", "R", &drawing_roi);
    ImGui::MenuItem("Manual alignment (point pairs)", "P", &picking_points);
    ImGui::EndMenu();
  }
  const std::string busy = BusyText();
  if (!busy.empty()) {
    ImGui::SameLine(ImGui::GetWindowWidth() * 0.55f);
    ImGui::TextColored(ImVec4(0.45f, 0.80f, 0.90f, 1.0f), "Working: %s", busy.c_str());
  } else if (catalog_loaded) {
    ImGui::SameLine(ImGui::GetWindowWidth() * 0.55f);
    ImGui::TextDisabled("%s", catalog.source.string().c_str());
  }
  ImGui::EndMainMenuBar();

  if (want_export_png_) {
    want_export_png_ = false;
    const std::string name = "comparison_" + subject_id + "_" + before.session_id + "_" +
                             DisplayedAfter().session_id + ".png";
    ExportComparisonPng(std::filesystem::current_path() / name);
  }
  if (want_report_) {
    want_report_ = false;
    ExportReport(std::filesystem::current_path() / ("report_" + subject_id + ".pdf"));
  }
}

void App::HandleShortcuts() {
  ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  const bool ctrl = io.KeyCtrl;
  // Dear ImGui 1.86 indexes keys by the backend's native (GLFW) key codes.
  auto pressed = [](int glfw_key) { return ImGui::IsKeyPressed(glfw_key, false); };
  if (!ctrl) {
    for (int i = 0; i < 5; ++i) {
      if (pressed(GLFW_KEY_1 + i)) mode = static_cast<CompareMode>(i);
    }
    if (pressed(GLFW_KEY_A)) show_unaligned = !show_unaligned;
    if (pressed(GLFW_KEY_F) && compare_view) compare_view->RequestFit();
    if (pressed(GLFW_KEY_T) && compare_view) compare_view->TurnClockwise(*this);
    if ((pressed(GLFW_KEY_EQUAL) || pressed(GLFW_KEY_KP_ADD)) && compare_view) {
      compare_view->ZoomBy(1.25f);
    }
    if ((pressed(GLFW_KEY_MINUS) || pressed(GLFW_KEY_KP_SUBTRACT)) && compare_view) {
      compare_view->ZoomBy(0.8f);
    }
    if (pressed(GLFW_KEY_R)) drawing_roi = !drawing_roi;
    if (pressed(GLFW_KEY_P)) picking_points = !picking_points;
    if (pressed(GLFW_KEY_F5) && compare_view) compare_view->ReloadShaders(*this);
  } else {
    if (pressed(GLFW_KEY_S) && catalog_loaded) SaveManifest();
    if (pressed(GLFW_KEY_E)) want_export_png_ = true;
    if (pressed(GLFW_KEY_R)) want_report_ = true;
    if (pressed(GLFW_KEY_Q)) glfwSetWindowShouldClose(window_, GLFW_TRUE);
  }
}

// ---- actions and jobs ------------------------------------------------------------------------

void App::OpenSource(const std::filesystem::path& path, bool is_database) {
  Result<Catalog> loaded = is_database ? LoadDatabaseCatalog(path) : LoadCatalog(path);
  if (!loaded.ok()) {
    log.Error(loaded.error().message);
    return;
  }
  catalog = std::move(*loaded);
  catalog_loaded = true;
  for (const std::string& warning : catalog.warnings) log.Warning(warning);
  settings.last_source = path.string();
  std::size_t sessions = 0;
  for (const CatalogSubject& subject : catalog.subjects) sessions += subject.sessions.size();
  log.Info("opened " + path.string() + ": " + std::to_string(catalog.subjects.size()) +
           " subjects, " + std::to_string(sessions) + " sessions");
  if (options.subject.empty() && !catalog.subjects.empty()) SelectSubject(catalog.subjects[0].id);
}

void App::SelectSubject(const std::string& id) {
  const CatalogSubject* subject = catalog.FindSubject(id);
  if (subject == nullptr) return;
  subject_id = id;
  scores.clear();
  ++scores_version;
  rois.clear();
  for (const CatalogSession& session : subject->sessions) {
    for (const CatalogPhoto& photo : session.photos) RequestPhotoInfo(photo.path);
    if (options.score) RequestScore(session.id);
  }
  if (subject->sessions.size() >= 2 && options.before_session.empty()) {
    SetComparison(subject->sessions.front().id, subject->sessions.back().id);
  }
}

void App::SetChartPitch(double pitch_mm) {
  if (!(pitch_mm >= kMinChartPitchMm && pitch_mm <= kMaxChartPitchMm)) {
    log.Error("the chart's patch pitch must be between 1 and 200 mm");
    return;
  }
  if (pitch_mm == settings.chart_pitch_mm) return;
  settings.chart_pitch_mm = pitch_mm;
  ++score_generation_;
  scores.clear();
  ++scores_version;
  overlay_maps.clear();
  char text[96];
  std::snprintf(text, sizeof(text), "chart patch pitch set to %.1f mm; scoring again", pitch_mm);
  log.Info(text);
  const CatalogSubject* subject = CurrentSubject();
  if (subject == nullptr || !options.score) return;
  for (const CatalogSession& session : subject->sessions) RequestScore(session.id);
  if (mode == CompareMode::kOverlay) RequestOverlay(overlay);
}

void App::SetSameLight(bool same_light) {
  if (same_light == settings.same_light) return;
  settings.same_light = same_light;
  ++scores_version;  // the series and claims are built again; the scores themselves stand
  log.Info(same_light ? "colour without a chart is judged: every session had the same light"
                      : "colour without a chart is left out of changes and claims");
}

void App::RequestPhotoInfo(const std::filesystem::path& path) {
  PhotoInfo& info = photos[path.string()];
  if (info.state == JobState::kRunning || info.state == JobState::kReady) return;
  info.state = JobState::kRunning;
  workers->Submit("checking " + path.filename().string(), [this, path]() -> WorkerPool::Completion {
    Result<core::LoadedImage> image = core::LoadImage(path);
    if (!image.ok()) {
      std::string message = image.error().message;
      return [this, path, message] {
        PhotoInfo& failed = photos[path.string()];
        failed.state = JobState::kFailed;
        failed.error = message;
        log.Error("photo " + path.string() + ": " + message);
      };
    }
    const core::CaptureQuality quality = core::AssessCaptureQuality(image->bgr);
    std::vector<std::string> warnings;
    for (const core::QualityWarning& w : quality.warnings) warnings.push_back(w.message);
    const int width = image->bgr.cols;
    const int height = image->bgr.rows;
    const double scale =
        static_cast<double>(kThumbnailPx) / static_cast<double>(std::max(width, height));
    cv::Mat thumbnail;
    cv::Mat eight_bit = image->bgr;
    if (eight_bit.depth() == CV_16U) image->bgr.convertTo(eight_bit, CV_8U, 1.0 / 257.0);
    cv::resize(eight_bit, thumbnail, cv::Size(), scale, scale, cv::INTER_AREA);
    return [this, path, warnings, width, height, thumbnail] {
      PhotoInfo& ready = photos[path.string()];
      ready.state = JobState::kReady;
      ready.width = width;
      ready.height = height;
      ready.quality_warnings = warnings;
      ready.thumbnail_pixels = thumbnail;
      for (const std::string& w : warnings) log.Warning(path.filename().string() + ": " + w);
    };
  });
}

void App::RequestScore(const std::string& session_id) {
  const CatalogSubject* subject = CurrentSubject();
  if (subject == nullptr) return;
  const std::optional<CatalogPhoto> photo = FirstPhoto(*subject, session_id);
  if (!photo) return;
  SessionScore& score = scores[session_id];
  if (score.state == JobState::kRunning || score.state == JobState::kReady) return;
  score.state = JobState::kRunning;
  // One folder per chart-pitch generation: a scoring made with a superseded pitch that is still
  // running must not overwrite the maps of the current one.
  const std::filesystem::path maps_dir =
      cache_dir_ / "maps" /
      (subject_id + "_" + session_id +
       (score_generation_ > 0 ? "_g" + std::to_string(score_generation_) : std::string()));
  score.maps_dir = maps_dir;
  const std::string subject_at_start = subject_id;
  const std::uint64_t generation = score_generation_;
  const double chart_pitch_mm = settings.chart_pitch_mm;
  workers->Submit("scoring " + session_id, [this, photo, maps_dir, session_id, subject_at_start,
                                            generation,
                                            chart_pitch_mm]() -> WorkerPool::Completion {
    std::error_code ec;
    std::filesystem::create_directories(maps_dir, ec);
    core::ScoreOptions score_options;
    score_options.maps_dir = maps_dir;
    score_options.px_per_mm = photo->px_per_mm;  // the manifest's or database's scale, if given
    score_options.chart_pitch_mm = chart_pitch_mm;  // otherwise the chart's, read with this pitch
    Result<nlohmann::json> document = core::ScoreImageFile(photo->path, score_options);
    const std::string photo_key = photo->path.string();
    return [this, document, session_id, subject_at_start, generation, photo_key] {
      if (subject_id != subject_at_start || score_generation_ != generation) return;
      ++scores_version;
      SessionScore& done = scores[session_id];
      if (document.ok()) {
        done.state = JobState::kReady;
        done.document = *document;
        // The score's capture-quality check replaces the quick one made when the photo was
        // loaded: it reads the light's colour outside the skin it measured (docs/QUALITY.md).
        if (auto info = photos.find(photo_key); info != photos.end()) {
          std::vector<std::string> messages;
          for (const auto& w : document->value("quality", nlohmann::json::object())
                                   .value("warnings", nlohmann::json::array())) {
            if (w.is_object() && w.contains("message") && w["message"].is_string()) {
              messages.push_back(w["message"].get<std::string>());
            }
          }
          info->second.quality_warnings = std::move(messages);
        }
      } else {
        done.state = JobState::kFailed;
        done.error = document.error().message;
        log.Error("scoring session " + session_id + ": " + document.error().message);
      }
      if (mode == CompareMode::kOverlay) RequestOverlay(overlay);
    };
  });
}

void App::SetComparison(const std::string& before_session, const std::string& after_session) {
  const CatalogSubject* subject = CurrentSubject();
  if (subject == nullptr) {
    log.Error("choose a subject before comparing sessions");
    return;
  }
  for (const std::string& id : {before_session, after_session}) {
    if (FindSession(*subject, id) == nullptr) {
      log.Error("session '" + id + "' is not a session of subject " + subject_id);
      return;
    }
  }
  ++comparison_generation_;
  before = {};
  after_unaligned = {};
  after_aligned = {};
  registration = nlohmann::json();
  alignment_ = nullptr;
  alignment_status.clear();
  overlay_maps.clear();
  picked_fixed_px.clear();
  picked_moving_px.clear();
  for (RoiPolygon& roi : rois) roi.state = JobState::kIdle;
  LoadCompareImage(before, before_session);
  LoadCompareImage(after_unaligned, after_session);
  if (compare_view) compare_view->RequestFit();
}

void App::LoadCompareImage(CompareImage& slot, const std::string& session_id) {
  const CatalogSubject* subject = CurrentSubject();
  slot.session_id = session_id;
  std::optional<std::filesystem::path> photo;
  if (subject != nullptr) {
    if (std::optional<CatalogPhoto> first = FirstPhoto(*subject, session_id)) photo = first->path;
  }
  if (!photo) {
    slot.state = JobState::kFailed;
    slot.error = "session has no photo";
    log.Error("session " + session_id + " has no photo to compare; add one in the library");
    return;
  }
  slot.path = *photo;
  slot.state = JobState::kRunning;
  const std::uint64_t generation = comparison_generation_;
  CompareImage* target = &slot;
  workers->Submit("loading " + photo->filename().string(),
                  [this, target, photo, generation]() -> WorkerPool::Completion {
                    Result<core::LoadedImage> image = core::LoadImage(*photo);
                    return [this, target, photo, generation, image] {
                      if (generation != comparison_generation_) return;
                      if (!image.ok()) {
                        target->state = JobState::kFailed;
                        target->error = image.error().message;
                        log.Error("cannot compare: " + image.error().message);
                        return;
                      }
                      target->state = JobState::kReady;
                      target->pixels = image->bgr;
                      target->pending_upload = image->bgr;
                      if (before.state == JobState::kReady &&
                          after_unaligned.state == JobState::kReady) {
                        StartAlignment();
                      }
                    };
                  });
}

void App::StartAlignment() {
  if (!options.align) {
    alignment_status = "Automatic alignment off (--no-align): showing the unaligned follow-up";
    show_unaligned = true;
    return;
  }
#if defined(SKINTRACK_VIEWER_HAS_CORE_REGISTRATION)
  alignment_status = "Aligning follow-up to baseline...";
  const cv::Mat moving = after_unaligned.pixels;
  const cv::Mat fixed = before.pixels;
  const std::uint64_t generation = comparison_generation_;
  workers->Submit("aligning " + after_unaligned.session_id, [this, moving, fixed,
                                                              generation]() -> WorkerPool::Completion {
    Result<core::Registration> result =
        core::RegisterImages(moving, fixed, cv::Mat(), core::RegistrationOptions{});
    Result<cv::Mat> warped = result.ok() ? core::WarpToFixed(moving, *result)
                                         : Result<cv::Mat>(result.error());
    return [this, result, warped, generation] {
      if (generation != comparison_generation_) return;
      if (!result.ok() || !warped.ok()) {
        const std::string message = !result.ok() ? result.error().message : warped.error().message;
        alignment_status = "Automatic alignment failed: showing the unaligned follow-up";
        show_unaligned = true;
        log.Warning("automatic alignment failed: " + message +
                    " Use Tools > Manual alignment (point pairs) to align by hand.");
        return;
      }
      auto alignment = std::make_shared<AlignmentResult>();
      alignment->registration = *result;
      alignment_ = alignment;
      registration = core::RegistrationToJson(*result);
      after_aligned.session_id = after_unaligned.session_id;
      after_aligned.path = after_unaligned.path;
      after_aligned.state = JobState::kReady;
      after_aligned.pixels = *warped;
      after_aligned.pending_upload = *warped;
      char text[160];
      std::snprintf(text, sizeof(text), "Aligned (%s, %d inliers, residual %.2f px, NCC %.2f)",
                    core::MotionModelName(result->model), result->inliers,
                    result->rms_residual_px, result->ncc_after);
      alignment_status = text;
      log.Info(text);
    };
  });
#else
  alignment_status = "No registration module in this build: showing the unaligned follow-up";
  show_unaligned = true;
  log.Warning(alignment_status);
#endif
}

void App::ApplyManualAlignment() {
#if defined(SKINTRACK_VIEWER_HAS_CORE_REGISTRATION)
  const std::size_t pairs = std::min(picked_fixed_px.size(), picked_moving_px.size());
  if (pairs < 3) {
    log.Error("manual alignment needs at least 3 point pairs (click the same skin point on the "
              "left, then on the right); " + std::to_string(pairs) + " given");
    return;
  }
  std::vector<core::PointPair> point_pairs;
  for (std::size_t i = 0; i < pairs; ++i) {
    point_pairs.push_back({picked_moving_px[i], picked_fixed_px[i]});
  }
  const cv::Mat moving = after_unaligned.pixels;
  const cv::Mat fixed = before.pixels;
  const std::uint64_t generation = comparison_generation_;
  workers->Submit("manual alignment", [this, point_pairs, moving, fixed,
                                       generation]() -> WorkerPool::Completion {
    Result<core::Registration> result = core::RegisterFromPoints(
        point_pairs, core::MotionModel::kAuto, moving.size(), fixed.size());
    Result<cv::Mat> warped = result.ok() ? Result<cv::Mat>(cv::Mat())
                                         : Result<cv::Mat>(result.error());
    if (result.ok()) {
      core::Registration evaluated = *result;
      Status evaluation = core::EvaluateRegistration(moving, fixed, cv::Mat(), evaluated);
      (void)evaluation;  // the quality figures are informative only for a manual alignment
      result = evaluated;
      warped = core::WarpToFixed(moving, evaluated);
    }
    return [this, result, warped, generation] {
      if (generation != comparison_generation_) return;
      if (!result.ok() || !warped.ok()) {
        log.Error("manual alignment failed: " +
                  (!result.ok() ? result.error().message : warped.error().message));
        return;
      }
      auto alignment = std::make_shared<AlignmentResult>();
      alignment->registration = *result;
      alignment_ = alignment;
      registration = core::RegistrationToJson(*result);
      after_aligned.session_id = after_unaligned.session_id;
      after_aligned.path = after_unaligned.path;
      after_aligned.state = JobState::kReady;
      after_aligned.pixels = *warped;
      after_aligned.pending_upload = *warped;
      show_unaligned = false;
      picking_points = false;
      char text[160];
      std::snprintf(text, sizeof(text), "Aligned by hand (%d pairs, residual %.2f px)",
                    result->inliers, result->rms_residual_px);
      alignment_status = text;
      log.Info(text);
    };
  });
#else
  log.Error("manual alignment needs the registration module, which this build does not have");
#endif
}

void App::RequestOverlay(OverlayKind kind) {
  overlay = kind;
  const CompareImage& after = DisplayedAfter();
  if (after.session_id.empty()) return;
  const std::string key = CurrentOverlayKey();
  OverlayMap& map = overlay_maps[key];
  if (map.state == JobState::kRunning || map.state == JobState::kReady) return;
  auto score = scores.find(after.session_id);
  if (score == scores.end() || score->second.state == JobState::kRunning) {
    map.state = JobState::kIdle;  // retried when the score arrives
    if (score == scores.end() && options.score) RequestScore(after.session_id);
    return;
  }
  if (score->second.state == JobState::kFailed) {
    map.state = JobState::kFailed;
    map.error = score->second.error;
    return;
  }
  map.state = JobState::kRunning;
  const std::filesystem::path maps_dir = score->second.maps_dir;
  const std::string group = OverlayGroup(kind);
  std::shared_ptr<const AlignmentResult> alignment = show_unaligned ? nullptr : alignment_;
  workers->Submit("loading " + group + " map", [this, key, maps_dir, group,
                                                alignment]() -> WorkerPool::Completion {
    // The metrics stage names its maps after the group ("redness_*.tiff"); take the first.
    std::filesystem::path found;
    std::error_code ec;
    std::vector<std::filesystem::path> candidates;
    for (const auto& entry : std::filesystem::directory_iterator(maps_dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind(group, 0) == 0) candidates.push_back(entry.path());
    }
    std::sort(candidates.begin(), candidates.end());
    if (!candidates.empty()) found = candidates.front();
    if (found.empty()) {
      const std::string message = "no " + group + " map was produced for this photo (looked in " +
                                  maps_dir.string() + ")";
      return [this, key, message] {
        OverlayMap& missing = overlay_maps[key];
        missing.state = JobState::kFailed;
        missing.error = message;
        log.Warning(message);
      };
    }
    cv::Mat raw = cv::imread(found.string(), cv::IMREAD_UNCHANGED | cv::IMREAD_ANYDEPTH);
    cv::Mat values;
    if (!raw.empty()) {
      if (raw.channels() > 1) cv::extractChannel(raw, raw, 0);
      raw.convertTo(values, CV_32F);
    }
#if defined(SKINTRACK_VIEWER_HAS_CORE_REGISTRATION)
    if (!values.empty() && alignment) {
      Result<cv::Mat> warped = core::WarpToFixed(values, alignment->registration);
      if (warped.ok()) values = *warped;
    }
#else
    (void)alignment;
#endif
    double low = 0, high = 1;
    if (!values.empty()) cv::minMaxLoc(values, &low, &high);
    return [this, key, values, low, high, found] {
      OverlayMap& loaded = overlay_maps[key];
      if (values.empty()) {
        loaded.state = JobState::kFailed;
        loaded.error = "cannot read map " + found.string();
        log.Error(loaded.error);
        return;
      }
      loaded.state = JobState::kReady;
      loaded.pending_upload = values;
      loaded.range_min = static_cast<float>(low);
      loaded.range_max = static_cast<float>(high > low ? high : low + 1);
    };
  });
}

void App::ScoreRoi(std::size_t index) {
  if (index >= rois.size() || !before.pixels.data) {
    log.Error("load a comparison before measuring an ROI");
    return;
  }
  RoiPolygon& roi = rois[index];
  roi.state = JobState::kRunning;
  std::vector<cv::Point> polygon;
  for (const cv::Point2f& p : roi.points_px) polygon.emplace_back(cvRound(p.x), cvRound(p.y));
  const cv::Mat before_pixels = before.pixels;
  const CompareImage& after = DisplayedAfter();
  // An aligned follow-up is measured on its own pixels, on the ROI carried into its frame: the
  // resampled copy on screen is smoother than the photo (ScoreOptions::fixed_frame).
  const bool aligned = &after == &after_aligned && alignment_ != nullptr;
  const cv::Mat after_pixels = aligned ? after_unaligned.pixels : after.pixels;
  const std::shared_ptr<const AlignmentResult> alignment = aligned ? alignment_ : nullptr;
  const std::filesystem::path before_path = before.path;
  const std::filesystem::path after_path = after.path;
  const std::filesystem::path mask_path = cache_dir_ / ("roi_" + std::to_string(index) + ".png");
  // The ROI is drawn in the baseline's pixel grid, so both take the baseline's scale (an aligned
  // follow-up's own follows from the registration's).
  std::optional<double> px_per_mm;
  if (const CatalogSubject* subject = CurrentSubject()) {
    if (std::optional<CatalogPhoto> first = FirstPhoto(*subject, before.session_id)) {
      px_per_mm = first->px_per_mm;
    }
  }
  const std::uint64_t generation = comparison_generation_;
  const double chart_pitch_mm = settings.chart_pitch_mm;
  workers->Submit("measuring ROI " + std::to_string(index + 1), [=, this]() -> WorkerPool::Completion {
    // The pipeline takes the ROI as a mask PNG in the photo's own pixel grid (baseline grid; the
    // aligned follow-up shares it).
    cv::Mat mask = cv::Mat::zeros(before_pixels.size(), CV_8UC1);
    cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{polygon}, cv::Scalar(255));
    std::vector<unsigned char> png;
    cv::imencode(".png", mask, png);
    Status written = WriteFileAtomic(
        mask_path, std::string_view(reinterpret_cast<const char*>(png.data()), png.size()));
    core::ScoreOptions score_options;
    score_options.roi_path = mask_path;
    score_options.px_per_mm = px_per_mm;
    score_options.chart_pitch_mm = chart_pitch_mm;
    auto score = [&](const cv::Mat& pixels, const std::filesystem::path& path) {
      core::LoadedImage image;
      image.bgr = pixels;
      image.path = path;
      return core::ScoreLoadedImage(image, score_options);
    };
    Result<nlohmann::json> before_doc =
        written.ok() ? score(before_pixels, before_path) : Result<nlohmann::json>(written.error());
    core::ScoreOptions after_options = score_options;
#if defined(SKINTRACK_VIEWER_HAS_CORE_REGISTRATION)
    if (alignment != nullptr) {
      after_options.roi_path.clear();
      after_options.roi_mask = mask;
      after_options.fixed_frame = alignment->registration;
      if (px_per_mm) after_options.px_per_mm = *px_per_mm / alignment->registration.scale;
    }
#endif
    const auto score_after = [&]() {
      core::LoadedImage image;
      image.bgr = after_pixels;
      image.path = after_path;
      return core::ScoreLoadedImage(image, after_options);
    };
    Result<nlohmann::json> after_doc =
        written.ok() && !after_pixels.empty() ? score_after() : before_doc;
    return [this, index, generation, before_doc, after_doc] {
      if (generation != comparison_generation_ || index >= rois.size()) return;
      RoiPolygon& r = rois[index];
      if (!before_doc.ok() || !after_doc.ok()) {
        r.state = JobState::kFailed;
        r.error = !before_doc.ok() ? before_doc.error().message : after_doc.error().message;
        log.Error("ROI " + std::to_string(index + 1) + ": " + r.error);
        return;
      }
      r.state = JobState::kReady;
      r.before_metrics = *before_doc;
      r.after_metrics = *after_doc;
    };
  });
}

void App::AddPhotos(const std::vector<std::filesystem::path>& paths) {
  CatalogSubject* subject = catalog.FindSubject(subject_id);
  if (subject == nullptr || selected_session.empty()) {
    log.Error("select a subject and a session in the library before adding photos");
    return;
  }
  for (CatalogSession& session : subject->sessions) {
    if (session.id != selected_session) continue;
    for (const std::filesystem::path& path : paths) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(path, ec)) {
        log.Error(path.string() + " is not a file; drop photo files (JPEG, PNG, TIFF)");
        continue;
      }
      session.photos.push_back({path, std::nullopt});
      RequestPhotoInfo(path);
      log.Info("added " + path.filename().string() + " to session " + session.id +
               " (File > Save manifest to keep it)");
    }
    if (options.score && !session.photos.empty() && scores.count(session.id) == 0) {
      RequestScore(session.id);
    }
  }
}

void App::ExportComparisonPng(const std::filesystem::path& path) {
  if (!compare_view) return;
  const cv::Mat pixels = compare_view->CapturePixels();
  std::vector<unsigned char> png;
  if (pixels.empty() || !cv::imencode(".png", pixels, png)) {
    log.Error("nothing to export: the comparison is empty");
    return;
  }
  Status written = WriteFileAtomic(
      path, std::string_view(reinterpret_cast<const char*>(png.data()), png.size()));
  if (written.ok()) {
    log.Info("comparison saved to " + path.string());
  } else {
    log.Error(written.error().message);
  }
}

void App::ExportReport(const std::filesystem::path& path) {
  if (catalog.source_kind != "database") {
    log.Error("the patient report is built from a database: import this " + catalog.source_kind +
              " with `skintrack import " + catalog.source.string() +
              " --db FILE`, then open the database (--db)");
    return;
  }
  // The report module is reached through the `skintrack report` command next to this program, so
  // the viewer and the command line produce the same document.
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::filesystem::path cli = self.parent_path() / "skintrack";
  if (!std::filesystem::exists(cli, ec)) cli = self.parent_path().parent_path() / "cli" / "skintrack";
  if (!std::filesystem::exists(cli, ec)) cli = "skintrack";
  const std::string command = "'" + cli.string() + "' report --db '" + catalog.source.string() +
                              "' --subject '" + subject_id + "' -o '" + path.string() + "'";
  workers->Submit("writing report", [this, command, path]() -> WorkerPool::Completion {
    const int status = std::system(command.c_str());
    return [this, status, path, command] {
      if (status == 0) {
        log.Info("report written to " + path.string());
      } else {
        log.Error("report failed (" + command + " exited with status " + std::to_string(status) +
                  ")");
      }
    };
  });
}

void App::SaveManifest() {
  std::filesystem::path target = catalog.source;
  if (catalog.source_kind == "folder") target = catalog.source / "manifest.csv";
  if (catalog.source_kind == "database") {
    log.Warning("sessions added to a database are stored by `skintrack import`; nothing to save");
    return;
  }
  Status saved = SaveManifestCatalog(catalog, target);
  if (saved.ok()) {
    log.Info("manifest saved to " + target.string());
  } else {
    log.Error(saved.error().message);
  }
}

}  // namespace skintrack::viewer
