#include "core/calibration/chart_detection.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <vector>

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/mcc.hpp>

#include "core/base/capture_limits.h"
#include "core/base/check.h"
#include "core/base/resize.h"
#include "core/calibration/color_correction.h"

namespace skintrack::core {
namespace {

cv::Point2d Project(const cv::Matx33d& h, const cv::Point2d& p) {
  const cv::Vec3d v = h * cv::Vec3d(p.x, p.y, 1.0);
  return {v[0] / v[2], v[1] / v[2]};
}

std::array<cv::Point2d, 4> BoxCornersMm(const ChartGeometry& g) {
  return {cv::Point2d(0, 0), cv::Point2d(g.BoxWidthMm(), 0),
          cv::Point2d(g.BoxWidthMm(), g.BoxHeightMm()), cv::Point2d(0, g.BoxHeightMm())};
}

cv::Matx33d HomographyFromCorners(const std::array<cv::Point2d, 4>& corners_px,
                                  const ChartGeometry& g) {
  const auto mm = BoxCornersMm(g);
  std::vector<cv::Point2f> src, dst;
  for (int k = 0; k < 4; ++k) {
    src.emplace_back(static_cast<float>(mm[k].x), static_cast<float>(mm[k].y));
    dst.emplace_back(static_cast<float>(corners_px[k].x), static_cast<float>(corners_px[k].y));
  }
  return cv::Matx33d(cv::getPerspectiveTransform(src, dst));
}

constexpr int kOrientationPixelsPerPatch = 400;

double Median(std::vector<float>& values) {
  if (values.empty()) return 0.0;
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

PatchSample SamplePatch(const cv::Mat& rgb_linear, const cv::Matx33d& image_from_chart_mm,
                        const cv::Matx33d& chart_mm_from_image, const cv::Point2d& centre_mm,
                        double half_mm, int max_pixels) {
  PatchSample sample;
  sample.centre_px = Project(image_from_chart_mm, centre_mm);
  std::vector<cv::Point2f> quad;
  for (const cv::Point2d offset : {cv::Point2d(-1, -1), cv::Point2d(1, -1), cv::Point2d(1, 1),
                                   cv::Point2d(-1, 1)}) {
    const cv::Point2d p = Project(image_from_chart_mm, centre_mm + offset * half_mm);
    quad.emplace_back(static_cast<float>(p.x), static_cast<float>(p.y));
  }
  const cv::Rect bounds =
      cv::boundingRect(quad) & cv::Rect(0, 0, rgb_linear.cols, rgb_linear.rows);
  if (bounds.empty()) return sample;
  // Large patches are subsampled to about max_pixels pixels: the mean needs no more.
  const int stride =
      std::max(1, static_cast<int>(std::sqrt(bounds.area() / static_cast<double>(max_pixels))));
  std::vector<cv::Vec3f> pixels;
  for (int y = bounds.y; y < bounds.y + bounds.height; y += stride) {
    const auto* row = rgb_linear.ptr<cv::Vec3f>(y);
    for (int x = bounds.x; x < bounds.x + bounds.width; x += stride) {
      const cv::Point2d mm = Project(chart_mm_from_image, cv::Point2d(x, y));
      if (std::abs(mm.x - centre_mm.x) <= half_mm && std::abs(mm.y - centre_mm.y) <= half_mm) {
        pixels.push_back(row[x]);
      }
    }
  }
  if (pixels.empty()) return sample;
  cv::Vec3d median, mad;
  std::vector<float> channel(pixels.size());
  for (int c = 0; c < 3; ++c) {
    for (std::size_t i = 0; i < pixels.size(); ++i) channel[i] = pixels[i][c];
    median[c] = Median(channel);
    for (std::size_t i = 0; i < pixels.size(); ++i) {
      channel[i] = static_cast<float>(std::abs(pixels[i][c] - median[c]));
    }
    mad[c] = Median(channel);
  }
  cv::Vec3d sum(0, 0, 0), sum_sq(0, 0, 0);
  for (const cv::Vec3f& p : pixels) {
    bool outlier = false;
    for (int c = 0; c < 3; ++c) {
      // 3 robust SDs, with a floor so that flat synthetic patches (MAD = 0) keep all pixels.
      const double limit = std::max(3.0 * 1.4826 * mad[c], 1e-3);
      if (std::abs(p[c] - median[c]) > limit) outlier = true;
    }
    if (outlier) {
      ++sample.rejected;
      continue;
    }
    ++sample.pixels;
    for (int c = 0; c < 3; ++c) {
      sum[c] += p[c];
      sum_sq[c] += static_cast<double>(p[c]) * p[c];
    }
  }
  if (sample.pixels == 0) return sample;
  const double n = sample.pixels;
  for (int c = 0; c < 3; ++c) {
    sample.rgb_linear[c] = sum[c] / n;
    sample.rgb_sd[c] = std::sqrt(std::max(0.0, sum_sq[c] / n - sample.rgb_linear[c] * sample.rgb_linear[c]));
  }
  return sample;
}

// Corner assignment `rotation_steps`/`mirrored` of a detected quadrilateral to the chart frame.
std::array<cv::Point2d, 4> AssignCorners(const std::vector<cv::Point2d>& quad, int rotation_steps,
                                         bool mirrored) {
  std::array<cv::Point2d, 4> corners;
  for (int k = 0; k < 4; ++k) {
    const int index = mirrored ? (rotation_steps - k + 4) % 4 : (rotation_steps + k) % 4;
    corners[k] = quad[static_cast<std::size_t>(index)];
  }
  return corners;
}

// Mean ΔE00 after a linear 3x3 fit: low when the patches are in the reference order.
double OrientationScore(const std::array<PatchSample, kChartPatches>& patches,
                        ChartReference reference) {
  std::array<cv::Vec3d, kChartPatches> measured;
  for (int i = 0; i < kChartPatches; ++i) {
    if (patches[i].pixels == 0) return std::numeric_limits<double>::infinity();
    measured[i] = patches[i].rgb_linear;
  }
  ColorCorrectionOptions options;
  options.reference = reference;
  options.candidates = {CorrectionModel::kLinear3x3};
  options.compute_leave_one_out = false;
  options.try_tone_curve = false;
  options.refine_iterations = 0;
  const auto fit = FitColorCorrection(measured, options);
  return fit.ok() ? fit->delta_e00_mean : std::numeric_limits<double>::infinity();
}

struct MccResult {
  std::vector<cv::Point2d> box;
  double cost = 0;
};

// OpenCV 4.6 builds its 8-bit Lab conversion tables lazily on first use, without a lock. The
// ColorChecker detector's first Lab conversions run in parallel worker threads, so two threads can
// build the tables at once and one copy (4.7 MB) is leaked; LeakSanitizer reports it. Building
// them once, on this thread, before the detector runs removes the race.
void BuildOpenCvLabTablesOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    const cv::Mat pixel(1, 1, CV_8UC3, cv::Scalar::all(128));
    cv::Mat lab;
    cv::cvtColor(pixel, lab, cv::COLOR_BGR2Lab);
  });
}

// Pixels that mcc's own enlargement of a search region may reach (see RunMcc).
constexpr double kMccMaxEnlargedPixels = 4e6;

std::optional<MccResult> RunMcc(const cv::Mat& bgr8, const std::vector<cv::Rect>& regions) {
  BuildOpenCvLabTablesOnce();
  cv::Ptr<cv::mcc::CCheckerDetector> detector = cv::mcc::CCheckerDetector::create();
  // mcc enlarges each search region until its short side reaches minImageSize (1000 px), so a
  // narrow strip (a 12000 × 300 panorama reduced to 1500 × 37) became 40 000 × 1000 and several
  // gigabytes of thresholded copies. The enlargement is capped at kMccMaxEnlargedPixels; a region
  // that already fits is searched exactly as before.
  cv::Ptr<cv::mcc::DetectorParameters> params = cv::mcc::DetectorParameters::create();
  const cv::Size size = regions.empty() ? bgr8.size() : regions.front().size();
  const double short_side = std::max(1, std::min(size.width, size.height));
  const double largest_factor =
      std::sqrt(kMccMaxEnlargedPixels / std::max(1.0, static_cast<double>(size.area())));
  params->minImageSize = static_cast<int>(
      std::min<double>(params->minImageSize, std::max(short_side, short_side * largest_factor)));
  const bool found =
      regions.empty()
          ? detector->process(bgr8, cv::mcc::MCC24, 1, /*useNet=*/false, params)
          : detector->process(bgr8, cv::mcc::MCC24, regions, 1, /*useNet=*/false, params);
  if (!found) return std::nullopt;
  cv::Ptr<cv::mcc::CChecker> checker = detector->getBestColorChecker();
  if (checker.empty()) return std::nullopt;
  const std::vector<cv::Point2f> box = checker->getBox();
  if (box.size() != 4) return std::nullopt;
  MccResult result;
  for (const cv::Point2f& p : box) result.box.emplace_back(p.x, p.y);
  result.cost = checker->getCost();
  return result;
}

double QuadArea(const std::vector<cv::Point2d>& quad) {
  std::vector<cv::Point2f> points;
  for (const auto& p : quad) points.emplace_back(static_cast<float>(p.x), static_cast<float>(p.y));
  return std::abs(cv::contourArea(points));
}


// Projected area (px²) of the axis-aligned square of side `side_mm` centred at `centre_mm`.
double ProjectedArea(const cv::Matx33d& h, const cv::Point2d& centre_mm, double side_mm) {
  std::vector<cv::Point2f> quad;
  for (const cv::Point2d offset : {cv::Point2d(-1, -1), cv::Point2d(1, -1), cv::Point2d(1, 1),
                                   cv::Point2d(-1, 1)}) {
    const cv::Point2d p = Project(h, centre_mm + offset * (side_mm / 2));
    quad.emplace_back(static_cast<float>(p.x), static_cast<float>(p.y));
  }
  return std::abs(cv::contourArea(quad));
}

// Locates each patch as the connected region of its own colour around its predicted centre and
// refits the chart homography to the 24 (or fewer, RANSAC) region centroids. mcc's box is a model
// fit that can be off by a few percent; the patches themselves are the ground truth of geometry.
std::optional<std::array<cv::Point2d, 4>> RefineCornersFromPatches(
    const std::array<cv::Point2d, 4>& corners_px, const cv::Mat& rgb_linear,
    const ChartDetectionOptions& options) {
  const ChartGeometry& g = options.geometry;
  const cv::Matx33d h = HomographyFromCorners(corners_px, g);
  const auto samples = SampleChartPatches(rgb_linear, h, g, options.sample_fraction);
  std::vector<cv::Point2f> model_points, image_points;
  for (int i = 0; i < kChartPatches; ++i) {
    if (samples[i].pixels == 0) continue;
    const cv::Point2d centre_mm = g.PatchCentreMm(i);
    // Search window: the patch's pitch cell (patch plus half a gap on each side), slightly grown.
    std::vector<cv::Point2f> cell;
    for (const cv::Point2d offset : {cv::Point2d(-1, -1), cv::Point2d(1, -1), cv::Point2d(1, 1),
                                     cv::Point2d(-1, 1)}) {
      const cv::Point2d p = Project(h, centre_mm + offset * (0.6 * g.patch_pitch_mm));
      cell.emplace_back(static_cast<float>(p.x), static_cast<float>(p.y));
    }
    const cv::Rect window = cv::boundingRect(cell) & cv::Rect(0, 0, rgb_linear.cols, rgb_linear.rows);
    if (window.width < 8 || window.height < 8) continue;
    const cv::Vec3f reference(samples[i].rgb_linear);
    const double norm = cv::norm(reference) + 0.02;
    cv::Mat mask(window.height + 2, window.width + 2, CV_8U, cv::Scalar(0));
    for (int y = 0; y < window.height; ++y) {
      const auto* row = rgb_linear.ptr<cv::Vec3f>(window.y + y);
      for (int x = 0; x < window.width; ++x) {
        const double distance = cv::norm(row[window.x + x] - reference) / norm;
        if (distance < 0.2) mask.at<uchar>(y + 1, x + 1) = 1;
      }
    }
    const cv::Point2d predicted = Project(h, centre_mm);
    const cv::Point seed(static_cast<int>(std::lround(predicted.x)) - window.x + 1,
                         static_cast<int>(std::lround(predicted.y)) - window.y + 1);
    if (seed.x < 1 || seed.y < 1 || seed.x > window.width || seed.y > window.height) continue;
    if (mask.at<uchar>(seed) != 1) continue;
    cv::Rect blob;
    const int area = cv::floodFill(mask, seed, cv::Scalar(2), &blob, cv::Scalar(), cv::Scalar(), 4);
    const double expected = ProjectedArea(h, centre_mm, g.patch_size_mm);
    // Reject patches that bleed into the frame (dark patches) or were only partly found.
    const bool touches_border = blob.x <= 1 || blob.y <= 1 || blob.x + blob.width >= window.width + 1 ||
                                blob.y + blob.height >= window.height + 1;
    if (touches_border || area < 0.6 * expected || area > 1.3 * expected) continue;
    double sx = 0, sy = 0;
    for (int y = blob.y; y < blob.y + blob.height; ++y) {
      for (int x = blob.x; x < blob.x + blob.width; ++x) {
        if (mask.at<uchar>(y, x) == 2) {
          sx += x;
          sy += y;
        }
      }
    }
    model_points.emplace_back(static_cast<float>(centre_mm.x), static_cast<float>(centre_mm.y));
    image_points.emplace_back(static_cast<float>(sx / area - 1 + window.x),
                              static_cast<float>(sy / area - 1 + window.y));
  }
  if (model_points.size() < 8) return std::nullopt;
  const double pitch_px = std::sqrt(ProjectedArea(h, g.PatchCentreMm(7), g.patch_pitch_mm));
  const cv::Mat refined =
      cv::findHomography(model_points, image_points, cv::RANSAC, std::max(1.0, 0.05 * pitch_px));
  if (refined.empty()) return std::nullopt;
  const cv::Matx33d image_from_chart(refined);
  std::array<cv::Point2d, 4> out;
  const auto mm = BoxCornersMm(g);
  for (int k = 0; k < 4; ++k) out[k] = Project(image_from_chart, mm[k]);
  // A refinement that moves the chart a lot is not a refinement: keep mcc's box.
  for (int k = 0; k < 4; ++k) {
    if (cv::norm(out[k] - corners_px[k]) > 0.5 * pitch_px) return std::nullopt;
  }
  return out;
}

}  // namespace

std::array<PatchSample, kChartPatches> SampleChartPatches(const cv::Mat& rgb_linear,
                                                          const cv::Matx33d& image_from_chart_mm,
                                                          const ChartGeometry& geometry,
                                                          double sample_fraction,
                                                          int max_pixels_per_patch) {
  SKT_CHECK(rgb_linear.type() == CV_32FC3) << "expected CV_32FC3 linear RGB, got type "
                                           << rgb_linear.type();
  SKT_CHECK(sample_fraction > 0 && sample_fraction <= 1) << "sample_fraction " << sample_fraction;
  SKT_CHECK(max_pixels_per_patch > 0) << "max_pixels_per_patch " << max_pixels_per_patch;
  const cv::Matx33d chart_mm_from_image = image_from_chart_mm.inv();
  std::array<PatchSample, kChartPatches> patches;
  const double half_mm = geometry.patch_size_mm * sample_fraction / 2.0;
  for (int i = 0; i < kChartPatches; ++i) {
    patches[i] = SamplePatch(rgb_linear, image_from_chart_mm, chart_mm_from_image,
                             geometry.PatchCentreMm(i), half_mm, max_pixels_per_patch);
  }
  return patches;
}

ChartDetection ChartFromCorners(const std::array<cv::Point2d, 4>& corners_px,
                                const cv::Mat& rgb_linear, const ChartDetectionOptions& options) {
  ChartDetection chart;
  chart.corners_px = corners_px;
  chart.image_from_chart_mm = HomographyFromCorners(corners_px, options.geometry);
  chart.patches = SampleChartPatches(rgb_linear, chart.image_from_chart_mm, options.geometry,
                                     options.sample_fraction);
  // Scale from the 38 neighbouring patch pairs (20 along rows, 18 along columns).
  std::vector<double> estimates;
  const double pitch = options.geometry.patch_pitch_mm;
  for (int row = 0; row < kChartRows; ++row) {
    for (int column = 0; column < kChartColumns; ++column) {
      const int i = row * kChartColumns + column;
      const cv::Point2d c = chart.patches[i].centre_px;
      if (column + 1 < kChartColumns) {
        estimates.push_back(cv::norm(chart.patches[i + 1].centre_px - c) / pitch);
      }
      if (row + 1 < kChartRows) {
        estimates.push_back(cv::norm(chart.patches[i + kChartColumns].centre_px - c) / pitch);
      }
    }
  }
  double sum = 0, sum_sq = 0;
  for (double e : estimates) {
    sum += e;
    sum_sq += e * e;
  }
  const double n = static_cast<double>(estimates.size());
  chart.px_per_mm = sum / n;
  const double sd = std::sqrt(std::max(0.0, sum_sq / n - chart.px_per_mm * chart.px_per_mm));
  chart.px_per_mm_min = *std::min_element(estimates.begin(), estimates.end());
  chart.px_per_mm_max = *std::max_element(estimates.begin(), estimates.end());
  // Corner localisation: ~1 px per corner over the chart's mean side length.
  double side_px = 0;
  for (int k = 0; k < 4; ++k) side_px += cv::norm(corners_px[(k + 1) % 4] - corners_px[k]) / 4.0;
  const double corner_term = side_px > 0 ? std::sqrt(2.0) / side_px * chart.px_per_mm : 0.0;
  chart.px_per_mm_uncertainty = std::sqrt(sd * sd / n + corner_term * corner_term);
  return chart;
}

ChartSearchResult DetectChart(const cv::Mat& bgr, const cv::Mat& rgb_linear,
                              const ChartDetectionOptions& options) {
  SKT_CHECK(bgr.type() == CV_8UC3 || bgr.type() == CV_16UC3) << "type " << bgr.type();
  SKT_CHECK(rgb_linear.type() == CV_32FC3 && rgb_linear.size() == bgr.size())
      << "rgb_linear must be CV_32FC3 of the image's size";
  ChartSearchResult result;
  // The chart's 4 rows of patches need several pixels each for the detector to find their edges;
  // on a thinner image it has nothing to find, and its reduced copy would round to no pixels.
  if (std::min(bgr.cols, bgr.rows) < kMinImageSidePx) {
    result.failure_reason = "the image (" + std::to_string(bgr.cols) + "x" +
                            std::to_string(bgr.rows) +
                            " px) is too small to hold a 24-patch chart (at least " +
                            std::to_string(kMinImageSidePx) + " px on each side needed)";
    return result;
  }
  try {
    cv::Mat bgr8;
    if (bgr.depth() == CV_16U) {
      bgr.convertTo(bgr8, CV_8U, 1.0 / 257.0);
    } else {
      bgr8 = bgr;
    }
    const int longest = std::max(bgr8.cols, bgr8.rows);
    const double scale = longest > options.detection_max_side_px
                             ? static_cast<double>(options.detection_max_side_px) / longest
                             : 1.0;
    cv::Mat small;
    if (scale < 1.0) {
      ResizeBy(bgr8, small, scale, cv::INTER_AREA);
    } else {
      small = bgr8;
    }
    std::optional<MccResult> coarse = RunMcc(small, {});
    if (!coarse) {
      result.failure_reason = "the detector found no 24-patch chart pattern";
      return result;
    }
    for (auto& p : coarse->box) p *= 1.0 / scale;
    MccResult best = *coarse;
    bool refined = false;
    if (options.refine_full_resolution && scale < 1.0) {
      std::vector<cv::Point2f> points;
      for (const auto& p : coarse->box) {
        points.emplace_back(static_cast<float>(p.x), static_cast<float>(p.y));
      }
      cv::Rect roi = cv::boundingRect(points);
      const int margin = std::max(roi.width, roi.height) / 2;
      roi = cv::Rect(roi.x - margin, roi.y - margin, roi.width + 2 * margin,
                     roi.height + 2 * margin) &
            cv::Rect(0, 0, bgr8.cols, bgr8.rows);
      std::optional<MccResult> fine = RunMcc(bgr8, {roi});
      if (fine) {
        for (auto& p : fine->box) p += cv::Point2d(roi.x, roi.y);
        // Accept the refinement only if it is the same chart (similar area and place).
        const double area_ratio = QuadArea(fine->box) / std::max(QuadArea(coarse->box), 1.0);
        const double size = std::sqrt(QuadArea(coarse->box));
        double centre_shift = 0;
        {
          cv::Point2d c_fine(0, 0), c_coarse(0, 0);
          for (int k = 0; k < 4; ++k) {
            c_fine += fine->box[k] * 0.25;
            c_coarse += coarse->box[k] * 0.25;
          }
          centre_shift = cv::norm(c_fine - c_coarse);
        }
        if (area_ratio > 0.7 && area_ratio < 1.4 && centre_shift < 0.25 * size) {
          best = *fine;
          refined = true;
        }
      }
    }
    if (best.cost > options.max_detection_cost) {
      result.failure_reason = "a chart-like pattern was found but its fit cost " +
                              std::to_string(best.cost) + " is too high";
      return result;
    }
    // Orientation: try all 8 corner assignments, keep the best colour agreement.
    double best_score = std::numeric_limits<double>::infinity();
    double second_score = std::numeric_limits<double>::infinity();
    int best_rotation = 0;
    bool best_mirrored = false;
    for (int mirrored = 0; mirrored < 2; ++mirrored) {
      for (int rotation = 0; rotation < 4; ++rotation) {
        const auto corners = AssignCorners(best.box, rotation, mirrored != 0);
        const cv::Matx33d h = HomographyFromCorners(corners, options.geometry);
        // Telling the eight orientations apart needs only rough colours: a few hundred pixels
        // per patch (the chart's final sampling uses the full budget).
        const double score = OrientationScore(
            SampleChartPatches(rgb_linear, h, options.geometry, options.sample_fraction,
                               kOrientationPixelsPerPatch),
            options.reference);
        if (score < best_score) {
          second_score = best_score;
          best_score = score;
          best_rotation = rotation;
          best_mirrored = mirrored != 0;
        } else if (score < second_score) {
          second_score = score;
        }
      }
    }
    if (!std::isfinite(best_score)) {
      result.failure_reason = "chart found but its patches could not be sampled";
      return result;
    }
    std::array<cv::Point2d, 4> corners = AssignCorners(best.box, best_rotation, best_mirrored);
    bool patch_refined = false;
    for (int pass = 0; pass < 2; ++pass) {
      const auto refined_corners = RefineCornersFromPatches(corners, rgb_linear, options);
      if (!refined_corners) break;
      corners = *refined_corners;
      patch_refined = true;
    }
    ChartDetection chart = ChartFromCorners(corners, rgb_linear, options);
    chart.patch_refined = patch_refined;
    // Orientation in absolute terms: the angle of the chart's top edge (clockwise on screen, y
    // down) and whether the frame is mirrored (counter-clockwise corner order on screen).
    const cv::Point2d top = corners[1] - corners[0];
    const cv::Point2d right = corners[2] - corners[1];
    chart.mirrored = top.x * right.y - top.y * right.x < 0;
    chart.rotation_deg = std::atan2(top.y, top.x) * 180.0 / 3.14159265358979323846;
    (void)best_rotation;
    (void)best_mirrored;
    chart.orientation_delta_e00 = best_score;
    chart.orientation_margin = second_score / std::max(best_score, 1e-9);
    chart.detection_cost = best.cost;
    chart.refined = refined;
    result.chart = chart;
  } catch (const cv::Exception& e) {
    result.chart.reset();
    result.failure_reason = std::string("chart detector failed: ") + e.what();
  }
  return result;
}

cv::Mat ChartMask(const ChartDetection& chart, cv::Size image_size, double margin_fraction) {
  cv::Mat mask = cv::Mat::zeros(image_size, CV_8U);
  cv::Point2d centre(0, 0);
  for (const auto& p : chart.corners_px) centre += p * 0.25;
  std::vector<cv::Point> polygon;
  for (const auto& p : chart.corners_px) {
    const cv::Point2d q = centre + (p - centre) * (1.0 + margin_fraction);
    polygon.emplace_back(static_cast<int>(std::lround(q.x)), static_cast<int>(std::lround(q.y)));
  }
  cv::fillConvexPoly(mask, polygon, cv::Scalar(255));
  return mask;
}

}  // namespace skintrack::core
