// Shared geometry helpers and the quality checks that decide whether a registration is trusted.
#include <algorithm>
#include <cmath>
#include <sstream>

#include <opencv2/imgproc.hpp>

#include "core/base/check.h"
#include "core/registration/registration_internal.h"

namespace skintrack::core::registration_internal {

cv::Mat Grey(const cv::Mat& image) {
  SKT_CHECK(image.depth() == CV_8U || image.depth() == CV_16U) << "8- or 16-bit image expected";
  SKT_CHECK(image.channels() == 1 || image.channels() == 3) << "grey or BGR image expected";
  if (image.channels() == 1) return image;
  cv::Mat grey;
  cv::cvtColor(image, grey, cv::COLOR_BGR2GRAY);
  return grey;
}

cv::Mat LuminanceUnit(const cv::Mat& image) {
  const cv::Mat grey = Grey(image);
  cv::Mat unit;
  grey.convertTo(unit, CV_32F, image.depth() == CV_8U ? 1.0 / 255.0 : 1.0 / 65535.0);
  return unit;
}

double ResizeToMaxSide(const cv::Mat& src, int max_side_px, cv::Mat& dst) {
  const int side = std::max(src.cols, src.rows);
  if (side <= max_side_px) {
    dst = src;
    return 1.0;
  }
  const double scale = static_cast<double>(max_side_px) / side;
  const cv::Size size(std::max(1, static_cast<int>(std::lround(src.cols * scale))),
                      std::max(1, static_cast<int>(std::lround(src.rows * scale))));
  cv::resize(src, dst, size, 0, 0, cv::INTER_AREA);
  return scale;
}

cv::Matx33d ScaleMatrix(double scale) { return ScaleMatrix(scale, scale); }

cv::Matx33d ScaleMatrix(double scale_x, double scale_y) {
  // Pixel centres: x_small + 0.5 = (x + 0.5) * scale.
  return {scale_x, 0, 0.5 * scale_x - 0.5, 0, scale_y, 0.5 * scale_y - 0.5, 0, 0, 1};
}

cv::Matx33d ScaleBetween(cv::Size from, cv::Size to) {
  return ScaleMatrix(static_cast<double>(to.width) / from.width,
                     static_cast<double>(to.height) / from.height);
}

cv::Mat ContrastNormalised8(const cv::Mat& luminance_unit) {
  cv::Mat grey8;
  luminance_unit.convertTo(grey8, CV_8U, 255.0);
  // CLAHE equalises local contrast, so exposure, white balance and gentle shading differences
  // between sessions do not change which structures the detectors and NCC see.
  const int tiles = std::clamp(std::max(grey8.cols, grey8.rows) / 128, 2, 8);
  auto clahe = cv::createCLAHE(2.0, cv::Size(tiles, tiles));
  cv::Mat out;
  clahe->apply(grey8, out);
  return out;
}

cv::Point2d Apply(const cv::Matx33d& h, const cv::Point2d& p) {
  const cv::Vec3d v = h * cv::Vec3d(p.x, p.y, 1.0);
  return {v[0] / v[2], v[1] / v[2]};
}

std::array<cv::Point2d, 4> Corners(cv::Size size) {
  const double w = size.width - 1.0;
  const double h = size.height - 1.0;
  return {cv::Point2d(0, 0), cv::Point2d(w, 0), cv::Point2d(w, h), cv::Point2d(0, h)};
}

double MaxCornerDistance(const cv::Matx33d& a, const cv::Matx33d& b, cv::Size size) {
  double worst = 0;
  for (const cv::Point2d& c : Corners(size)) {
    worst = std::max(worst, cv::norm(Apply(a, c) - Apply(b, c)));
  }
  return worst;
}

TransformShape DescribeTransform(const cv::Matx33d& fixed_from_moving, cv::Size moving_size) {
  TransformShape shape;
  for (int i = 0; i < 9; ++i) {
    if (!std::isfinite(fixed_from_moving.val[i])) {
      shape.finite = false;
      return shape;
    }
  }
  const cv::Point2d centre((moving_size.width - 1) / 2.0, (moving_size.height - 1) / 2.0);
  const cv::Matx33d& h = fixed_from_moving;
  const double w_centre = h(2, 0) * centre.x + h(2, 1) * centre.y + h(2, 2);
  if (std::abs(w_centre) < 1e-12) {
    shape.finite = false;
    return shape;
  }
  // The Jacobian at the image centre describes the local linear part, for every model.
  const cv::Point2d f = Apply(h, centre);
  cv::Matx22d jac;
  jac(0, 0) = (h(0, 0) - h(2, 0) * f.x) / w_centre;
  jac(0, 1) = (h(0, 1) - h(2, 1) * f.x) / w_centre;
  jac(1, 0) = (h(1, 0) - h(2, 0) * f.y) / w_centre;
  jac(1, 1) = (h(1, 1) - h(2, 1) * f.y) / w_centre;
  const double det = cv::determinant(jac);
  shape.orientation_preserved = det > 0;
  shape.scale = std::sqrt(std::abs(det));
  cv::Matx21d sv;
  cv::SVD::compute(jac, sv, cv::SVD::NO_UV);
  shape.anisotropy = sv(1) > 0 ? sv(0) / sv(1) : 1e9;
  for (const cv::Point2d& c : Corners(moving_size)) {
    const double w = h(2, 0) * c.x + h(2, 1) * c.y + h(2, 2);
    shape.perspective = std::max(shape.perspective, std::abs(w / w_centre - 1.0));
    if (w / w_centre <= 0) shape.perspective = 1e9;  // a corner crosses the horizon
  }
  return shape;
}

double MaskedNcc(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask) {
  cv::Mat af, bf;
  a.convertTo(af, CV_64F);
  b.convertTo(bf, CV_64F);
  const double n = cv::countNonZero(mask);
  if (n < 16) return 0;
  const double mean_a = cv::mean(af, mask)[0];
  const double mean_b = cv::mean(bf, mask)[0];
  af -= mean_a;
  bf -= mean_b;
  cv::Mat zero_outside;
  cv::bitwise_not(mask, zero_outside);
  af.setTo(0, zero_outside);
  bf.setTo(0, zero_outside);
  const double ab = af.dot(bf);
  const double aa = af.dot(af);
  const double bb = bf.dot(bf);
  if (aa <= 0 || bb <= 0) return 0;
  return ab / std::sqrt(aa * bb);
}

void EvaluateOnImages(const cv::Mat& moving_eval8, const cv::Mat& fixed_eval8,
                      const cv::Mat& fixed_eval_mask, const cv::Matx33d& moving_eval_from_moving,
                      const cv::Matx33d& fixed_eval_from_fixed, Registration& registration,
                      const cv::Mat& moving_excluded) {
  const cv::Size size = fixed_eval8.size();
  cv::Mat mask = fixed_eval_mask.empty() ? cv::Mat(size, CV_8U, cv::Scalar(255)) : fixed_eval_mask;
  const double mask_pixels = std::max(1, cv::countNonZero(mask));

  // Before: moving stretched onto the fixed frame with no alignment at all.
  cv::Mat moving_stretched;
  cv::resize(moving_eval8, moving_stretched, size, 0, 0, cv::INTER_AREA);
  registration.ncc_before = MaskedNcc(moving_stretched, fixed_eval8, mask);

  const cv::Matx33d eval_transform =
      fixed_eval_from_fixed * registration.fixed_from_moving * moving_eval_from_moving.inv();
  cv::Mat warped, coverage;
  cv::warpPerspective(moving_eval8, warped, cv::Mat(eval_transform), size, cv::INTER_LINEAR,
                      cv::BORDER_CONSTANT, 0);
  cv::warpPerspective(cv::Mat(moving_eval8.size(), CV_8U, cv::Scalar(255)), coverage,
                      cv::Mat(eval_transform), size, cv::INTER_NEAREST, cv::BORDER_CONSTANT, 0);
  cv::Mat valid;
  cv::bitwise_and(coverage, mask, valid);
  registration.overlap_fraction = cv::countNonZero(valid) / mask_pixels;
  if (!moving_excluded.empty()) {
    cv::Mat excluded;
    cv::warpPerspective(moving_excluded, excluded, cv::Mat(eval_transform), size, cv::INTER_NEAREST,
                        cv::BORDER_CONSTANT, 0);
    valid.setTo(0, excluded);
  }
  registration.ncc_after_global = MaskedNcc(warped, fixed_eval8, valid);
  registration.ncc_after = registration.ncc_after_global;

  if (!registration.flow_fixed_px.empty()) {
    // Resample the flow to the evaluation frame and apply it on top of the global warp.
    cv::Mat flow_eval;
    cv::resize(registration.flow_fixed_px, flow_eval, size, 0, 0, cv::INTER_LINEAR);
    const double sx = static_cast<double>(size.width) / registration.fixed_size.width;
    const double sy = static_cast<double>(size.height) / registration.fixed_size.height;
    cv::Mat map(size, CV_32FC2);
    for (int y = 0; y < size.height; ++y) {
      const auto* f = flow_eval.ptr<cv::Vec2f>(y);
      auto* m = map.ptr<cv::Vec2f>(y);
      for (int x = 0; x < size.width; ++x) {
        m[x] = cv::Vec2f(static_cast<float>(x + f[x][0] * sx), static_cast<float>(y + f[x][1] * sy));
      }
    }
    cv::Mat flowed;
    cv::remap(warped, flowed, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
    registration.ncc_after = MaskedNcc(flowed, fixed_eval8, valid);
  }
}

void Judge(const RegistrationOptions& options, bool check_features, bool check_images,
           Registration& r) {
  std::ostringstream why;
  const TransformShape shape = DescribeTransform(r.fixed_from_moving, r.moving_size);
  r.scale = shape.scale;
  r.anisotropy = shape.anisotropy;
  const double near_identity_px =
      MaxCornerDistance(r.fixed_from_moving, ScaleBetween(r.moving_size, r.fixed_size),
                        r.moving_size);
  if (check_features && r.inliers < options.min_inliers) {
    why << "only " << r.inliers << " feature matches agree on one transform (at least "
        << options.min_inliers
        << " needed): the photos may show different people or regions, or differ too much in "
           "view or focus";
  } else if (check_features && r.inlier_ratio < options.min_inlier_ratio) {
    why << "only " << static_cast<int>(std::lround(100 * r.inlier_ratio)) << "% of " << r.matches
        << " feature matches agree on one transform (at least "
        << static_cast<int>(std::lround(100 * options.min_inlier_ratio))
        << "% needed): the evidence is too weak to trust";
  } else if (!shape.finite) {
    why << "the estimated transform is degenerate";
  } else if (!shape.orientation_preserved) {
    why << "the estimated transform mirrors the image, which a camera cannot do";
  } else if (shape.scale > options.max_scale_change ||
             shape.scale < 1.0 / options.max_scale_change) {
    why << "implausible scale change x" << shape.scale << " (allowed 1/" << options.max_scale_change
        << " .. " << options.max_scale_change << ")";
  } else if (shape.anisotropy > options.max_anisotropy) {
    why << "implausible shear/anisotropy " << shape.anisotropy << " (allowed up to "
        << options.max_anisotropy << ")";
  } else if (shape.perspective > options.max_perspective) {
    why << "implausible perspective distortion " << shape.perspective << " (allowed up to "
        << options.max_perspective << ")";
  } else if (!check_images) {
    // Overlap and NCC are judged once they have been measured.
  } else if (r.overlap_fraction < options.min_overlap_fraction) {
    why << "the aligned follow-up covers only " << static_cast<int>(std::lround(100 * r.overlap_fraction))
        << "% of the baseline (at least "
        << static_cast<int>(std::lround(100 * options.min_overlap_fraction)) << "% needed)";
  } else if (r.ncc_after < options.min_ncc_after) {
    why << "after alignment the images still do not correlate (NCC " << r.ncc_after
        << " < " << options.min_ncc_after << ")";
  } else if (near_identity_px > 2.0 && r.ncc_before < options.aligned_ncc &&
             r.ncc_after < r.ncc_before + options.min_ncc_gain) {
    why << "alignment did not improve the match (NCC " << r.ncc_before << " before, "
        << r.ncc_after << " after)";
  } else if ((near_identity_px <= 2.0 || r.ncc_before >= options.aligned_ncc) &&
             r.ncc_after < r.ncc_before - 0.01) {
    why << "alignment made the match worse (NCC " << r.ncc_before << " before, " << r.ncc_after
        << " after)";
  }
  r.failure_reason = why.str();
  r.ok = r.failure_reason.empty();
}

std::vector<cv::Point2f> ToFloat(const std::vector<cv::Point2d>& points) {
  std::vector<cv::Point2f> out;
  out.reserve(points.size());
  for (const auto& p : points) out.emplace_back(static_cast<float>(p.x), static_cast<float>(p.y));
  return out;
}

}  // namespace skintrack::core::registration_internal

namespace skintrack::core {

Status EvaluateRegistration(const cv::Mat& moving_bgr, const cv::Mat& fixed_bgr,
                            const cv::Mat& fixed_mask, Registration& registration) {
  namespace ri = registration_internal;
  if (moving_bgr.empty() || fixed_bgr.empty()) return BadInputError("empty image for evaluation");
  try {
    cv::Mat moving_small, fixed_small, mask_small;
    ri::ResizeToMaxSide(ri::LuminanceUnit(moving_bgr), 1000, moving_small);
    ri::ResizeToMaxSide(ri::LuminanceUnit(fixed_bgr), 1000, fixed_small);
    if (!fixed_mask.empty()) {
      cv::resize(fixed_mask, mask_small, fixed_small.size(), 0, 0, cv::INTER_NEAREST);
    }
    ri::EvaluateOnImages(ri::ContrastNormalised8(moving_small), ri::ContrastNormalised8(fixed_small),
                         mask_small, ri::ScaleBetween(moving_bgr.size(), moving_small.size()),
                         ri::ScaleBetween(fixed_bgr.size(), fixed_small.size()), registration);
  } catch (const cv::Exception& e) {
    return InternalError(std::string("registration evaluation failed in OpenCV: ") + e.what());
  }
  return OkStatus();
}

}  // namespace skintrack::core
