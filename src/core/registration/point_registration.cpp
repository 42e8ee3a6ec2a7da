// Least-squares transforms from point pairs: the manual fallback and the refit on RANSAC inliers.
#include <cmath>
#include <optional>

#include <opencv2/calib3d.hpp>

#include "core/registration/registration.h"
#include "core/registration/registration_internal.h"

namespace skintrack::core {
namespace registration_internal {
namespace {

// True when the points span a two-dimensional region (not all on one line or one spot).
bool SpansPlane(const std::vector<cv::Point2d>& points) {
  if (points.size() < 3) return false;
  cv::Point2d mean(0, 0);
  for (const auto& p : points) mean += p;
  mean *= 1.0 / static_cast<double>(points.size());
  cv::Matx22d cov = cv::Matx22d::zeros();
  for (const auto& p : points) {
    const cv::Point2d d = p - mean;
    cov(0, 0) += d.x * d.x;
    cov(0, 1) += d.x * d.y;
    cov(1, 1) += d.y * d.y;
  }
  cov(1, 0) = cov(0, 1);
  cv::Matx21d eig;
  cv::eigen(cov, eig);
  // The thinner direction must be at least 1% of the wider one and half a pixel.
  return eig(0) > 0 && eig(1) > 1e-4 * eig(0) && eig(1) / static_cast<double>(points.size()) > 0.25;
}

}  // namespace

std::optional<cv::Matx33d> FitLeastSquares(MotionModel model, const std::vector<cv::Point2d>& src,
                                           const std::vector<cv::Point2d>& dst) {
  const size_t n = src.size();
  if (n != dst.size() || !SpansPlane(src) || !SpansPlane(dst)) return std::nullopt;
  if (model == MotionModel::kHomography) {
    if (n < 4) return std::nullopt;
    const cv::Mat h = cv::findHomography(ToFloat(src), ToFloat(dst), 0);
    if (h.empty()) return std::nullopt;
    cv::Matx33d out(h);
    if (std::abs(out(2, 2)) < 1e-12) return std::nullopt;
    return out * (1.0 / out(2, 2));
  }
  // Centre both point sets for conditioning; solve the linear system in the centred frame.
  cv::Point2d ms(0, 0), md(0, 0);
  for (size_t i = 0; i < n; ++i) {
    ms += src[i];
    md += dst[i];
  }
  ms *= 1.0 / static_cast<double>(n);
  md *= 1.0 / static_cast<double>(n);
  cv::Matx22d linear;
  if (model == MotionModel::kSimilarity) {
    // x' = a x - b y, y' = b x + a y (centred): closed form.
    double sxx = 0, num_a = 0, num_b = 0;
    for (size_t i = 0; i < n; ++i) {
      const cv::Point2d s = src[i] - ms;
      const cv::Point2d d = dst[i] - md;
      sxx += s.x * s.x + s.y * s.y;
      num_a += s.x * d.x + s.y * d.y;
      num_b += s.x * d.y - s.y * d.x;
    }
    if (sxx <= 0) return std::nullopt;
    const double a = num_a / sxx;
    const double b = num_b / sxx;
    linear = cv::Matx22d(a, -b, b, a);
  } else {
    if (n < 3) return std::nullopt;
    cv::Matx22d sts = cv::Matx22d::zeros();  // sum s s^T
    cv::Matx22d dts = cv::Matx22d::zeros();  // sum d s^T
    for (size_t i = 0; i < n; ++i) {
      const cv::Vec2d s(src[i].x - ms.x, src[i].y - ms.y);
      const cv::Vec2d d(dst[i].x - md.x, dst[i].y - md.y);
      sts += s * s.t();
      dts += d * s.t();
    }
    if (std::abs(cv::determinant(sts)) < 1e-12) return std::nullopt;
    linear = dts * sts.inv();
  }
  const cv::Vec2d t = cv::Vec2d(md.x, md.y) - linear * cv::Vec2d(ms.x, ms.y);
  return cv::Matx33d(linear(0, 0), linear(0, 1), t[0], linear(1, 0), linear(1, 1), t[1], 0, 0, 1);
}

double RmsResidual(const cv::Matx33d& h, const std::vector<cv::Point2d>& src,
                   const std::vector<cv::Point2d>& dst) {
  if (src.empty()) return 0;
  double sum = 0;
  for (size_t i = 0; i < src.size(); ++i) {
    const cv::Point2d d = Apply(h, src[i]) - dst[i];
    sum += d.dot(d);
  }
  return std::sqrt(sum / static_cast<double>(src.size()));
}

}  // namespace registration_internal

Result<Registration> RegisterFromPoints(const std::vector<PointPair>& pairs, MotionModel model,
                                        cv::Size moving_size, cv::Size fixed_size) {
  namespace ri = registration_internal;
  const size_t needed = model == MotionModel::kHomography ? 4 : 3;
  if (pairs.size() < needed) {
    return BadInputError("manual alignment needs at least " + std::to_string(needed) +
                         " point pairs for this model; got " + std::to_string(pairs.size()));
  }
  std::vector<cv::Point2d> src, dst;
  for (const PointPair& p : pairs) {
    if (!std::isfinite(p.moving.x) || !std::isfinite(p.moving.y) || !std::isfinite(p.fixed.x) ||
        !std::isfinite(p.fixed.y)) {
      return BadInputError("manual alignment: a point coordinate is not a finite number");
    }
    src.push_back(p.moving);
    dst.push_back(p.fixed);
  }
  std::optional<cv::Matx33d> h;
  MotionModel chosen = model;
  try {
    if (model == MotionModel::kAuto) {
      chosen = MotionModel::kAffine;
      h = ri::FitLeastSquares(MotionModel::kAffine, src, dst);
      if (h && pairs.size() >= 6) {
        auto homography = ri::FitLeastSquares(MotionModel::kHomography, src, dst);
        if (homography && ri::RmsResidual(*homography, src, dst) < 0.5 * ri::RmsResidual(*h, src, dst)) {
          h = homography;
          chosen = MotionModel::kHomography;
        }
      }
    } else {
      h = ri::FitLeastSquares(model, src, dst);
    }
  } catch (const cv::Exception& e) {
    return BadInputError(std::string("manual alignment: the points cannot define a transform (") +
                         e.what() + ")");
  }
  if (!h) {
    return BadInputError(
        "manual alignment: the points are degenerate (all on one line or too close together); "
        "pick points spread over the skin area");
  }
  Registration r;
  r.method = "points";
  r.model = chosen;
  r.fixed_from_moving = *h;
  r.moving_size = moving_size;
  r.fixed_size = fixed_size;
  r.matches = static_cast<int>(pairs.size());
  r.inliers = r.matches;
  r.inlier_ratio = 1.0;
  r.rms_residual_px = ri::RmsResidual(*h, src, dst);
  const ri::TransformShape shape = ri::DescribeTransform(*h, moving_size);
  r.scale = shape.scale;
  r.anisotropy = shape.anisotropy;
  r.ok = shape.finite && shape.orientation_preserved;
  if (!r.ok) r.failure_reason = "the point pairs imply a mirrored or degenerate transform";
  return r;
}

}  // namespace skintrack::core
