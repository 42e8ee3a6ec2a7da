#include "core/mask/roi.h"

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/base/atomic_file.h"

namespace skintrack::core {
namespace fs = std::filesystem;

namespace {

Result<std::vector<cv::Point>> ParsePolygon(const nlohmann::json& points, const std::string& name) {
  if (!points.is_array() || points.size() < 3) {
    return BadInputError("ROI '" + name + "': a polygon needs at least 3 [x, y] vertices");
  }
  std::vector<cv::Point> polygon;
  for (const auto& p : points) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number()) {
      return BadInputError("ROI '" + name + "': each vertex must be [x, y] in image pixels");
    }
    polygon.emplace_back(static_cast<int>(std::lround(p[0].get<double>())),
                         static_cast<int>(std::lround(p[1].get<double>())));
  }
  return polygon;
}

Result<cv::Mat> PolygonMask(const fs::path& path, cv::Size size) {
  SKT_ASSIGN_OR_RETURN(std::string text, ReadFileBytes(path));
  const std::string name = path.filename().string();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return BadInputError("ROI '" + name + "' is not valid JSON: " + e.what());
  }
  std::vector<std::vector<cv::Point>> polygons;
  if (doc.is_object() && doc.contains("polygons") && doc["polygons"].is_array()) {
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
  cv::Mat mask(size, CV_8U, cv::Scalar(0));
  cv::fillPoly(mask, polygons, cv::Scalar(255));
  return mask;
}

}  // namespace

Result<cv::Mat> LoadRoiMask(const fs::path& path, cv::Size image_size) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return BadInputError("ROI file '" + path.string() + "' does not exist or is not a file");
  }
  std::string ext = path.extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  cv::Mat mask;
  if (ext == ".json") {
    SKT_ASSIGN_OR_RETURN(mask, PolygonMask(path, image_size));
  } else {
    cv::Mat image;
    try {
      image = cv::imread(path.string(), cv::IMREAD_GRAYSCALE | cv::IMREAD_ANYDEPTH);
    } catch (const cv::Exception& e) {
      return BadInputError("ROI '" + path.filename().string() + "' cannot be read: " + e.what());
    }
    if (image.empty()) {
      return BadInputError("ROI '" + path.filename().string() +
                           "' is not a readable image; give a mask PNG or a polygon .json");
    }
    if (image.size() != image_size) {
      return BadInputError("ROI mask '" + path.filename().string() + "' is " +
                           std::to_string(image.cols) + "x" + std::to_string(image.rows) +
                           " but the image is " + std::to_string(image_size.width) + "x" +
                           std::to_string(image_size.height) + "; draw the mask on the upright image");
    }
    mask = image != 0;
  }
  if (cv::countNonZero(mask) == 0) {
    return BadInputError("ROI '" + path.filename().string() + "' selects no pixel of the image");
  }
  return mask;
}

}  // namespace skintrack::core
