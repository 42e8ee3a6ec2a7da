#include "core/metrics/texture.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include <opencv2/imgproc.hpp>

#include "core/metrics/analysis_frame.h"
#include "core/metrics/dark_blobs.h"
#include "core/metrics/hair.h"

namespace skintrack::core {
namespace {

// The least share of the band's fine edge applied when the capture's blur is known. Sensor noise
// and JPEG are added after the lens and are not blurred by it: with no floor, a soft capture let
// the pixel noise into the band and read rougher (`skintrack phantom`'s default series, seeds
// 21-24, batch: the untreated control +2.5 to +4 %; measured minus true change +4.1 to +4.5 %
// on average). At 0.7: control -0.3 and -0.4 %, measured minus true +0.0 and +1.2 %, within
// 7.7 % for every follow-up (before the blur was used: -4.5 and -5.0 %, -3.9 and -3.2 %, 14.1 %).
constexpr double kMinSmoothingShare = 0.7;
// The band's fine edge is never narrower than this: at coarser scales than 0.16 mm a pixel the
// pixel itself is the edge, and the capture's blur is not subtracted from it (a chart photo at
// 0.7 px/mm read 50 % rougher when it was).
constexpr double kLeastFineSigmaPx = 0.5;

// Σ(g_fine − g_coarse)² over the filter pair's impulse response: the band's variance per unit
// variance of white pixel noise.
double BandNoiseGain(double fine_px, double coarse_px) {
  const int half = static_cast<int>(std::ceil(4.0 * coarse_px)) + 2;
  cv::Mat impulse(2 * half + 1, 2 * half + 1, CV_32F, cv::Scalar(0));
  impulse.at<float>(half, half) = 1.0f;
  cv::Mat fine, coarse;
  cv::GaussianBlur(impulse, fine, cv::Size(), fine_px, fine_px, cv::BORDER_CONSTANT);
  cv::GaussianBlur(impulse, coarse, cv::Size(), coarse_px, coarse_px, cv::BORDER_CONSTANT);
  const cv::Mat response = fine - coarse;
  return cv::sum(response.mul(response))[0];
}

// Above this share of the band's roughness (before the noise is taken out) the pixel noise is
// most of what the band holds, and what is left after taking it out rests on the noise estimate:
// warning texture_noise_dominated. The project's photos read 0.04-0.37 as taken; the portraits
// with white noise of 4 codes added 0.62-0.74 (docs/METRICS.md, texture).
constexpr double kMostNoiseShare = 0.6;

// At most this share of the band's Rq is taken out as pixel noise. n counts every feature at the
// pixel scale, so where it reaches the whole reading the photo cannot tell texture that fine from
// noise: the reading then keeps √(1 − 0.9²) = 44 % of the band, flagged texture_noise_dominated,
// so that a stronger pixel-scale pattern still reads rougher. Without the cap, white-noise
// "textures" of 2, 4, 8 and 12 % read 0.04, 0.23, 0.42 and 0.00; the portraits with 8 codes of
// noise added reach a share of 0.84 and are corrected in full.
constexpr double kMostNoiseRemoved = 0.9;

}  // namespace

Result<MetricGroup> MeasureTexture(const AnalysisFrame& frame, const TextureOptions& options) {
  try {
    // Hair (AnalysisFrame::hair) is not the skin's texture: the band is taken over the skin
    // between the hairs (normalised convolution, hair as missing data) and measured clear of them.
    const bool hairy = !frame.hair.empty();
    cv::Mat hair;
    if (hairy) cv::dilate(frame.hair, hair, cv::Mat());  // and its blurred edge
    const cv::Mat skin = hairy ? frame.mask & ~hair : frame.mask;
    const cv::Mat contrast =
        FlatFieldContrast(frame.luminance, skin, frame.MmToPx(options.flat_field_sigma_mm));
    // Below ~0.5 px the fine Gaussian is a no-op; keep it meaningful at coarse scales.
    const double fine_px = std::max(kLeastFineSigmaPx, frame.MmToPx(options.fine_sigma_mm));
    const double coarse_px = std::max(2.0 * fine_px, frame.MmToPx(options.coarse_sigma_mm));
    // The band's lower edge is the total smoothing: the capture's own blur (σ_b, measured on the
    // chart's edges) and the Gaussian applied here, √(σ_b² + σ_s²) = σ_fine. Applying σ_fine on
    // top of the lens blur made a softer capture read less roughness with no change in the skin
    // (`skintrack phantom`'s repeat captures, blurs 0.3-0.8 px at 10 px/mm: CV 7 %). σ_s is kept
    // at least kMinSmoothingShare of σ_fine, because sensor noise and JPEG come after the lens.
    const std::optional<double> blur_px = frame.blur_px;
    const double smoothing_px =
        blur_px ? std::max({kLeastFineSigmaPx, kMinSmoothingShare * fine_px,
                            std::sqrt(std::max(0.0, fine_px * fine_px - *blur_px * *blur_px))})
                : fine_px;
    cv::Mat fine;
    if (hairy) {
      fine = MaskedGaussian(contrast, skin, smoothing_px);
    } else {
      cv::GaussianBlur(contrast, fine, cv::Size(), smoothing_px, smoothing_px, cv::BORDER_REFLECT);
    }
    const cv::Mat coarse = MaskedGaussian(contrast, skin, coarse_px);
    cv::Mat band = fine - coarse;
    cv::Mat measure_mask = frame.InnerMask(static_cast<int>(std::ceil(2 * coarse_px)));
    if (hairy) {
      // Clear of the hair by twice the fine smoothing, where its edge no longer reaches.
      measure_mask.setTo(0, NearHair(hair, static_cast<int>(std::ceil(2 * smoothing_px))));
    }
    const cv::Mat& used = cv::countNonZero(measure_mask) > 0 ? measure_mask : frame.mask;
    cv::Mat abs_band = cv::abs(band);
    const double ra_raw = cv::mean(abs_band, used)[0];
    const double rq_raw = std::sqrt(cv::mean(band.mul(band), used)[0]);
    // Pixel noise in the band (texture.h): the robust SD of the flat field's second difference
    // read as white noise (the SD of [1 -2 1] applied to white noise is √6 of its own), passed
    // through the band's filter pair, and taken out in quadrature.
    const double pixel_noise = RobustSdOfSecondDifferences(contrast, used, 2) / std::sqrt(6.0);
    const double noise_rq = pixel_noise * std::sqrt(BandNoiseGain(smoothing_px, coarse_px));
    const double removed = std::min(noise_rq, kMostNoiseRemoved * rq_raw);
    const double rq = std::sqrt(std::max(0.0, rq_raw * rq_raw - removed * removed));
    const double ra = rq_raw > 0 ? ra_raw * rq / rq_raw : 0.0;
    MetricGroup group;
    group.name = "texture";
    group.scalars.push_back({"roughness_rq", 100.0 * rq, "% of local luminance"});
    group.scalars.push_back({"roughness_ra", 100.0 * ra, "% of local luminance"});
    char noise_text[32];
    std::snprintf(noise_text, sizeof(noise_text), "%.3f", 100.0 * noise_rq);
    group.labels.push_back({"pixel_noise_rq", noise_text});
    if (noise_rq > kMostNoiseShare * rq_raw) group.warnings.push_back("texture_noise_dominated");
    char band_text[64];
    std::snprintf(band_text, sizeof(band_text), "%.2f-%.2f mm", 2.0 * M_PI * fine_px / frame.px_per_mm,
                  2.0 * M_PI * coarse_px / frame.px_per_mm);
    group.labels.push_back({"band", band_text});
    cv::Mat map = abs_band * 100.0;
    map.setTo(0, frame.mask == 0);
    group.maps.push_back({"texture_bandpass", map, "% of local luminance", 0.0f, 10.0f});
    if (blur_px) {
      char blur_text[64];
      std::snprintf(blur_text, sizeof(blur_text), "%.2f px (of the band's %.2f px fine edge)",
                    *blur_px, fine_px);
      group.labels.push_back({"capture_blur", blur_text});
      if (*blur_px > fine_px) group.warnings.push_back("texture_capture_blurred");
    }
    if (!frame.scale_known) group.warnings.push_back("texture_band_assumed_scale");
    return group;
  } catch (const cv::Exception& e) {
    return InternalError(std::string("texture measurement failed in OpenCV: ") + e.what());
  }
}

}  // namespace skintrack::core
