// Random warps plus photometric changes with known truth (see synthetic_warp.h).
#include "core/registration/synthetic_warp.h"

#include <cmath>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/color/srgb.h"
#include "core/registration/registration_internal.h"

namespace skintrack::core {
namespace {

double Uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

}  // namespace

Result<SyntheticPair> MakeSyntheticPair(const cv::Mat& fixed_bgr, const SyntheticWarpOptions& o,
                                        std::mt19937_64& rng) {
  if (fixed_bgr.empty() || fixed_bgr.channels() != 3) {
    return BadInputError("synthetic trial needs a non-empty BGR image");
  }
  try {
    cv::Mat fixed8;
    if (fixed_bgr.depth() == CV_16U) {
      fixed_bgr.convertTo(fixed8, CV_8U, 1.0 / 257.0);
    } else {
      fixed8 = fixed_bgr;
    }
    SyntheticPair pair;
    pair.model = o.model;
    if (o.model == MotionModel::kAuto) {
      pair.model = static_cast<MotionModel>(std::uniform_int_distribution<int>(0, 2)(rng));
    }
    const double w = fixed8.cols;
    const double h = fixed8.rows;
    const double angle = Uniform(rng, -o.max_rotation_deg, o.max_rotation_deg) * CV_PI / 180.0;
    const double scale = 1.0 + Uniform(rng, -o.max_scale_change, o.max_scale_change);
    cv::Matx22d linear(scale * std::cos(angle), -scale * std::sin(angle), scale * std::sin(angle),
                       scale * std::cos(angle));
    if (pair.model != MotionModel::kSimilarity) {
      const cv::Matx22d shear(1 + Uniform(rng, -o.max_shear, o.max_shear),
                              Uniform(rng, -o.max_shear, o.max_shear),
                              Uniform(rng, -o.max_shear, o.max_shear),
                              1 + Uniform(rng, -o.max_shear, o.max_shear));
      linear = linear * shear;
    }
    const double tx = Uniform(rng, -o.max_translation_fraction, o.max_translation_fraction) * w;
    const double ty = Uniform(rng, -o.max_translation_fraction, o.max_translation_fraction) * h;
    const double cx = (w - 1) / 2;
    const double cy = (h - 1) / 2;
    // About the centre: x_f - c = A (x_m - c) + t.
    const cv::Matx33d to_centre(1, 0, -cx, 0, 1, -cy, 0, 0, 1);
    const cv::Matx33d from_centre(1, 0, cx + tx, 0, 1, cy + ty, 0, 0, 1);
    cv::Matx33d projective = cv::Matx33d::eye();
    if (pair.model == MotionModel::kHomography) {
      // w = 1 + g x + k y (centred) reaches 1 +- max_perspective at the corners.
      const double g = Uniform(rng, -1, 1) * o.max_perspective / 2 / (w / 2);
      const double k = Uniform(rng, -1, 1) * o.max_perspective / 2 / (h / 2);
      projective = cv::Matx33d(1, 0, 0, 0, 1, 0, g, k, 1);
    }
    const cv::Matx33d a(linear(0, 0), linear(0, 1), 0, linear(1, 0), linear(1, 1), 0, 0, 0, 1);
    pair.fixed_from_moving = from_centre * a * projective * to_centre;
    pair.fixed_from_moving *= 1.0 / pair.fixed_from_moving(2, 2);

    // moving(x) = fixed(fixed_from_moving x): warpPerspective with WARP_INVERSE_MAP.
    cv::Mat warped;
    cv::warpPerspective(fixed8, warped, cv::Mat(pair.fixed_from_moving), fixed8.size(),
                        cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REFLECT101);

    // Exposure and white balance in linear light.
    cv::Mat linear_rgb = BgrToLinearRgb(warped);
    const double exposure = 1.0 + Uniform(rng, -o.max_exposure_change, o.max_exposure_change);
    cv::Scalar gains;
    for (int c = 0; c < 3; ++c) {
      gains[c] = exposure *
                 (1.0 + Uniform(rng, -o.max_white_balance_change, o.max_white_balance_change));
    }
    cv::multiply(linear_rgb, gains, linear_rgb);
    cv::Mat encoded = LinearRgbToBgr8(linear_rgb);
    cv::Mat noisy;
    encoded.convertTo(noisy, CV_32FC3);
    cv::Mat noise(noisy.size(), CV_32FC3);
    cv::RNG cv_rng(static_cast<std::uint64_t>(rng()));
    cv_rng.fill(noise, cv::RNG::NORMAL, 0.0, Uniform(rng, 0, o.max_noise_sigma));
    noisy += noise;
    noisy.convertTo(encoded, CV_8UC3);
    const int quality = std::uniform_int_distribution<int>(o.min_jpeg_quality, o.max_jpeg_quality)(rng);
    std::vector<uchar> jpeg;
    cv::imencode(".jpg", encoded, jpeg, {cv::IMWRITE_JPEG_QUALITY, quality});
    pair.moving_bgr = cv::imdecode(jpeg, cv::IMREAD_COLOR);
    return pair;
  } catch (const cv::Exception& e) {
    return InternalError(std::string("synthetic trial failed in OpenCV: ") + e.what());
  }
}

double MeanCornerError(const cv::Matx33d& estimate, const cv::Matx33d& truth, cv::Size moving_size) {
  double sum = 0;
  for (const cv::Point2d& c : registration_internal::Corners(moving_size)) {
    sum += cv::norm(registration_internal::Apply(estimate, c) - registration_internal::Apply(truth, c));
  }
  return sum / 4.0;
}

}  // namespace skintrack::core
