#include "core/metrics/pigmentation.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <opencv2/imgproc.hpp>

#include "core/color/skin_model.h"
#include "core/metrics/analysis_frame.h"
#include "core/metrics/redness.h"

namespace skintrack::core {
namespace {

// Hairs in a melanin map: pixels that stand above the map's grey opening by a disc
// `width_px` across (what is narrower than the disc in some direction: hairs, fine lines of
// pigment network) by at least `min_excess`, in connected pieces spanning at least `length_px`
// (the specks that skin texture leaves in the same top-hat are shorter), widened by one pixel
// for the hair's blurred edge. The opening runs over the mask only (pixels outside it neither
// lower the erosion nor raise the dilation). Empty when the disc is under 3 px: a hair is then
// finer than a pixel, and a smaller disc would take single-pixel texture for hair.
cv::Mat FindHairs(const cv::Mat& melanin, const cv::Mat& mask, double width_px, double min_excess,
                  double length_px) {
  if (width_px < 3.0) return {};
  const int size = static_cast<int>(std::lround(width_px)) | 1;
  const cv::Mat disc = cv::getStructuringElement(cv::MORPH_ELLIPSE, {size, size});
  const cv::Mat outside = mask == 0;
  cv::Mat opened = melanin.clone();
  opened.setTo(std::numeric_limits<float>::max(), outside);
  cv::erode(opened, opened, disc, {-1, -1}, 1, cv::BORDER_REPLICATE);
  opened.setTo(std::numeric_limits<float>::lowest(), outside);
  cv::dilate(opened, opened, disc, {-1, -1}, 1, cv::BORDER_REPLICATE);
  cv::Mat candidates = (melanin - opened >= static_cast<float>(min_excess)) & (mask != 0);
  opened.release();

  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(candidates, labels, stats, centroids, 8, CV_32S);
  std::vector<uchar> long_enough(static_cast<size_t>(n), 0);
  for (int i = 1; i < n; ++i) {
    const double w = stats.at<int>(i, cv::CC_STAT_WIDTH);
    const double h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
    long_enough[static_cast<size_t>(i)] = std::hypot(w, h) >= length_px ? 255 : 0;
  }
  cv::Mat hairs(candidates.size(), CV_8U);
  for (int y = 0; y < hairs.rows; ++y) {
    const int* label = labels.ptr<int>(y);
    uchar* out = hairs.ptr<uchar>(y);
    for (int x = 0; x < hairs.cols; ++x) out[x] = long_enough[static_cast<size_t>(label[x])];
  }
  cv::dilate(hairs, hairs, cv::Mat());
  return hairs & (mask != 0);
}

}  // namespace

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
    const cv::Mat hairs =
        FindHairs(melanin, frame.mask, frame.MmToPx(options.min_spot_width_mm),
                  options.hair_min_excess, frame.MmToPx(options.hair_min_length_mm));
    cv::Mat spot_skin = hairs.empty() ? frame.mask : frame.mask & ~hairs;
    const double hair_px = hairs.empty() ? 0.0 : cv::countNonZero(hairs);
    if (hair_px >= 0.01 * frame.mask_area_px) group.warnings.push_back("brown_spots_between_hairs");
    if (hair_px >= frame.mask_area_px) spot_skin = frame.mask;  // nothing but hair: measure it all
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
