// Point-pair files, warping into the baseline frame, flow files and the JSON form of a result.
#include <algorithm>
#include <cmath>
#include <cstring>

#include <opencv2/imgproc.hpp>

#include "core/base/atomic_file.h"
#include "core/registration/registration.h"
#include "core/registration/registration_internal.h"

namespace skintrack::core {
namespace {

Result<cv::Point2d> ParsePoint(const nlohmann::json& value, const std::string& where) {
  if (!value.is_array() || value.size() != 2 || !value[0].is_number() || !value[1].is_number()) {
    return BadInputError("point pairs: " + where + " must be [x, y] with two numbers");
  }
  return cv::Point2d(value[0].get<double>(), value[1].get<double>());
}

double Round(double value, double step) { return std::round(value / step) * step; }

}  // namespace

Result<std::vector<PointPair>> ParsePointPairsJson(std::string_view text) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return BadInputError(std::string("point pairs: not valid JSON (") + e.what() + ")");
  }
  if (!doc.is_object() || !doc.contains("pairs") || !doc["pairs"].is_array()) {
    return BadInputError(
        "point pairs: expected {\"schema\": \"skintrack.align-points/1\", \"pairs\": "
        "[{\"moving\": [x, y], \"fixed\": [x, y]}, ...]}");
  }
  if (doc.contains("schema") &&
      (!doc["schema"].is_string() || doc["schema"].get<std::string>() != "skintrack.align-points/1")) {
    return BadInputError("point pairs: schema must be \"skintrack.align-points/1\"");
  }
  std::vector<PointPair> pairs;
  for (size_t i = 0; i < doc["pairs"].size(); ++i) {
    const auto& item = doc["pairs"][i];
    const std::string where = "pairs[" + std::to_string(i) + "]";
    if (!item.is_object() || !item.contains("moving") || !item.contains("fixed")) {
      return BadInputError("point pairs: " + where + " needs \"moving\" and \"fixed\"");
    }
    SKT_ASSIGN_OR_RETURN(cv::Point2d moving, ParsePoint(item["moving"], where + ".moving"));
    SKT_ASSIGN_OR_RETURN(cv::Point2d fixed, ParsePoint(item["fixed"], where + ".fixed"));
    pairs.push_back({moving, fixed});
  }
  return pairs;
}

Result<std::vector<PointPair>> ReadPointPairsJson(const std::filesystem::path& path) {
  SKT_ASSIGN_OR_RETURN(std::string text, ReadFileBytes(path));
  auto pairs = ParsePointPairsJson(text);
  if (!pairs.ok()) return BadInputError(path.string() + ": " + pairs.error().message);
  return pairs;
}

Result<cv::Mat> WarpToFixed(const cv::Mat& moving, const Registration& registration,
                            int interpolation) {
  if (moving.empty()) return BadInputError("cannot warp an empty image");
  if (registration.fixed_size.width <= 0 || registration.fixed_size.height <= 0) {
    return BadInputError("registration has no fixed image size");
  }
  try {
    cv::Mat out;
    if (registration.flow_fixed_px.empty()) {
      cv::warpPerspective(moving, out, cv::Mat(registration.fixed_from_moving),
                          registration.fixed_size, interpolation, cv::BORDER_CONSTANT, 0);
      return out;
    }
    // aligned(x) = moving(fixed_from_moving^-1 (x + flow(x))), computed row by row.
    const cv::Matx33d moving_from_fixed = registration.fixed_from_moving.inv();
    const cv::Size size = registration.fixed_size;
    cv::Mat map(size, CV_32FC2);
    for (int y = 0; y < size.height; ++y) {
      const auto* f = registration.flow_fixed_px.ptr<cv::Vec2f>(y);
      auto* m = map.ptr<cv::Vec2f>(y);
      for (int x = 0; x < size.width; ++x) {
        const cv::Point2d p =
            registration_internal::Apply(moving_from_fixed, cv::Point2d(x + static_cast<double>(f[x][0]), y + static_cast<double>(f[x][1])));
        m[x] = cv::Vec2f(static_cast<float>(p.x), static_cast<float>(p.y));
      }
    }
    cv::remap(moving, out, map, cv::noArray(), interpolation, cv::BORDER_CONSTANT, 0);
    return out;
  } catch (const cv::Exception& e) {
    return InternalError(std::string("warping to the baseline frame failed in OpenCV: ") + e.what());
  }
}

Result<cv::Mat> WarpToMoving(const cv::Mat& fixed_values, const Registration& registration,
                             int interpolation) {
  if (fixed_values.empty()) return BadInputError("cannot map an empty image");
  const cv::Size size = registration.moving_size;
  if (size.width <= 0 || size.height <= 0) {
    return BadInputError("registration has no moving image size");
  }
  if (fixed_values.size() != registration.fixed_size) {
    return BadInputError("the image to map is not of the registration's fixed size");
  }
  try {
    cv::Mat out;
    if (registration.flow_fixed_px.empty()) {
      // With WARP_INVERSE_MAP the matrix maps destination (moving) to source (fixed) pixels.
      cv::warpPerspective(fixed_values, out, cv::Mat(registration.fixed_from_moving), size,
                          interpolation | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT, 0);
      return out;
    }
    const cv::Mat& flow = registration.flow_fixed_px;
    const auto flow_at = [&flow](double x, double y) {
      const double cx = std::clamp(x, 0.0, flow.cols - 1.0);
      const double cy = std::clamp(y, 0.0, flow.rows - 1.0);
      const int x0 = std::max(0, std::min(static_cast<int>(cx), flow.cols - 2));
      const int y0 = std::max(0, std::min(static_cast<int>(cy), flow.rows - 2));
      const int x1 = std::min(x0 + 1, flow.cols - 1);
      const int y1 = std::min(y0 + 1, flow.rows - 1);
      const double fx = cx - x0;
      const double fy = cy - y0;
      const cv::Vec2f& a = flow.at<cv::Vec2f>(y0, x0);
      const cv::Vec2f& b = flow.at<cv::Vec2f>(y0, x1);
      const cv::Vec2f& c = flow.at<cv::Vec2f>(y1, x0);
      const cv::Vec2f& d = flow.at<cv::Vec2f>(y1, x1);
      return cv::Point2d(
          (1 - fy) * ((1 - fx) * a[0] + fx * b[0]) + fy * ((1 - fx) * c[0] + fx * d[0]),
          (1 - fy) * ((1 - fx) * a[1] + fx * b[1]) + fy * ((1 - fx) * c[1] + fx * d[1]));
    };
    cv::Mat map(size, CV_32FC2);
    for (int y = 0; y < size.height; ++y) {
      auto* m = map.ptr<cv::Vec2f>(y);
      for (int x = 0; x < size.width; ++x) {
        const cv::Point2d target =
            registration_internal::Apply(registration.fixed_from_moving, cv::Point2d(x, y));
        cv::Point2d fixed = target;
        for (int iteration = 0; iteration < 5; ++iteration)
          fixed = target - flow_at(fixed.x, fixed.y);
        m[x] = cv::Vec2f(static_cast<float>(fixed.x), static_cast<float>(fixed.y));
      }
    }
    cv::remap(fixed_values, out, map, cv::noArray(), interpolation, cv::BORDER_CONSTANT, 0);
    return out;
  } catch (const cv::Exception& e) {
    return InternalError(std::string("mapping into the follow-up's frame failed in OpenCV: ") +
                         e.what());
  }
}

cv::Rect FixedRectToMoving(const cv::Rect& fixed_rect, const Registration& registration) {
  const cv::Matx33d moving_from_fixed = registration.fixed_from_moving.inv();
  double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
  for (const cv::Point2d corner :
       {cv::Point2d(fixed_rect.x, fixed_rect.y), cv::Point2d(fixed_rect.br().x, fixed_rect.y),
        cv::Point2d(fixed_rect.x, fixed_rect.br().y),
        cv::Point2d(fixed_rect.br().x, fixed_rect.br().y)}) {
    const cv::Point2d p = registration_internal::Apply(moving_from_fixed, corner);
    x0 = std::min(x0, p.x);
    y0 = std::min(y0, p.y);
    x1 = std::max(x1, p.x);
    y1 = std::max(y1, p.y);
  }
  // Size and centre are rounded apart, so that a shifted box keeps its width and height (a face
  // box's width sets the scale when none is measured).
  const int width = static_cast<int>(std::lround(x1 - x0));
  const int height = static_cast<int>(std::lround(y1 - y0));
  const cv::Rect box(static_cast<int>(std::lround(0.5 * (x0 + x1) - 0.5 * width)),
                     static_cast<int>(std::lround(0.5 * (y0 + y1) - 0.5 * height)), width, height);
  return box & cv::Rect(cv::Point(0, 0), registration.moving_size);
}

int QuarterTurnsFixedToMoving(const Registration& registration) {
  // A moving image that is the fixed one turned clockwise by k quarters has fixed_from_moving
  // rotating by -k x 90° (image axes, y down): for k = 1, [x_f, y_f] = [y_m, H - 1 - x_m].
  const cv::Matx33d& m = registration.fixed_from_moving;
  const double angle = std::atan2(m(1, 0), m(0, 0));
  const auto k = static_cast<int>(std::lround(-angle / (0.5 * CV_PI)));
  return ((k % 4) + 4) % 4;
}

double TiltFixedToMovingDeg(const Registration& registration) {
  const cv::Matx33d& m = registration.fixed_from_moving;
  const double clockwise_deg = -std::atan2(m(1, 0), m(0, 0)) * 180.0 / CV_PI;
  return std::remainder(clockwise_deg, 90.0);
}

Status WriteFlowFile(const std::filesystem::path& path, const cv::Mat& flow) {
  if (flow.empty() || flow.type() != CV_32FC2) {
    return InternalError("flow field must be a non-empty CV_32FC2 image");
  }
  // Middlebury .flo: "PIEH" tag (float 202021.25), int32 width, int32 height, then (u, v) floats
  // row by row, little-endian.
  std::string bytes(12 + flow.total() * 8, '\0');
  const float tag = 202021.25f;
  const std::int32_t w = flow.cols;
  const std::int32_t h = flow.rows;
  std::memcpy(bytes.data(), &tag, 4);
  std::memcpy(bytes.data() + 4, &w, 4);
  std::memcpy(bytes.data() + 8, &h, 4);
  for (int y = 0; y < flow.rows; ++y) {
    std::memcpy(bytes.data() + 12 + static_cast<size_t>(y) * flow.cols * 8, flow.ptr(y),
                static_cast<size_t>(flow.cols) * 8);
  }
  return WriteFileAtomic(path, bytes);
}

nlohmann::json RegistrationToJson(const Registration& r) {
  nlohmann::json matrix = nlohmann::json::array();
  const double norm = std::abs(r.fixed_from_moving(2, 2)) > 1e-12 ? r.fixed_from_moving(2, 2) : 1.0;
  for (int row = 0; row < 3; ++row) {
    nlohmann::json values = nlohmann::json::array();
    for (int col = 0; col < 3; ++col) values.push_back(r.fixed_from_moving(row, col) / norm);
    matrix.push_back(values);
  }
  nlohmann::json doc = {
      {"ok", r.ok},
      {"failure_reason", r.ok ? nlohmann::json(nullptr) : nlohmann::json(r.failure_reason)},
      {"model", MotionModelName(r.model)},
      {"method", r.method},
      {"fixed_from_moving", matrix},
      {"moving_size", {r.moving_size.width, r.moving_size.height}},
      {"fixed_size", {r.fixed_size.width, r.fixed_size.height}},
      {"matches", r.matches},
      {"inliers", r.inliers},
      {"inlier_ratio", Round(r.inlier_ratio, 1e-4)},
      {"rms_residual_px", Round(r.rms_residual_px, 1e-4)},
      {"ncc_before", Round(r.ncc_before, 1e-4)},
      {"ncc_after", Round(r.ncc_after, 1e-4)},
      {"ncc_after_global", Round(r.ncc_after_global, 1e-4)},
      {"overlap_fraction", Round(r.overlap_fraction, 1e-4)},
      {"ecc_correlation", Round(r.ecc_correlation, 1e-4)},
      {"ecc_converged", r.ecc_converged},
      {"scale", Round(r.scale, 1e-6)},
      {"anisotropy", Round(r.anisotropy, 1e-6)},
      {"warnings", r.warnings},
  };
  nlohmann::json stages = nlohmann::json::object();
  for (const auto& [stage, ms] : r.stage_ms) stages[stage] = Round(ms, 0.1);
  doc["stage_ms"] = stages;
  if (!r.flow_fixed_px.empty()) {
    doc["nonrigid"] = {{"flow_mean_px", Round(r.flow_mean_px, 1e-3)},
                       {"flow_p95_px", Round(r.flow_p95_px, 1e-3)},
                       {"flow_max_px", Round(r.flow_max_px, 1e-3)}};
  } else {
    doc["nonrigid"] = nullptr;
  }
  return doc;
}

}  // namespace skintrack::core
