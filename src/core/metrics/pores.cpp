#include "core/metrics/pores.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/metrics/analysis_frame.h"

namespace skintrack::core {
namespace {

// Normalised LoG response of an ideal disc at its best scale, per unit contrast: 2/e.
constexpr double kDiscResponse = 0.7357588823;

struct ScaleLevel {
  double sigma_px = 0;
  cv::Mat response;  // σ²·∇²(G_σ * c): positive for dark blobs
  cv::Mat dxx, dyy, dxy;
};

ScaleLevel ComputeLevel(const cv::Mat& contrast, double sigma_px) {
  ScaleLevel level;
  level.sigma_px = sigma_px;
  cv::Mat smooth;
  cv::GaussianBlur(contrast, smooth, cv::Size(), sigma_px, sigma_px, cv::BORDER_REFLECT);
  cv::Sobel(smooth, level.dxx, CV_32F, 2, 0, 3, 0.25, 0, cv::BORDER_REFLECT);
  cv::Sobel(smooth, level.dyy, CV_32F, 0, 2, 3, 0.25, 0, cv::BORDER_REFLECT);
  cv::Sobel(smooth, level.dxy, CV_32F, 1, 1, 3, 0.25, 0, cv::BORDER_REFLECT);
  const double norm = sigma_px * sigma_px;
  cv::addWeighted(level.dxx, norm, level.dyy, norm, 0.0, level.response);
  return level;
}

bool IsSpatialMax(const cv::Mat& r, int x, int y, float v) {
  for (int dy = -1; dy <= 1; ++dy) {
    const float* row = r.ptr<float>(y + dy);
    for (int dx = -1; dx <= 1; ++dx) {
      if ((dx != 0 || dy != 0) && row[x + dx] >= v) return false;
    }
  }
  return true;
}

float Max3x3(const cv::Mat& r, int x, int y) {
  float best = -1e30f;
  for (int dy = -1; dy <= 1; ++dy) {
    const float* row = r.ptr<float>(y + dy);
    for (int dx = -1; dx <= 1; ++dx) best = std::max(best, row[x + dx]);
  }
  return best;
}

}  // namespace

Result<PoreDetection> DetectPores(const AnalysisFrame& frame, const PoreOptions& options) {
  try {
    const double d_min_px = std::max(2.0, frame.MmToPx(options.min_diameter_mm));
    const double d_max_px = std::max(d_min_px * 1.5, frame.MmToPx(options.max_diameter_mm));
    const double sigma_min = d_min_px / (2.0 * std::sqrt(2.0));
    const double sigma_max = d_max_px / (2.0 * std::sqrt(2.0));
    const double step = std::pow(2.0, 1.0 / options.scales_per_octave);
    // One extra level at each end so that maxima at the range limits can be recognised as such.
    std::vector<double> sigmas;
    for (double s = sigma_min / step; s <= sigma_max * step * 1.0001; s *= step) sigmas.push_back(s);

    const cv::Mat contrast =
        FlatFieldContrast(frame.luminance, frame.mask, frame.MmToPx(options.flat_field_sigma_mm));
    std::vector<ScaleLevel> levels;
    levels.reserve(sigmas.size());
    for (double s : sigmas) levels.push_back(ComputeLevel(contrast, s));

    const int border = static_cast<int>(std::ceil(d_max_px / 2.0)) + 1;
    const cv::Mat detect_mask = ErodeMask(frame.mask, border);
    const float threshold = static_cast<float>(kDiscResponse * options.min_contrast);

    std::vector<Pore> candidates;
    const int rows = contrast.rows;
    const int cols = contrast.cols;
    for (size_t k = 1; k + 1 < levels.size(); ++k) {
      const cv::Mat& r = levels[k].response;
      for (int y = 1; y < rows - 1; ++y) {
        const float* row = r.ptr<float>(y);
        const uchar* m = detect_mask.ptr<uchar>(y);
        for (int x = 1; x < cols - 1; ++x) {
          const float v = row[x];
          if (v < threshold || m[x] == 0) continue;
          if (!IsSpatialMax(r, x, y, v)) continue;
          if (Max3x3(levels[k - 1].response, x, y) >= v) continue;
          if (Max3x3(levels[k + 1].response, x, y) >= v) continue;
          // Best scale at an end of the range: smaller than a pore or larger (a lesion).
          if (k == 1 && levels[0].response.at<float>(y, x) >= v * 0.999f) continue;
          const double lo = levels[k - 1].response.at<float>(y, x);
          const double hi = levels[k + 1].response.at<float>(y, x);
          const double curvature = lo - 2.0 * v + hi;
          double offset = curvature < 0 ? 0.5 * (lo - hi) / curvature : 0.0;
          offset = std::clamp(offset, -0.5, 0.5);
          const double sigma = levels[k].sigma_px * std::pow(step, offset);
          const double diameter = 2.0 * std::sqrt(2.0) * sigma;
          if (diameter < d_min_px || diameter > d_max_px) continue;
          const double a = levels[k].dxx.at<float>(y, x);
          const double b = levels[k].dyy.at<float>(y, x);
          const double c = levels[k].dxy.at<float>(y, x);
          const double mean = 0.5 * (a + b);
          const double diff = std::sqrt(0.25 * (a - b) * (a - b) + c * c);
          const double l_max = mean + diff;
          const double l_min = mean - diff;
          const double roundness = l_max > 0 ? l_min / l_max : 0.0;
          if (roundness < options.min_roundness) continue;
          Pore pore;
          pore.center_px = cv::Point2f(static_cast<float>(x), static_cast<float>(y));
          pore.diameter_px = diameter;
          pore.contrast = v / kDiscResponse;
          pore.roundness = roundness;
          candidates.push_back(pore);
        }
      }
    }
    // Strongest first; drop any blob whose centre lies inside an accepted, stronger pore.
    std::sort(candidates.begin(), candidates.end(),
              [](const Pore& p, const Pore& q) { return p.contrast > q.contrast; });
    PoreDetection detection;
    for (const Pore& p : candidates) {
      bool overlaps = false;
      for (const Pore& q : detection.pores) {
        const double limit = 0.5 * std::max(p.diameter_px, q.diameter_px);
        const double dx = p.center_px.x - q.center_px.x;
        const double dy = p.center_px.y - q.center_px.y;
        if (dx * dx + dy * dy < limit * limit) {
          overlaps = true;
          break;
        }
      }
      if (!overlaps) detection.pores.push_back(p);
    }
    detection.map = cv::Mat(contrast.size(), CV_32F, cv::Scalar(0));
    for (const Pore& p : detection.pores) {
      cv::circle(detection.map, cv::Point(cvRound(p.center_px.x), cvRound(p.center_px.y)),
                 std::max(1, cvRound(p.diameter_px / 2.0)),
                 cv::Scalar(static_cast<float>(p.contrast)), cv::FILLED, cv::LINE_8);
    }
    detection.map.setTo(0, frame.mask == 0);
    return detection;
  } catch (const cv::Exception& e) {
    return InternalError(std::string("pore detection failed in OpenCV: ") + e.what());
  }
}

Result<MetricGroup> MeasurePores(const AnalysisFrame& frame, const PoreOptions& options) {
  SKT_ASSIGN_OR_RETURN(PoreDetection detection, DetectPores(frame, options));
  MetricGroup group;
  group.name = "pores";
  const double count = static_cast<double>(detection.pores.size());
  double diameter_sum = 0;
  double area_px = 0;
  for (const Pore& p : detection.pores) {
    diameter_sum += p.diameter_px;
    area_px += M_PI * 0.25 * p.diameter_px * p.diameter_px;
  }
  const double mean_diameter_px = count > 0 ? diameter_sum / count : 0.0;
  group.scalars.push_back({"count", count, "count"});
  if (frame.scale_known) {
    group.scalars.push_back({"density_per_cm2", count / frame.MaskAreaCm2(), "1/cm^2"});
    group.scalars.push_back({"mean_diameter_mm", mean_diameter_px / frame.px_per_mm, "mm"});
  } else {
    const double original_mpx = frame.mask_area_px / (frame.downscale * frame.downscale) / 1e6;
    group.scalars.push_back({"density_per_mpx", count / original_mpx, "1/megapixel"});
    group.scalars.push_back({"mean_diameter_px", mean_diameter_px / frame.downscale, "px"});
  }
  group.scalars.push_back({"area_pct", 100.0 * area_px / frame.mask_area_px, "%"});
  if (count == 0) group.warnings.push_back("pores_none_found");
  group.maps.push_back({"pores", detection.map, "relative contrast", 0.0f, 0.3f});
  return group;
}

}  // namespace skintrack::core
