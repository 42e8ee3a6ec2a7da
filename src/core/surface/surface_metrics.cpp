#include "core/surface/surface_metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "core/base/check.h"

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

// Depression basins by flooding (Meyer 1991; Vincent & Soille 1991, IEEE PAMI 13:583) with a
// dynamics criterion (Grimaud 1992, SPIE 1769:292): the extent pixels are visited from the deepest
// up and joined to their visited neighbours with a union-find. Where two basins meet, the
// shallower one stays separate only if it reaches deeper than the depth threshold and the ridge
// rises above its floor by more than split_rise_fraction of its depth; otherwise (texture dips, a
// shallow groove running into a scar, the uneven floor of one scar) it becomes part of the deeper
// one. Returns the separate basins that reach the depth threshold, deepest first; `owner` (shared
// by all) labels each extent pixel with basin index + 1 (0: none).
struct Basin {
  float min_z = 0;
  cv::Point deepest;
  cv::Mat owner;
};

int FindRoot(std::vector<int>& parent, int i) {
  while (parent[static_cast<std::size_t>(i)] != i) {
    const auto k = static_cast<std::size_t>(i);
    parent[k] = parent[static_cast<std::size_t>(parent[k])];  // path halving
    i = parent[k];
  }
  return i;
}

std::vector<Basin> FloodBasins(const cv::Mat& height, const cv::Mat& extent,
                               const SurfaceScarOptions& options) {
  const int cols = height.cols;
  std::vector<int> order;
  for (int y = 0; y < height.rows; ++y) {
    const std::uint8_t* e = extent.ptr<std::uint8_t>(y);
    for (int x = 0; x < cols; ++x) {
      if (e[x] != 0) order.push_back(y * cols + x);
    }
  }
  const auto* z = reinterpret_cast<const float*>(height.data);
  SKT_CHECK(height.isContinuous());
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return z[static_cast<std::size_t>(a)] < z[static_cast<std::size_t>(b)];
  });
  std::vector<int> parent(height.total(), -1);  // -1: not visited
  const double threshold = options.depth_threshold_mm;
  auto significant = [&](int root, float saddle_z) {
    const double floor_z = z[static_cast<std::size_t>(root)];  // a root is its basin's deepest
    const double depth = -floor_z;
    return depth >= threshold && saddle_z - floor_z > options.split_rise_fraction * depth;
  };
  std::vector<int> roots;
  for (const int i : order) {
    const int x = i % cols, y = i / cols;
    roots.clear();
    for (int dy = -1; dy <= 1; ++dy) {
      for (int dx = -1; dx <= 1; ++dx) {
        if ((dx == 0 && dy == 0) || x + dx < 0 || x + dx >= cols || y + dy < 0 ||
            y + dy >= height.rows) {
          continue;
        }
        const int n = i + dy * cols + dx;
        if (parent[static_cast<std::size_t>(n)] < 0) continue;
        const int r = FindRoot(parent, n);
        if (std::find(roots.begin(), roots.end(), r) == roots.end()) roots.push_back(r);
      }
    }
    const auto k = static_cast<std::size_t>(i);
    if (roots.empty()) {
      parent[k] = i;
      continue;
    }
    // The deepest neighbouring basin absorbs the others unless they are separate scars.
    const int deepest = *std::min_element(roots.begin(), roots.end(), [&](int a, int b) {
      return z[static_cast<std::size_t>(a)] < z[static_cast<std::size_t>(b)];
    });
    for (const int r : roots) {
      if (r != deepest && !significant(r, z[k])) parent[static_cast<std::size_t>(r)] = deepest;
    }
    parent[k] = deepest;
  }
  // Basins that reach the depth threshold, deepest first.
  std::vector<int> basin_roots;
  for (const int i : order) {
    if (parent[static_cast<std::size_t>(i)] == i && -z[static_cast<std::size_t>(i)] >= threshold) {
      basin_roots.push_back(i);
    }
  }
  cv::Mat owner = cv::Mat::zeros(height.size(), CV_32SC1);
  std::vector<Basin> basins;
  {
    std::vector<int> label(height.total(), 0);
    for (std::size_t b = 0; b < basin_roots.size(); ++b) {
      label[static_cast<std::size_t>(basin_roots[b])] = static_cast<int>(b) + 1;
    }
    auto* out = reinterpret_cast<int*>(owner.data);
    for (const int i : order) {
      out[i] = label[static_cast<std::size_t>(FindRoot(parent, i))];
    }
  }
  for (const int root : basin_roots) {
    Basin basin;
    basin.min_z = z[static_cast<std::size_t>(root)];
    basin.deepest = cv::Point(root % cols, root / cols);
    basin.owner = owner;
    basins.push_back(basin);
  }
  return basins;
}

// Running maximum (or minimum) over windows of 2 radius + 1 along each row, in O(1) per pixel
// (van Herk 1992, Pattern Recognit Lett 13:517; Gil & Werman 1993, IEEE PAMI 15:504). Values
// beyond the row ends count as `outside`.
void RowRunningExtremum(cv::Mat& image, int radius, bool maximum) {
  const int k = 2 * radius + 1;
  const float outside = maximum ? -std::numeric_limits<float>::max()
                                : std::numeric_limits<float>::max();
  const int n = image.cols + 2 * radius;
  const int padded = (n + k - 1) / k * k;
  std::vector<float> f(static_cast<std::size_t>(padded)), g(f.size()), h(f.size());
  auto pick = [maximum](float a, float b) { return maximum ? std::max(a, b) : std::min(a, b); };
  for (int y = 0; y < image.rows; ++y) {
    float* row = image.ptr<float>(y);
    std::fill(f.begin(), f.end(), outside);
    std::copy(row, row + image.cols, f.begin() + radius);
    for (int start = 0; start < padded; start += k) {
      const auto s = static_cast<std::size_t>(start);
      g[s] = f[s];
      for (std::size_t j = s + 1; j < s + static_cast<std::size_t>(k); ++j) g[j] = pick(g[j - 1], f[j]);
      const std::size_t last = s + static_cast<std::size_t>(k) - 1;
      h[last] = f[last];
      for (std::size_t j = last; j-- > s;) h[j] = pick(h[j + 1], f[j]);
    }
    for (int x = 0; x < image.cols; ++x) {
      // Window [x, x + k - 1] in padded coordinates = [x - radius, x + radius] in the row.
      const auto a = static_cast<std::size_t>(x);
      row[x] = pick(h[a], g[a + static_cast<std::size_t>(k) - 1]);
    }
  }
}

// The level of a straightedge of `length_px` laid across each pixel: the morphological closing of
// the height with a line segment (dilation then erosion), at `directions` angles over 180 degrees,
// and the lowest of them. Over a compact depression narrower than the straightedge every
// direction bridges it from rim to rim; along a groove (a wrinkle) the edge lies in the groove, so
// grooves, and grooves crossing a scar, are part of the reference and not of the scar. This is the
// minimum of linear closings used to keep round dark spots and drop elongated ones (Spencer et al.
// 1996, Comput Biomed Res 29:284; Zana & Klein 2001, IEEE TIP 10:1010). Pixels that are NaN
// (invalid) are ignored; segments may hang out of the image by up to half their length. NaN where
// no direction reaches.
cv::Mat LineClosingMinimum(const cv::Mat& local, double length_px, int directions) {
  const int radius = std::max(1, static_cast<int>(std::lround(length_px / 2)));
  const int side = static_cast<int>(std::ceil(std::hypot(local.cols, local.rows))) + 2;
  const cv::Point2d local_centre((local.cols - 1) / 2.0, (local.rows - 1) / 2.0);
  const cv::Point2d canvas_centre((side - 1) / 2.0, (side - 1) / 2.0);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  cv::Mat best(local.size(), CV_32FC1, cv::Scalar(nan));
  for (int d = 0; d < directions; ++d) {
    const double angle_deg = 180.0 * d / directions;
    cv::Mat forward = cv::getRotationMatrix2D(cv::Point2f(local_centre), angle_deg, 1.0);
    forward.at<double>(0, 2) += canvas_centre.x - local_centre.x;
    forward.at<double>(1, 2) += canvas_centre.y - local_centre.y;
    cv::Mat rotated;
    cv::warpAffine(local, rotated, forward, cv::Size(side, side), cv::INTER_LINEAR,
                   cv::BORDER_CONSTANT, cv::Scalar(nan));
    const cv::Mat invalid = rotated != rotated;
    rotated.setTo(-std::numeric_limits<float>::max(), invalid);
    RowRunningExtremum(rotated, radius, true);
    rotated.setTo(std::numeric_limits<float>::max(), invalid);
    RowRunningExtremum(rotated, radius, false);
    rotated.setTo(nan, invalid);
    cv::Mat back;
    cv::warpAffine(rotated, back, forward, local.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                   cv::BORDER_CONSTANT, cv::Scalar(nan));
    for (int y = 0; y < best.rows; ++y) {
      float* b = best.ptr<float>(y);
      const float* v = back.ptr<float>(y);
      for (int x = 0; x < best.cols; ++x) {
        if (v[x] == v[x] && !(b[x] <= v[x])) b[x] = v[x];
      }
    }
  }
  return best;
}

// The straightedge rests on the skin smoothed with a Gaussian of `smooth_px` (so on its local
// mean level, not on single texture peaks), computed on a grid reduced by floor(smooth_px) (the
// smoothing removes what the coarser grid could not hold), and interpolated back.
cv::Mat StraightedgeReference(const cv::Mat& local, double length_px, int directions,
                              double smooth_px) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const cv::Mat valid = local == local;
  cv::Mat smoothed = local.clone();
  if (smooth_px > 0) {
    // Normalised convolution: invalid pixels neither contribute nor pull the mean to 0.
    cv::Mat filled = local.clone(), weight;
    filled.setTo(0, ~valid);
    valid.convertTo(weight, CV_32F, 1.0 / 255);
    cv::GaussianBlur(filled, filled, cv::Size(), smooth_px, smooth_px, cv::BORDER_REFLECT);
    cv::GaussianBlur(weight, weight, cv::Size(), smooth_px, smooth_px, cv::BORDER_REFLECT);
    smoothed = filled / cv::max(weight, 1e-6F);
    smoothed.setTo(nan, (weight < 0.5F) | ~valid);
  }
  const int factor = std::max(1, static_cast<int>(smooth_px));
  cv::Mat reference;
  if (factor == 1) {
    reference = LineClosingMinimum(smoothed, length_px, directions);
  } else {
    cv::Mat reduced;
    cv::resize(smoothed, reduced,
               cv::Size((local.cols + factor - 1) / factor, (local.rows + factor - 1) / factor), 0,
               0, cv::INTER_AREA);
    const cv::Mat closed = LineClosingMinimum(reduced, length_px / factor, directions);
    cv::resize(closed, reference, local.size(), 0, 0, cv::INTER_LINEAR);
  }
  // Interpolation can dip a hair below the smoothed skin; the edge never lies below it.
  reference = cv::max(reference, smoothed);
  reference.setTo(nan, ~valid);
  return reference;
}

// The 8-connected region of pixels with depth > `min_depth` (and `allowed`) that contains `seed`;
// empty when the seed itself does not qualify.
cv::Mat GrowRegion(const cv::Mat& depth, const cv::Mat& allowed, cv::Point seed, double min_depth) {
  cv::Mat region = cv::Mat::zeros(depth.size(), CV_8UC1);
  auto ok = [&](cv::Point p) {
    const float d = depth.at<float>(p);
    return allowed.at<std::uint8_t>(p) != 0 && d == d && d > min_depth &&
           region.at<std::uint8_t>(p) == 0;
  };
  if (!ok(seed)) return cv::Mat();
  std::vector<cv::Point> stack{seed};
  region.at<std::uint8_t>(seed) = 255;
  while (!stack.empty()) {
    const cv::Point p = stack.back();
    stack.pop_back();
    for (int dy = -1; dy <= 1; ++dy) {
      for (int dx = -1; dx <= 1; ++dx) {
        const cv::Point n(p.x + dx, p.y + dy);
        if (n.x < 0 || n.y < 0 || n.x >= depth.cols || n.y >= depth.rows || !ok(n)) continue;
        region.at<std::uint8_t>(n) = 255;
        stack.push_back(n);
      }
    }
  }
  return region;
}

// Median of `values` over a ring `width_px` wide just outside `region` (pixels in `usable`); 0
// when the ring is empty.
double RingMedian(const cv::Mat& values, const cv::Mat& region, const cv::Mat& usable,
                  double width_px) {
  cv::Mat outside = region == 0;
  cv::Mat distance;
  cv::distanceTransform(outside, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE);
  std::vector<float> ring;
  for (int y = 0; y < values.rows; ++y) {
    const float* d = distance.ptr<float>(y);
    const float* v = values.ptr<float>(y);
    const std::uint8_t* u = usable.ptr<std::uint8_t>(y);
    for (int x = 0; x < values.cols; ++x) {
      if (u[x] != 0 && d[x] > 1.5F && d[x] <= 1.5F + width_px && v[x] == v[x]) ring.push_back(v[x]);
    }
  }
  if (ring.empty()) return 0.0;
  auto mid = ring.begin() + static_cast<std::ptrdiff_t>(ring.size() / 2);
  std::nth_element(ring.begin(), mid, ring.end());
  return *mid;
}

// The level of the skin under each pixel of `pixels`, from short straightedges laid across the
// scar's footprint `footprint` at `directions` angles: along each direction, the median height of
// the first `band_px` usable pixels beyond the footprint on either side (within `reach_px` of the
// pixel), and the straight line through those two points evaluated at the pixel; the lowest over
// the directions. The long straightedge (LineClosingMinimum) laid along a curved wrinkle rests on
// the groove's high points millimetres away; this one meets the groove where it enters and leaves
// the scar, and the median over the band takes texture peaks and dips alike. NaN where no
// direction has skin on both sides.
cv::Mat BridgeLevel(const cv::Mat& height, const cv::Mat& pixels, const cv::Mat& footprint,
                    const cv::Mat& usable, int directions, double reach_px, double band_px) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  cv::Mat level(height.size(), CV_32FC1, cv::Scalar(nan));
  const int reach = static_cast<int>(std::lround(reach_px));
  const int band = std::max(1, static_cast<int>(std::lround(band_px)));
  std::vector<float> samples;
  for (int y = 0; y < pixels.rows; ++y) {
    const std::uint8_t* r = pixels.ptr<std::uint8_t>(y);
    for (int x = 0; x < pixels.cols; ++x) {
      if (r[x] == 0) continue;
      float best = nan;
      for (int d = 0; d < directions; ++d) {
        const double angle = CV_PI * d / directions;
        const double ux = std::cos(angle), uy = std::sin(angle);
        double side_z[2] = {0, 0}, side_s[2] = {0, 0};
        bool ok = true;
        for (int k = 0; k < 2 && ok; ++k) {
          const double sign = k == 0 ? -1.0 : 1.0;
          samples.clear();
          double dist_sum = 0;
          for (int step = 1; step <= reach && static_cast<int>(samples.size()) < band; ++step) {
            const int px = static_cast<int>(std::lround(x + sign * step * ux));
            const int py = static_cast<int>(std::lround(y + sign * step * uy));
            if (px < 0 || py < 0 || px >= height.cols || py >= height.rows) break;
            if (footprint.at<std::uint8_t>(py, px) != 0) {
              if (samples.empty()) continue;
              break;
            }
            const float v = height.at<float>(py, px);
            if (usable.at<std::uint8_t>(py, px) == 0 || v != v) break;
            samples.push_back(v);
            dist_sum += step;
          }
          if (samples.empty()) {
            ok = false;
            break;
          }
          auto mid = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
          std::nth_element(samples.begin(), mid, samples.end());
          side_z[k] = *mid;
          side_s[k] = dist_sum / static_cast<double>(samples.size());
        }
        if (!ok) continue;
        const float z = static_cast<float>((side_z[0] * side_s[1] + side_z[1] * side_s[0]) /
                                           (side_s[0] + side_s[1]));
        if (!(best <= z)) best = z;
      }
      level.at<float>(y, x) = best;
    }
  }
  return level;
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
  if (!(options.split_rise_fraction >= 0) || options.straightedge_directions < 0 ||
      !(options.straightedge_factor >= 1) || !(options.straightedge_margin_mm >= 0) ||
      !(options.straightedge_smoothing_mm >= 0)) {
    return UsageError("scar options: split_rise_fraction >= 0, straightedge_directions >= 0, "
                      "straightedge_factor >= 1, straightedge_margin_mm >= 0 and "
                      "straightedge_smoothing_mm >= 0");
  }
  const cv::Mat valid = ValidMask(height, mask);
  cv::Mat extent = (height < static_cast<float>(-options.extent_depth_mm)) & valid;
  // Grooves narrower than min_width_mm are not scars: a morphological opening with a disc of that
  // diameter removes them from the extent, so they neither seed nor join scars.
  const int disc_px = static_cast<int>(std::lround(options.min_width_mm * px_per_mm));
  if (disc_px >= 2) {
    const cv::Mat disc =
        cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(disc_px | 1, disc_px | 1));
    cv::morphologyEx(extent, extent, cv::MORPH_OPEN, disc);
  }
  const std::vector<Basin> basins = FloodBasins(height, extent, options);
  const cv::Mat owner = basins.empty() ? cv::Mat() : basins.front().owner;

  const double pixel_area_mm2 = 1.0 / (px_per_mm * px_per_mm);
  ScarSummary summary;
  summary.labels = cv::Mat::zeros(height.size(), CV_32SC1);
  std::vector<double> flat_fractions;
  for (std::size_t b = 0; b < basins.size(); ++b) {
    const Basin& basin = basins[b];
    const int basin_label = static_cast<int>(b) + 1;
    // Size of the scar from its own half-depth core (robust to grooves running into it, which are
    // shallower than half a scar's depth unless the scar is barely a scar).
    const cv::Mat core = (height < static_cast<float>(0.5 * basin.min_z)) & (owner == basin_label);
    const cv::Rect core_box = cv::boundingRect(core);
    const double core_diameter_px =
        2.0 * std::sqrt(static_cast<double>(cv::countNonZero(core)) / CV_PI);
    const double length_px =
        options.straightedge_factor * core_diameter_px + options.straightedge_margin_mm * px_per_mm;
    const int reach = static_cast<int>(std::ceil(length_px + core_diameter_px));
    // Every straightedge through the scar fits in the window, and so does the whole basin.
    const cv::Rect window =
        (cv::Rect(core_box.x - reach, core_box.y - reach, core_box.width + 2 * reach,
                  core_box.height + 2 * reach) |
         cv::boundingRect(owner == basin_label)) &
        cv::Rect(0, 0, height.cols, height.rows);
    cv::Mat local = height(window).clone();
    local.setTo(std::numeric_limits<float>::quiet_NaN(), valid(window) == 0);
    const bool straightedge = options.straightedge_directions > 0;
    cv::Mat reference = cv::Mat::zeros(local.size(), CV_32FC1);  // without: the level z = 0
    if (straightedge) {
      reference = StraightedgeReference(local, length_px, options.straightedge_directions,
                                        options.straightedge_smoothing_mm * px_per_mm);
    }
    // Allowed pixels: this basin's, or nobody's (shallow skin around it), not yet in a scar.
    const cv::Mat owner_local = owner(window);
    const cv::Mat allowed = ((owner_local == basin_label) | (owner_local == 0)) &
                            (summary.labels(window) == 0) & (valid(window) != 0);
    const cv::Point seed = basin.deepest - window.tl();
    // The straightedge rests on the highest points of the skin around; the skin's own level is
    // lower by the median gap between the straightedge and the skin in a ring around the scar.
    cv::Mat depth = reference - local;
    cv::Mat region = GrowRegion(depth, allowed, seed, options.extent_depth_mm);
    if (region.empty()) continue;
    if (straightedge) {
      depth -= RingMedian(depth, region, allowed, std::max(3.0, 0.3 * px_per_mm));
      region = GrowRegion(depth, allowed, seed, options.extent_depth_mm);
      if (region.empty()) continue;
    }

    // Maximum depth: over the half-depth core, below the skin where it meets the scar
    // (BridgeLevel: short straightedges from rim to rim, sampled over a ring-wide band) rather
    // than below the long straightedge, which along a wrinkle crossing the scar rests on the
    // groove's high points. The footprint is the core widened by the core's radius (the rim of an
    // icepick, boxcar or rolling profile lies within it). Area, mean depth and volume keep the
    // long straightedge's reference.
    double bridge_max = -1;
    if (straightedge) {
      const cv::Mat core_local = core(window) & region;
      cv::Mat outside_core = core(window) == 0, distance;
      cv::distanceTransform(outside_core, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE);
      const cv::Mat footprint = distance <= static_cast<float>(core_diameter_px / 2);
      const cv::Mat level =
          BridgeLevel(local, core_local, footprint, allowed, options.straightedge_directions,
                      length_px / 2, std::max(3.0, 0.3 * px_per_mm));
      for (int y = 0; y < core_local.rows; ++y) {
        const std::uint8_t* c = core_local.ptr<std::uint8_t>(y);
        const float* l = level.ptr<float>(y);
        const float* z = local.ptr<float>(y);
        for (int x = 0; x < core_local.cols; ++x) {
          if (c[x] != 0 && l[x] == l[x]) bridge_max = std::max(bridge_max, double{l[x] - z[x]});
        }
      }
    }
    double depth_sum = 0, depth_max = 0, sx = 0, sy = 0;
    long pixels = 0;
    for (int y = 0; y < region.rows; ++y) {
      const std::uint8_t* r = region.ptr<std::uint8_t>(y);
      const float* d = depth.ptr<float>(y);
      for (int x = 0; x < region.cols; ++x) {
        if (r[x] == 0) continue;
        depth_sum += d[x];
        depth_max = std::max(depth_max, static_cast<double>(d[x]));
        sx += x;
        sy += y;
        ++pixels;
      }
    }
    if (bridge_max >= 0) depth_max = bridge_max;
    const double area_mm2 = static_cast<double>(pixels) * pixel_area_mm2;
    if (pixels == 0 || depth_max < options.depth_threshold_mm || area_mm2 < options.min_area_mm2) {
      continue;
    }
    long deep_pixels = 0;
    for (int y = 0; y < region.rows; ++y) {
      const std::uint8_t* r = region.ptr<std::uint8_t>(y);
      const float* d = depth.ptr<float>(y);
      for (int x = 0; x < region.cols; ++x) {
        if (r[x] != 0 && d[x] > 0.5 * depth_max) ++deep_pixels;
      }
    }
    SurfaceScar scar;
    scar.area_mm2 = area_mm2;
    scar.width_mm = 2.0 * std::sqrt(area_mm2 / CV_PI);
    scar.depth_mean_mm = depth_sum / static_cast<double>(pixels);
    scar.depth_max_mm = depth_max;
    scar.volume_mm3 = depth_sum * pixel_area_mm2;
    scar.centroid_px = {window.x + sx / static_cast<double>(pixels),
                        window.y + sy / static_cast<double>(pixels)};
    const cv::Rect box = cv::boundingRect(region);
    scar.bbox_px = box + window.tl();
    summary.items.push_back(scar);
    flat_fractions.push_back(static_cast<double>(deep_pixels) / static_cast<double>(pixels));
    summary.labels(window).setTo(static_cast<int>(summary.items.size()), region);
  }

  const long analysed_pixels = cv::countNonZero(valid);
  for (std::size_t i = 0; i < summary.items.size(); ++i) {
    SurfaceScar& scar = summary.items[i];
    if (scar.width_mm > options.rolling_min_width_mm) {
      scar.type = ScarType::kRolling;
    } else if (scar.width_mm < options.boxcar_min_width_mm) {
      scar.type = ScarType::kIcepick;
    } else if (scar.width_mm < options.icepick_max_width_mm) {
      // Overlap of the classes: a flat floor (more than half the area deeper than half the
      // maximum depth) is boxcar, a tapering profile icepick.
      scar.type = flat_fractions[i] > 0.5 ? ScarType::kBoxcar : ScarType::kIcepick;
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
