#include "core/metrics/wrinkles.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>
#include <opencv2/ximgproc.hpp>

#include "core/color/skin_model.h"
#include "core/metrics/analysis_frame.h"
#include "core/metrics/dark_blobs.h"

namespace skintrack::core {
namespace {

// Normalised second-derivative response σ²λ at the centre of an ideal bar of unit contrast and
// width w is (w/σ)/√(2π)·exp(−w²/(8σ²)); it peaks at σ = w/2 with the value (2/√(2π))·exp(−1/2).
constexpr double kBarResponse = 0.4839;

// Removes dark features that are shorter than `length_px` in every direction (pores, specks) and
// keeps lines: the minimum over 8 orientations of a grey closing with a line segment. A dark line
// survives the closing along its own direction; a round spot survives none.
cv::Mat RemoveShortDarkFeatures(const cv::Mat& contrast, double length_px) {
  const int half = std::max(1, static_cast<int>(std::lround(length_px / 2.0)));
  const int size = 2 * half + 1;
  cv::Mat out;
  for (int i = 0; i < 8; ++i) {
    const double angle = i * M_PI / 8.0;
    const cv::Point2d dir(std::cos(angle) * half, std::sin(angle) * half);
    cv::Mat kernel(size, size, CV_8U, cv::Scalar(0));
    cv::line(kernel, cv::Point(cvRound(half - dir.x), cvRound(half - dir.y)),
             cv::Point(cvRound(half + dir.x), cvRound(half + dir.y)), cv::Scalar(1), 1, cv::LINE_8);
    cv::Mat closed;
    cv::morphologyEx(contrast, closed, cv::MORPH_CLOSE, kernel, cv::Point(-1, -1), 1,
                     cv::BORDER_REPLICATE);
    out = out.empty() ? closed : cv::min(out, closed);
  }
  return out;
}

// An end of a line: at most one neighbour, or all neighbours adjacent to each other (one run of
// set pixels around the 8-neighbourhood), which also covers the staircase tips thinning leaves.
bool IsEnd(const cv::Mat& image, int x, int y) {
  static constexpr int kDx[8] = {1, 1, 0, -1, -1, -1, 0, 1};
  static constexpr int kDy[8] = {0, 1, 1, 1, 0, -1, -1, -1};
  bool on[8];
  int count = 0;
  for (int i = 0; i < 8; ++i) {
    const int xx = x + kDx[i], yy = y + kDy[i];
    on[i] = xx >= 0 && yy >= 0 && xx < image.cols && yy < image.rows && image.at<uchar>(yy, xx) != 0;
    count += on[i] ? 1 : 0;
  }
  if (count <= 1) return true;
  if (count > 3) return false;
  int runs = 0;
  for (int i = 0; i < 8; ++i) {
    if (on[i] && !on[(i + 7) % 8]) ++runs;
  }
  return runs == 1;
}

// Removes side branches shorter than `length_px` from a thinned skeleton (the ticks that thinning
// leaves where a ridge is wider on one side): endpoints are peeled `length_px` times, then the
// surviving lines grow back along the original skeleton from their own ends by as much.
cv::Mat PruneSpurs(const cv::Mat& skeleton, int length_px) {
  std::vector<cv::Point> points;
  cv::findNonZero(skeleton, points);
  cv::Mat pruned = skeleton.clone();
  for (int i = 0; i < length_px; ++i) {
    std::vector<cv::Point> ends;
    std::vector<cv::Point> kept;
    for (const cv::Point& p : points) {
      (IsEnd(pruned, p.x, p.y) ? ends : kept).push_back(p);
    }
    if (ends.empty()) break;
    for (const cv::Point& p : ends) pruned.at<uchar>(p) = 0;
    points.swap(kept);
  }
  std::vector<cv::Point> frontier;
  for (const cv::Point& p : points) {
    if (IsEnd(pruned, p.x, p.y)) frontier.push_back(p);
  }
  cv::Mat grown = pruned;
  for (int i = 0; i < length_px && !frontier.empty(); ++i) {
    std::vector<cv::Point> next;
    for (const cv::Point& p : frontier) {
      for (int dy = -1; dy <= 1; ++dy) {
        for (int dx = -1; dx <= 1; ++dx) {
          const cv::Point q(p.x + dx, p.y + dy);
          if (q.x < 0 || q.y < 0 || q.x >= grown.cols || q.y >= grown.rows) continue;
          if (skeleton.at<uchar>(q) != 0 && grown.at<uchar>(q) == 0) {
            grown.at<uchar>(q) = 255;
            next.push_back(q);
          }
        }
      }
    }
    frontier.swap(next);
  }
  return grown;
}

}  // namespace

double SkeletonLengthPx(const cv::Mat& skeleton) {
  double length = 0;
  const int rows = skeleton.rows;
  const int cols = skeleton.cols;
  auto on = [&](int y, int x) {
    return y >= 0 && y < rows && x >= 0 && x < cols && skeleton.at<uchar>(y, x) != 0;
  };
  for (int y = 0; y < rows; ++y) {
    const uchar* row = skeleton.ptr<uchar>(y);
    for (int x = 0; x < cols; ++x) {
      if (row[x] == 0) continue;
      int neighbours = 0;
      // Each link counted once: look right, down, and the two lower diagonals.
      if (on(y, x + 1)) length += 1.0;
      if (on(y + 1, x)) length += 1.0;
      if (on(y + 1, x + 1) && !on(y, x + 1) && !on(y + 1, x)) length += std::sqrt(2.0);
      if (on(y + 1, x - 1) && !on(y, x - 1) && !on(y + 1, x)) length += std::sqrt(2.0);
      for (int dy = -1; dy <= 1; ++dy) {
        for (int dx = -1; dx <= 1; ++dx) {
          if ((dx != 0 || dy != 0) && on(y + dy, x + dx)) ++neighbours;
        }
      }
      if (neighbours <= 1) length += 0.5;  // an end point covers half a pixel beyond its centre
    }
  }
  return length;
}

Result<WrinkleDetection> DetectWrinkles(const AnalysisFrame& frame, const WrinkleOptions& options) {
  try {
    // Wrinkles are shadows: measured on the achromatic shading so that the edges of pigment spots
    // and redness patches are not taken for lines.
    const cv::Mat shading =
        frame.shading.empty() ? DecomposeChromophores(frame.rgb_linear).shading : frame.shading;
    const cv::Mat contrast = RemoveShortDarkFeatures(
        ShadingFlatField(shading, frame.mask, frame.MmToPx(options.flat_field_sigma_mm)),
        frame.MmToPx(options.spot_removal_mm));
    const double w_min = std::max(1.5, frame.MmToPx(options.min_width_mm));
    const double w_max = std::max(w_min * 1.5, frame.MmToPx(options.max_width_mm));
    const int scales = std::max(2, options.scales);
    const int border = static_cast<int>(std::ceil(w_max));
    WrinkleDetection detection;
    detection.detect_mask = ErodeMask(frame.mask, border);
    detection.detect_area_px = cv::countNonZero(detection.detect_mask);
    const cv::Mat& noise_mask =
        detection.detect_area_px > 0 ? detection.detect_mask : frame.mask;

    cv::Mat best(contrast.size(), CV_32F, cv::Scalar(0));      // estimated contrast
    cv::Mat best_width(contrast.size(), CV_32F, cv::Scalar(0));
    cv::Mat best_snr(contrast.size(), CV_32F, cv::Scalar(0));   // response / noise at its scale
    const cv::Mat second = (cv::Mat_<float>(1, 3) << 1.0f, -2.0f, 1.0f);
    const cv::Mat central = (cv::Mat_<float>(1, 3) << -0.5f, 0.0f, 0.5f);
    const cv::Mat identity = (cv::Mat_<float>(1, 1) << 1.0f);
    for (int i = 0; i < scales; ++i) {
      const double w = w_min * std::pow(w_max / w_min, static_cast<double>(i) / (scales - 1));
      const double sigma = w / 2.0;
      cv::Mat smooth;
      cv::GaussianBlur(contrast, smooth, cv::Size(), sigma, sigma, cv::BORDER_REFLECT);
      cv::Mat dxx, dyy, dxy;
      cv::sepFilter2D(smooth, dxx, CV_32F, second, identity, cv::Point(-1, -1), 0,
                      cv::BORDER_REFLECT);
      cv::sepFilter2D(smooth, dyy, CV_32F, identity, second, cv::Point(-1, -1), 0,
                      cv::BORDER_REFLECT);
      cv::sepFilter2D(smooth, dxy, CV_32F, central, central, cv::Point(-1, -1), 0,
                      cv::BORDER_REFLECT);
      const float norm = static_cast<float>(sigma * sigma / kBarResponse);
      // Noise of a directional second derivative at this scale (isotropic, so one direction is
      // enough), in the same contrast units as the line response.
      const float noise = std::max(
          1e-6f, norm * static_cast<float>(RobustSd(dxx, noise_mask,
                                                    std::max(1, static_cast<int>(sigma)))));
      const float ratio = static_cast<float>(options.max_eigen_ratio);
      const float width = static_cast<float>(w);
      for (int y = 0; y < contrast.rows; ++y) {
        const float* a = dxx.ptr<float>(y);
        const float* b = dyy.ptr<float>(y);
        const float* c = dxy.ptr<float>(y);
        float* out = best.ptr<float>(y);
        float* out_w = best_width.ptr<float>(y);
        float* out_z = best_snr.ptr<float>(y);
        for (int x = 0; x < contrast.cols; ++x) {
          const float mean = 0.5f * (a[x] + b[x]);
          const float diff = std::sqrt(0.25f * (a[x] - b[x]) * (a[x] - b[x]) + c[x] * c[x]);
          const float l1 = mean + diff;
          const float l2 = mean - diff;
          if (l1 <= 0 || std::abs(l2) > ratio * l1) continue;
          const float v = norm * l1;
          if (v > out[x]) {
            out[x] = v;
            out_w[x] = width;
          }
          out_z[x] = std::max(out_z[x], v / noise);
        }
      }
    }
    // Hysteresis: lines are seeded where they stand out clearly (min_snr and min_contrast) and
    // followed along weaker ridge pixels (min_snr_follow) so their faint, tapering ends count.
    const cv::Mat inside = detection.detect_mask != 0;
    const cv::Mat strong = (best_snr >= static_cast<float>(options.min_snr)) &
                           (best >= static_cast<float>(options.min_contrast)) & inside;
    cv::Mat ridge = (best_snr >= static_cast<float>(options.min_snr_follow)) &
                    (best >= static_cast<float>(options.min_contrast)) & inside;
    {
      cv::Mat labels;
      const int n = cv::connectedComponents(ridge, labels, 8, CV_32S);
      std::vector<uchar> seeded(static_cast<size_t>(n), 0);
      for (int y = 0; y < labels.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        const uchar* s = strong.ptr<uchar>(y);
        for (int x = 0; x < labels.cols; ++x) {
          if (s[x] != 0) seeded[static_cast<size_t>(l[x])] = 1;
        }
      }
      for (int y = 0; y < labels.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        uchar* r = ridge.ptr<uchar>(y);
        for (int x = 0; x < labels.cols; ++x) {
          if (r[x] != 0 && seeded[static_cast<size_t>(l[x])] == 0) r[x] = 0;
        }
      }
    }
    cv::Mat skeleton;
    cv::ximgproc::thinning(ridge, skeleton, cv::ximgproc::THINNING_ZHANGSUEN);
    skeleton = PruneSpurs(skeleton, static_cast<int>(std::lround(w_max)));

    // Keep centre-line components that are long enough.
    cv::Mat labels;
    const int n = cv::connectedComponents(skeleton, labels, 8, CV_32S);
    std::vector<std::vector<cv::Point>> members(static_cast<size_t>(n));
    for (int y = 0; y < labels.rows; ++y) {
      const int* l = labels.ptr<int>(y);
      for (int x = 0; x < labels.cols; ++x) {
        if (l[x] > 0) members[static_cast<size_t>(l[x])].emplace_back(x, y);
      }
    }
    detection.centerline = cv::Mat(skeleton.size(), CV_8U, cv::Scalar(0));
    const double min_length_px = frame.MmToPx(options.min_length_mm);
    double width_length_sum = 0;
    for (int i = 1; i < n; ++i) {
      const auto& pts = members[static_cast<size_t>(i)];
      const cv::Rect box = cv::boundingRect(pts);
      cv::Mat component = cv::Mat::zeros(box.size(), CV_8U);
      for (const auto& p : pts) component.at<uchar>(p - box.tl()) = 255;
      const double length = SkeletonLengthPx(component);
      if (length < min_length_px) continue;
      double width_sum = 0;
      for (const auto& p : pts) {
        detection.centerline.at<uchar>(p) = 255;
        width_sum += best_width.at<float>(p);
      }
      const double mean_width = width_sum / static_cast<double>(pts.size());
      detection.length_px += length;
      width_length_sum += mean_width * length;
      ++detection.count;
    }
    detection.area_px = width_length_sum;
    detection.mean_width_px = detection.length_px > 0 ? width_length_sum / detection.length_px : 0;
    // Map: contrast on the ridge pixels that belong to kept lines (dilated centre lines).
    cv::Mat near_line;
    cv::dilate(detection.centerline, near_line,
               cv::getStructuringElement(cv::MORPH_ELLIPSE,
                                         cv::Size(2 * border + 1, 2 * border + 1)));
    detection.map = cv::Mat(best.size(), CV_32F, cv::Scalar(0));
    best.copyTo(detection.map, ridge & near_line);
    return detection;
  } catch (const cv::Exception& e) {
    return InternalError(std::string("wrinkle detection failed in OpenCV: ") + e.what());
  }
}

Result<MetricGroup> MeasureWrinkles(const AnalysisFrame& frame, const WrinkleOptions& options) {
  SKT_ASSIGN_OR_RETURN(WrinkleDetection detection, DetectWrinkles(frame, options));
  MetricGroup group;
  group.name = "wrinkles";
  // Per area of the skin searched (mask less a border of the widest line), like pores.
  const double area_px = std::max(1.0, detection.detect_area_px);
  if (frame.scale_known) {
    const double length_mm = detection.length_px / frame.px_per_mm;
    const double area_cm2 = area_px / (frame.px_per_mm * frame.px_per_mm) / 100.0;
    group.scalars.push_back({"length_mm_per_cm2", length_mm / area_cm2, "mm/cm^2"});
    group.scalars.push_back(
        {"mean_width_mm", detection.mean_width_px / frame.px_per_mm, "mm"});
  } else {
    const double original_mpx = area_px / (frame.downscale * frame.downscale) / 1e6;
    group.scalars.push_back({"length_px_per_mpx", detection.length_px / frame.downscale /
                                                      original_mpx, "px/megapixel"});
    group.scalars.push_back(
        {"mean_width_px", detection.mean_width_px / frame.downscale, "px"});
  }
  group.scalars.push_back({"area_pct", 100.0 * detection.area_px / area_px, "%"});
  group.scalars.push_back({"count", static_cast<double>(detection.count), "count"});
  group.maps.push_back({"wrinkles", detection.map, "relative contrast", 0.0f, 0.3f});
  return group;
}

}  // namespace skintrack::core
