#include "core/mask/skin_mask.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "core/base/check.h"
#include "core/base/mask_holes.h"
#include "core/base/order_statistics.h"
#include "core/base/resize.h"
#include "core/color/skin_model.h"
#include "core/color/srgb.h"

namespace skintrack::core {
namespace {

// Broad skin locus in log chromaticity of linear RGB: skin reflects more red than green and more
// green than blue at every tone (melanin and haemoglobin both absorb short wavelengths most).
constexpr float kMinLogRg = 0.10f;
constexpr float kMaxLogRg = 1.40f;
constexpr float kMinLogBg = -1.40f;
constexpr float kMaxLogBg = -0.02f;
constexpr float kMinLuminance = 0.01f;
constexpr float kMaxLuminance = 0.97f;
// Floor on the colour model's standard deviation so a very uniform seed does not reject skin
// that differs by ordinary shading noise.
constexpr double kMinChromaSd = 0.04;
// With a face: skin components are kept when they reach the face box widened by half its width on
// each side and half its height above, and extended 1.5 heights below (neck and chest).
constexpr double kNearFaceSide = 0.5;
constexpr double kNearFaceAbove = 0.5;
constexpr double kNearFaceBelow = 1.5;
// A skin-coloured backdrop (a beige or peach wall, common in clinics) joins the face's skin along
// its outline, and all of it met the face box: a portrait in front of a beige wall was measured as
// 69 % skin, wall included (melanin index 28.9 -> 17.4, pores 56 -> 511). Skin-coloured pixels in
// a band of this share of the working image's long side (at least 2 px) along the top edge, or
// along a side edge above the chin, away from the face's columns (kBackdropFaceMargin face widths
// beside it), are backdrop when they are at least kMinBackdropBandShare of that band.
constexpr double kBackdropBandShare = 0.01;
constexpr double kBackdropFaceMargin = 0.25;
constexpr double kMinBackdropBandShare = 0.05;

// With a face, the colour model's seed is the broad locus within the face's middle band. Where the
// locus holds less than this share of the band, the light has carried the face's colour to the
// locus's edge and the seed is taken from the band itself (FaceBandSeed): under a cool light
// (linear R x 0.75, B x 1.35) `faces/001_03.jpg`'s seed was 41 % of the band, its mask shrank from
// 19.4 to 11.5 % of the photo and its pore count from 56 to 13. The sample photos' faces fill
// 77-100 % of the band (0.36 for the painting `lisa_lisa1`).
constexpr double kMinFaceSeedInLocus = 0.6;
// FaceBandSeed: band pixels within these factors of the band's median luminance (not eyes, brows
// or glints), and within this many robust SDs (1.4826 MAD, at least kMinChromaSd / 2) of its
// median chroma on each axis.
constexpr float kBandSeedDark = 0.6f;
constexpr float kBandSeedBright = 1.6f;
constexpr float kBandSeedSds = 2.5f;

// A photo without a face (a close-up) under a tinted light: the broad locus may hold only part of
// its skin, and the colour model fitted to that part then leaves the rest out. The photo's
// dominant surface (FaceBandSeed over the whole photo: its own level, near its median chroma)
// tells: when it covers at least kMinSurfaceShare of the photo, the skin classified lies mostly
// on it (kMinSkinOnSurface: the same surface, not something else), and yet the skin covers under
// kMinSurfaceAsSkin of it, the model is fitted again to the surface. Measured 2026-12-07 (working
// size): the project's close-ups and lesions, classified from the locus, cover 0.97-1.0 of their
// surface; `lesions/PAT_1286_999_824.png` under a cool light (linear R x 0.75, B x 1.35) covered
// 0.70, and its skin fell from 84.8 to 50.3 % of the photo. The chart scenes' surface (a table
// top) is 10-12 % of the photo.
constexpr double kMinSurfaceShare = 0.3;
constexpr double kMinSkinOnSurface = 0.5;
constexpr double kMinSurfaceAsSkin = 0.9;
// Where the broad locus holds no pixel at all, a photo without a face is still taken as skin under
// a tinted light when its dominant surface covers at least kMinSurfaceAloneShare of it and the
// surface's median chroma lies within the locus widened by kMaxCastLog on every side: a camera's
// white balance that missed by up to a factor e^0.5 = 1.65 in R/G or B/G (a close-up filled with
// skin is what automatic white balance most often gets wrong, pulling the skin towards grey). The
// score then warns `skin_colour_unusual` and `skin_assumed_from_surface`. A blue or green wall
// lies beyond the widened locus. A surface within kMinSurfaceChroma of neutral (its chroma's
// length) is not taken: white paper, a grey wall or a white sheet under a near-neutral light
// cannot be told from skin greyed by a white balance, and the photo is refused as before. The
// tinted sample close-ups that reach this test lie 0.135-0.95 from neutral. Nor is a featureless
// surface: skin shows pores and lines, so the surface's fine luminance texture (the robust SD of
// ln Y less its Gaussian blur of kSurfaceTextureSigmaPx, on the smoothed working copy) must reach
// kMinSurfaceTexture. Measured 2026-12-07 at the working size: the sample close-ups and lesions
// 0.02-0.09 in their middle, the plain studio backdrops of the sample portraits 0.001-0.004.
constexpr double kMinSurfaceAloneShare = 0.5;
constexpr float kMaxCastLog = 0.5f;
constexpr float kMinSurfaceChroma = 0.1f;
constexpr double kSurfaceTextureSigmaPx = 3.0;
constexpr float kMinSurfaceTexture = 0.01f;

// Skin is a region: at the working size, after the smoothing, most seed pixels have all eight
// neighbours in the seed too (0.77-1.0 on the project's face, close-up and lesion photos, 0.29 on a
// colour-chart scene with a hand in it). Random colour noise puts a scatter of single pixels in
// the locus instead (0.008-0.02 for uniform and Gaussian RGB noise), which the colour model then
// widened into half the image. Under this share the photo holds no skin region to model.
constexpr double kMinSeedCoherence = 0.1;

// Skin redder than the seed is still skin: erythema (after a treatment, a flush, rosacea), a red
// lesion and a red patch are what redness measures. A pixel may hold up to this much more
// haemoglobin density (Tsumura c_h, skin_model.h) than the seed's mean before the colour model
// judges the rest of its difference: in log chromaticity haemoglobin moves (ln R/G, ln B/G) by
// (σ_h,G − σ_h,R, σ_h,G − σ_h,B) = (0.385, 0.018) per unit. Without it a red patch on the forehead
// (outside the seed, G attenuated by e^-0.3) left the mask, and the redder it was the less of it
// was measured: the photo's a* fell from 9.0 to 8.7 as the patch grew redder. Saturated reds are
// not skin: an orange suit read 3.4, a red flag stripe 1.7 (with far less melanin than skin, which
// the model still judges).
constexpr double kMaxExtraHemoglobin = 1.5;
// A pigmented patch (melasma, a lentigo, a birthmark) is skin too, but hair and eyebrows differ
// from skin along melanin as well (faces/astronaut.png's hair by 1.3 units, 001_03's brows by 0.3),
// so extra melanin, up to this much, is allowed only in a hole of the skin (skin all round it; hair
// at a hairline meets the background) that is at least kMinHolePigmentShare pigmented and at most
// kMaxPatchElongation times as long as wide (a brow is longer; brows are cleared with the eyes
// too).
constexpr double kMaxExtraMelanin = 1.2;
constexpr double kMinHolePigmentShare = 0.6;
constexpr double kMaxPatchElongation = 2.5;
// A hole that skin surrounds is more likely skin than what the colour model alone would accept:
// it is filled when at least kMinHoleNearShare of it lies within kHoleWidening times the model's
// distance (4.5 σ at the default 3 σ) at skin level. The dim, noisy selfie faces/lisa_lisa1.jpg
// had blotches of colour noise 1-2 cm across on cheek and chin cut out of its mask (3-4.5 σ off).
// Wider settings took in what is not skin to measure: at 6 σ, or with 60 % of the hole, a
// keratosis's yellow crust (lesions/PAT_539_1023_928.png) and a crusted lesion's core
// (PAT_950_1804_64) were filled.
constexpr double kHoleWidening = 1.5;
constexpr double kMinHoleNearShare = 0.8;
// A patch in a hole it does not explain, because the hole runs on into something that is not skin
// (melasma of the upper lip meets the lips once the clean-up's opening takes out the strip of skin
// between them), is filled on its own when skin makes up at least this share of what borders it.
// The part must also be a patch, not a fringe: the blurred edge of any darker region (a crusted
// lesion, the hair) reads as pigmented in a band 2-3 px wide along it, half bordered by skin. Its
// area per border pixel (half the mean thickness; r/2 for a disc) must reach this, in pixels of the
// classification image: fringes on the sample close-ups and portraits read 0.6-1.1, painted
// upper-lip patches 6-7.
constexpr double kMinPatchSkinBorder = 0.5;
constexpr double kMinPatchAreaPerBorderPx = 2.5;
// Such a part may be longer than a whole pigmented hole: melasma of the upper lip is often three
// times as wide as tall. A brow is a hole of its own that pigment explains, judged whole above.
constexpr double kMaxPartElongation = 4.0;

struct Chroma {
  cv::Mat log_rg, log_bg, luminance;
};

Chroma ComputeChroma(const cv::Mat& rgb) {
  Chroma c;
  c.log_rg.create(rgb.size(), CV_32F);
  c.log_bg.create(rgb.size(), CV_32F);
  c.luminance.create(rgb.size(), CV_32F);
  for (int y = 0; y < rgb.rows; ++y) {
    const auto* p = rgb.ptr<cv::Vec3f>(y);
    float* u = c.log_rg.ptr<float>(y);
    float* v = c.log_bg.ptr<float>(y);
    float* l = c.luminance.ptr<float>(y);
    for (int x = 0; x < rgb.cols; ++x) {
      const float r = std::max(p[x][0], 1e-4f);
      const float g = std::max(p[x][1], 1e-4f);
      const float b = std::max(p[x][2], 1e-4f);
      u[x] = std::log(r / g);
      v[x] = std::log(b / g);
      l[x] = 0.2126f * p[x][0] + 0.7152f * p[x][1] + 0.0722f * p[x][2];
    }
  }
  return c;
}

cv::Mat Locus(const Chroma& c) {
  return (c.log_rg >= kMinLogRg) & (c.log_rg <= kMaxLogRg) & (c.log_bg >= kMinLogBg) &
         (c.log_bg <= kMaxLogBg) & (c.luminance >= kMinLuminance) &
         (c.luminance <= kMaxLuminance);
}

cv::Mat KeepLargeComponents(const cv::Mat& mask, double min_area) {
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S);
  cv::Mat out(mask.size(), CV_8U, cv::Scalar(0));
  for (int i = 1; i < n; ++i) {
    if (stats.at<int>(i, cv::CC_STAT_AREA) >= min_area) out.setTo(255, labels == i);
  }
  return out;
}

// The components of `mask` with a pixel inside `area`.
cv::Mat KeepComponentsMeeting(const cv::Mat& mask, const cv::Rect& area) {
  cv::Mat labels;
  const int n = cv::connectedComponents(mask, labels, 8, CV_32S);
  std::vector<uchar> meets(static_cast<size_t>(n), 0);
  for (int y = area.y; y < area.y + area.height; ++y) {
    const int* l = labels.ptr<int>(y);
    for (int x = area.x; x < area.x + area.width; ++x) meets[static_cast<size_t>(l[x])] = 1;
  }
  cv::Mat out(mask.size(), CV_8U, cv::Scalar(0));
  for (int y = 0; y < labels.rows; ++y) {
    const int* l = labels.ptr<int>(y);
    uchar* o = out.ptr<uchar>(y);
    for (int x = 0; x < labels.cols; ++x) {
      o[x] = l[x] != 0 && meets[static_cast<size_t>(l[x])] ? 255 : 0;
    }
  }
  return out;
}

// Whether a region is at most `max_elongation` times as long as it is wide.
bool IsPatchShaped(const std::vector<cv::Point>& points, double max_elongation) {
  const cv::RotatedRect box = cv::minAreaRect(points);
  const double long_side = std::max(box.size.width, box.size.height);
  const double short_side = std::max(1.0f, std::min(box.size.width, box.size.height));
  return long_side <= max_elongation * short_side;
}

// Fills each hole of `skin` (a 4-connected part of what is not skin that does not meet the image's
// edge) that is nearly all `near` skin in colour and level (blotches of colour noise, mild
// discolouration), or mostly `pigmented` and not elongated: a pigmented patch, perhaps with a darker
// core. Eyebrows, the other pigmented holes of a face, are long and thin. In a hole it does not
// explain, a pigmented part (with what it encloses) that is not elongated and that skin mostly
// borders is filled on its own. CV_8U 0/255.
void FillSkinHoles(const cv::Mat& pigmented, const cv::Mat& near, cv::Mat& skin) {
  const MaskHoles holes = FindMaskHoles(skin);
  const cv::Mat& labels = holes.labels;
  const std::vector<uchar>& hole = holes.enclosed;
  const int n = static_cast<int>(hole.size());
  if (n <= 1) return;
  std::vector<int> pigment(static_cast<size_t>(n), 0);
  std::vector<int> near_count(static_cast<size_t>(n), 0);
  std::vector<std::vector<cv::Point>> points(static_cast<size_t>(n));
  for (int y = 0; y < labels.rows; ++y) {
    const int* l = labels.ptr<int>(y);
    const uchar* p = pigmented.ptr<uchar>(y);
    const uchar* n_row = near.ptr<uchar>(y);
    for (int x = 0; x < labels.cols; ++x) {
      const auto k = static_cast<size_t>(l[x]);
      if (hole[k] == 0) continue;
      if (p[x] != 0) ++pigment[k];
      if (n_row[x] != 0) ++near_count[k];
      points[k].emplace_back(x, y);
    }
  }
  std::vector<uchar> fill(static_cast<size_t>(n), 0);
  std::vector<uchar> explained(static_cast<size_t>(n), 0);  // mostly pigmented
  for (size_t k = 1; k < fill.size(); ++k) {
    if (hole[k] == 0) continue;
    const auto size = static_cast<double>(points[k].size());
    explained[k] = pigment[k] >= kMinHolePigmentShare * size;
    if (points[k].size() < 5) continue;
    if (near_count[k] >= kMinHoleNearShare * size) {
      fill[k] = 1;
    } else if (explained[k] != 0) {
      fill[k] = IsPatchShaped(points[k], kMaxPatchElongation);
    }
  }
  // The pigmented parts of the holes left, each with what it encloses (a darker core).
  cv::Mat unexplained(labels.size(), CV_8U, cv::Scalar(0));
  for (int y = 0; y < labels.rows; ++y) {
    const int* l = labels.ptr<int>(y);
    const uchar* p = pigmented.ptr<uchar>(y);
    uchar* u = unexplained.ptr<uchar>(y);
    uchar* s = skin.ptr<uchar>(y);
    for (int x = 0; x < labels.cols; ++x) {
      const auto k = static_cast<size_t>(l[x]);
      if (fill[k] != 0) {
        s[x] = 255;
      } else if (hole[k] != 0 && explained[k] == 0 && p[x] != 0) {
        u[x] = 255;
      }
    }
  }
  std::vector<std::vector<cv::Point>> patches;
  cv::findContours(unexplained, patches, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
  const cv::Mat cross = cv::getStructuringElement(cv::MORPH_CROSS, cv::Size(3, 3));
  const cv::Rect bounds(0, 0, skin.cols, skin.rows);
  cv::Mat filled = skin.clone();
  for (const auto& outline : patches) {
    const cv::Rect box = cv::boundingRect(outline);
    const cv::Rect around = (box + cv::Size(2, 2) - cv::Point(1, 1)) & bounds;
    cv::Mat patch(around.size(), CV_8U, cv::Scalar(0));
    cv::drawContours(patch, std::vector<std::vector<cv::Point>>{outline}, 0, cv::Scalar(255),
                     cv::FILLED, cv::LINE_8, cv::noArray(), 0, -around.tl());
    std::vector<cv::Point> inside;
    cv::findNonZero(patch, inside);
    if (inside.size() < 5 || !IsPatchShaped(inside, kMaxPartElongation)) continue;
    cv::Mat border;
    cv::dilate(patch, border, cross);
    border &= ~patch;
    const int border_px = cv::countNonZero(border);
    const int skin_border_px = cv::countNonZero(border & skin(around));
    if (static_cast<double>(inside.size()) < kMinPatchAreaPerBorderPx * border_px) continue;
    if (skin_border_px < kMinPatchSkinBorder * border_px) continue;
    filled(around).setTo(255, patch);
  }
  skin = filled;
}

// The seed of a face whose colour lies at the locus's edge: the pixels of `band` (CV_8U, the
// face's middle band) at the band's skin level whose chroma lies near the band's median chroma
// (kBandSeed*). The eyes, brows and glints fall outside on level or colour.
cv::Mat FaceBandSeed(const Chroma& chroma, const cv::Mat& band) {
  std::vector<float> level;
  for (int y = 0; y < band.rows; ++y) {
    const uchar* b = band.ptr<uchar>(y);
    const float* l = chroma.luminance.ptr<float>(y);
    for (int x = 0; x < band.cols; ++x) {
      if (b[x] != 0) level.push_back(l[x]);
    }
  }
  cv::Mat seed(band.size(), CV_8U, cv::Scalar(0));
  if (level.empty()) return seed;
  const float median_level = SelectMedianMad(level).median;
  const auto at_level = [&](float l) {
    return l >= kBandSeedDark * median_level && l <= kBandSeedBright * median_level;
  };
  std::vector<float> us, vs;
  for (int y = 0; y < band.rows; ++y) {
    const uchar* b = band.ptr<uchar>(y);
    const float* l = chroma.luminance.ptr<float>(y);
    const float* u = chroma.log_rg.ptr<float>(y);
    const float* v = chroma.log_bg.ptr<float>(y);
    for (int x = 0; x < band.cols; ++x) {
      if (b[x] == 0 || !at_level(l[x])) continue;
      us.push_back(u[x]);
      vs.push_back(v[x]);
    }
  }
  if (us.empty()) return seed;
  const MedianMad mu = SelectMedianMad(us);
  const MedianMad mv = SelectMedianMad(vs);
  const auto floor_sd = static_cast<float>(0.5 * kMinChromaSd);
  const float reach_u = kBandSeedSds * std::max(floor_sd, 1.4826f * mu.mad);
  const float reach_v = kBandSeedSds * std::max(floor_sd, 1.4826f * mv.mad);
  for (int y = 0; y < band.rows; ++y) {
    const uchar* b = band.ptr<uchar>(y);
    const float* l = chroma.luminance.ptr<float>(y);
    const float* u = chroma.log_rg.ptr<float>(y);
    const float* v = chroma.log_bg.ptr<float>(y);
    uchar* out = seed.ptr<uchar>(y);
    for (int x = 0; x < band.cols; ++x) {
      if (b[x] != 0 && at_level(l[x]) && std::abs(u[x] - mu.median) <= reach_u &&
          std::abs(v[x] - mv.median) <= reach_v) {
        out[x] = 255;
      }
    }
  }
  return seed;
}

// The values of `values` (CV_32F) where `mask` (CV_8U of its size) is set, in raster order.
std::vector<float> ValuesIn(const cv::Mat& values, const cv::Mat& mask) {
  std::vector<float> out;
  for (int y = 0; y < mask.rows; ++y) {
    const uchar* m = mask.ptr<uchar>(y);
    const float* v = values.ptr<float>(y);
    for (int x = 0; x < mask.cols; ++x) {
      if (m[x] != 0) out.push_back(v[x]);
    }
  }
  return out;
}

// Whether the dominant surface `surface` (FaceBandSeed over the whole photo) may be skin under a
// tinted light: large enough, its median chroma within the locus widened by kMaxCastLog and not
// near neutral (kMinSurfaceChroma), and textured as skin is (kMinSurfaceTexture).
bool SurfaceMayBeTintedSkin(const Chroma& chroma, const cv::Mat& surface) {
  if (cv::countNonZero(surface) < kMinSurfaceAloneShare * static_cast<double>(surface.total())) {
    return false;
  }
  const float u = SelectMedianMad(ValuesIn(chroma.log_rg, surface)).median;
  const float v = SelectMedianMad(ValuesIn(chroma.log_bg, surface)).median;
  if (std::hypot(u, v) < kMinSurfaceChroma || u < kMinLogRg - kMaxCastLog ||
      u > kMaxLogRg + kMaxCastLog || v < kMinLogBg - kMaxCastLog || v > kMaxLogBg + kMaxCastLog) {
    return false;
  }
  cv::Mat log_y, blurred;
  cv::log(cv::max(chroma.luminance, kMinLuminance), log_y);
  cv::GaussianBlur(log_y, blurred, cv::Size(), kSurfaceTextureSigmaPx, kSurfaceTextureSigmaPx,
                   cv::BORDER_REFLECT);
  const cv::Mat fine = log_y - blurred;
  return 1.4826f * SelectMedianMad(ValuesIn(fine, surface)).mad >= kMinSurfaceTexture;
}

cv::Rect ScaleRect(const cv::Rect& r, double s) {
  return {static_cast<int>(std::lround(r.x * s)), static_cast<int>(std::lround(r.y * s)),
          std::max(1, static_cast<int>(std::lround(r.width * s))),
          std::max(1, static_cast<int>(std::lround(r.height * s)))};
}

cv::Rect SubRect(const cv::Rect& r, double x0, double y0, double x1, double y1) {
  return {r.x + static_cast<int>(r.width * x0), r.y + static_cast<int>(r.height * y0),
          std::max(1, static_cast<int>(r.width * (x1 - x0))),
          std::max(1, static_cast<int>(r.height * (y1 - y0)))};
}

// Cuts a skin-coloured backdrop out of `skin` (CV_8U 0/255 at the working size; `face` in its
// pixels). The backdrop is marked where it meets the frame's edge away from the face
// (kBackdropBandShare), the face by its central skin and the neck below the chin, and the two
// grow over the skin by a watershed on the working image's colour: they meet where the colour
// changes most between them, the face's outline against the wall. Whatever is not skin is painted
// one colour far from any skin's, so that it neither joins nor divides the two. False when no
// backdrop is marked; the mask is then unchanged.
bool CutSkinColouredBackdrop(const cv::Mat& small_rgb_linear, const cv::Rect& face, cv::Mat& skin) {
  const int rows = skin.rows;
  const int cols = skin.cols;
  const int band =
      std::max(2, static_cast<int>(std::lround(kBackdropBandShare * std::max(rows, cols))));
  const int chin = std::min(rows, face.y + face.height);
  const int left_of_face = std::max(0, face.x - static_cast<int>(kBackdropFaceMargin * face.width));
  const int right_of_face =
      std::min(cols, face.x + face.width + static_cast<int>(kBackdropFaceMargin * face.width));
  // cv::watershed keeps the image's outermost pixels as boundaries: the band starts inside them.
  cv::Mat band_mask(skin.size(), CV_8U, cv::Scalar(0));
  const auto mark = [&](cv::Rect r) {
    r &= cv::Rect(1, 1, cols - 2, rows - 2);
    if (!r.empty()) band_mask(r).setTo(255);
  };
  mark(cv::Rect(0, 0, left_of_face, 1 + band));
  mark(cv::Rect(right_of_face, 0, cols - right_of_face, 1 + band));
  // A side's band only where it lies beyond that margin: a face cropped tight meets the sides.
  if (left_of_face > 1 + band) mark(cv::Rect(0, 0, 1 + band, chin));
  if (right_of_face < cols - 1 - band) mark(cv::Rect(cols - 1 - band, 0, 1 + band, chin));
  const int band_px = cv::countNonZero(band_mask);
  const cv::Mat backdrop = band_mask & skin;
  if (band_px == 0 || cv::countNonZero(backdrop) < kMinBackdropBandShare * band_px) return false;

  const cv::Rect bounds(0, 0, cols, rows);
  cv::Mat markers(skin.size(), CV_32S, cv::Scalar(3));  // 3: not skin
  markers.setTo(0, skin);
  cv::Mat face_seed(skin.size(), CV_8U, cv::Scalar(0));
  face_seed(SubRect(face, 0.25, 0.3, 0.75, 0.9) & bounds).setTo(255);
  const cv::Rect neck = SubRect(face, 0.35, 1.05, 0.65, 1.25) & bounds;
  if (!neck.empty()) face_seed(neck).setTo(255);
  markers.setTo(1, face_seed & skin & ~backdrop);
  markers.setTo(2, backdrop);
  cv::Mat image = LinearRgbToBgr8(small_rgb_linear);
  image.setTo(cv::Scalar(255, 0, 255), skin == 0);
  cv::watershed(image, markers);
  // The watershed's boundary pixels (-1, and the frame's outermost pixels) go with the backdrop
  // where they touch it.
  const cv::Mat wall = markers == 2;
  cv::Mat near_wall;
  cv::dilate(wall, near_wall, cv::Mat());
  skin.setTo(0, wall | ((markers == -1) & near_wall));
  return true;
}

}  // namespace

cv::Mat BroadSkinLocus(const cv::Mat& rgb_linear) {
  SKT_CHECK(rgb_linear.type() == CV_32FC3) << "type " << rgb_linear.type();
  return Locus(ComputeChroma(rgb_linear));
}

Result<SkinMaskResult> DetectSkinMask(const cv::Mat& rgb_linear, const cv::Mat& exclude,
                                      const std::optional<cv::Rect>& face,
                                      const SkinMaskOptions& options) {
  SKT_CHECK(rgb_linear.type() == CV_32FC3) << "type " << rgb_linear.type();
  SKT_CHECK(exclude.empty() || (exclude.type() == CV_8U && exclude.size() == rgb_linear.size()));
  try {
    SkinMaskResult result;
    result.face = face;
    const double scale =
        std::min(1.0, static_cast<double>(options.working_size) /
                          std::max(rgb_linear.cols, rgb_linear.rows));
    cv::Mat small;
    ResizeBy(rgb_linear, small, scale, cv::INTER_AREA);
    // Smoothing so pores, fine lines and noise do not punch holes in the mask.
    cv::GaussianBlur(small, small, cv::Size(), 1.5, 1.5, cv::BORDER_REFLECT);
    const Chroma chroma = ComputeChroma(small);
    const cv::Rect bounds(0, 0, small.cols, small.rows);

    cv::Mat seed = Locus(chroma);
    std::optional<cv::Rect> face_small;
    if (face) {
      face_small = ScaleRect(*face, scale) & bounds;
      cv::Mat face_seed(small.size(), CV_8U, cv::Scalar(0));
      face_seed(SubRect(*face_small, 0.2, 0.3, 0.8, 0.65) & bounds).setTo(255);
      cv::Mat in_face = seed & face_seed;
      // A tinted light can carry part of the face out of the broad locus (a cool light raises
      // B/G): its seed is then the face band's own skin, judged against the band.
      if (cv::countNonZero(in_face) < kMinFaceSeedInLocus * cv::countNonZero(face_seed)) {
        in_face = FaceBandSeed(chroma, face_seed);
        result.warnings.push_back("skin_colour_unusual");
      }
      if (cv::countNonZero(in_face) > 50) seed = in_face;
    }
    // The photo's dominant surface (its own level, near its median chroma), for a photo without a
    // face under a tinted light; made once, when first needed.
    cv::Mat surface;
    const auto dominant_surface = [&]() -> const cv::Mat& {
      if (surface.empty()) {
        surface = FaceBandSeed(chroma, cv::Mat(small.size(), CV_8U, cv::Scalar(255)));
      }
      return surface;
    };
    bool seeded_by_surface = false;
    if (cv::countNonZero(seed) < 20) {
      // Near black and clipped white both erase colour, so an unusable exposure would otherwise
      // be reported as a greyscale photo; the median says which half of the range holds most of
      // the photo.
      const cv::Mat luminance =
          chroma.luminance.isContinuous() ? chroma.luminance : chroma.luminance.clone();
      const float median_luminance =
          SelectRanks(std::span<const float>(luminance.ptr<float>(), luminance.total()),
                      std::array<std::size_t, 1>{luminance.total() / 2})
              .front();
      char median_text[32];
      std::snprintf(median_text, sizeof(median_text), "%.1f", 100.0 * median_luminance);
      if (median_luminance < kMinLuminance) {
        return AnalysisError(
            "the photo is too dark (median luminance " + std::string(median_text) +
            "% of white): skin colour cannot be told in near-black pixels; retake it with more "
            "light or a longer exposure");
      }
      if (median_luminance > kMaxLuminance) {
        return AnalysisError(
            "the photo is overexposed: most of it is clipped to white (median luminance " +
            std::string(median_text) +
            "% of white), where skin colour is lost; retake it with less light or a shorter "
            "exposure");
      }
      const cv::Mat coloured = (cv::abs(chroma.log_rg) > 0.02f) | (cv::abs(chroma.log_bg) > 0.02f);
      const double coloured_share =
          cv::countNonZero(coloured) / static_cast<double>(small.total());
      if (coloured_share < 0.01) {
        return AnalysisError(
            "the photo has no colour (it is greyscale), so skin cannot be told by its colour and "
            "redness and pigmentation cannot be measured; use the colour original, or give the "
            "skin area with --roi MASK.png or a polygon JSON");
      }
      if (face || !SurfaceMayBeTintedSkin(chroma, dominant_surface())) {
        return AnalysisError(
            "no skin-coloured pixels found; check exposure and white balance, or give the skin "
            "area with --roi MASK.png or a polygon JSON");
      }
      seed = dominant_surface();
      seeded_by_surface = true;
      result.warnings.push_back("skin_colour_unusual");
      result.warnings.push_back("skin_assumed_from_surface");
    }
    {
      cv::Mat seed_core;
      cv::erode(seed, seed_core, cv::Mat());
      const double coherence = static_cast<double>(cv::countNonZero(seed_core)) /
                               static_cast<double>(cv::countNonZero(seed));
      if (coherence < kMinSeedCoherence) {
        char share_text[32];
        std::snprintf(share_text, sizeof(share_text), "%.1f", 100.0 * coherence);
        return AnalysisError(
            "no skin region found: the skin-coloured pixels are scattered (" +
            std::string(share_text) +
            "% of them lie inside a skin-coloured area), as in random noise or a finely "
            "patterned scene, not an area of skin; check that this is a photo of skin, or give "
            "the skin area with --roi MASK.png or a polygon JSON");
      }
    }
    // The colour model and the classification by it, from a seed.
    struct Classified {
      cv::Mat skin;       // CV_8U 0/255: the model's colour at skin level
      cv::Mat pigmented;  // not skin by colour, but by colour with extra melanin taken out
      cv::Mat near;       // at skin level, within kHoleWidening of the model
      double mu_u = 0;    // the model's mean ln R/G and its SD
      double sd_u = 0;
    };
    const auto classify = [&](const cv::Mat& model_seed) {
      // Colour model: mean and covariance of (ln R/G, ln B/G) over the seed.
      cv::Mat samples(cv::countNonZero(model_seed), 2, CV_32F);
      int row = 0;
      std::vector<float> seed_luminance;
      for (int y = 0; y < small.rows; ++y) {
        const uchar* s = model_seed.ptr<uchar>(y);
        for (int x = 0; x < small.cols; ++x) {
          if (s[x] == 0) continue;
          samples.at<float>(row, 0) = chroma.log_rg.at<float>(y, x);
          samples.at<float>(row, 1) = chroma.log_bg.at<float>(y, x);
          seed_luminance.push_back(chroma.luminance.at<float>(y, x));
          ++row;
        }
      }
      cv::Mat covariance, mean;
      cv::calcCovarMatrix(samples, covariance, mean, cv::COVAR_NORMAL | cv::COVAR_ROWS, CV_64F);
      covariance /= std::max(1, samples.rows - 1);
      covariance.at<double>(0, 0) += kMinChromaSd * kMinChromaSd;
      covariance.at<double>(1, 1) += kMinChromaSd * kMinChromaSd;
      const cv::Matx22d inv = cv::Matx22d(covariance).inv();
      const double mu_u = mean.at<double>(0, 0);
      const double mu_v = mean.at<double>(0, 1);
      std::nth_element(
          seed_luminance.begin(),
          seed_luminance.begin() + static_cast<std::ptrdiff_t>(seed_luminance.size() / 2),
          seed_luminance.end());
      const double median_y = seed_luminance[seed_luminance.size() / 2];
      const double max_d2 = options.max_mahalanobis * options.max_mahalanobis;
      // Haemoglobin's direction in (ln R/G, ln B/G), and the share of a chroma difference that lies
      // along it when the difference is split between haemoglobin and melanin (the two span the
      // plane).
      const cv::Vec2d hemoglobin_dir(kHemoglobinDensityRgb[1] - kHemoglobinDensityRgb[0],
                                     kHemoglobinDensityRgb[1] - kHemoglobinDensityRgb[2]);
      const cv::Vec2d melanin_dir(kMelaninDensityRgb[1] - kMelaninDensityRgb[0],
                                  kMelaninDensityRgb[1] - kMelaninDensityRgb[2]);
      const cv::Matx22d basis(hemoglobin_dir[0], melanin_dir[0], hemoglobin_dir[1], melanin_dir[1]);
      const cv::Matx22d to_chromophores = basis.inv();

      // Squared Mahalanobis distance of a chroma difference under the seed's covariance.
      const auto distance2 = [&inv](double a, double b) {
        return a * (inv(0, 0) * a + inv(0, 1) * b) + b * (inv(1, 0) * a + inv(1, 1) * b);
      };

      cv::Mat skin(small.size(), CV_8U, cv::Scalar(0));
      cv::Mat pigmented(small.size(), CV_8U, cv::Scalar(0));
      cv::Mat near(small.size(), CV_8U, cv::Scalar(0));  // at skin level, within kHoleWidening
      const double near_d2 = kHoleWidening * kHoleWidening * max_d2;
      for (int y = 0; y < small.rows; ++y) {
        const float* u = chroma.log_rg.ptr<float>(y);
        const float* v = chroma.log_bg.ptr<float>(y);
        const float* l = chroma.luminance.ptr<float>(y);
        uchar* out = skin.ptr<uchar>(y);
        for (int x = 0; x < small.cols; ++x) {
          const double du = u[x] - mu_u;
          const double dv = v[x] - mu_v;
          // The difference with its extra haemoglobin taken out, or as it is: a seed that varies in
          // redness itself is long along haemoglobin, and a difference along it is nearer whole.
          const double extra_hemoglobin = std::clamp(
              to_chromophores(0, 0) * du + to_chromophores(0, 1) * dv, 0.0, kMaxExtraHemoglobin);
          const double d2 =
              std::min(distance2(du, dv), distance2(du - extra_hemoglobin * hemoglobin_dir[0],
                                                    dv - extra_hemoglobin * hemoglobin_dir[1]));
          const bool colour_ok = d2 <= max_d2;
          const bool level_ok = l[x] >= options.dark_fraction * median_y &&
                                l[x] <= options.bright_fraction * median_y && l[x] <= kMaxLuminance;
          out[x] = colour_ok && level_ok ? 255 : 0;
          if (level_ok && d2 <= near_d2) near.ptr<uchar>(y)[x] = 255;
          if (!colour_ok && level_ok) {
            // With extra melanin (and haemoglobin) taken out as well: a candidate pigmented pixel.
            const double extra_melanin = std::clamp(
                to_chromophores(1, 0) * du + to_chromophores(1, 1) * dv, 0.0, kMaxExtraMelanin);
            const double pu =
                du - extra_hemoglobin * hemoglobin_dir[0] - extra_melanin * melanin_dir[0];
            const double pv =
                dv - extra_hemoglobin * hemoglobin_dir[1] - extra_melanin * melanin_dir[1];
            if (distance2(pu, pv) <= max_d2) pigmented.ptr<uchar>(y)[x] = 255;
          }
        }
      }
      return Classified{skin, pigmented, near, mu_u, std::sqrt(covariance.at<double>(0, 0))};
    };
    Classified classified = classify(seed);
    if (!face && !seeded_by_surface) {
      // A close-up under a tinted light: the model fitted to the part of the skin the broad locus
      // held may leave the rest of it out. The dominant surface is then the seed (kMinSurface*).
      const cv::Mat& whole = dominant_surface();
      const double surface_px = cv::countNonZero(whole);
      const double skin_px = cv::countNonZero(classified.skin);
      const double shared_px = cv::countNonZero(classified.skin & whole);
      if (surface_px >= kMinSurfaceShare * static_cast<double>(small.total()) &&
          shared_px >= kMinSkinOnSurface * skin_px && shared_px < kMinSurfaceAsSkin * surface_px) {
        classified = classify(whole);
        result.warnings.push_back("skin_colour_unusual");
      }
    }
    cv::Mat skin = std::move(classified.skin);
    cv::Mat pigmented = std::move(classified.pigmented);
    cv::Mat near = std::move(classified.near);
    if (face_small && options.lips_by_colour) {
      // Lips: redder than the face's skin in the mouth band.
      const cv::Rect mouth = SubRect(*face_small, 0.25, 0.68, 0.75, 0.92) & bounds;
      cv::Mat lips =
          chroma.log_rg(mouth) > static_cast<float>(classified.mu_u + 1.5 * classified.sd_u);
      skin(mouth).setTo(0, lips);
      near(mouth).setTo(0, lips);
    }
    const int radius = std::max(1, static_cast<int>(std::lround(0.006 * std::max(small.cols, small.rows))));
    const cv::Mat kernel =
        cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * radius + 1, 2 * radius + 1));
    cv::morphologyEx(skin, skin, cv::MORPH_CLOSE, kernel);
    cv::morphologyEx(skin, skin, cv::MORPH_OPEN, kernel);
    FillSkinHoles(pigmented, near, skin);
    skin = KeepLargeComponents(skin, options.min_component_fraction * static_cast<double>(skin.total()));
    if (face_small && CutSkinColouredBackdrop(small, *face_small, skin)) {
      result.warnings.push_back("backdrop_like_skin");
    }
    if (face_small) {
      // With a face, skin is the face and what joins it or lies around it (neck, chest, ears):
      // a skin-coloured thing elsewhere in the frame (a flag, a wooden door, a beige wall) is not.
      skin = KeepComponentsMeeting(skin, SubRect(*face_small, -kNearFaceSide, -kNearFaceAbove,
                                                 1 + kNearFaceSide, 1 + kNearFaceBelow) &
                                             bounds);
    }
    if (cv::countNonZero(skin) < options.min_skin_fraction * static_cast<double>(skin.total())) {
      return AnalysisError(
          "too little skin found (under " +
          std::to_string(static_cast<int>(100 * options.min_skin_fraction)) +
          " % of the image); frame the skin closer or give --roi MASK.png or a polygon JSON");
    }
    cv::Mat full;
    cv::resize(skin, full, rgb_linear.size(), 0, 0, cv::INTER_LINEAR);
    cv::threshold(full, result.mask, 127, 255, cv::THRESH_BINARY);
    if (!exclude.empty()) result.mask.setTo(0, exclude != 0);
    return result;
  } catch (const cv::Exception& e) {
    return InternalError(std::string("skin detection failed in OpenCV: ") + e.what());
  }
}

}  // namespace skintrack::core
