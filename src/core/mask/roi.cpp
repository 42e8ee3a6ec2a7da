#include "core/mask/roi.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/base/atomic_file.h"
#include "core/io/image_io.h"

namespace skintrack::core {
namespace fs = std::filesystem;

namespace {

// Vertices further out than this are certainly a broken file; the limit also keeps every rounded
// coordinate far inside int (OpenCV's fill works in fixed point and shifts coordinates left).
constexpr double kMaxRoiCoordinatePx = 1e6;
// A polygon enclosing less than one pixel's area is a line or a point, not a region.
constexpr double kMinRoiPolygonAreaPx2 = 1.0;
// A polygon file is a few kilobytes; anything larger than this is not one.
constexpr std::int64_t kMaxRoiJsonBytes = std::int64_t{16} << 20;

Result<std::vector<cv::Point>> ParsePolygon(const nlohmann::json& points, const std::string& name) {
  if (!points.is_array() || points.size() < 3) {
    return BadInputError("ROI '" + name + "': a polygon needs at least 3 [x, y] vertices");
  }
  if (points.size() > kMaxRoiVertices) {
    return BadInputError("ROI '" + name + "': a polygon has " + std::to_string(points.size()) +
                         " vertices, more than the limit of " + std::to_string(kMaxRoiVertices));
  }
  std::vector<cv::Point> polygon;
  polygon.reserve(points.size());
  std::vector<cv::Point2f> vertices;
  vertices.reserve(points.size());
  for (const auto& p : points) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number()) {
      return BadInputError("ROI '" + name + "': each vertex must be [x, y] in image pixels");
    }
    const double x = p[0].get<double>();
    const double y = p[1].get<double>();
    if (!std::isfinite(x) || !std::isfinite(y) || std::abs(x) > kMaxRoiCoordinatePx ||
        std::abs(y) > kMaxRoiCoordinatePx) {
      return BadInputError("ROI '" + name + "': vertex [" + p[0].dump() + ", " + p[1].dump() +
                           "] is outside +-1e6 pixels; coordinates are image pixels");
    }
    polygon.emplace_back(static_cast<int>(std::lround(x)), static_cast<int>(std::lround(y)));
    vertices.emplace_back(static_cast<float>(x), static_cast<float>(y));
  }
  // A polygon whose vertices lie on one line or point encloses nothing, yet the fill still draws
  // its outline: a line of pixels would be measured as if it were a region. The convex hull's
  // area is zero exactly then (a self-crossing outline such as a bow tie keeps its hull's area).
  std::vector<cv::Point2f> hull;
  cv::convexHull(vertices, hull);
  if (cv::contourArea(hull) < kMinRoiPolygonAreaPx2) {
    return BadInputError("ROI '" + name +
                         "': a polygon encloses no area (its vertices lie on one line or point); "
                         "give the outline of the region, with at least 3 vertices not on a line");
  }
  return polygon;
}

}  // namespace

Result<cv::Mat> RoiMaskFromPolygonJson(std::string_view json_text, cv::Size size,
                                       std::string_view name_view) {
  const std::string name(name_view);
  nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return BadInputError("ROI '" + name + "' is not valid JSON; expected "
                         "{\"schema\": \"skintrack.roi/1\", \"polygons\": [[[x, y], ...]]}");
  }
  std::vector<std::vector<cv::Point>> polygons;
  if (doc.is_object() && doc.contains("polygons") && doc["polygons"].is_array()) {
    if (doc["polygons"].size() > kMaxRoiPolygons) {
      return BadInputError("ROI '" + name + "' holds " + std::to_string(doc["polygons"].size()) +
                           " polygons, more than the limit of " + std::to_string(kMaxRoiPolygons));
    }
    for (const auto& poly : doc["polygons"]) {
      SKT_ASSIGN_OR_RETURN(auto polygon, ParsePolygon(poly, name));
      polygons.push_back(std::move(polygon));
    }
  } else if (doc.is_object() && doc.contains("polygon")) {
    SKT_ASSIGN_OR_RETURN(auto polygon, ParsePolygon(doc["polygon"], name));
    polygons.push_back(std::move(polygon));
  } else {
    return BadInputError("ROI '" + name +
                         "' has neither \"polygons\" nor \"polygon\"; expected "
                         "{\"schema\": \"skintrack.roi/1\", \"polygons\": [[[x, y], ...]]}");
  }
  if (polygons.empty()) return BadInputError("ROI '" + name + "' holds no polygon");
  if (size.width <= 0 || size.height <= 0) {
    return BadInputError("ROI '" + name + "': the image has no pixels");
  }
  cv::Mat mask(size, CV_8U, cv::Scalar(0));
  try {
    cv::fillPoly(mask, polygons, cv::Scalar(255));
  } catch (const cv::Exception& e) {
    return BadInputError("ROI '" + name + "' cannot be drawn: " + e.what());
  }
  if (cv::countNonZero(mask) == 0) {
    return BadInputError("ROI '" + name + "' selects no pixel of the image");
  }
  return mask;
}


Result<cv::Mat> LoadRoiMask(const fs::path& path, cv::Size image_size) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return BadInputError("ROI file '" + path.string() + "' does not exist or is not a file");
  }
  std::string ext = path.extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  cv::Mat mask;
  if (ext == ".json") {
    SKT_ASSIGN_OR_RETURN(const std::string text, ReadFileBytes(path, kMaxRoiJsonBytes));
    return RoiMaskFromPolygonJson(text, image_size, path.filename().string());
  } else {
    // The mask is untrusted input like the photo: its header is checked before any pixel is
    // decoded, so a mask declaring a huge size costs nothing (core/io/image_io.h).
    const std::string name = path.filename().string();
    SKT_ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(path, LoadOptions{}.max_file_bytes));
    auto header = ProbeImageHeader(bytes, name);
    if (!header.ok()) {
      return BadInputError("ROI '" + name + "' is not a readable image (" +
                           header.error().message + "); give a mask PNG or a polygon .json");
    }
    if (header->width != image_size.width || header->height != image_size.height) {
      return BadInputError("ROI mask '" + name + "' is " + std::to_string(header->width) + "x" +
                           std::to_string(header->height) + " but the image is " +
                           std::to_string(image_size.width) + "x" +
                           std::to_string(image_size.height) + "; draw the mask on the upright image");
    }
    cv::Mat image;
    try {
      const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U, bytes.data());
      image = cv::imdecode(buffer, cv::IMREAD_GRAYSCALE | cv::IMREAD_ANYDEPTH);
    } catch (const cv::Exception& e) {
      return BadInputError("ROI '" + name + "' cannot be read: " + e.what());
    }
    if (image.empty() || image.size() != image_size) {
      return BadInputError("ROI '" + name +
                           "' is not a readable image; give a mask PNG or a polygon .json");
    }
    mask = image != 0;
  }
  if (cv::countNonZero(mask) == 0) {
    return BadInputError("ROI '" + path.filename().string() + "' selects no pixel of the image");
  }
  return mask;
}

}  // namespace skintrack::core
