#include "core/metrics/redness.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/color/color_space.h"
#include "core/color/skin_model.h"
#include "core/metrics/analysis_frame.h"

namespace skintrack::core {

cv::Mat FrameLabD50(const AnalysisFrame& frame) {
  return frame.lab_d50.empty() ? LabD50FromLinearRgb(frame.rgb_linear) : frame.lab_d50;
}

namespace {

void ZeroOutside(cv::Mat& map, const cv::Mat& mask) { map.setTo(0, mask == 0); }

}  // namespace

Result<MetricGroup> MeasureRedness(const AnalysisFrame& analysis, const RednessOptions& options) {
  try {
    const AnalysisFrame& frame = analysis.ColourFrame();
    const cv::Mat lab = FrameLabD50(frame);
    cv::Mat channels[3];
    cv::split(lab, channels);
    cv::Mat a_star = channels[1];
    cv::Mat ei = ErythemaIndexImage(frame.rgb_linear);
    cv::Mat hemoglobin = frame.hemoglobin.empty()
                             ? DecomposeChromophores(frame.rgb_linear).hemoglobin
                             : frame.hemoglobin.clone();
    const cv::Mat robust = PercentileBandMask(a_star, frame.mask, 1.0, 99.0);

    const double sigma = std::max(0.5, frame.MmToPx(options.smooth_sigma_mm));
    cv::Mat a_smooth = MaskedGaussian(a_star, frame.mask, sigma);
    const cv::Mat red = (a_smooth >= static_cast<float>(options.red_a_star_threshold)) &
                        (frame.mask != 0);
    MetricGroup group;
    group.name = "redness";
    group.scalars.push_back({"a_star_mean", cv::mean(a_star, robust)[0], "CIELAB a* (D50)"});
    group.scalars.push_back(
        {"erythema_index_mean", cv::mean(ei, robust)[0], "EI = 100 log10(R/G)"});
    group.scalars.push_back(
        {"hemoglobin_mean", cv::mean(hemoglobin, robust)[0], "Tsumura density c_h"});
    const int red_pixels = cv::countNonZero(red);
    group.scalars.push_back({"red_area_pct", 100.0 * red_pixels / frame.mask_area_px, "%"});
    if (red_pixels == 0) group.warnings.push_back("red_area_none");
    ZeroOutside(a_star, frame.mask);
    ZeroOutside(ei, frame.mask);
    ZeroOutside(hemoglobin, frame.mask);
    group.maps.push_back({"redness_a_star", a_star, "CIELAB a* (D50)", 0.0f, 40.0f});
    group.maps.push_back({"redness_erythema_index", ei, "EI", 0.0f, 60.0f});
    group.maps.push_back({"redness_hemoglobin", hemoglobin, "c_h", 0.0f, 2.0f});
    MapsToFrameSize(group, analysis);
    return group;
  } catch (const cv::Exception& e) {
    return InternalError(std::string("redness measurement failed in OpenCV: ") + e.what());
  }
}

}  // namespace skintrack::core
