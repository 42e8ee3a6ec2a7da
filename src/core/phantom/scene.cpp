#include "core/phantom/scene.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <opencv2/imgproc.hpp>

#include "core/base/check.h"
#include "core/phantom/chart.h"
#include "core/phantom/random.h"

namespace skintrack::core::phantom {
namespace {

// Stream labels for DeriveSeed: one independent stream per purpose.
enum StreamLabel : std::uint64_t {
  kStreamScars = 1,
  kStreamPores = 2,
  kStreamRedness = 3,
  kStreamPigment = 4,
  kStreamWrinkles = 5,
  kStreamHair = 6,
  kStreamMottling = 7,
  kStreamTexture = 8,
};

int FloorDiv(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// A coarse field made of `octaves` octaves of cubic-interpolated white noise, cell `cell_px`
// (finest octave) doubling per octave, covering the canonical image plus `margin_px` around it.
NoiseGrid MakeNoiseGrid(std::uint64_t seed, int width_px, int height_px, int margin_px,
                        int cell_px, int octaves) {
  NoiseGrid field;
  field.cell_px = cell_px;
  const int coarsest = cell_px << (octaves - 1);
  field.origin_px = (margin_px + coarsest - 1) / coarsest * coarsest;
  const int grid_w = (width_px + 2 * field.origin_px) / cell_px + 8;
  const int grid_h = (height_px + 2 * field.origin_px) / cell_px + 8;
  field.grid = cv::Mat(grid_h, grid_w, CV_32FC2, cv::Scalar(0, 0));
  for (int octave = 0; octave < octaves; ++octave) {
    const int factor = 1 << octave;
    const int coarse_w = grid_w / factor + 4;
    const int coarse_h = grid_h / factor + 4;
    std::vector<cv::Mat> channels;
    for (int c = 0; c < 2; ++c) {
      cv::Mat white(coarse_h, coarse_w, CV_32F);
      FillFastNormal(white, DeriveSeed(seed, {static_cast<std::uint64_t>(octave),
                                              static_cast<std::uint64_t>(c)}));
      channels.push_back(white);
    }
    cv::Mat coarse;
    cv::merge(channels, coarse);
    cv::Mat up = coarse;
    if (factor > 1) {
      cv::resize(coarse, up, cv::Size(coarse_w * factor, coarse_h * factor), 0, 0, cv::INTER_CUBIC);
    }
    field.grid += up(cv::Rect(0, 0, grid_w, grid_h));
  }
  // Normalise to zero mean and unit RMS over the canonical image itself.
  const cv::Mat sample = field.Sample(cv::Rect(0, 0, width_px, height_px));
  cv::Scalar mean, sd;
  cv::meanStdDev(sample, mean, sd);
  for (int c = 0; c < 2; ++c) {
    field.mean[c] = mean[c];
    field.scale[c] = sd[c] > 0 ? 1.0 / sd[c] : 0.0;
  }
  return field;
}

struct Placer {
  cv::Rect2d skin_mm;
  cv::Rect2d chart_mm;  // empty when no chart
  bool has_chart = false;

  // Whether a disk of `radius_mm` at (x, y) lies inside the skin, 1 mm from the border and 2 mm
  // from the chart.
  bool Fits(double x, double y, double radius_mm) const {
    const double m = radius_mm + 1.0;
    if (x < skin_mm.x + m || y < skin_mm.y + m || x > skin_mm.br().x - m ||
        y > skin_mm.br().y - m) {
      return false;
    }
    if (has_chart) {
      const double g = radius_mm + 2.0;
      if (x > chart_mm.x - g && x < chart_mm.br().x + g && y > chart_mm.y - g &&
          y < chart_mm.br().y + g) {
        return false;
      }
    }
    return true;
  }
};

std::vector<Scar> PlaceScars(const PhantomOptions& o, std::uint64_t seed, const Placer& placer,
                             const cv::Rect2d& region_mm) {
  PhantomRng rng(seed);
  std::vector<Scar> scars;
  for (int i = 0; i < o.features.scars; ++i) {
    Scar scar;
    scar.id = i + 1;
    scar.shape = static_cast<ScarShape>(i % 3);
    switch (scar.shape) {
      case ScarShape::kIcepick:  // < 2 mm wide, deep (Jacob et al. 2001)
        scar.diameter_mm = rng.Uniform(0.9, 1.8);
        scar.depth_mm = rng.Uniform(0.25, 0.5);
        break;
      case ScarShape::kBoxcar:  // 1.5-4 mm, shallow to deep
        scar.diameter_mm = rng.Uniform(2.0, 4.0);
        scar.depth_mm = rng.Uniform(0.15, 0.4);
        break;
      case ScarShape::kRolling:  // > 4 mm, shallow undulation
        scar.diameter_mm = rng.Uniform(4.5, 6.5);
        scar.depth_mm = rng.Uniform(0.1, 0.25);
        break;
    }
    const double r = scar.diameter_mm / 2;
    for (int attempt = 0; attempt < 200; ++attempt) {
      const double x = rng.Uniform(region_mm.x + r + 1, region_mm.br().x - r - 1);
      const double y = rng.Uniform(region_mm.y + r + 1, region_mm.br().y - r - 1);
      if (!placer.Fits(x, y, r)) continue;
      bool clear = true;
      for (const Scar& other : scars) {
        if (std::hypot(x - other.x_mm, y - other.y_mm) < r + other.diameter_mm / 2 + 2.0) {
          clear = false;
          break;
        }
      }
      if (!clear) continue;
      scar.x_mm = x;
      scar.y_mm = y;
      scars.push_back(scar);
      break;
    }
  }
  for (std::size_t i = 0; i < scars.size(); ++i) scars[i].id = static_cast<int>(i) + 1;
  return scars;
}

std::vector<Pore> PlacePores(const PhantomOptions& o, std::uint64_t seed, const Placer& placer,
                             double skin_area_mm2, const std::vector<Scar>& scars) {
  PhantomRng rng(seed);
  const auto& f = o.features;
  const int target = static_cast<int>(std::lround(f.pore_density_per_cm2 * skin_area_mm2 / 100.0));
  // Spatial hash with 1 mm cells: pores must not touch (0.25 mm gap).
  const int cells_x = static_cast<int>(std::ceil(placer.skin_mm.width)) + 1;
  const int cells_y = static_cast<int>(std::ceil(placer.skin_mm.height)) + 1;
  std::vector<std::vector<int>> cells(static_cast<std::size_t>(cells_x) * cells_y);
  std::vector<Pore> pores;
  pores.reserve(static_cast<std::size_t>(std::max(target, 0)));
  const long max_attempts = 30L * std::max(target, 1);
  for (long attempt = 0; attempt < max_attempts && static_cast<int>(pores.size()) < target;
       ++attempt) {
    Pore pore;
    pore.diameter_mm = rng.Uniform(f.pore_diameter_min_mm, f.pore_diameter_max_mm);
    pore.contrast = f.pore_contrast * rng.Uniform(0.8, 1.2);
    pore.closure = rng.Uniform();
    pore.x_mm = rng.Uniform(placer.skin_mm.x, placer.skin_mm.br().x);
    pore.y_mm = rng.Uniform(placer.skin_mm.y, placer.skin_mm.br().y);
    const double r = pore.diameter_mm / 2;
    if (!placer.Fits(pore.x_mm, pore.y_mm, r)) continue;
    bool clear = true;
    for (const Scar& scar : scars) {
      if (std::hypot(pore.x_mm - scar.x_mm, pore.y_mm - scar.y_mm) < r + scar.diameter_mm / 2 + 0.5) {
        clear = false;
        break;
      }
    }
    if (!clear) continue;
    const int cx = static_cast<int>(pore.x_mm);
    const int cy = static_cast<int>(pore.y_mm);
    for (int dy = -1; dy <= 1 && clear; ++dy) {
      for (int dx = -1; dx <= 1 && clear; ++dx) {
        const int nx = cx + dx, ny = cy + dy;
        if (nx < 0 || ny < 0 || nx >= cells_x || ny >= cells_y) continue;
        for (int j : cells[static_cast<std::size_t>(ny) * cells_x + nx]) {
          const Pore& other = pores[static_cast<std::size_t>(j)];
          if (std::hypot(pore.x_mm - other.x_mm, pore.y_mm - other.y_mm) <
              r + other.diameter_mm / 2 + 0.25) {
            clear = false;
            break;
          }
        }
      }
    }
    if (!clear) continue;
    pore.id = static_cast<int>(pores.size()) + 1;
    cells[static_cast<std::size_t>(cy) * cells_x + cx].push_back(static_cast<int>(pores.size()));
    pores.push_back(pore);
  }
  return pores;
}

std::vector<cv::Point2d> RandomWalkPolyline(PhantomRng& rng, const Placer& placer, double length_mm,
                                            double step_mm, double heading_sd_deg,
                                            double heading_deg, double margin_mm) {
  std::vector<cv::Point2d> points;
  for (int attempt = 0; attempt < 100; ++attempt) {
    points.clear();
    double x = rng.Uniform(placer.skin_mm.x, placer.skin_mm.br().x);
    double y = rng.Uniform(placer.skin_mm.y, placer.skin_mm.br().y);
    double heading = heading_deg * std::numbers::pi / 180;
    bool ok = placer.Fits(x, y, margin_mm);
    points.emplace_back(x, y);
    const int steps = std::max(2, static_cast<int>(length_mm / step_mm));
    for (int s = 0; s < steps && ok; ++s) {
      heading += rng.Normal(0, heading_sd_deg * std::numbers::pi / 180);
      x += step_mm * std::cos(heading);
      y += step_mm * std::sin(heading);
      ok = placer.Fits(x, y, margin_mm);
      points.emplace_back(x, y);
    }
    if (ok) return points;
  }
  return {};
}

double PolylineLength(const std::vector<cv::Point2d>& points) {
  double length = 0;
  for (std::size_t i = 1; i < points.size(); ++i) length += cv::norm(points[i] - points[i - 1]);
  return length;
}

}  // namespace

const char* ScarShapeName(ScarShape shape) {
  switch (shape) {
    case ScarShape::kIcepick:
      return "icepick";
    case ScarShape::kBoxcar:
      return "boxcar";
    case ScarShape::kRolling:
      return "rolling";
  }
  return "unknown";
}

cv::Mat NoiseGrid::Sample(const cv::Rect& region) const {
  const int c = cell_px;
  const int gx0 = FloorDiv(region.x + origin_px, c) - 2;
  const int gy0 = FloorDiv(region.y + origin_px, c) - 2;
  const int gx1 = FloorDiv(region.x + region.width - 1 + origin_px, c) + 3;
  const int gy1 = FloorDiv(region.y + region.height - 1 + origin_px, c) + 3;
  SKT_CHECK(gx0 >= 0 && gy0 >= 0 && gx1 <= grid.cols && gy1 <= grid.rows)
      << "region " << region << " outside the phantom's noise field";
  const cv::Mat sub = grid(cv::Rect(gx0, gy0, gx1 - gx0, gy1 - gy0));
  cv::Mat up;
  if (c == 1) {
    up = sub;
  } else {
    cv::resize(sub, up, cv::Size(sub.cols * c, sub.rows * c), 0, 0, cv::INTER_CUBIC);
  }
  const int ox = region.x - (gx0 * c - origin_px);
  const int oy = region.y - (gy0 * c - origin_px);
  return up(cv::Rect(ox, oy, region.width, region.height)).clone();
}

Result<Scene> MakeScene(const PhantomOptions& o, int subject_index) {
  SKT_CHECK(subject_index >= 0 && subject_index < static_cast<int>(o.subjects.size()));
  Scene scene;
  scene.options = o;
  scene.subject_index = subject_index;
  scene.response = o.subjects[static_cast<std::size_t>(subject_index)];
  scene.tone = BaseChromophoresForTone(o.tone);
  const double ppm = o.px_per_mm;
  scene.skin_rect_mm = cv::Rect2d(0, 0, o.width_px / ppm, o.height_px / ppm);
  scene.margin_px = static_cast<int>(std::ceil(0.25 * std::max(o.width_px, o.height_px))) + 16;
  const std::uint64_t subject_seed = DeriveSeed(o.seed, {static_cast<std::uint64_t>(subject_index)});

  SKT_ASSIGN_OR_RETURN(scene.chart, MakeChartLayout(o));
  Placer placer;
  placer.skin_mm = scene.skin_rect_mm;
  placer.has_chart = scene.chart.present;
  if (placer.has_chart) {
    const cv::Rect& r = scene.chart.rect_px;
    placer.chart_mm = cv::Rect2d(r.x / ppm, r.y / ppm, r.width / ppm, r.height / ppm);
  }
  scene.skin_area_mm2 = scene.skin_rect_mm.area() - (placer.has_chart ? placer.chart_mm.area() : 0);

  // Scars sit in the central square that the photometric-stereo set covers.
  const int ps = std::min({o.ps_size_px, o.width_px, o.height_px});
  scene.ps_rect_px = cv::Rect((o.width_px - ps) / 2, (o.height_px - ps) / 2, ps, ps);
  const cv::Rect2d ps_mm(scene.ps_rect_px.x / ppm, scene.ps_rect_px.y / ppm, ps / ppm, ps / ppm);
  scene.scars = PlaceScars(o, DeriveSeed(subject_seed, {kStreamScars}), placer, ps_mm);
  scene.pores = PlacePores(o, DeriveSeed(subject_seed, {kStreamPores}), placer,
                           scene.skin_area_mm2, scene.scars);

  {
    PhantomRng rng(DeriveSeed(subject_seed, {kStreamRedness}));
    for (int i = 0; i < o.features.redness_patches; ++i) {
      RednessPatch patch;
      patch.semi_major_mm = rng.Uniform(4, 10);
      patch.semi_minor_mm = patch.semi_major_mm * rng.Uniform(0.5, 1.0);
      patch.angle_deg = rng.Uniform(0, 180);
      patch.delta_hemoglobin = o.features.redness_delta_hemoglobin * rng.Uniform(0.8, 1.2);
      for (int attempt = 0; attempt < 200; ++attempt) {
        const double x = rng.Uniform(scene.skin_rect_mm.x, scene.skin_rect_mm.br().x);
        const double y = rng.Uniform(scene.skin_rect_mm.y, scene.skin_rect_mm.br().y);
        if (!placer.Fits(x, y, patch.semi_major_mm)) continue;
        bool clear = true;
        for (const RednessPatch& other : scene.redness) {
          if (std::hypot(x - other.x_mm, y - other.y_mm) <
              1.6 * (patch.semi_major_mm + other.semi_major_mm)) {
            clear = false;
          }
        }
        if (!clear) continue;
        patch.x_mm = x;
        patch.y_mm = y;
        patch.id = static_cast<int>(scene.redness.size()) + 1;
        scene.redness.push_back(patch);
        break;
      }
    }
  }
  {
    PhantomRng rng(DeriveSeed(subject_seed, {kStreamPigment}));
    for (int i = 0; i < o.features.pigment_spots; ++i) {
      PigmentSpot spot;
      spot.diameter_mm = rng.Uniform(2, 6);
      spot.delta_melanin = o.features.pigment_delta_melanin * rng.Uniform(0.8, 1.2);
      for (int attempt = 0; attempt < 200; ++attempt) {
        const double x = rng.Uniform(scene.skin_rect_mm.x, scene.skin_rect_mm.br().x);
        const double y = rng.Uniform(scene.skin_rect_mm.y, scene.skin_rect_mm.br().y);
        if (!placer.Fits(x, y, spot.diameter_mm)) continue;
        bool clear = true;
        for (const PigmentSpot& other : scene.pigment) {
          if (std::hypot(x - other.x_mm, y - other.y_mm) < spot.diameter_mm + other.diameter_mm) {
            clear = false;
          }
        }
        if (!clear) continue;
        spot.x_mm = x;
        spot.y_mm = y;
        spot.id = static_cast<int>(scene.pigment.size()) + 1;
        scene.pigment.push_back(spot);
        break;
      }
    }
  }
  {
    PhantomRng rng(DeriveSeed(subject_seed, {kStreamWrinkles}));
    const double max_length = 0.6 * std::min(scene.skin_rect_mm.width, scene.skin_rect_mm.height);
    for (int i = 0; i < o.features.wrinkles; ++i) {
      Wrinkle wrinkle;
      wrinkle.width_mm = rng.Uniform(0.3, 0.8);
      wrinkle.depth_mm = rng.Uniform(0.05, 0.15);
      const double length = rng.Uniform(0.5, 1.0) * max_length;
      const double heading = rng.Uniform(-30, 30) + (rng.Uniform() < 0.5 ? 180 : 0);
      wrinkle.points_mm = RandomWalkPolyline(rng, placer, length, 1.0, 3.0, heading, 1.0);
      if (wrinkle.points_mm.size() < 2) continue;
      wrinkle.length_mm = PolylineLength(wrinkle.points_mm);
      wrinkle.id = static_cast<int>(scene.wrinkles.size()) + 1;
      scene.wrinkles.push_back(std::move(wrinkle));
    }
  }
  if (o.features.hair) {
    PhantomRng rng(DeriveSeed(subject_seed, {kStreamHair}));
    for (int i = 0; i < 6; ++i) {
      Hair hair;
      hair.width_mm = rng.Uniform(0.05, 0.1);
      hair.darkness = rng.Uniform(1.0, 2.0);
      hair.points_mm =
          RandomWalkPolyline(rng, placer, rng.Uniform(5, 15), 0.5, 4.0, rng.Uniform(0, 360), 0.5);
      if (hair.points_mm.size() >= 2) scene.hairs.push_back(std::move(hair));
    }
  }

  // Slow mottling: wavelengths 5-20 mm. Fine texture: the stated band, at least 4 px.
  const int mottling_cell = std::max(2, static_cast<int>(std::lround(2.5 * ppm)));
  scene.mottling = MakeNoiseGrid(DeriveSeed(subject_seed, {kStreamMottling}), o.width_px,
                                 o.height_px, scene.margin_px, mottling_cell, 3);
  const double band_min_px = std::max(4.0, o.features.texture_band_min_mm * ppm);
  const int texture_cell = std::max(2, static_cast<int>(std::lround(band_min_px / 2)));
  int octaves = 1;
  while (octaves < 6 && 2.0 * (texture_cell << octaves) <= o.features.texture_band_max_mm * ppm) {
    ++octaves;
  }
  scene.texture = MakeNoiseGrid(DeriveSeed(subject_seed, {kStreamTexture}), o.width_px,
                                o.height_px, scene.margin_px, texture_cell, octaves);
  scene.texture_band_min_mm = 2.0 * texture_cell / ppm;
  scene.texture_band_max_mm = 2.0 * (texture_cell << (octaves - 1)) / ppm;
  return scene;
}

VisitFeatures ApplyState(const Scene& scene, const SkinState& state) {
  VisitFeatures v;
  const double g = std::clamp(state.improvement, 0.0, 0.95);
  v.improvement = g;
  v.post_treatment_hemoglobin = state.post_treatment_hemoglobin;
  // Pores: half the improvement closes pores (fraction 0.5·g), the rest shrinks them.
  for (const Pore& pore : scene.pores) {
    if (pore.closure < 0.5 * g) {
      ++v.closed_pores;
      continue;
    }
    Pore p = pore;
    p.diameter_mm *= 1.0 - 0.5 * g;
    v.pores.push_back(p);
  }
  for (RednessPatch patch : scene.redness) {
    patch.delta_hemoglobin *= 1.0 - g;
    v.redness.push_back(patch);
  }
  v.pigment = scene.pigment;  // no pigment change (no post-inflammatory hyperpigmentation)
  for (Wrinkle wrinkle : scene.wrinkles) {
    wrinkle.depth_mm *= 1.0 - g;
    v.wrinkles.push_back(std::move(wrinkle));
  }
  for (Scar scar : scene.scars) {
    scar.depth_mm *= 1.0 - g;
    scar.diameter_mm *= 1.0 - 0.3 * g;
    v.scars.push_back(scar);
  }
  v.texture_albedo_rms = scene.options.features.texture_albedo_rms * (1.0 - g);
  v.texture_height_sq_um = scene.options.features.texture_height_sq_um * (1.0 - g);
  return v;
}

double ScarHeightMm(const Scar& scar, double r_mm) {
  const double radius = scar.diameter_mm / 2;
  if (r_mm >= radius || radius <= 0) return 0;
  const double u = r_mm / radius;
  switch (scar.shape) {
    case ScarShape::kIcepick: {  // narrow funnel: smooth cone (1 - u²)²·... steep near the axis
      const double w = 1.0 - u * u;
      return -scar.depth_mm * w * w;
    }
    case ScarShape::kBoxcar: {  // flat floor to u = 0.6, steep smooth wall to the rim
      if (u <= 0.6) return -scar.depth_mm;
      const double t = (u - 0.6) / 0.4;
      const double smooth = t * t * (3 - 2 * t);
      return -scar.depth_mm * (1.0 - smooth);
    }
    case ScarShape::kRolling: {  // gentle cosine bowl
      const double c = std::cos(std::numbers::pi / 2 * u);
      return -scar.depth_mm * c * c;
    }
  }
  return 0;
}

double ScarVolumeMm3(const Scar& scar) {
  const double radius = scar.diameter_mm / 2;
  constexpr int kSteps = 2000;
  double volume = 0;
  for (int i = 0; i < kSteps; ++i) {
    const double r = (i + 0.5) * radius / kSteps;
    volume += -ScarHeightMm(scar, r) * 2 * std::numbers::pi * r * (radius / kSteps);
  }
  return volume;
}

}  // namespace skintrack::core::phantom
