#include "core/metrics/texture.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "core/metrics/analysis_frame.h"

namespace skintrack::core {

Result<MetricGroup> MeasureTexture(const AnalysisFrame& frame, const TextureOptions& options) {
  try {
    const cv::Mat contrast = FlatFieldContrast(frame.luminance, frame.mask,
                                               frame.MmToPx(options.flat_field_sigma_mm));
    // Below ~0.5 px the fine Gaussian is a no-op; keep it meaningful at coarse scales.
    const double fine_px = std::max(0.5, frame.MmToPx(options.fine_sigma_mm));
    const double coarse_px = std::max(2.0 * fine_px, frame.MmToPx(options.coarse_sigma_mm));
    cv::Mat fine;
    cv::GaussianBlur(contrast, fine, cv::Size(), fine_px, fine_px, cv::BORDER_REFLECT);
    const cv::Mat coarse = MaskedGaussian(contrast, frame.mask, coarse_px);
    cv::Mat band = fine - coarse;
    const cv::Mat measure_mask = frame.InnerMask(static_cast<int>(std::ceil(2 * coarse_px)));
    const cv::Mat& used = cv::countNonZero(measure_mask) > 0 ? measure_mask : frame.mask;
    cv::Mat abs_band = cv::abs(band);
    const double ra = cv::mean(abs_band, used)[0];
    const double rq = std::sqrt(cv::mean(band.mul(band), used)[0]);
    MetricGroup group;
    group.name = "texture";
    group.scalars.push_back({"roughness_rq", 100.0 * rq, "% of local luminance"});
    group.scalars.push_back({"roughness_ra", 100.0 * ra, "% of local luminance"});
    char band_text[64];
    std::snprintf(band_text, sizeof(band_text), "%.2f-%.2f mm", 2.0 * M_PI * fine_px / frame.px_per_mm,
                  2.0 * M_PI * coarse_px / frame.px_per_mm);
    group.labels.push_back({"band", band_text});
    cv::Mat map = abs_band * 100.0;
    map.setTo(0, frame.mask == 0);
    group.maps.push_back({"texture_bandpass", map, "% of local luminance", 0.0f, 10.0f});
    if (!frame.scale_known) group.warnings.push_back("texture_band_assumed_scale");
    return group;
  } catch (const cv::Exception& e) {
    return InternalError(std::string("texture measurement failed in OpenCV: ") + e.what());
  }
}

}  // namespace skintrack::core
