#include "core/quality/capture_quality.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "core/base/check.h"
#include "core/base/mask_holes.h"
#include "core/base/resize.h"
#include "core/color/srgb.h"

namespace skintrack::core {
namespace {

// MeasureLightOnSkin: holes of the region up to this share of it are measured with it.
constexpr double kMaxFilledHoleShare = 0.005;

std::string Format(const char* fmt, double a, double b) {
  char buffer[256];
  std::snprintf(buffer, sizeof(buffer), fmt, a, b);
  return buffer;
}

}  // namespace

cv::Mat QualityWorkingCopy(const cv::Mat& bgr) {
  cv::Mat source = bgr;
  if (bgr.depth() == CV_16U) bgr.convertTo(source, CV_8UC3, 1.0 / 257.0);
  const double scale =
      std::min(1.0, static_cast<double>(kQualityWorkingSize) / std::max(bgr.cols, bgr.rows));
  if (scale >= 1.0) return source;
  cv::Mat small8;
  ResizeBy(source, small8, scale, cv::INTER_AREA);
  return small8;
}

namespace {

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

// The clipped-highlight, clipped-shadow and glare warnings of `q`'s shares, in that order; `of`
// names what the shares are of, with its verb ("pixels are", or "the skin measured is").
std::vector<QualityWarning> LightWarnings(const CaptureQuality& q,
                                          const QualityThresholds& thresholds,
                                          const std::string& of) {
  std::vector<QualityWarning> out;
  if (q.clipped_highlights_pct > thresholds.max_highlights_pct) {
    const std::string text =
        "%.1f%% of " + of + " clipped white (limit %.1f%%); reduce exposure or flash power";
    out.push_back({"clipped_highlights",
                   Format(text.c_str(), q.clipped_highlights_pct, thresholds.max_highlights_pct)});
  }
  if (q.clipped_shadows_pct > thresholds.max_shadows_pct) {
    const std::string text = "%.1f%% of " + of + " clipped black (limit %.1f%%); add light";
    out.push_back({"clipped_shadows",
                   Format(text.c_str(), q.clipped_shadows_pct, thresholds.max_shadows_pct)});
  }
  if (q.glare_pct > thresholds.max_glare_pct) {
    out.push_back({"glare", Format("specular glare on %.1f%% of the area (limit %.1f%%); "
                                   "use cross-polarised or diffuse light",
                                   q.glare_pct, thresholds.max_glare_pct)});
  }
  return out;
}

// Whether a pixel of the working copy is clipped white, clipped black (its grey) or glare.
bool ClippedWhite(int max_c) { return max_c >= 250; }
bool ClippedBlack(int grey) { return grey <= 5; }
bool Glare(int max_c, int min_c) {
  const double saturation = max_c > 0 ? 1.0 - static_cast<double>(min_c) / max_c : 0.0;
  return max_c >= 235 && saturation < 0.12;
}

}  // namespace

CaptureQuality AssessCaptureQuality(const cv::Mat& bgr, const cv::Mat& mask,
                                    const QualityThresholds& thresholds) {
  SKT_CHECK(bgr.type() == CV_8UC3 || bgr.type() == CV_16UC3) << "type " << bgr.type();
  SKT_CHECK(mask.empty() || (mask.type() == CV_8U && mask.size() == bgr.size()));
  CaptureQuality q;

  const cv::Mat small8 = QualityWorkingCopy(bgr);
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
      if (ClippedWhite(max_c)) ++highlights;
      // Clipped pixels are white or black whatever the scene; only the others tell a greyscale
      // photo (or one desaturated in editing) from a colour one.
      if (max_c < 250 && max_c > 5 && max_c - min_c <= 2) ++colourless;
      if (ClippedBlack(g[x])) ++shadows;
      if (Glare(max_c, min_c)) ++glare;
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
  for (QualityWarning& w : LightWarnings(q, thresholds, "pixels are"))
    q.warnings.push_back(std::move(w));
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

namespace {

// The colour cast read again over the near-neutral pixels of the working copy outside `region`.
void MeasureColourCastOutside(const cv::Mat& small8, const cv::Mat& region, CaptureQuality& q,
                              const QualityThresholds& thresholds) {
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
    const uchar* e = region.ptr<uchar>(y);
    for (int x = 0; x < small8.cols; ++x) {
      if (e[x] != 0 || std::max({p[x][0], p[x][1], p[x][2]}) < median) continue;
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

// Clipping and glare measured again over the working copy's `skin_region` with its small holes.
void MeasureLightOnSkin(const cv::Mat& small8, const cv::Mat& skin_region, CaptureQuality& q,
                        const QualityThresholds& thresholds) {
  const int skin_px = cv::countNonZero(skin_region);
  if (skin_px == 0) return;
  // The region's small holes go with it: glints and clipped specks are what the skin mask leaves
  // out as too bright or colourless. The large ones (eyes, mouth, brows, a lesion) stay out.
  cv::Mat region = skin_region.clone();
  {
    const MaskHoles holes = FindMaskHoles(region);
    std::vector<uchar> fill(holes.enclosed.size(), 0);
    for (size_t i = 1; i < fill.size(); ++i) {
      fill[i] = holes.enclosed[i] != 0 &&
                holes.Area(static_cast<int>(i)) <= kMaxFilledHoleShare * skin_px;
    }
    for (int y = 0; y < region.rows; ++y) {
      const int* l = holes.labels.ptr<int>(y);
      uchar* r = region.ptr<uchar>(y);
      for (int x = 0; x < region.cols; ++x) {
        if (fill[static_cast<size_t>(l[x])] != 0) r[x] = 255;
      }
    }
  }
  cv::Mat grey;
  cv::cvtColor(small8, grey, cv::COLOR_BGR2GRAY);
  int highlights = 0, shadows = 0, glare = 0;
  for (int y = 0; y < small8.rows; ++y) {
    const auto* p = small8.ptr<cv::Vec3b>(y);
    const uchar* g = grey.ptr<uchar>(y);
    const uchar* r = region.ptr<uchar>(y);
    for (int x = 0; x < small8.cols; ++x) {
      if (r[x] == 0) continue;
      const int max_c = std::max({p[x][0], p[x][1], p[x][2]});
      const int min_c = std::min({p[x][0], p[x][1], p[x][2]});
      if (ClippedWhite(max_c)) ++highlights;
      if (ClippedBlack(g[x])) ++shadows;
      if (Glare(max_c, min_c)) ++glare;
    }
  }
  const double area = cv::countNonZero(region);
  q.clipped_highlights_pct = 100.0 * highlights / area;
  q.clipped_shadows_pct = 100.0 * shadows / area;
  q.glare_pct = 100.0 * glare / area;
  // The whole-photo warnings replaced by the skin's, in the same place.
  std::vector<QualityWarning> on_skin = LightWarnings(q, thresholds, "the skin measured is");
  const auto light = [](const QualityWarning& w) {
    return w.code == "clipped_highlights" || w.code == "clipped_shadows" || w.code == "glare";
  };
  std::erase_if(q.warnings, light);
  const bool blurry = !q.warnings.empty() && q.warnings.front().code == "blurry";
  q.warnings.insert(q.warnings.begin() + (blurry ? 1 : 0), std::make_move_iterator(on_skin.begin()),
                    std::make_move_iterator(on_skin.end()));
}

}  // namespace

void JudgeAgainstRegion(const cv::Mat& bgr, const cv::Mat& region, CaptureQuality& q,
                        const QualityThresholds& thresholds) {
  SKT_CHECK(bgr.type() == CV_8UC3 || bgr.type() == CV_16UC3) << "type " << bgr.type();
  SKT_CHECK(region.type() == CV_8U && !region.empty());
  const cv::Mat small8 = QualityWorkingCopy(bgr);
  cv::Mat small_region;
  cv::resize(region, small_region, small8.size(), 0, 0, cv::INTER_NEAREST);
  small_region = small_region != 0;
  MeasureColourCastOutside(small8, small_region, q, thresholds);
  MeasureLightOnSkin(small8, small_region, q, thresholds);
}

}  // namespace skintrack::core
