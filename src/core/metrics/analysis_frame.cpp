#include "core/metrics/analysis_frame.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "core/base/check.h"
#include "core/base/order_statistics.h"
#include "core/color/color_space.h"
#include "core/color/skin_model.h"
#include "core/metrics/octave.h"

namespace skintrack::core {

double MetricGroup::Get(const std::string& key) const {
  for (const auto& s : scalars) {
    if (s.key == key) return s.value;
  }
  SKT_CHECK(false) << "metric group '" << name << "' has no key '" << key << "'";
  return 0;
}

bool MetricGroup::Has(const std::string& key) const {
  return std::any_of(scalars.begin(), scalars.end(), [&](const auto& s) { return s.key == key; });
}

double AnalysisFrame::MaskAreaCm2() const {
  const double mm2 = mask_area_px / (px_per_mm * px_per_mm);
  return mm2 / 100.0;
}

namespace {

// Distance of each mask pixel to the nearest pixel outside the mask (exact Euclidean,
// Felzenszwalb-Huttenlocher, linear time); beyond the image border counts as inside.
cv::Mat MaskDistance(const cv::Mat& mask) {
  cv::Mat distance;
  cv::distanceTransform(mask, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE, CV_32F);
  return distance;
}

}  // namespace

cv::Mat AnalysisFrame::InnerMask(int radius_px) const {
  if (radius_px <= 0) return mask.clone();
  const cv::Mat distance = mask_distance.empty() ? MaskDistance(mask) : mask_distance;
  return distance > static_cast<float>(radius_px);
}

cv::Mat LinearLuminance(const cv::Mat& rgb_linear) {
  SKT_CHECK(rgb_linear.type() == CV_32FC3) << "type " << rgb_linear.type();
  cv::Mat y;
  cv::transform(rgb_linear, y, cv::Matx13f(0.2126f, 0.7152f, 0.0722f));
  return y;
}

cv::Mat FastGaussian(const cv::Mat& values, double sigma_px) {
  SKT_CHECK(values.type() == CV_32F) << "type " << values.type();
  cv::Mat out;
  if (sigma_px <= 6.0) {
    cv::GaussianBlur(values, out, cv::Size(), sigma_px, sigma_px, cv::BORDER_REFLECT);
    return out;
  }
  // Blur a level where the sigma is ~3 px; the area-averaged downsample adds a box of width
  // `factor`, whose variance factor^2/12 is subtracted so the total stays close to sigma.
  const double factor = std::max(1.0, std::floor(sigma_px / 3.0));
  const cv::Size small_size(std::max(1, static_cast<int>(std::lround(values.cols / factor))),
                            std::max(1, static_cast<int>(std::lround(values.rows / factor))));
  cv::Mat small;
  cv::resize(values, small, small_size, 0, 0, cv::INTER_AREA);
  const double sigma_small =
      std::sqrt(std::max(0.25, sigma_px * sigma_px - factor * factor / 12.0)) / factor;
  cv::GaussianBlur(small, small, cv::Size(), sigma_small, sigma_small, cv::BORDER_REFLECT);
  cv::resize(small, out, values.size(), 0, 0, cv::INTER_LINEAR);
  return out;
}

namespace {

// numerator / denominator where the denominator holds weight, else `fallback`.
cv::Mat Normalise(const cv::Mat& numerator, const cv::Mat& denominator, double fallback) {
  cv::Mat out(numerator.size(), CV_32F);
  for (int y = 0; y < out.rows; ++y) {
    const float* n = numerator.ptr<float>(y);
    const float* d = denominator.ptr<float>(y);
    float* o = out.ptr<float>(y);
    for (int x = 0; x < out.cols; ++x) {
      o[x] = d[x] > 1e-3f ? n[x] / d[x] : static_cast<float>(fallback);
    }
  }
  return out;
}

}  // namespace

MaskedSmoother::MaskedSmoother(const cv::Mat& mask) : mask_(mask) {
  SKT_CHECK(mask.type() == CV_8U);
  weight_ = cv::Mat(mask.size(), CV_32F, cv::Scalar(0));
  weight_.setTo(1.0f, mask != 0);
}

cv::Mat MaskedSmoother::Smooth(const cv::Mat& values, double sigma_px) {
  SKT_CHECK(values.type() == CV_32F && values.size() == mask_.size());
  const cv::Mat* denominator = nullptr;
  for (const auto& [sigma, blurred] : denominators_) {
    if (sigma == sigma_px) denominator = &blurred;
  }
  if (denominator == nullptr) {
    denominators_.emplace_back(sigma_px, FastGaussian(weight_, sigma_px));
    denominator = &denominators_.back().second;
  }
  cv::Mat masked(values.size(), CV_32F, cv::Scalar(0));
  values.copyTo(masked, mask_);
  return Normalise(FastGaussian(masked, sigma_px), *denominator, cv::mean(values, mask_)[0]);
}

cv::Mat MaskedGaussian(const cv::Mat& values, const cv::Mat& mask, double sigma_px) {
  SKT_CHECK(values.type() == CV_32F && mask.type() == CV_8U && values.size() == mask.size());
  return MaskedSmoother(mask).Smooth(values, sigma_px);
}

cv::Mat FlatFieldContrast(const cv::Mat& luminance, const cv::Mat& mask, double sigma_px) {
  const cv::Mat background = MaskedGaussian(luminance, mask, sigma_px);
  cv::Mat contrast(luminance.size(), CV_32F, cv::Scalar(0));
  for (int y = 0; y < luminance.rows; ++y) {
    const float* l = luminance.ptr<float>(y);
    const float* b = background.ptr<float>(y);
    const uchar* m = mask.ptr<uchar>(y);
    float* c = contrast.ptr<float>(y);
    for (int x = 0; x < luminance.cols; ++x) {
      if (m[x] != 0) c[x] = l[x] / std::max(b[x], 1e-5f) - 1.0f;
    }
  }
  return contrast;
}

cv::Mat ShadingContrast(const cv::Mat& shading, const cv::Mat& background, const cv::Mat& mask) {
  SKT_CHECK(shading.type() == CV_32F && background.type() == CV_32F && mask.type() == CV_8U &&
            shading.size() == background.size() && shading.size() == mask.size());
  cv::Mat contrast(shading.size(), CV_32F, cv::Scalar(0));
  for (int y = 0; y < shading.rows; ++y) {
    const float* s = shading.ptr<float>(y);
    const float* b = background.ptr<float>(y);
    const uchar* m = mask.ptr<uchar>(y);
    float* c = contrast.ptr<float>(y);
    for (int x = 0; x < shading.cols; ++x) {
      if (m[x] != 0) c[x] = std::exp(-(s[x] - b[x])) - 1.0f;
    }
  }
  return contrast;
}

cv::Mat ShadingFlatField(const cv::Mat& shading, const cv::Mat& mask, double sigma_px) {
  SKT_CHECK(shading.type() == CV_32F && mask.type() == CV_8U && shading.size() == mask.size());
  return ShadingContrast(shading, MaskedGaussian(shading, mask, sigma_px), mask);
}

cv::Mat NeutralLuminanceDensity(const cv::Mat& luminance, const cv::Mat& shading,
                                const cv::Mat& mask, double colour_sigma_px) {
  SKT_CHECK(luminance.type() == CV_32F && shading.type() == CV_32F && mask.type() == CV_8U &&
            luminance.size() == shading.size() && luminance.size() == mask.size());
  cv::Mat density;
  cv::max(luminance, static_cast<float>(kMinLinear), density);
  cv::log(density, density);
  density = -density;
  density += MaskedGaussian(shading - density, mask, colour_sigma_px);
  return density;
}

cv::Scalar MaskedMean(const cv::Mat& values, const cv::Mat& mask) { return cv::mean(values, mask); }

double MaskedStdDev(const cv::Mat& values, const cv::Mat& mask) {
  cv::Scalar mean;
  cv::Scalar sd;
  cv::meanStdDev(values, mean, sd, mask);
  return sd[0];
}

std::vector<double> MaskedPercentiles(const cv::Mat& values, const cv::Mat& mask,
                                      const std::vector<double>& percentiles) {
  SKT_CHECK(values.type() == CV_32F);
  SKT_CHECK(std::is_sorted(percentiles.begin(), percentiles.end()));
  std::vector<float> samples;
  samples.reserve(static_cast<size_t>(cv::countNonZero(mask)));
  for (int y = 0; y < values.rows; ++y) {
    const float* v = values.ptr<float>(y);
    const uchar* m = mask.ptr<uchar>(y);
    for (int x = 0; x < values.cols; ++x) {
      if (m[x] != 0) samples.push_back(v[x]);
    }
  }
  std::vector<double> out(percentiles.size(), 0.0);
  if (samples.empty()) return out;
  std::vector<size_t> ranks;
  ranks.reserve(percentiles.size());
  for (const double p : percentiles) {
    const double rank =
        std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(samples.size() - 1);
    ranks.push_back(static_cast<size_t>(std::lround(rank)));
  }
  const std::vector<float> values_at = SelectRanks(samples, ranks);
  std::copy(values_at.begin(), values_at.end(), out.begin());
  return out;
}

double MaskedPercentile(const cv::Mat& values, const cv::Mat& mask, double percentile) {
  return MaskedPercentiles(values, mask, {percentile})[0];
}

cv::Mat PercentileBandMask(const cv::Mat& values, const cv::Mat& mask, double lo_pct,
                           double hi_pct) {
  const std::vector<double> range = MaskedPercentiles(values, mask, {lo_pct, hi_pct});
  const auto lo = static_cast<float>(range[0]);
  const auto hi = static_cast<float>(range[1]);
  cv::Mat band(values.size(), CV_8U, cv::Scalar(0));
  int count = 0;
  for (int y = 0; y < values.rows; ++y) {
    const float* v = values.ptr<float>(y);
    const uchar* m = mask.ptr<uchar>(y);
    uchar* b = band.ptr<uchar>(y);
    for (int x = 0; x < values.cols; ++x) {
      if (m[x] != 0 && v[x] >= lo && v[x] <= hi) {
        b[x] = 255;
        ++count;
      }
    }
  }
  return count > 0 ? band : mask;
}

cv::Mat ErodeMask(const cv::Mat& mask, int radius_px) {
  if (radius_px <= 0) return mask.clone();
  // Erosion by a disc as a threshold on the distance to the nearest pixel outside the mask: at the
  // radii the detectors use (20-25 px) OpenCV's erosion by an elliptic kernel takes twice as long.
  return MaskDistance(mask) > static_cast<float>(radius_px);
}

namespace {

// Sets frame.hair to `hair` (CV_8U 0/255 or empty) with the brown hair of frame.melanin added
// (hair.h), inside the mask; returns the brown hair alone.
cv::Mat SetHair(AnalysisFrame& frame, cv::Mat hair, const HairOptions& options) {
  if (!options.find) return {};
  cv::Mat brown = FindHairs(frame.melanin, frame.mask, frame.MmToPx(options.max_width_mm),
                            options.min_excess, frame.MmToPx(options.min_length_mm));
  if (hair.empty()) {
    hair = brown;
  } else if (!brown.empty()) {
    hair |= brown;
  }
  frame.hair_px = hair.empty() ? 0.0 : cv::countNonZero(hair &= frame.mask);
  frame.hair = frame.hair_px > 0 ? hair : cv::Mat();
  return brown;
}

// Dark hair (hair.h) in the luminance density −ln Y of `frame`; empty when none is sought.
cv::Mat DarkHair(const AnalysisFrame& frame, const HairOptions& options) {
  if (!options.find) return {};
  cv::Mat density;
  cv::max(frame.luminance, 1e-4f, density);
  cv::log(density, density);
  density = -density;
  return FindHairs(density, frame.mask, frame.MmToPx(options.max_dark_width_mm),
                   options.min_darkness, frame.MmToPx(options.min_length_mm));
}

// A CV_8U mask found on a copy reduced by `factor` (ReduceByFactor: whole blocks) brought to the
// frame's `size`: each reduced pixel covers its whole block; the last partial blocks of columns
// and rows, which no reduced pixel covers, stay off.
cv::Mat BlocksToFrameSize(const cv::Mat& reduced, int factor, cv::Size size) {
  cv::Mat blocks;
  cv::resize(reduced, blocks, reduced.size() * factor, 0, 0, cv::INTER_NEAREST);
  cv::Mat out(size, CV_8U, cv::Scalar(0));
  blocks.copyTo(out(cv::Rect(0, 0, blocks.cols, blocks.rows)));
  return out;
}

// Takes what has no skin colour (hair.h FindColourlessArea) out of frame.mask. Found on a copy
// reduced as the colour frame is (colour averaged over 0.25 mm needs no finer pixels) and brought
// back block-wise (BlocksToFrameSize). Returns that reduced copy of frame.rgb_linear (empty when
// none was made), which the colour frame then reuses.
cv::Mat ExcludeColourless(AnalysisFrame& frame, const AnalysisFrameOptions& options) {
  const int factor =
      options.min_colour_px_per_mm > 0
          ? std::max(1,
                     static_cast<int>(std::floor(frame.px_per_mm / options.min_colour_px_per_mm)))
          : 1;
  const bool reduce = factor > 1 && frame.mask.cols >= 2 * factor && frame.mask.rows >= 2 * factor;
  const int f = reduce ? factor : 1;
  cv::Mat reduced = reduce ? ReduceByFactor(frame.rgb_linear, f) : cv::Mat();
  const ColourlessArea found = FindColourlessArea(reduce ? reduced : frame.rgb_linear,
                                                  reduce ? ReduceMask(frame.mask, f) : frame.mask,
                                                  frame.px_per_mm / f, options.hair);
  frame.colourless_share = found.share;
  if (!found.area.empty()) {
    cv::Mat area = f > 1 ? BlocksToFrameSize(found.area, f, frame.mask.size()) : found.area;
    area &= frame.mask;
    frame.colourless_px = cv::countNonZero(area);
    frame.mask.setTo(0, area);
  }
  return reduced;
}

// frame.colour (analysis_frame.h): the frame reduced by the largest whole factor that keeps it at
// options.min_colour_px_per_mm or finer; null when that factor is 1, or when the reduced mask
// would hold fewer than options.min_mask_px pixels (a small ROI keeps its full resolution).
// `reduced_rgb`: frame.rgb_linear already reduced by that factor, or empty.
std::shared_ptr<const AnalysisFrame> MakeColourFrame(const AnalysisFrame& frame,
                                                     const cv::Mat& reduced_rgb,
                                                     const cv::Mat& dark_hair,
                                                     const AnalysisFrameOptions& options,
                                                     cv::Mat& brown_hair) {
  if (options.min_colour_px_per_mm <= 0) return nullptr;
  const int factor = static_cast<int>(std::floor(frame.px_per_mm / options.min_colour_px_per_mm));
  if (factor < 2 || frame.mask.cols < 2 * factor || frame.mask.rows < 2 * factor) return nullptr;
  auto colour = std::make_shared<AnalysisFrame>();
  // Whole blocks, as the octaves of octave.h, so that ExpandByFactor brings the colour maps back.
  colour->rgb_linear =
      reduced_rgb.size() == cv::Size(frame.rgb_linear.cols / factor, frame.rgb_linear.rows / factor)
          ? reduced_rgb
          : ReduceByFactor(frame.rgb_linear, factor);
  colour->mask = ReduceMask(frame.mask, factor);
  colour->mask_area_px = cv::countNonZero(colour->mask);
  if (colour->mask_area_px < options.min_mask_px) return nullptr;
  colour->scale_known = frame.scale_known;
  colour->scale_estimated = frame.scale_estimated;
  colour->px_per_mm = frame.px_per_mm / factor;
  colour->downscale = frame.downscale / factor;
  colour->lab_d50 = LabD50FromLinearRgb(colour->rgb_linear);
  ChromophoreMaps chromophores = DecomposeChromophores(colour->rgb_linear);
  colour->melanin = std::move(chromophores.melanin);
  colour->hemoglobin = std::move(chromophores.hemoglobin);
  colour->shading = std::move(chromophores.shading);
  // A colour pixel is on hair where any of its block is.
  brown_hair = SetHair(
      *colour, dark_hair.empty() ? cv::Mat() : ReduceByFactor(dark_hair, factor) > 0, options.hair);
  return colour;
}

}  // namespace

void MapsToFrameSize(MetricGroup& group, const AnalysisFrame& frame) {
  if (!frame.colour) return;
  const int factor = static_cast<int>(std::lround(frame.downscale / frame.colour->downscale));
  for (MetricMap& map : group.maps) {
    if (map.values.size() == frame.mask.size()) continue;
    SKT_CHECK(map.values.size() == frame.colour->mask.size())
        << "map '" << map.name << "' is neither at the frame's nor at the colour frame's size";
    map.values = ExpandByFactor(map.values, factor, frame.mask.size());
    map.values.setTo(0, frame.mask == 0);
  }
}

Result<AnalysisFrame> MakeAnalysisFrame(cv::Mat rgb_linear, const cv::Mat& mask,
                                        std::optional<double> px_per_mm,
                                        std::optional<double> estimated_px_per_mm,
                                        const AnalysisFrameOptions& options) {
  SKT_CHECK(rgb_linear.type() == CV_32FC3) << "type " << rgb_linear.type();
  SKT_CHECK(mask.empty() || (mask.type() == CV_8U && mask.size() == rgb_linear.size()));
  if (rgb_linear.empty()) return AnalysisError("empty image: nothing to measure");
  try {
    AnalysisFrame frame;
    frame.scale_known = px_per_mm.has_value() && *px_per_mm > 0;
    double full_px_per_mm = 0;
    if (frame.scale_known) {
      full_px_per_mm = *px_per_mm;
    } else if (estimated_px_per_mm && *estimated_px_per_mm > 0) {
      full_px_per_mm = *estimated_px_per_mm;
      frame.scale_estimated = true;
    } else {
      full_px_per_mm = std::min(rgb_linear.cols, rgb_linear.rows) / options.assumed_short_side_mm;
    }
    double factor = 1.0;
    factor = std::min(factor, options.max_px_per_mm / full_px_per_mm);
    const double pixels = static_cast<double>(rgb_linear.total());
    factor = std::min(factor, std::sqrt(options.max_megapixels * 1e6 / pixels));
    cv::Mat full_mask = mask.empty() ? cv::Mat(rgb_linear.size(), CV_8U, cv::Scalar(255)) : mask;
    if (factor < 0.999) {
      const cv::Size size(std::max(1, static_cast<int>(std::lround(rgb_linear.cols * factor))),
                          std::max(1, static_cast<int>(std::lround(rgb_linear.rows * factor))));
      cv::resize(rgb_linear, frame.rgb_linear, size, 0, 0, cv::INTER_AREA);
      frame.downscale = static_cast<double>(size.width) / rgb_linear.cols;
      rgb_linear.release();
      cv::Mat mask_small;
      cv::resize(full_mask, mask_small, size, 0, 0, cv::INTER_AREA);
      cv::threshold(mask_small, frame.mask, 127, 255, cv::THRESH_BINARY);
    } else {
      frame.rgb_linear = rgb_linear;
      cv::threshold(full_mask, frame.mask, 0, 255, cv::THRESH_BINARY);
      frame.downscale = 1.0;
    }
    frame.px_per_mm = full_px_per_mm * frame.downscale;
    // White or grey hair, glare and white objects are not skin (hair.h).
    cv::Mat reduced_rgb;
    if (options.hair.find && options.hair.exclude_colourless) {
      reduced_rgb = ExcludeColourless(frame, options);
    }
    frame.luminance = LinearLuminance(frame.rgb_linear);
    ChromophoreMaps chromophores = DecomposeChromophores(frame.rgb_linear);
    frame.shading = std::move(chromophores.shading);
    frame.mask_area_px = cv::countNonZero(frame.mask);
    if (frame.mask_area_px < options.min_mask_px) {
      const std::string colourless =
          frame.colourless_px > 0
              ? " (" + std::to_string(static_cast<long>(frame.colourless_px)) +
                    " more had no skin colour: white or grey hair, glare or a white object)"
              : "";
      return AnalysisError(
          "the skin mask holds only " + std::to_string(static_cast<long>(frame.mask_area_px)) +
          " pixels at the analysis size" + colourless + "; frame more skin or give a larger --roi");
    }
    frame.mask_distance = MaskDistance(frame.mask);
    // Hair (hair.h): dark hair at this frame's resolution, brown hair in the colour frame's
    // melanin; each frame holds both.
    cv::Mat dark_hair = DarkHair(frame, options.hair);
    cv::Mat brown_hair;
    frame.colour = MakeColourFrame(frame, reduced_rgb, dark_hair, options, brown_hair);
    reduced_rgb.release();
    if (!frame.colour) {
      frame.lab_d50 = LabD50FromLinearRgb(frame.rgb_linear);
      frame.melanin = std::move(chromophores.melanin);
      frame.hemoglobin = std::move(chromophores.hemoglobin);
      SetHair(frame, std::move(dark_hair), options.hair);
    } else if (!brown_hair.empty() || !dark_hair.empty()) {
      cv::Mat hair = dark_hair;
      if (!brown_hair.empty()) {
        const int block = static_cast<int>(std::lround(frame.downscale / frame.colour->downscale));
        const cv::Mat brown = BlocksToFrameSize(brown_hair, block, frame.mask.size());
        hair = hair.empty() ? brown : (hair | brown);
      }
      hair &= frame.mask;
      frame.hair_px = cv::countNonZero(hair);
      if (frame.hair_px > 0) frame.hair = hair;
    }
    return frame;
  } catch (const cv::Exception& e) {
    return InternalError(std::string("OpenCV failed while preparing the analysis image: ") +
                         e.what());
  }
}

}  // namespace skintrack::core
