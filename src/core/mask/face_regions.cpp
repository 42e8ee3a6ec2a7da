#include "core/mask/face_regions.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "core/color/srgb.h"

namespace skintrack::core {
namespace fs = std::filesystem;

namespace {

constexpr const char* kCascadeName = "haarcascade_frontalface_default.xml";

std::optional<fs::path> FindCascade() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("SKINTRACK_HAAR_DIR"); env != nullptr && *env != '\0') {
    dirs.emplace_back(env);
  }
  dirs.emplace_back("/usr/share/opencv4/haarcascades");
  dirs.emplace_back("/usr/share/opencv/haarcascades");
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (fs::is_regular_file(dir / kCascadeName, ec)) return dir / kCascadeName;
  }
  return std::nullopt;
}

cv::CascadeClassifier* Cascade() {
  thread_local std::optional<cv::CascadeClassifier> cascade;
  thread_local bool tried = false;
  if (!tried) {
    tried = true;
    if (const auto path = FindCascade()) {
      cv::CascadeClassifier c;
      if (c.load(path->string())) cascade = std::move(c);
    }
  }
  return cascade ? &*cascade : nullptr;
}

}  // namespace

std::optional<cv::Rect> FindFace(const cv::Mat& rgb_linear, std::vector<std::string>& warnings) {
  try {
    cv::CascadeClassifier* cascade = Cascade();
    if (cascade == nullptr) {
      warnings.push_back("face_detector_missing");
      return std::nullopt;
    }
    const double scale = std::min(1.0, 640.0 / std::max(rgb_linear.cols, rgb_linear.rows));
    cv::Mat small;
    cv::resize(rgb_linear, small, cv::Size(), scale, scale, cv::INTER_AREA);
    const cv::Mat bgr = LinearRgbToBgr8(small);
    cv::Mat grey;
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    cv::equalizeHist(grey, grey);
    const int min_side = static_cast<int>(0.15 * std::min(grey.cols, grey.rows));
    std::vector<cv::Rect> faces;
    cascade->detectMultiScale(grey, faces, 1.1, 5, 0, cv::Size(min_side, min_side));
    if (faces.empty()) return std::nullopt;
    const cv::Rect best = *std::max_element(
        faces.begin(), faces.end(), [](const cv::Rect& a, const cv::Rect& b) { return a.area() < b.area(); });
    const double inv = 1.0 / scale;
    cv::Rect face(static_cast<int>(best.x * inv), static_cast<int>(best.y * inv),
                  static_cast<int>(best.width * inv), static_cast<int>(best.height * inv));
    return face & cv::Rect(0, 0, rgb_linear.cols, rgb_linear.rows);
  } catch (const cv::Exception& e) {
    warnings.push_back("face_detection_failed");
    return std::nullopt;
  }
}

std::map<std::string, cv::Mat> FaceRegions(const cv::Rect& face, const cv::Mat& skin_mask) {
  struct Box {
    const char* name;
    double x0, y0, x1, y1;  // fractions of the face box
  };
  // Proportions of a Haar frontal-face box: brows near 0.3 of its height, mouth near 0.8.
  static constexpr Box kBoxes[] = {
      {"forehead", 0.22, 0.02, 0.78, 0.2},    {"right_cheek", 0.12, 0.5, 0.35, 0.75},
      {"left_cheek", 0.65, 0.5, 0.88, 0.75},  {"nose", 0.4, 0.38, 0.6, 0.62},
      {"chin", 0.35, 0.9, 0.65, 1.05},
  };
  std::map<std::string, cv::Mat> regions;
  const cv::Rect bounds(0, 0, skin_mask.cols, skin_mask.rows);
  for (const Box& b : kBoxes) {
    const cv::Rect r(face.x + static_cast<int>(face.width * b.x0),
                     face.y + static_cast<int>(face.height * b.y0),
                     static_cast<int>(face.width * (b.x1 - b.x0)),
                     static_cast<int>(face.height * (b.y1 - b.y0)));
    const cv::Rect clipped = r & bounds;
    if (clipped.area() == 0) continue;
    cv::Mat region(skin_mask.size(), CV_8U, cv::Scalar(0));
    skin_mask(clipped).copyTo(region(clipped));
    if (cv::countNonZero(region) < 0.01 * r.area()) continue;
    regions[b.name] = region;
  }
  return regions;
}

}  // namespace skintrack::core
