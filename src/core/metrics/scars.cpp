#include "core/metrics/scars.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>
#include <utility>

#include <opencv2/imgproc.hpp>

#include "core/base/check.h"
#include "core/color/skin_model.h"
#include "core/metrics/analysis_frame.h"
#include "core/metrics/dark_blobs.h"
#include "core/metrics/octave.h"
#include "core/metrics/wrinkles.h"

namespace skintrack::core {
namespace {

// The disc of `radius` around `centre` as a mask over its bounding box, both clipped to `image`.
std::pair<cv::Rect, cv::Mat> DiscInImage(cv::Point centre, int radius, const cv::Rect& image) {
  const cv::Rect box =
      cv::Rect(centre.x - radius, centre.y - radius, 2 * radius + 1, 2 * radius + 1) & image;
  cv::Mat disc(box.size(), CV_8U, cv::Scalar(0));
  if (!box.empty()) cv::circle(disc, centre - box.tl(), radius, cv::Scalar(255), cv::FILLED);
  return {box, disc};
}

// The horizontal direction toward the light, from the walls it lights. Under an oblique light the
// wall of a depression or a groove that faces the light is brighter than flat skin, and the
// feature it belongs to lies beside it, toward the light: there the smoothed contrast falls, so
// −∇(G * c) points toward the light. Over the skin, the pixels brighter than its median by more
// than `bright_sd` robust SDs vote with −∇(G * c), weighted by their excess; the sum's length over
// the sum of the votes' lengths measures how much they agree. Albedo texture, a frontal or a
// diffuse light give no lit walls, or walls all around each feature, and the votes cancel; the
// direction is returned only when the agreement reaches `min_agreement`.
std::optional<cv::Vec2d> LightFromLitWalls(const cv::Mat& contrast, const cv::Mat& mask,
                                           double smooth_px, double bright_sd,
                                           double min_agreement) {
  // Walls are fine structures: brightness and slope are both taken against the contrast smoothed
  // at four times smooth_px, so a slow gradient of light, or of the background's residual near
  // the border of the skin, neither lights a wall nor gives it a direction. Both smoothings are
  // over the skin only (normalised), and pixels within that wider scale of the image border, or
  // within smooth_px of the skin's edge, do not vote.
  MaskedSmoother smoother(mask);
  cv::Mat smooth = smoother.Smooth(contrast, smooth_px);
  const cv::Mat slow = smoother.Smooth(contrast, 4.0 * smooth_px);
  smooth -= slow;
  const cv::Mat detail = contrast - slow;
  const int band = static_cast<int>(std::ceil(4.0 * smooth_px));
  cv::Mat voters = ErodeMask(mask, static_cast<int>(std::ceil(smooth_px)));
  if (2 * band >= voters.cols || 2 * band >= voters.rows) return std::nullopt;
  voters.rowRange(0, band).setTo(0);
  voters.rowRange(voters.rows - band, voters.rows).setTo(0);
  voters.colRange(0, band).setTo(0);
  voters.colRange(voters.cols - band, voters.cols).setTo(0);
  cv::Mat gx, gy;
  // The skin's level and spread from every other pixel of every other row.
  const RobustLevel level = RobustLevelOf(detail, voters, 2);
  if (level.sd <= 0) return std::nullopt;
  cv::Sobel(smooth, gx, CV_32F, 1, 0, 3, 1.0 / 8.0);
  cv::Sobel(smooth, gy, CV_32F, 0, 1, 3, 1.0 / 8.0);
  const float floor = static_cast<float>(level.median + bright_sd * level.sd);
  cv::Vec2d sum(0, 0);
  double lengths = 0;
  for (int y = 0; y < contrast.rows; ++y) {
    const float* c = detail.ptr<float>(y);
    const uchar* m = voters.ptr<uchar>(y);
    const float* dx = gx.ptr<float>(y);
    const float* dy = gy.ptr<float>(y);
    for (int x = 0; x < contrast.cols; ++x) {
      if (m[x] == 0 || c[x] <= floor) continue;
      const double excess = c[x] - floor;
      sum -= cv::Vec2d(dx[x], dy[x]) * excess;
      lengths += std::hypot(dx[x], dy[x]) * excess;
    }
  }
  if (lengths <= 0 || cv::norm(sum) < min_agreement * lengths) return std::nullopt;
  return sum / cv::norm(sum);
}

// Relief from shading under a light from horizontal direction `toward_light` (unit vector, image
// axes): a linear shape-from-shading (Pentland 1990, "Linear shape from shading", IJCV 4:153). A
// small relief z under a light l gives the contrast c ≈ −g·∇z, g = l_xy/l_z, plus a darkening of
// cavities that grows with their depth; in Fourier terms C = (−i·|g|·k_d + a(k))·Z with
// k_d = d·k. The filter (i·k_d + w·|k|) / (|k|² + k₀²) applied to c is matched to that model: the
// slope term becomes |g|·(k_d/|k|)²·Z, a relief weighted toward the light's axis, the darkening
// adds w·a(k)/|k|·Z, and both read negative in a depression; k₀ = 2π/max_wavelength_mm removes
// what varies more slowly than the largest scar. Zero padding of max_wavelength_mm on every side
// avoids wrap-around (c is 0, the local mean, outside the skin).
cv::Mat ReliefFromShading(const cv::Mat& contrast, cv::Vec2d toward_light, double px_per_mm,
                          double darkness_weight, double max_wavelength_mm) {
  const int pad = static_cast<int>(std::ceil(max_wavelength_mm * px_per_mm));
  const int rows = cv::getOptimalDFTSize(contrast.rows + 2 * pad);
  const int cols = cv::getOptimalDFTSize(contrast.cols + 2 * pad);
  cv::Mat padded(rows, cols, CV_32F, cv::Scalar(0));
  const cv::Rect inside(pad, pad, contrast.cols, contrast.rows);
  contrast.copyTo(padded(inside));
  cv::Mat spectrum;
  cv::dft(padded, spectrum, cv::DFT_COMPLEX_OUTPUT);
  const double k0 = 2.0 * std::numbers::pi / max_wavelength_mm;
  const auto wavenumber = [&](int index, int size) {  // radians per mm
    const int f = index <= size / 2 ? index : index - size;
    return 2.0 * std::numbers::pi * px_per_mm * f / size;
  };
  for (int v = 0; v < rows; ++v) {
    const double ky = wavenumber(v, rows);
    auto* row = spectrum.ptr<cv::Vec2f>(v);
    for (int u = 0; u < cols; ++u) {
      const double kx = wavenumber(u, cols);
      const double k2 = kx * kx + ky * ky;
      const double scale = 1.0 / (k2 + k0 * k0);
      const double fr = darkness_weight * std::sqrt(k2) * scale;  // real part of the filter
      const double fi = (toward_light[0] * kx + toward_light[1] * ky) * scale;  // imaginary part
      const double re = row[u][0], im = row[u][1];
      row[u] = cv::Vec2f(static_cast<float>(fr * re - fi * im),
                         static_cast<float>(fr * im + fi * re));
    }
  }
  cv::Mat relief;
  cv::dft(spectrum, relief, cv::DFT_INVERSE | cv::DFT_REAL_OUTPUT | cv::DFT_SCALE);
  return relief(inside).clone();
}

}  // namespace

Result<ScarDetection> DetectScars(const AnalysisFrame& frame, const ScarOptions& options,
                                  const cv::Mat& search, const cv::Mat& explained_px) {
  SKT_CHECK(explained_px.empty() ||
            (explained_px.type() == CV_8U && explained_px.size() == frame.mask.size()));
  SKT_CHECK(search.empty() || (search.type() == CV_8U && search.size() == frame.mask.size()));
  try {
    // Scars are millimetres across: detect on a copy at most `work_px_per_mm` (cheaper large
    // scales); positions and sizes are mapped back to analysis pixels.
    const double factor = std::min(1.0, options.work_px_per_mm / frame.px_per_mm);
    cv::Mat shading =
        frame.shading.empty() ? DecomposeChromophores(frame.rgb_linear).shading : frame.shading;
    cv::Mat mask = frame.mask;
    if (factor < 0.999) {
      const cv::Size size(std::max(1, static_cast<int>(std::lround(shading.cols * factor))),
                          std::max(1, static_cast<int>(std::lround(shading.rows * factor))));
      cv::resize(shading, shading, size, 0, 0, cv::INTER_AREA);
      cv::resize(frame.mask, mask, size, 0, 0, cv::INTER_AREA);
      cv::threshold(mask, mask, 127, 255, cv::THRESH_BINARY);
    }
    const double ppm = frame.px_per_mm * (static_cast<double>(shading.cols) / frame.mask.cols);
    const double background_px = options.background_sigma_mm * ppm;

    DarkBlobOptions blob;
    // With an assumed scale a pore can read several times its size; the size floors take that
    // margin so that pores never become scars (small scars are then missed instead).
    const double margin = frame.scale_known ? 1.0 : std::max(1.0, options.unscaled_size_margin);
    const double min_diameter_mm = margin * options.min_diameter_mm;
    const double pore_fill_mm = margin * options.pore_fill_mm;
    // Below the resolution (the smallest scar spanning fewer than kMinResolvedPx pixels: a face
    // photo of 1 MP, or a small chart read as a Classic) single pixels of texture and noise would
    // be counted: only scars wide enough to be resolved are searched (`scars_below_resolution`).
    blob.min_diameter_px = std::max(kMinResolvedPx, min_diameter_mm * ppm);
    blob.max_diameter_px = std::max(1.5 * blob.min_diameter_px, options.max_diameter_mm * ppm);
    blob.min_contrast = options.min_deficit;
    blob.min_roundness = options.min_roundness;
    blob.tolerate_shaded_walls = true;
    const int border = static_cast<int>(std::ceil(0.5 * min_diameter_mm * ppm));
    const cv::Mat detect_mask = ErodeMask(mask, border);
    const double detect_cm2 = cv::countNonZero(detect_mask) / (100.0 * ppm * ppm);
    // Noise maxima passing per level: a rate per cm², capped per image so that a wide frame does
    // not collect false scars in proportion to its area (the threshold rises slowly instead).
    const auto noise_budget = [&](double per_cm2) {
      return std::max(1e-6, std::min(options.max_false_scars_per_image, per_cm2 * detect_cm2));
    };
    blob.false_maxima_per_level = noise_budget(options.false_scars_per_cm2);
    const cv::Mat background = MaskedGaussian(shading, mask, background_px);
    // The dark features other groups measure (pores, wrinkles), at the work scale.
    cv::Mat explained = explained_px;
    if (!explained.empty() && explained.size() != shading.size()) {
      cv::resize(explained_px, explained, shading.size(), 0, 0, cv::INTER_AREA);
      explained = explained > 0;
    }
    // Pores are dark openings narrower than 0.5 mm: a grey closing with a disc of pore_fill_mm
    // fills them (with a margin for lens blur and for pores that touch) and specks of texture,
    // while a depression wider than the disc keeps its floor. The blob detector below then sees
    // scars and not pores, however dark and dense they are, and the diameter floor need not do that
    // job.
    cv::Mat contrast = ShadingContrast(shading, background, mask);
    const int pore_px = static_cast<int>(std::lround(pore_fill_mm * ppm));
    if (pore_px >= 2) {
      cv::morphologyEx(
          contrast, contrast, cv::MORPH_CLOSE,
          cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(pore_px | 1, pore_px | 1)),
          cv::Point(-1, -1), 1, cv::BORDER_REPLICATE);
    }
    const std::vector<DarkBlob> blobs = DetectDarkBlobs(contrast, detect_mask, blob);
    std::vector<DarkBlob> relief_blobs;

    // Shallow wide depressions (rolling scars) under an oblique light show mostly as a bright/dark
    // pair across them and hardly darken on average. With a measured scale, and when the walls the
    // light lights show where it comes from, the relief estimated from the shading along that
    // direction is searched as well, for depressions at least relief_min_diameter_mm wide that the
    // shadow search missed. They are millimetres wide: the relief is estimated and searched on a
    // copy reduced to about relief_px_per_mm, by whole blocks.
    const bool relief_search = options.relief_search && frame.scale_known;
    const int reduce =
        std::max(1, static_cast<int>(std::floor(ppm / options.relief_px_per_mm + 1e-9)));
    const double relief_ppm = ppm / reduce;
    const std::optional<cv::Vec2d> light =
        relief_search
            ? LightFromLitWalls(contrast, detect_mask, options.light_smooth_mm * ppm,
                                options.light_bright_sd, options.light_min_agreement)
            : std::nullopt;
    if (light) {
      const cv::Mat relief_mask = ReduceMask(detect_mask, reduce);
      // The relief of what pores and wrinkles explain is theirs: a groove's shading reads as a
      // long depression, and where it bends, crosses another or passes pores, as a round one.
      // Those pixels take the masked mean of the skin around them (explained_fill_mm) before the
      // relief is estimated, so a line across a rolling scar is filled with the scar's floor.
      cv::Mat relief_input = contrast;
      if (!explained.empty()) {
        relief_input = contrast.clone();
        MaskedSmoother around(mask & ~explained);
        around.Smooth(contrast, options.explained_fill_mm * ppm).copyTo(relief_input, explained);
      }
      const cv::Mat relief =
          ReliefFromShading(ReduceByFactor(relief_input, reduce), *light, relief_ppm,
                            options.relief_darkness_weight, 2.0 * options.background_sigma_mm);
      DarkBlobOptions relief_blob = blob;
      relief_blob.min_diameter_px =
          std::max(min_diameter_mm, options.relief_min_diameter_mm) * relief_ppm;
      relief_blob.max_diameter_px = options.max_diameter_mm * relief_ppm;
      relief_blob.min_contrast = 0;
      relief_blob.min_roundness = options.relief_min_roundness;
      relief_blob.tolerate_shaded_walls = false;
      relief_blob.false_maxima_per_level = noise_budget(options.relief_false_scars_per_cm2);
      relief_blob.noise_excludes_structures = true;
      relief_blobs = DetectDarkBlobs(relief, relief_mask, relief_blob);
      // Reduced pixel i is centred at work position (i + ½)·reduce − ½.
      for (DarkBlob& r : relief_blobs) {
        r.center_px = (r.center_px + cv::Point2f(0.5f, 0.5f)) * static_cast<float>(reduce) -
                      cv::Point2f(0.5f, 0.5f);
        r.diameter_px *= reduce;
      }
    }

    // The shadow of each scar against a reference that excludes every scar and its rim, so large
    // scars do not darken their own reference.
    cv::Mat reference_mask = mask.clone();
    const auto exclude = [&](const std::vector<DarkBlob>& list) {
      for (const DarkBlob& b : list) {
        cv::circle(reference_mask, cv::Point(cvRound(b.center_px.x), cvRound(b.center_px.y)),
                   cvRound(0.75 * b.diameter_px) + 1, cv::Scalar(0), cv::FILLED);
      }
    };
    exclude(blobs);
    exclude(relief_blobs);
    const cv::Mat& ref =
        cv::countNonZero(reference_mask) > cv::countNonZero(mask) / 5 ? reference_mask : mask;
    const double smooth_px = std::max(0.5, options.smooth_sigma_mm * ppm);
    cv::Mat smooth;
    cv::GaussianBlur(shading, smooth, cv::Size(), smooth_px, smooth_px, cv::BORDER_REFLECT);
    cv::Mat deficit = -ShadingContrast(smooth, MaskedGaussian(shading, ref, background_px), mask);

    // The deficit read on the luminance, for the neutrality test in accept(). The luminance
    // density ℓ = −ln Y holds the pigment and blood that the shading component leaves out, so
    // the chromatic part s − ℓ that varies more slowly than colour_sigma_mm (spots, patches,
    // mottling) is added back: only colour structure finer than that counts against a blob.
    cv::Mat luminance_deficit;
    cv::Mat luminance_smooth;  // the smoothed density ℓ', for a blob's contrast with its rim
    if (options.min_luminance_share > 0 && !frame.luminance.empty()) {
      cv::Mat luminance = frame.luminance;
      if (luminance.size() != shading.size()) {
        cv::resize(luminance, luminance, shading.size(), 0, 0, cv::INTER_AREA);
      }
      const cv::Mat density =
          NeutralLuminanceDensity(luminance, shading, mask, options.colour_sigma_mm * ppm);
      cv::GaussianBlur(density, luminance_smooth, cv::Size(), smooth_px, smooth_px,
                       cv::BORDER_REFLECT);
      luminance_deficit =
          -ShadingContrast(luminance_smooth, MaskedGaussian(density, ref, background_px), mask);
    }

    ScarDetection detection;
    const double to_analysis = static_cast<double>(frame.mask.cols) / shading.cols;
    cv::Mat work_map(shading.size(), CV_32F, cv::Scalar(0));
    const cv::Mat deficit_pct = deficit * 100.0;
    const cv::Rect image_rect(0, 0, shading.cols, shading.rows);
    std::vector<DarkBlob> accepted;  // work pixels
    // A blob becomes a scar when it is centred in the search area, surrounded by skin and on
    // average at least `floor` darker than the skin around it.
    const auto accept = [&](const DarkBlob& b, double floor) {
      if (!search.empty()) {
        const int x = std::clamp(cvRound(b.center_px.x * to_analysis), 0, search.cols - 1);
        const int y = std::clamp(cvRound(b.center_px.y * to_analysis), 0, search.rows - 1);
        if (search.at<uchar>(y, x) == 0) return;
      }
      // Each blob's disc, within its bounding box only.
      const int radius = std::max(1, cvRound(b.diameter_px / 2.0));
      const cv::Point centre(cvRound(b.center_px.x), cvRound(b.center_px.y));
      auto [box, disc] = DiscInImage(centre, radius, image_rect);
      if (box.empty()) return;
      disc &= mask(box);
      const int pixels = cv::countNonZero(disc);
      if (pixels == 0) return;
      // A depression is judged against the skin around it: a blob whose rim (1.5 × its diameter)
      // runs out of the measured skin, into an eye, a nostril, the lips or the hairline, is the
      // dark edge of that feature, not a scar.
      const int rim = std::max(radius + 1, cvRound(0.75 * b.diameter_px));
      auto [rim_box, rim_disc] = DiscInImage(centre, rim, image_rect);
      const int rim_pixels = cv::countNonZero(rim_disc);
      rim_disc &= mask(rim_box);
      if (cv::countNonZero(rim_disc) < options.min_skin_around * rim_pixels) return;
      double peak = 0;
      cv::minMaxLoc(deficit(box), nullptr, &peak, nullptr, nullptr, disc);
      // The floor applies to what is reported as well (the LoG estimate alone can pass on a
      // textured patch).
      const double shadow_index = 100.0 * cv::mean(deficit(box), disc)[0];
      if (shadow_index < 100.0 * floor) return;
      // A depression is dark over its own area, not only along a wrinkle or at pores that cross
      // it: without the pixels those explain, the disc must still reach the floor.
      if (!explained.empty()) {
        const cv::Mat own = disc & ~explained(box);
        if (cv::countNonZero(own) == 0 || cv::mean(deficit(box), own)[0] < floor) return;
      }
      // A shadow darkens the luminance as much; colour noise darkens the shading alone. Read
      // against the skin's reference and against the blob's own rim (the ring out to 1.5 × its
      // diameter), the luminance's darkening must fall short of the shading's on both: colour
      // structure beside a scar biases one reference or the other, colour noise fails both.
      if (floor > 0 && !luminance_deficit.empty() &&
          100.0 * cv::mean(luminance_deficit(box), disc)[0] <
              options.min_luminance_share * shadow_index) {
        cv::Mat inner(rim_box.size(), CV_8U, cv::Scalar(0));
        disc.copyTo(inner(box - rim_box.tl()));
        const cv::Mat ring = rim_disc & ~inner;
        if (cv::countNonZero(ring) > 0) {
          const auto darkening = [&](const cv::Mat& density) {
            return cv::mean(density(box), disc)[0] - cv::mean(density(rim_box), ring)[0];
          };
          const double shading_darkening = darkening(smooth);
          if (shading_darkening <= 0 ||
              darkening(luminance_smooth) < options.min_luminance_share * shading_darkening) {
            return;
          }
        }
      }
      Scar scar;
      scar.center_px = b.center_px * static_cast<float>(to_analysis);
      scar.diameter_px = b.diameter_px * to_analysis;
      scar.area_px = pixels * to_analysis * to_analysis;
      scar.shadow_index = shadow_index;
      scar.peak_deficit = peak;
      scar.snr = b.snr;
      scar.roundness = b.roundness;
      detection.scars.push_back(scar);
      accepted.push_back(b);
      cv::Mat map_box = work_map(box);
      deficit_pct(box).copyTo(map_box, disc);
    };
    // Narrow depressions must be darker: a cluster of pores that the pore fill only partly closes
    // reads as a blob of about a millimetre, 4-9 % darker than the skin around it.
    const double small_px = options.small_scar_max_mm * ppm;
    const double small_floor = std::max(options.min_deficit, options.small_scar_min_deficit);
    for (const DarkBlob& b : blobs) {
      accept(b, b.diameter_px < small_px ? small_floor : options.min_deficit);
    }
    // A depression of the relief that is a scar already found by its shadow is that scar.
    for (const DarkBlob& r : relief_blobs) {
      const bool known = std::any_of(accepted.begin(), accepted.end(), [&](const DarkBlob& b) {
        const double reach = 0.5 * std::max(b.diameter_px, r.diameter_px);
        return cv::norm(b.center_px - r.center_px) < reach;
      });
      if (!known) accept(r, options.relief_min_deficit);
    }
    if (factor < 0.999) {
      cv::resize(work_map, detection.map, frame.mask.size(), 0, 0, cv::INTER_LINEAR);
    } else {
      detection.map = work_map;
    }
    detection.map.setTo(0, frame.mask == 0);
    return detection;
  } catch (const cv::Exception& e) {
    return InternalError(std::string("scar detection failed in OpenCV: ") + e.what());
  }
}

cv::Mat ExplainedDarkFeatures(const AnalysisFrame& frame, const std::vector<MetricGroup>& groups,
                              int pore_margin_px) {
  const int margin = std::max(1, pore_margin_px);
  const cv::Mat pore_widening =
      cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * margin + 1, 2 * margin + 1});
  cv::Mat explained;
  for (const MetricGroup& group : groups) {
    for (const MetricMap& map : group.maps) {
      cv::Mat widened;
      if (group.name == "pores" && map.name == "pores" && map.values.size() == frame.mask.size()) {
        // The pore discs, and the margin of their read size and of blur around them.
        cv::dilate(map.values > 0, widened, pore_widening);
      } else if (group.name == "wrinkles" && map.name == "wrinkles" &&
                 map.values.size() == frame.mask.size()) {
        // The lines' centres (the ridges thinned) widened to the lines' mean width: the ridge map
        // itself reaches into whatever dark feature a line runs past.
        double width_px = 0;
        if (group.Has("mean_width_mm")) width_px = group.Get("mean_width_mm") * frame.px_per_mm;
        if (group.Has("mean_width_px")) width_px = group.Get("mean_width_px") * frame.downscale;
        const int r = std::max(1, cvRound(0.5 * width_px));
        cv::dilate(ThinZhangSuen(map.values > 0), widened,
                   cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * r + 1, 2 * r + 1}));
      } else {
        continue;
      }
      explained = explained.empty() ? widened : (explained | widened);
    }
  }
  return explained;
}

Result<MetricGroup> MeasureScars(const AnalysisFrame& frame, const ScarOptions& options,
                                 const cv::Mat& search, const cv::Mat& explained) {
  SKT_ASSIGN_OR_RETURN(ScarDetection detection, DetectScars(frame, options, search, explained));
  double searched_px = frame.mask_area_px;
  if (!search.empty()) searched_px = std::max(1, cv::countNonZero(search & frame.mask));
  MetricGroup group;
  group.name = "scars";
  double area = 0;
  double shadow = 0;
  for (const Scar& s : detection.scars) {
    area += s.area_px;
    shadow += s.shadow_index;
  }
  const double count = static_cast<double>(detection.scars.size());
  group.scalars.push_back({"count", count, "count"});
  group.scalars.push_back({"area_pct", 100.0 * area / searched_px, "%"});
  group.scalars.push_back({"shadow_index", count > 0 ? shadow / count : 0.0,
                           "% luminance deficit (relative, not a depth)"});
  if (detection.scars.empty()) group.warnings.push_back("scars_none_found");
  const double work_px_per_mm = std::min(frame.px_per_mm, options.work_px_per_mm);
  if (frame.ScaleJudgesResolution() && options.min_diameter_mm * work_px_per_mm < kMinResolvedPx) {
    group.warnings.push_back("scars_below_resolution");
  }
  group.maps.push_back({"scars", detection.map, "% luminance deficit", 0.0f, 30.0f});
  return group;
}

}  // namespace skintrack::core
