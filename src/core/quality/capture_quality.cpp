#include "core/quality/capture_quality.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "core/base/check.h"
#include "core/base/resize.h"
#include "core/color/srgb.h"

namespace skintrack::core {
namespace {

std::string Format(const char* fmt, double a, double b) {
  char buffer[256];
  std::snprintf(buffer, sizeof(buffer), fmt, a, b);
  return buffer;
}

// The working copy every measure is taken on: 8-bit, long side at most kQualityWorkingSize.
cv::Mat WorkingCopy(const cv::Mat& bgr) {
  cv::Mat source = bgr;
  if (bgr.depth() == CV_16U) bgr.convertTo(source, CV_8UC3, 1.0 / 257.0);
  const double scale =
      std::min(1.0, static_cast<double>(kQualityWorkingSize) / std::max(bgr.cols, bgr.rows));
  if (scale >= 1.0) return source;
  cv::Mat small8;
  ResizeBy(source, small8, scale, cv::INTER_AREA);
  return small8;
}

// Near-neutral, well-exposed pixels estimate the illuminant colour.
bool NearNeutral(int r, int g, int b) {
  const int max_c = std::max({r, g, b});
  const int min_c = std::min({r, g, b});
  const double saturation = max_c > 0 ? 1.0 - static_cast<double>(min_c) / max_c : 0.0;
  return max_c < 245 && min_c > 25 && saturation < 0.20;
}

// Sums of linear R, G and B over near-neutral pixels, and their number.
struct NeutralSums {
  int count = 0;
  double r = 0, g = 0, b = 0;

  void Add(int r8, int g8, int b8) {
    if (!NearNeutral(r8, g8, b8)) return;
    const auto& lut = SrgbToLinearLut8();
    ++count;
    r += lut[r8];
    g += lut[g8];
    b += lut[b8];
  }
};

// Sets the cast from the sums when at least 1 % of `area` pixels are near-neutral.
void SetColourCast(const NeutralSums& sums, double area, CaptureQuality& q) {
  q.colour_cast_rg.reset();
  q.colour_cast_bg.reset();
  if (sums.count >= 0.01 * area && sums.g > 0) {
    q.colour_cast_rg = sums.r / sums.g;
    q.colour_cast_bg = sums.b / sums.g;
  }
}

std::optional<QualityWarning> ColourCastWarning(const CaptureQuality& q,
                                                const QualityThresholds& thresholds) {
  if (!q.colour_cast_rg || !q.colour_cast_bg) return std::nullopt;
  const double cast =
      std::max(std::abs(std::log(*q.colour_cast_rg)), std::abs(std::log(*q.colour_cast_bg)));
  if (cast <= thresholds.max_colour_cast_log) return std::nullopt;
  return QualityWarning{"colour_cast",
                        Format("neutral areas are tinted (log ratio %.2f > %.2f); set white "
                               "balance or include a colour chart",
                               cast, thresholds.max_colour_cast_log)};
}

}  // namespace

CaptureQuality AssessCaptureQuality(const cv::Mat& bgr, const cv::Mat& mask,
                                    const QualityThresholds& thresholds) {
  SKT_CHECK(bgr.type() == CV_8UC3 || bgr.type() == CV_16UC3) << "type " << bgr.type();
  SKT_CHECK(mask.empty() || (mask.type() == CV_8U && mask.size() == bgr.size()));
  CaptureQuality q;

  const cv::Mat small8 = WorkingCopy(bgr);
  cv::Mat small_mask;
  if (!mask.empty()) {
    cv::resize(mask, small_mask, small8.size(), 0, 0, cv::INTER_NEAREST);
  } else {
    small_mask = cv::Mat(small8.size(), CV_8U, cv::Scalar(255));
  }
  const double area = std::max(1, cv::countNonZero(small_mask));

  cv::Mat grey;
  cv::cvtColor(small8, grey, cv::COLOR_BGR2GRAY);

  // Focus: variance of the Laplacian inside the mask (Pech-Pacheco et al. 2000).
  cv::Mat laplacian;
  cv::Laplacian(grey, laplacian, CV_32F, 3);
  cv::Scalar mean, stddev;
  cv::meanStdDev(laplacian, mean, stddev, small_mask);
  q.focus_laplacian_var = stddev[0] * stddev[0];

  int highlights = 0, shadows = 0, glare = 0, colourless = 0;
  NeutralSums neutral;
  std::vector<int> histogram(256, 0);
  for (int y = 0; y < small8.rows; ++y) {
    const auto* p = small8.ptr<cv::Vec3b>(y);
    const auto* g = grey.ptr<uchar>(y);
    const auto* m = small_mask.ptr<uchar>(y);
    for (int x = 0; x < small8.cols; ++x) {
      if (!m[x]) continue;
      const int b = p[x][0], gg = p[x][1], r = p[x][2];
      const int max_c = std::max({r, gg, b});
      const int min_c = std::min({r, gg, b});
      ++histogram[g[x]];
      if (max_c >= 250) ++highlights;
      // Clipped pixels are white or black whatever the scene; only the others tell a greyscale
      // photo (or one desaturated in editing) from a colour one.
      if (max_c < 250 && max_c > 5 && max_c - min_c <= 2) ++colourless;
      if (g[x] <= 5) ++shadows;
      const double saturation = max_c > 0 ? 1.0 - static_cast<double>(min_c) / max_c : 0.0;
      if (max_c >= 235 && saturation < 0.12) ++glare;
      neutral.Add(r, gg, b);
    }
  }
  q.clipped_highlights_pct = 100.0 * highlights / area;
  q.clipped_shadows_pct = 100.0 * shadows / area;
  q.glare_pct = 100.0 * glare / area;
  q.colourless_pct = 100.0 * colourless / area;
  SetColourCast(neutral, area, q);
  int cumulative = 0;
  for (int v = 0; v < 256; ++v) {
    cumulative += histogram[v];
    if (cumulative * 2 >= area) {
      q.median_luminance = v / 255.0;
      break;
    }
  }

  if (q.focus_laplacian_var < thresholds.min_focus) {
    q.warnings.push_back({"blurry", Format("image looks out of focus (Laplacian variance %.1f < %.1f); "
                                          "refocus or steady the camera",
                                          q.focus_laplacian_var, thresholds.min_focus)});
  }
  if (q.clipped_highlights_pct > thresholds.max_highlights_pct) {
    q.warnings.push_back(
        {"clipped_highlights", Format("%.1f%% of pixels are clipped white (limit %.1f%%); reduce "
                                      "exposure or flash power",
                                      q.clipped_highlights_pct, thresholds.max_highlights_pct)});
  }
  if (q.clipped_shadows_pct > thresholds.max_shadows_pct) {
    q.warnings.push_back(
        {"clipped_shadows", Format("%.1f%% of pixels are clipped black (limit %.1f%%); add light",
                                   q.clipped_shadows_pct, thresholds.max_shadows_pct)});
  }
  if (q.glare_pct > thresholds.max_glare_pct) {
    q.warnings.push_back({"glare", Format("specular glare on %.1f%% of the area (limit %.1f%%); "
                                          "use cross-polarised or diffuse light",
                                          q.glare_pct, thresholds.max_glare_pct)});
  }
  if (auto cast = ColourCastWarning(q, thresholds)) q.warnings.push_back(std::move(*cast));
  if (q.median_luminance < thresholds.min_median_luminance) {
    q.warnings.push_back({"underexposed", Format("image is dark (median luminance %.2f < %.2f); "
                                                 "increase exposure or light",
                                                 q.median_luminance,
                                                 thresholds.min_median_luminance)});
  }
  if (q.colourless_pct > thresholds.max_colourless_pct) {
    q.warnings.push_back(
        {"greyscale", Format("%.0f%% of pixels have no colour (R = G = B; limit %.0f%%): the photo "
                             "is greyscale or desaturated, so redness, pigmentation and ITA are "
                             "not meaningful; use the camera's colour original",
                             q.colourless_pct, thresholds.max_colourless_pct)});
  }
  return q;
}

void MeasureColourCastOutside(const cv::Mat& bgr, const cv::Mat& exclude, CaptureQuality& q,
                              const QualityThresholds& thresholds) {
  SKT_CHECK(bgr.type() == CV_8UC3 || bgr.type() == CV_16UC3) << "type " << bgr.type();
  SKT_CHECK(exclude.empty() || (exclude.type() == CV_8U && exclude.size() == bgr.size()));
  const cv::Mat small8 = WorkingCopy(bgr);
  cv::Mat small_exclude;
  if (!exclude.empty()) cv::resize(exclude, small_exclude, small8.size(), 0, 0, cv::INTER_NEAREST);
  // Only pixels at least as bright as the photo's median brightest channel: a white or grey
  // surface in the light; dark near-neutral pixels beside the skin are more often a greyish lesion,
  // hair or shadow (a seborrhoeic keratosis close-up read as a blue cast from its lesion alone).
  std::vector<int> histogram(256, 0);
  for (int y = 0; y < small8.rows; ++y) {
    const auto* p = small8.ptr<cv::Vec3b>(y);
    for (int x = 0; x < small8.cols; ++x) ++histogram[std::max({p[x][0], p[x][1], p[x][2]})];
  }
  int median = 0;
  for (std::size_t cumulative = 0; median < 255; ++median) {
    cumulative += static_cast<std::size_t>(histogram[static_cast<std::size_t>(median)]);
    if (2 * cumulative >= small8.total()) break;
  }
  NeutralSums neutral;
  for (int y = 0; y < small8.rows; ++y) {
    const auto* p = small8.ptr<cv::Vec3b>(y);
    const uchar* e = small_exclude.empty() ? nullptr : small_exclude.ptr<uchar>(y);
    for (int x = 0; x < small8.cols; ++x) {
      if ((e != nullptr && e[x]) || std::max({p[x][0], p[x][1], p[x][2]}) < median) continue;
      neutral.Add(p[x][2], p[x][1], p[x][0]);
    }
  }
  // At least 1 % of the whole photo: a few neutral pixels left beside a close-up's skin (a
  // highlight's rim, a hair) are no estimate of the light.
  SetColourCast(neutral, static_cast<double>(small8.total()), q);
  auto it = std::find_if(q.warnings.begin(), q.warnings.end(),
                         [](const QualityWarning& w) { return w.code == "colour_cast"; });
  std::optional<QualityWarning> cast = ColourCastWarning(q, thresholds);
  if (it != q.warnings.end()) {
    if (cast) {
      *it = std::move(*cast);
    } else {
      q.warnings.erase(it);
    }
  } else if (cast) {
    // Where AssessCaptureQuality puts it: after the exposure and glare warnings.
    auto at = std::find_if(q.warnings.begin(), q.warnings.end(), [](const QualityWarning& w) {
      return w.code == "underexposed" || w.code == "greyscale";
    });
    q.warnings.insert(at, std::move(*cast));
  }
}

}  // namespace skintrack::core
