#include "core/surface/surface_metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include <opencv2/imgproc.hpp>

namespace skintrack::core {
namespace {

// Valid = inside the optional mask and finite.
cv::Mat ValidMask(const cv::Mat& height, const cv::Mat& mask) {
  cv::Mat valid = (height == height);  // false for NaN
  if (!mask.empty()) valid &= (mask != 0);
  cv::Mat finite = cv::abs(height) < std::numeric_limits<float>::infinity();
  return valid & finite;
}

Result<cv::Mat> CheckHeight(const cv::Mat& height_mm, double px_per_mm, const cv::Mat& mask) {
  if (height_mm.empty()) return BadInputError("the height map is empty");
  if (height_mm.channels() != 1 || (height_mm.depth() != CV_32F && height_mm.depth() != CV_64F)) {
    return BadInputError("the height map must be a single-channel floating-point image in mm "
                         "(32-bit float TIFF as written by `skintrack surface`)");
  }
  if (!(px_per_mm > 0) || !std::isfinite(px_per_mm)) {
    return UsageError("the height map needs a scale: give --px-per-mm (> 0)");
  }
  if (!mask.empty() && (mask.type() != CV_8UC1 || mask.size() != height_mm.size())) {
    return BadInputError("the analysis mask must be 8-bit single-channel and the size of the "
                         "height map");
  }
  cv::Mat height;
  height_mm.convertTo(height, CV_32F);
  return height;
}

}  // namespace

const char* ScarTypeName(ScarType type) {
  switch (type) {
    case ScarType::kIcepick: return "icepick";
    case ScarType::kBoxcar: return "boxcar";
    case ScarType::kRolling: return "rolling";
  }
  return "boxcar";
}

Result<Iso25178Parameters> ComputeIso25178(const cv::Mat& height_mm, double px_per_mm,
                                           const cv::Mat& mask) {
  SKT_ASSIGN_OR_RETURN(const cv::Mat height, CheckHeight(height_mm, px_per_mm, mask));
  const cv::Mat valid = ValidMask(height, mask);
  double sum = 0;
  long count = 0;
  for (int y = 0; y < height.rows; ++y) {
    const float* z = height.ptr<float>(y);
    const std::uint8_t* v = valid.ptr<std::uint8_t>(y);
    for (int x = 0; x < height.cols; ++x) {
      if (v[x] != 0) {
        sum += z[x];
        ++count;
      }
    }
  }
  if (count < 4) return AnalysisError("the height map has fewer than 4 valid pixels to measure");
  const double mean = sum / static_cast<double>(count);
  double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
  double z_max = -std::numeric_limits<double>::infinity();
  double z_min = std::numeric_limits<double>::infinity();
  for (int y = 0; y < height.rows; ++y) {
    const float* z = height.ptr<float>(y);
    const std::uint8_t* v = valid.ptr<std::uint8_t>(y);
    for (int x = 0; x < height.cols; ++x) {
      if (v[x] == 0) continue;
      const double d = z[x] - mean;
      const double d2 = d * d;
      m1 += std::abs(d);
      m2 += d2;
      m3 += d2 * d;
      m4 += d2 * d2;
      z_max = std::max(z_max, d);
      z_min = std::min(z_min, d);
    }
  }
  const auto n = static_cast<double>(count);
  Iso25178Parameters out;
  const double sq_mm = std::sqrt(m2 / n);
  out.sa_um = 1000.0 * m1 / n;
  out.sq_um = 1000.0 * sq_mm;
  out.ssk = sq_mm > 0 ? (m3 / n) / (sq_mm * sq_mm * sq_mm) : 0.0;
  out.sku = sq_mm > 0 ? (m4 / n) / (sq_mm * sq_mm * sq_mm * sq_mm) : 0.0;
  out.sp_um = 1000.0 * z_max;
  out.sv_um = 1000.0 * std::abs(z_min);
  out.sz_um = out.sp_um + out.sv_um;

  // Developed interfacial area ratio over 2x2 cells whose four corners are valid.
  const double inv_dx = px_per_mm;  // 1 / pixel spacing in mm
  double sdr_sum = 0;
  long cells = 0;
  for (int y = 0; y + 1 < height.rows; ++y) {
    const float* z0 = height.ptr<float>(y);
    const float* z1 = height.ptr<float>(y + 1);
    const std::uint8_t* v0 = valid.ptr<std::uint8_t>(y);
    const std::uint8_t* v1 = valid.ptr<std::uint8_t>(y + 1);
    for (int x = 0; x + 1 < height.cols; ++x) {
      if (v0[x] == 0 || v0[x + 1] == 0 || v1[x] == 0 || v1[x + 1] == 0) continue;
      const double zx = 0.5 * ((z0[x + 1] - z0[x]) + (z1[x + 1] - z1[x])) * inv_dx;
      const double zy = 0.5 * ((z1[x] - z0[x]) + (z1[x + 1] - z0[x + 1])) * inv_dx;
      sdr_sum += std::sqrt(1.0 + zx * zx + zy * zy) - 1.0;
      ++cells;
    }
  }
  out.sdr_pct = cells > 0 ? 100.0 * sdr_sum / static_cast<double>(cells) : 0.0;
  return out;
}

Result<ScarSummary> FindScars(const cv::Mat& height_mm, double px_per_mm,
                              const SurfaceScarOptions& options, const cv::Mat& mask) {
  SKT_ASSIGN_OR_RETURN(const cv::Mat height, CheckHeight(height_mm, px_per_mm, mask));
  if (!(options.depth_threshold_mm > 0) || options.extent_depth_mm < 0 ||
      options.extent_depth_mm > options.depth_threshold_mm) {
    return UsageError("scar thresholds must satisfy 0 <= extent depth <= depth threshold, > 0");
  }
  const cv::Mat valid = ValidMask(height, mask);
  cv::Mat extent = (height < static_cast<float>(-options.extent_depth_mm)) & valid;
  cv::Mat core = (height < static_cast<float>(-options.depth_threshold_mm)) & valid;
  // Grooves narrower than min_width_mm (wrinkles) are not scars: a morphological opening with a
  // disc of that diameter removes them from both masks, so they neither seed nor join scars.
  const int disc_px = static_cast<int>(std::lround(options.min_width_mm * px_per_mm));
  if (disc_px >= 2) {
    const cv::Mat disc =
        cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(disc_px | 1, disc_px | 1));
    cv::morphologyEx(core, core, cv::MORPH_OPEN, disc);
    cv::morphologyEx(extent, extent, cv::MORPH_OPEN, disc);
    extent |= core;
  }
  // Each scar is seeded by a connected core (deeper than the threshold) and grows through the
  // extent mask breadth-first from all seeds at once, so two scars joined by a shallow bridge
  // (skin texture dipping below the extent depth) are split where their fronts meet.
  cv::Mat labels;
  cv::Mat stats;
  cv::Mat centroids;
  const int components = cv::connectedComponents(core, labels, 8, CV_32S);
  {
    std::vector<cv::Point> frontier;
    for (int y = 0; y < labels.rows; ++y) {
      const int* l = labels.ptr<int>(y);
      for (int x = 0; x < labels.cols; ++x) {
        if (l[x] != 0) frontier.emplace_back(x, y);
      }
    }
    std::vector<cv::Point> next;
    while (!frontier.empty()) {
      next.clear();
      for (const cv::Point& pt : frontier) {
        const int label = labels.at<int>(pt);
        for (int dy = -1; dy <= 1; ++dy) {
          for (int dx = -1; dx <= 1; ++dx) {
            const cv::Point n(pt.x + dx, pt.y + dy);
            if (n.x < 0 || n.y < 0 || n.x >= labels.cols || n.y >= labels.rows) continue;
            if (extent.at<std::uint8_t>(n) == 0 || labels.at<int>(n) != 0) continue;
            labels.at<int>(n) = label;
            next.push_back(n);
          }
        }
      }
      frontier.swap(next);
    }
  }
  // Centroids and bounding boxes of the grown regions.
  stats = cv::Mat::zeros(components, 5, CV_32S);
  centroids = cv::Mat::zeros(components, 2, CV_64F);
  {
    std::vector<int> x0(components, labels.cols), y0(components, labels.rows), x1(components, -1),
        y1(components, -1);
    std::vector<double> sx(components, 0), sy(components, 0), n(components, 0);
    for (int y = 0; y < labels.rows; ++y) {
      const int* l = labels.ptr<int>(y);
      for (int x = 0; x < labels.cols; ++x) {
        const auto i = static_cast<std::size_t>(l[x]);
        if (i == 0) continue;
        x0[i] = std::min(x0[i], x);
        y0[i] = std::min(y0[i], y);
        x1[i] = std::max(x1[i], x);
        y1[i] = std::max(y1[i], y);
        sx[i] += x;
        sy[i] += y;
        n[i] += 1;
      }
    }
    for (int i = 1; i < components; ++i) {
      const auto k = static_cast<std::size_t>(i);
      if (n[k] == 0) continue;
      stats.at<int>(i, cv::CC_STAT_LEFT) = x0[k];
      stats.at<int>(i, cv::CC_STAT_TOP) = y0[k];
      stats.at<int>(i, cv::CC_STAT_WIDTH) = x1[k] - x0[k] + 1;
      stats.at<int>(i, cv::CC_STAT_HEIGHT) = y1[k] - y0[k] + 1;
      centroids.at<double>(i, 0) = sx[k] / n[k];
      centroids.at<double>(i, 1) = sy[k] / n[k];
    }
  }
  struct Accumulator {
    double depth_sum = 0;
    double depth_max = 0;
    long pixels = 0;
  };
  std::vector<Accumulator> acc(static_cast<std::size_t>(components));
  for (int y = 0; y < height.rows; ++y) {
    const float* z = height.ptr<float>(y);
    const int* l = labels.ptr<int>(y);
    for (int x = 0; x < height.cols; ++x) {
      if (l[x] == 0) continue;
      Accumulator& a = acc[static_cast<std::size_t>(l[x])];
      const double depth = -static_cast<double>(z[x]);
      a.depth_sum += depth;
      a.depth_max = std::max(a.depth_max, depth);
      ++a.pixels;
    }
  }
  const double pixel_area_mm2 = 1.0 / (px_per_mm * px_per_mm);
  ScarSummary summary;
  std::vector<int> item_of_label(static_cast<std::size_t>(components), 0);
  for (int label = 1; label < components; ++label) {
    const Accumulator& a = acc[static_cast<std::size_t>(label)];
    const double area_mm2 = static_cast<double>(a.pixels) * pixel_area_mm2;
    if (a.pixels == 0 || a.depth_max < options.depth_threshold_mm ||
        area_mm2 < options.min_area_mm2) {
      continue;
    }
    SurfaceScar scar;
    scar.area_mm2 = area_mm2;
    scar.width_mm = 2.0 * std::sqrt(area_mm2 / CV_PI);
    scar.depth_mean_mm = a.depth_sum / static_cast<double>(a.pixels);
    scar.depth_max_mm = a.depth_max;
    scar.volume_mm3 = a.depth_sum * pixel_area_mm2;
    scar.centroid_px = {centroids.at<double>(label, 0), centroids.at<double>(label, 1)};
    scar.bbox_px = cv::Rect(stats.at<int>(label, cv::CC_STAT_LEFT),
                            stats.at<int>(label, cv::CC_STAT_TOP),
                            stats.at<int>(label, cv::CC_STAT_WIDTH),
                            stats.at<int>(label, cv::CC_STAT_HEIGHT));
    summary.items.push_back(scar);
    item_of_label[static_cast<std::size_t>(label)] = static_cast<int>(summary.items.size());
  }
  // Profile shape for the icepick/boxcar overlap: share of the area deeper than half the maximum.
  std::vector<long> deep_pixels(summary.items.size(), 0);
  summary.labels = cv::Mat::zeros(height.size(), CV_32SC1);
  for (int y = 0; y < height.rows; ++y) {
    const float* z = height.ptr<float>(y);
    const int* l = labels.ptr<int>(y);
    int* out = summary.labels.ptr<int>(y);
    for (int x = 0; x < height.cols; ++x) {
      const int item = item_of_label[static_cast<std::size_t>(l[x])];
      out[x] = item;
      if (item == 0) continue;
      const SurfaceScar& scar = summary.items[static_cast<std::size_t>(item - 1)];
      if (-z[x] > 0.5 * scar.depth_max_mm) ++deep_pixels[static_cast<std::size_t>(item - 1)];
    }
  }
  long analysed_pixels = cv::countNonZero(valid);
  for (std::size_t i = 0; i < summary.items.size(); ++i) {
    SurfaceScar& scar = summary.items[i];
    const double flat_fraction = static_cast<double>(deep_pixels[i]) /
                                 (scar.area_mm2 / pixel_area_mm2);
    if (scar.width_mm > options.rolling_min_width_mm) {
      scar.type = ScarType::kRolling;
    } else if (scar.width_mm < options.boxcar_min_width_mm) {
      scar.type = ScarType::kIcepick;
    } else if (scar.width_mm < options.icepick_max_width_mm) {
      scar.type = flat_fraction > 0.5 ? ScarType::kBoxcar : ScarType::kIcepick;
    } else {
      scar.type = ScarType::kBoxcar;
    }
    summary.area_mm2 += scar.area_mm2;
    summary.volume_mm3 += scar.volume_mm3;
    summary.depth_max_mm = std::max(summary.depth_max_mm, scar.depth_max_mm);
  }
  summary.count = static_cast<int>(summary.items.size());
  summary.depth_mean_mm = summary.area_mm2 > 0 ? summary.volume_mm3 / summary.area_mm2 : 0.0;
  summary.area_pct = analysed_pixels > 0
                         ? 100.0 * summary.area_mm2 /
                               (static_cast<double>(analysed_pixels) * pixel_area_mm2)
                         : 0.0;
  return summary;
}

Result<SurfaceMetrics> AnalyseHeightMap(const cv::Mat& height_mm, double px_per_mm,
                                        const SurfaceAnalysisOptions& options) {
  SKT_ASSIGN_OR_RETURN(cv::Mat height, CheckHeight(height_mm, px_per_mm, options.mask));
  const cv::Mat valid = ValidMask(height, options.mask);
  height.setTo(0, valid == 0);
  // kNone keeps the map's own zero as the reference level for scars (a levelled map from
  // `skintrack surface` has the intact skin at 0); ISO 25178 takes heights from the mean anyway.
  cv::Mat levelled = height;
  if (options.form.method != FormRemovalMethod::kNone) {
    SKT_ASSIGN_OR_RETURN(levelled, RemoveForm(height, px_per_mm, options.form, valid));
  }
  levelled.setTo(std::numeric_limits<float>::quiet_NaN(), valid == 0);
  SurfaceMetrics metrics;
  SKT_ASSIGN_OR_RETURN(metrics.iso25178, ComputeIso25178(levelled, px_per_mm));
  SKT_ASSIGN_OR_RETURN(metrics.scars, FindScars(levelled, px_per_mm, options.scars));
  metrics.analysed_area_mm2 =
      static_cast<double>(cv::countNonZero(valid)) / (px_per_mm * px_per_mm);
  return metrics;
}

nlohmann::json SurfaceMetricsToJson(const SurfaceMetrics& metrics) {
  const Iso25178Parameters& iso = metrics.iso25178;
  nlohmann::json items = nlohmann::json::array();
  for (const SurfaceScar& scar : metrics.scars.items) {
    items.push_back({{"type", ScarTypeName(scar.type)},
                     {"centroid_px", {scar.centroid_px.x, scar.centroid_px.y}},
                     {"bbox_px", {scar.bbox_px.x, scar.bbox_px.y, scar.bbox_px.width,
                                  scar.bbox_px.height}},
                     {"area_mm2", scar.area_mm2},
                     {"width_mm", scar.width_mm},
                     {"depth_mean_mm", scar.depth_mean_mm},
                     {"depth_max_mm", scar.depth_max_mm},
                     {"volume_mm3", scar.volume_mm3}});
  }
  return {{"iso25178",
           {{"sa_um", iso.sa_um}, {"sq_um", iso.sq_um}, {"ssk", iso.ssk}, {"sku", iso.sku},
            {"sp_um", iso.sp_um}, {"sv_um", iso.sv_um}, {"sz_um", iso.sz_um},
            {"sdr_pct", iso.sdr_pct}}},
          {"scars",
           {{"count", metrics.scars.count}, {"area_mm2", metrics.scars.area_mm2},
            {"area_pct", metrics.scars.area_pct}, {"depth_mean_mm", metrics.scars.depth_mean_mm},
            {"depth_max_mm", metrics.scars.depth_max_mm},
            {"volume_mm3", metrics.scars.volume_mm3}, {"items", items}}},
          {"analysed_area_mm2", metrics.analysed_area_mm2}};
}

}  // namespace skintrack::core
