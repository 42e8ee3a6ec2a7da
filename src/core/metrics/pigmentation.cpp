#include "core/metrics/pigmentation.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/color/skin_model.h"
#include "core/metrics/analysis_frame.h"
#include "core/metrics/redness.h"

namespace skintrack::core {

Result<MetricGroup> MeasurePigmentation(const AnalysisFrame& analysis,
                                        const PigmentationOptions& options) {
  try {
    const AnalysisFrame& frame = analysis.ColourFrame();
    const cv::Mat lab = FrameLabD50(frame);
    // Temporaries are released as soon as they are used: this group is where a score's memory
    // peaks (metrics_stage.cpp).
    cv::Mat l_star, b_star;
    cv::extractChannel(lab, l_star, 0);
    cv::extractChannel(lab, b_star, 2);
    const cv::Mat robust = PercentileBandMask(l_star, frame.mask, 1.0, 99.0);

    cv::Mat melanin = frame.melanin.empty() ? DecomposeChromophores(frame.rgb_linear).melanin
                                            : frame.melanin.clone();
    cv::Mat mi = MelaninIndexImage(frame.rgb_linear);
    MetricGroup group;
    group.name = "pigmentation";
    group.scalars.push_back({"melanin_index_mean", cv::mean(mi, robust)[0], "MI = 100 log10(1/R)"});
    group.scalars.push_back({"melanin_mean", cv::mean(melanin, robust)[0], "Tsumura density c_m"});
    const double l_mean = cv::mean(l_star, robust)[0];
    const double b_mean = cv::mean(b_star, robust)[0];
    b_star.release();
    const auto ita = ItaDegrees(l_mean, b_mean);
    if (ita) {
      group.scalars.push_back({"ita_deg", *ita, "degree"});
      group.labels.push_back({"ita_class", std::string(ItaClassName(ClassifyIta(*ita)))});
    } else {
      group.warnings.push_back("ita_undefined");
    }

    const double detail_px = std::max(0.5, frame.MmToPx(options.detail_sigma_mm));
    const double shading_px = frame.MmToPx(options.shading_sigma_mm);
    MaskedSmoother smoother(frame.mask);
    {
      const cv::Mat l_detail = smoother.Smooth(l_star, detail_px);
      const cv::Mat l_level = smoother.Smooth(l_star, shading_px);
      group.scalars.push_back(
          {"l_star_sd", MaskedStdDev(l_detail - l_level, robust), "CIELAB L* (D50)"});
    }
    l_star.release();

    // Brown spots are measured on the skin between the hairs: a hair's melanin would count as
    // spot and raise the level that spots beside it are judged against.
    cv::Mat spot_skin = frame.hair.empty() ? frame.mask : frame.mask & ~frame.hair;
    if (frame.hair_px >= frame.mask_area_px) spot_skin = frame.mask;  // all hair: measure it all
    const double spot_skin_px = cv::countNonZero(spot_skin);
    MaskedSmoother spot_smoother(spot_skin);
    const cv::Mat excess =
        spot_smoother.Smooth(melanin, detail_px) - spot_smoother.Smooth(melanin, shading_px);
    const cv::Mat spots = (excess >= static_cast<float>(options.brown_spot_delta)) & spot_skin;
    group.scalars.push_back(
        {"brown_spot_area_pct", 100.0 * cv::countNonZero(spots) / spot_skin_px, "%"});

    melanin.setTo(0, frame.mask == 0);
    mi.setTo(0, frame.mask == 0);
    cv::Mat spot_map(excess.size(), CV_32F, cv::Scalar(0));
    excess.copyTo(spot_map, spots);
    group.maps.push_back({"pigmentation_melanin", melanin, "c_m", 0.0f, 3.0f});
    group.maps.push_back({"pigmentation_melanin_index", mi, "MI", 0.0f, 150.0f});
    group.maps.push_back({"pigmentation_brown_spots", spot_map, "delta c_m", 0.0f, 1.0f});
    MapsToFrameSize(group, analysis);
    return group;
  } catch (const cv::Exception& e) {
    return InternalError(std::string("pigmentation measurement failed in OpenCV: ") + e.what());
  }
}

}  // namespace skintrack::core
