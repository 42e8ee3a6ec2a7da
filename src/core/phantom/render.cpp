#include "core/phantom/render.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <opencv2/imgproc.hpp>

#include "core/base/check.h"
#include "core/color/skin_model.h"
#include "core/color/srgb.h"
#include "core/phantom/random.h"

namespace skintrack::core::phantom {
namespace {

constexpr double kFourLn2 = 2.772588722239781;  // 4·ln 2: Gaussian with FWHM w is exp(-4ln2 d²/w²)

// Logistic edge: 1/2 exactly on the contour rho = 1, softness relative to the size.
inline double SoftContour(double rho, double softness) {
  return 1.0 / (1.0 + std::exp((rho - 1.0) / softness));
}

// Pixel bounding box (inclusive-exclusive) of a disk in canonical pixels, clipped to `region`.
cv::Rect DiskBox(double cx_px, double cy_px, double radius_px, const cv::Rect& region) {
  const int x0 = static_cast<int>(std::floor(cx_px - radius_px)) - 1;
  const int y0 = static_cast<int>(std::floor(cy_px - radius_px)) - 1;
  const int x1 = static_cast<int>(std::ceil(cx_px + radius_px)) + 2;
  const int y1 = static_cast<int>(std::ceil(cy_px + radius_px)) + 2;
  return cv::Rect(x0, y0, x1 - x0, y1 - y0) & region;
}

// Distance from p to a polyline and the arc length at the closest point, for segments that come
// within `reach` of the row `y` only (pre-filtered by the caller).
struct PolylineQuery {
  const std::vector<cv::Point2d>* points;
  std::vector<double> cumulative;  // arc length at each vertex
  explicit PolylineQuery(const std::vector<cv::Point2d>& pts) : points(&pts) {
    cumulative.resize(pts.size(), 0.0);
    for (std::size_t i = 1; i < pts.size(); ++i) {
      cumulative[i] = cumulative[i - 1] + cv::norm(pts[i] - pts[i - 1]);
    }
  }
  double Length() const { return cumulative.back(); }
};

// Draws a polyline feature (wrinkle or hair) in canonical pixels over `box`, calling
// `apply(x, y, distance_px, arc_px)` for pixels within `reach_px` of the line.
template <typename Apply>
void ForEachNearPolyline(const std::vector<cv::Point2d>& points_px, double reach_px,
                         const cv::Rect& box, Apply apply) {
  PolylineQuery query(points_px);
  std::vector<std::size_t> active;
  for (int y = box.y; y < box.y + box.height; ++y) {
    active.clear();
    for (std::size_t i = 1; i < points_px.size(); ++i) {
      const double lo = std::min(points_px[i - 1].y, points_px[i].y) - reach_px;
      const double hi = std::max(points_px[i - 1].y, points_px[i].y) + reach_px;
      if (y >= lo && y <= hi) active.push_back(i);
    }
    if (active.empty()) continue;
    for (int x = box.x; x < box.x + box.width; ++x) {
      double best = reach_px * reach_px;
      double best_arc = -1;
      for (std::size_t i : active) {
        const cv::Point2d a = points_px[i - 1];
        const cv::Point2d ab = points_px[i] - a;
        const double len2 = ab.dot(ab);
        const cv::Point2d ap(x - a.x, y - a.y);
        const double t = len2 > 0 ? std::clamp(ap.dot(ab) / len2, 0.0, 1.0) : 0.0;
        const cv::Point2d d = ap - t * ab;
        const double dist2 = d.dot(d);
        if (dist2 < best) {
          best = dist2;
          best_arc = query.cumulative[i - 1] + t * std::sqrt(len2);
        }
      }
      if (best_arc >= 0) apply(x, y, std::sqrt(best), best_arc, query.Length());
    }
  }
}

cv::Rect PolylineBox(const std::vector<cv::Point2d>& points_px, double reach_px,
                     const cv::Rect& region) {
  double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
  for (const auto& p : points_px) {
    x0 = std::min(x0, p.x);
    y0 = std::min(y0, p.y);
    x1 = std::max(x1, p.x);
    y1 = std::max(y1, p.y);
  }
  const int ix0 = static_cast<int>(std::floor(x0 - reach_px)) - 1;
  const int iy0 = static_cast<int>(std::floor(y0 - reach_px)) - 1;
  const int ix1 = static_cast<int>(std::ceil(x1 + reach_px)) + 2;
  const int iy1 = static_cast<int>(std::ceil(y1 + reach_px)) + 2;
  return cv::Rect(ix0, iy0, ix1 - ix0, iy1 - iy0) & region;
}

std::vector<cv::Point2d> ToPixels(const std::vector<cv::Point2d>& points_mm, double ppm) {
  std::vector<cv::Point2d> out;
  out.reserve(points_mm.size());
  for (const auto& p : points_mm) out.emplace_back(p.x * ppm, p.y * ppm);
  return out;
}

// Smooth taper of a wrinkle's depth over the first and last 20 % of its length.
inline double Taper(double arc, double length) {
  const double edge = 0.2 * length;
  if (edge <= 0) return 1;
  const double t = std::clamp(std::min(arc, length - arc) / edge, 0.0, 1.0);
  return t * t * (3 - 2 * t);
}

}  // namespace

cv::Vec3d LightDirection(double azimuth_deg, double elevation_deg) {
  const double az = azimuth_deg * std::numbers::pi / 180;
  const double el = elevation_deg * std::numbers::pi / 180;
  return {std::cos(el) * std::cos(az), std::cos(el) * std::sin(az), std::sin(el)};
}

cv::Matx33d ImageFromCanonical(const CaptureParams& c, int width_px, int height_px) {
  const double cx = (width_px - 1) / 2.0;
  const double cy = (height_px - 1) / 2.0;
  const double th = c.rotation_deg * std::numbers::pi / 180;
  const double a = c.scale * std::cos(th);
  const double b = c.scale * std::sin(th);
  const cv::Matx33d to_centre(1, 0, -cx, 0, 1, -cy, 0, 0, 1);
  const cv::Matx33d core(a, -b, 0, b, a, 0, c.perspective_x / width_px, c.perspective_y / height_px,
                         1);
  const cv::Matx33d back(1, 0, cx + c.translation_x_px, 0, 1, cy + c.translation_y_px, 0, 0, 1);
  const cv::Matx33d h = back * core * to_centre;
  return h * (1.0 / h(2, 2));  // normalised so that h33 = 1
}

CanonicalRender RenderCanonical(const Scene& scene, const VisitFeatures& v, const cv::Rect& region,
                                const Lighting& lighting) {
  const PhantomOptions& o = scene.options;
  const double ppm = o.px_per_mm;
  const int w = region.width, h = region.height;
  cv::Mat melanin(h, w, CV_32F), hemoglobin(h, w, CV_32F), shading(h, w, CV_32F),
      height(h, w, CV_32F);

  // Base tone, mottling, texture.
  {
    const cv::Mat mottling = scene.mottling.Sample(region);
    const cv::Mat texture = scene.texture.Sample(region);
    const double mott = o.features.mottling_rms;
    const float m_mel_a = static_cast<float>(mott * scene.mottling.scale[0]);
    const float m_mel_b = static_cast<float>(scene.tone.melanin - mott * scene.mottling.scale[0] *
                                                                      scene.mottling.mean[0]);
    const float m_hb_a = static_cast<float>(mott * scene.mottling.scale[1]);
    const float m_hb_b = static_cast<float>(scene.tone.hemoglobin + v.post_treatment_hemoglobin -
                                            mott * scene.mottling.scale[1] *
                                                scene.mottling.mean[1]);
    const double ta = v.texture_albedo_rms * scene.texture.scale[0];
    const double th = v.texture_height_sq_um * 1e-3 * scene.texture.scale[1];
    const float t_s_a = static_cast<float>(ta);
    const float t_s_b = static_cast<float>(scene.tone.shading - ta * scene.texture.mean[0]);
    const float t_z_a = static_cast<float>(th);
    const float t_z_b = static_cast<float>(-th * scene.texture.mean[1]);
    for (int y = 0; y < h; ++y) {
      const auto* mrow = mottling.ptr<cv::Vec2f>(y);
      const auto* trow = texture.ptr<cv::Vec2f>(y);
      auto* mel = melanin.ptr<float>(y);
      auto* hb = hemoglobin.ptr<float>(y);
      auto* sh = shading.ptr<float>(y);
      auto* z = height.ptr<float>(y);
      for (int x = 0; x < w; ++x) {
        mel[x] = m_mel_a * mrow[x][0] + m_mel_b;
        hb[x] = m_hb_a * mrow[x][1] + m_hb_b;
        sh[x] = t_s_a * trow[x][0] + t_s_b;
        z[x] = t_z_a * trow[x][1] + t_z_b;
      }
    }
  }

  // Pigment spots (melanin) and redness patches (haemoglobin): logistic edges, half maximum on
  // the stated contour.
  for (const PigmentSpot& spot : v.pigment) {
    const double cx = spot.x_mm * ppm, cy = spot.y_mm * ppm, r = spot.diameter_mm / 2 * ppm;
    const cv::Rect box = DiskBox(cx, cy, 1.8 * r, region);
    for (int y = box.y; y < box.y + box.height; ++y) {
      auto* row = melanin.ptr<float>(y - region.y);
      for (int x = box.x; x < box.x + box.width; ++x) {
        const double rho = std::hypot(x - cx, y - cy) / r;
        row[x - region.x] += static_cast<float>(spot.delta_melanin * SoftContour(rho, 0.1));
      }
    }
  }
  for (const RednessPatch& patch : v.redness) {
    const double cx = patch.x_mm * ppm, cy = patch.y_mm * ppm;
    const double a = patch.semi_major_mm * ppm, b = patch.semi_minor_mm * ppm;
    const double ang = patch.angle_deg * std::numbers::pi / 180;
    const double ca = std::cos(ang), sa = std::sin(ang);
    const cv::Rect box = DiskBox(cx, cy, 1.8 * a, region);
    for (int y = box.y; y < box.y + box.height; ++y) {
      auto* row = hemoglobin.ptr<float>(y - region.y);
      for (int x = box.x; x < box.x + box.width; ++x) {
        const double dx = x - cx, dy = y - cy;
        const double u = (dx * ca + dy * sa) / a, t = (-dx * sa + dy * ca) / b;
        row[x - region.x] +=
            static_cast<float>(patch.delta_hemoglobin * SoftContour(std::sqrt(u * u + t * t), 0.1));
      }
    }
  }

  // Pores: dark openings. Anti-aliased disk (1 px ramp at the edge) times a shallow cup so the
  // darkest point is the centre.
  for (const Pore& pore : v.pores) {
    const double cx = pore.x_mm * ppm, cy = pore.y_mm * ppm, r = pore.diameter_mm / 2 * ppm;
    const cv::Rect box = DiskBox(cx, cy, r + 1, region);
    for (int y = box.y; y < box.y + box.height; ++y) {
      auto* row = shading.ptr<float>(y - region.y);
      for (int x = box.x; x < box.x + box.width; ++x) {
        const double d = std::hypot(x - cx, y - cy);
        const double coverage = std::clamp(r + 0.5 - d, 0.0, 1.0);
        if (coverage <= 0) continue;
        const double u = std::min(d / std::max(r, 0.5), 1.0);
        const double cup = 0.75 + 0.25 * (1.0 - u * u);
        row[x - region.x] += static_cast<float>(pore.contrast * coverage * cup);
      }
    }
  }

  // Wrinkles: Gaussian grooves (FWHM = width) with tapered ends, plus cavity darkening.
  const double cavity = o.features.cavity_darkening;
  for (const Wrinkle& wrinkle : v.wrinkles) {
    const auto pts = ToPixels(wrinkle.points_mm, ppm);
    const double wpx = wrinkle.width_mm * ppm;
    const double reach = 2.0 * wpx + 1;
    const cv::Rect box = PolylineBox(pts, reach, region);
    ForEachNearPolyline(pts, reach, box, [&](int x, int y, double dist, double arc, double len) {
      const double depth =
          wrinkle.depth_mm * Taper(arc, len) * std::exp(-kFourLn2 * dist * dist / (wpx * wpx));
      height.at<float>(y - region.y, x - region.x) -= static_cast<float>(depth);
      shading.at<float>(y - region.y, x - region.x) +=
          static_cast<float>(cavity * depth / wrinkle.width_mm);
    });
  }
  for (const Hair& hair : scene.hairs) {
    const auto pts = ToPixels(hair.points_mm, ppm);
    const double wpx = std::max(hair.width_mm * ppm, 0.7);
    const double reach = 2.0 * wpx + 1;
    const cv::Rect box = PolylineBox(pts, reach, region);
    ForEachNearPolyline(pts, reach, box, [&](int x, int y, double dist, double, double) {
      shading.at<float>(y - region.y, x - region.x) +=
          static_cast<float>(hair.darkness * std::exp(-kFourLn2 * dist * dist / (wpx * wpx)));
    });
  }

  // Atrophic scars: height profile plus cavity darkening relative to the diameter.
  for (const Scar& scar : v.scars) {
    const double cx = scar.x_mm * ppm, cy = scar.y_mm * ppm, r = scar.diameter_mm / 2 * ppm;
    const cv::Rect box = DiskBox(cx, cy, r, region);
    for (int y = box.y; y < box.y + box.height; ++y) {
      auto* zrow = height.ptr<float>(y - region.y);
      auto* srow = shading.ptr<float>(y - region.y);
      for (int x = box.x; x < box.x + box.width; ++x) {
        const double z = ScarHeightMm(scar, std::hypot(x - cx, y - cy) / ppm);
        zrow[x - region.x] += static_cast<float>(z);
        srow[x - region.x] += static_cast<float>(cavity * -z / scar.diameter_mm);
      }
    }
  }

  // Lambertian shading from central differences of the height map, then the Tsumura forward model.
  cv::Mat rgb(h, w, CV_32FC3);
  const cv::Vec3d l = lighting.light;
  const double light_scale = lighting.intensity / (lighting.normalise_flat ? l[2] : 1.0);
  const float lx = static_cast<float>(l[0]), ly = static_cast<float>(l[1]),
              lz = static_cast<float>(l[2]);
  const float half_ppm = static_cast<float>(ppm / 2);
  const float sm[3] = {static_cast<float>(kMelaninDensityRgb[0]),
                       static_cast<float>(kMelaninDensityRgb[1]),
                       static_cast<float>(kMelaninDensityRgb[2])};
  const float shb[3] = {static_cast<float>(kHemoglobinDensityRgb[0]),
                        static_cast<float>(kHemoglobinDensityRgb[1]),
                        static_cast<float>(kHemoglobinDensityRgb[2])};
  for (int y = 0; y < h; ++y) {
    const float* z = height.ptr<float>(y);
    const float* zu = height.ptr<float>(std::max(y - 1, 0));
    const float* zd = height.ptr<float>(std::min(y + 1, h - 1));
    const float qscale = (y == 0 || y == h - 1) ? 2 * half_ppm : half_ppm;
    const auto* mel = melanin.ptr<float>(y);
    const auto* hb = hemoglobin.ptr<float>(y);
    const auto* sh = shading.ptr<float>(y);
    auto* out = rgb.ptr<cv::Vec3f>(y);
    for (int x = 0; x < w; ++x) {
      const int xl = std::max(x - 1, 0), xr = std::min(x + 1, w - 1);
      const float p = (z[xr] - z[xl]) * ((xr - xl) == 2 ? half_ppm : 2 * half_ppm);
      const float q = (zd[x] - zu[x]) * qscale;
      const float ndotl = (-p * lx - q * ly + lz) / std::sqrt(1.0f + p * p + q * q);
      const float lambert = std::max(0.0f, ndotl) * static_cast<float>(light_scale);
      for (int c = 0; c < 3; ++c) {
        out[x][c] = std::exp(-(mel[x] * sm[c] + hb[x] * shb[c] + sh[x])) * lambert;
      }
    }
  }

  // The chart: flat, matte, evenly lit (no skin shading), drawn over the skin.
  if (scene.chart.present && lighting.draw_chart) {
    const ChartLayout& chart = scene.chart;
    const cv::Rect body = chart.rect_px & region;
    if (!body.empty()) {
      const cv::Vec3f body_rgb(chart.body_rgb_linear);
      rgb(body - region.tl()).setTo(cv::Scalar(body_rgb[0], body_rgb[1], body_rgb[2]));
      for (int i = 0; i < static_cast<int>(chart.patches.size()); ++i) {
        const cv::Rect patch = chart.PatchRect(i) & region;
        if (patch.empty()) continue;
        const cv::Vec3d& c = chart.patches[static_cast<std::size_t>(i)].rgb_linear;
        rgb(patch - region.tl()).setTo(cv::Scalar(c[0], c[1], c[2]));
      }
    }
  }

  CanonicalRender out;
  out.region = region;
  out.rgb_linear = rgb;
  out.height_mm = height;
  return out;
}

Result<CaptureRender> RenderCapture(const Scene& scene, const VisitFeatures& features,
                                    const CaptureParams& capture) {
  const PhantomOptions& o = scene.options;
  const int w = o.width_px, h = o.height_px;
  CaptureRender result;
  result.image_from_canonical = ImageFromCanonical(capture, w, h);
  const bool identity = capture.rotation_deg == 0 && capture.scale == 1 &&
                        capture.translation_x_px == 0 && capture.translation_y_px == 0 &&
                        capture.perspective_x == 0 && capture.perspective_y == 0;
  Lighting lighting;
  lighting.light = LightDirection(capture.light_azimuth_deg, capture.light_elevation_deg);
  if (lighting.light[2] < 0.2) {
    return UsageError("phantom light elevation " + std::to_string(capture.light_elevation_deg) +
                      " deg is too low; use at least 12 degrees");
  }
  cv::Mat rgb;
  try {
    if (identity) {
      rgb = RenderCanonical(scene, features, cv::Rect(0, 0, w, h), lighting).rgb_linear;
    } else {
      // The canonical region that the image sees, plus a few pixels for interpolation.
      const cv::Matx33d canonical_from_image = result.image_from_canonical.inv();
      double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
      for (const cv::Point2d corner : {cv::Point2d(-1, -1), cv::Point2d(w, -1),
                                       cv::Point2d(-1, h), cv::Point2d(w, h)}) {
        const cv::Vec3d p = canonical_from_image * cv::Vec3d(corner.x, corner.y, 1);
        if (p[2] <= 0) return UsageError("phantom capture perspective is too strong");
        x0 = std::min(x0, p[0] / p[2]);
        y0 = std::min(y0, p[1] / p[2]);
        x1 = std::max(x1, p[0] / p[2]);
        y1 = std::max(y1, p[1] / p[2]);
      }
      const cv::Rect region(static_cast<int>(std::floor(x0)) - 3, static_cast<int>(std::floor(y0)) - 3,
                            static_cast<int>(std::ceil(x1 - x0)) + 7,
                            static_cast<int>(std::ceil(y1 - y0)) + 7);
      const int m = scene.margin_px - 8;
      if (region.x < -m || region.y < -m || region.br().x > w + m || region.br().y > h + m) {
        return UsageError(
            "phantom capture variation moves the view too far from the skin; reduce rotation, "
            "scale, translation or perspective");
      }
      const CanonicalRender canonical = RenderCanonical(scene, features, region, lighting);
      const cv::Matx33d image_from_region =
          result.image_from_canonical * cv::Matx33d(1, 0, region.x, 0, 1, region.y, 0, 0, 1);
      if (capture.perspective_x == 0 && capture.perspective_y == 0) {
        const cv::Matx23d affine(image_from_region(0, 0), image_from_region(0, 1),
                                 image_from_region(0, 2), image_from_region(1, 0),
                                 image_from_region(1, 1), image_from_region(1, 2));
        cv::warpAffine(canonical.rgb_linear, rgb, affine, cv::Size(w, h), cv::INTER_LANCZOS4,
                       cv::BORDER_REPLICATE);
      } else {
        cv::warpPerspective(canonical.rgb_linear, rgb, image_from_region, cv::Size(w, h),
                            cv::INTER_LANCZOS4, cv::BORDER_REPLICATE);
      }
    }
    if (capture.blur_sigma_px > 0) {
      cv::GaussianBlur(rgb, rgb, cv::Size(0, 0), capture.blur_sigma_px, capture.blur_sigma_px,
                       cv::BORDER_REFLECT_101);
    }
    // Exposure, white balance and sensor noise (variance = shot_gain·I + read_sigma²).
    const cv::Vec3f gain(static_cast<float>(capture.exposure_gain * capture.white_balance_rgb[0]),
                         static_cast<float>(capture.exposure_gain * capture.white_balance_rgb[1]),
                         static_cast<float>(capture.exposure_gain * capture.white_balance_rgb[2]));
    const bool noisy = capture.shot_gain > 0 || capture.read_sigma > 0;
    const float shot = static_cast<float>(capture.shot_gain);
    const float read2 = static_cast<float>(capture.read_sigma * capture.read_sigma);
    for (int y = 0; y < h; ++y) {
      auto* row = rgb.ptr<cv::Vec3f>(y);
      std::uint64_t state = DeriveSeed(capture.noise_seed, {static_cast<std::uint64_t>(y)});
      for (int x = 0; x < w; ++x) {
        for (int c = 0; c < 3; ++c) {
          float value = row[x][c] * gain[c];
          if (noisy) {
            state += 0x9E3779B97F4A7C15ull;
            std::uint64_t bits = state;
            bits = (bits ^ (bits >> 30)) * 0xBF58476D1CE4E5B9ull;
            bits = (bits ^ (bits >> 27)) * 0x94D049BB133111EBull;
            const float n = FastNormalFromBits(bits ^ (bits >> 31));
            value += n * std::sqrt(shot * std::max(value, 0.0f) + read2);
          }
          row[x][c] = value;
        }
      }
    }
    result.rgb_linear = rgb;
    result.bgr = LinearRgbToBgr8(rgb);
  } catch (const cv::Exception& e) {
    return InternalError(std::string("phantom rendering failed in OpenCV: ") + e.what());
  }
  return result;
}

}  // namespace skintrack::core::phantom
