#include "core/phantom/truth.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/color/color_space.h"
#include "core/color/skin_model.h"
#include "core/phantom/render.h"

namespace skintrack::core::phantom {
namespace {

using nlohmann::json;

double Round(double value, int digits) {
  const double f = std::pow(10.0, digits);
  return std::round(value * f) / f;
}

json MatrixJson(const cv::Matx33d& m) {
  json rows = json::array();
  for (int r = 0; r < 3; ++r) {
    rows.push_back({m(r, 0), m(r, 1), m(r, 2)});
  }
  return rows;
}

cv::Point2d Map(const cv::Matx33d& h, double x, double y) {
  const cv::Vec3d p = h * cv::Vec3d(x, y, 1);
  return {p[0] / p[2], p[1] / p[2]};
}

// Local linear scale of a homography at a point: sqrt(|det J|).
double LocalScale(const cv::Matx33d& h, double x, double y) {
  const double w = h(2, 0) * x + h(2, 1) * y + h(2, 2);
  const cv::Point2d p = Map(h, x, y);
  const double j00 = (h(0, 0) - p.x * h(2, 0)) / w, j01 = (h(0, 1) - p.x * h(2, 1)) / w;
  const double j10 = (h(1, 0) - p.y * h(2, 0)) / w, j11 = (h(1, 1) - p.y * h(2, 1)) / w;
  return std::sqrt(std::abs(j00 * j11 - j01 * j10));
}

json PointsJson(const std::vector<cv::Point2d>& points, int digits) {
  json out = json::array();
  for (const auto& p : points) out.push_back({Round(p.x, digits), Round(p.y, digits)});
  return out;
}

}  // namespace

json OptionsToJson(const PhantomOptions& o) {
  json subjects = json::array();
  for (PhantomResponse r : o.subjects) subjects.push_back(PhantomResponseName(r));
  const auto& f = o.features;
  const auto& c = o.capture;
  return {
      {"seed", o.seed},
      {"width_px", o.width_px},
      {"height_px", o.height_px},
      {"px_per_mm", o.px_per_mm},
      {"tone", SkinToneName(o.tone)},
      {"effect", o.effect},
      {"subjects", subjects},
      {"treatment_sessions", o.treatment_sessions},
      {"treatment_interval_days", o.treatment_interval_days},
      {"start_date", o.start_date},
      {"jpeg_quality", o.jpeg_quality},
      {"photometric_stereo", o.photometric_stereo},
      {"ps_lights", o.ps_lights},
      {"ps_size_px", o.ps_size_px},
      {"features",
       {{"pore_density_per_cm2", f.pore_density_per_cm2},
        {"pore_diameter_min_mm", f.pore_diameter_min_mm},
        {"pore_diameter_max_mm", f.pore_diameter_max_mm},
        {"pore_contrast", f.pore_contrast},
        {"redness_patches", f.redness_patches},
        {"redness_delta_hemoglobin", f.redness_delta_hemoglobin},
        {"pigment_spots", f.pigment_spots},
        {"pigment_delta_melanin", f.pigment_delta_melanin},
        {"wrinkles", f.wrinkles},
        {"scars", f.scars},
        {"texture_albedo_rms", f.texture_albedo_rms},
        {"texture_height_sq_um", f.texture_height_sq_um},
        {"texture_band_min_mm", f.texture_band_min_mm},
        {"texture_band_max_mm", f.texture_band_max_mm},
        {"mottling_rms", f.mottling_rms},
        {"cavity_darkening", f.cavity_darkening},
        {"hair", f.hair},
        {"chart", f.chart},
        {"chart_patch_pitch_mm", f.chart_patch_pitch_mm}}},
      {"capture_variation",
       {{"enabled", c.enabled},
        {"max_rotation_deg", c.max_rotation_deg},
        {"max_scale_change", c.max_scale_change},
        {"max_translation_frac", c.max_translation_frac},
        {"perspective", c.perspective},
        {"max_perspective_frac", c.max_perspective_frac},
        {"max_exposure_ev", c.max_exposure_ev},
        {"max_white_balance_change", c.max_white_balance_change},
        {"blur_sigma_min_px", c.blur_sigma_min_px},
        {"blur_sigma_max_px", c.blur_sigma_max_px},
        {"max_light_azimuth_change_deg", c.max_light_azimuth_change_deg},
        {"max_light_elevation_change_deg", c.max_light_elevation_change_deg}}},
  };
}

json SubjectTruth(const Scene& scene) {
  const PhantomOptions& o = scene.options;
  const double ppm = o.px_per_mm;
  const cv::Vec3d flat_rgb =
      LinearRgbFromChromophores(scene.tone.melanin, scene.tone.hemoglobin, scene.tone.shading);
  const cv::Vec3d flat_lab = LabD50FromLinearSrgb(flat_rgb);
  const auto ita = ItaDegrees(flat_lab[0], flat_lab[2]);
  json tone = {{"name", SkinToneName(o.tone)},
               {"melanin", scene.tone.melanin},
               {"hemoglobin", scene.tone.hemoglobin},
               {"shading", scene.tone.shading},
               {"flat_rgb_linear", {Round(flat_rgb[0], 5), Round(flat_rgb[1], 5), Round(flat_rgb[2], 5)}},
               {"flat_lab_d50", {Round(flat_lab[0], 3), Round(flat_lab[1], 3), Round(flat_lab[2], 3)}},
               {"ita_deg", ita ? json(Round(*ita, 3)) : json(nullptr)},
               {"ita_class", ita ? json(ItaClassName(ClassifyIta(*ita))) : json(nullptr)}};
  json chart = {{"present", scene.chart.present}};
  if (scene.chart.present) {
    const ChartLayout& c = scene.chart;
    json patches = json::array();
    for (int i = 0; i < static_cast<int>(c.patches.size()); ++i) {
      const ChartPatch& p = c.patches[static_cast<std::size_t>(i)];
      const cv::Rect r = c.PatchRect(i);
      patches.push_back({{"index", i + 1},
                         {"name", p.name},
                         {"lab_d50", {p.lab_d50[0], p.lab_d50[1], p.lab_d50[2]}},
                         {"rgb_linear", {Round(p.rgb_linear[0], 6), Round(p.rgb_linear[1], 6),
                                         Round(p.rgb_linear[2], 6)}},
                         {"in_srgb_gamut", p.in_srgb_gamut},
                         {"rect_px", {r.x, r.y, r.width, r.height}}});
    }
    const cv::Rect box(c.rect_px.x + c.border_px, c.rect_px.y + c.border_px,
                       c.rect_px.width - 2 * c.border_px, c.rect_px.height - 2 * c.border_px);
    chart = {{"present", true},
             {"type", "ColorChecker Classic 24"},
             {"reference", "post2014"},
             {"patch_pitch_mm", c.pitch_mm},
             {"patch_size_mm", c.patch_mm},
             {"patch_pitch_px", c.pitch_px},
             {"patch_size_px", c.patch_px},
             {"scale_vs_classic", c.pitch_mm / c.classic_pitch_mm},
             {"body_rect_px", {c.rect_px.x, c.rect_px.y, c.rect_px.width, c.rect_px.height}},
             {"box_rect_px", {box.x, box.y, box.width, box.height}},
             {"body_rgb_linear", {c.body_rgb_linear[0], c.body_rgb_linear[1], c.body_rgb_linear[2]}},
             {"patches", patches}};
  }
  return {
      {"response", PhantomResponseName(scene.response)},
      {"treated", scene.response != PhantomResponse::kControl},
      {"effect", scene.response == PhantomResponse::kResponder      ? o.effect
                 : scene.response == PhantomResponse::kNonResponder ? 0.1 * o.effect
                                                                    : 0.0},
      {"tone", tone},
      {"canonical",
       {{"width_px", o.width_px},
        {"height_px", o.height_px},
        {"px_per_mm", ppm},
        {"width_mm", o.width_px / ppm},
        {"height_mm", o.height_px / ppm},
        {"skin_area_mm2", Round(scene.skin_area_mm2, 3)},
        {"skin_region", "canonical image minus chart.body_rect_px"},
        {"pixel_centres", "integer coordinates; mm = px / px_per_mm"}}},
      {"chart", chart},
      {"texture",
       {{"band_mm", {Round(scene.texture_band_min_mm, 4), Round(scene.texture_band_max_mm, 4)}},
        {"band_note", "octave wavelengths of the cubic-interpolated noise"},
        {"mottling_wavelengths_mm", {5, 20}},
        {"mottling_rms", o.features.mottling_rms}}},
  };
}

double TextureLuminanceRq(const Scene& scene, const VisitFeatures& features,
                          const cv::Vec3d& light) {
  const PhantomOptions& o = scene.options;
  const int side_w = std::min(512, o.width_px), side_h = std::min(512, o.height_px);
  const cv::Rect window((o.width_px - side_w) / 2, (o.height_px - side_h) / 2, side_w, side_h);
  const cv::Mat field = scene.texture.Sample(window);
  const double ta = features.texture_albedo_rms * scene.texture.scale[0];
  const double th = features.texture_height_sq_um * 1e-3 * scene.texture.scale[1];
  const double half_ppm = o.px_per_mm / 2;
  cv::Mat lum(side_h - 2, side_w - 2, CV_64F);
  for (int y = 1; y < side_h - 1; ++y) {
    for (int x = 1; x < side_w - 1; ++x) {
      const double p = (field.at<cv::Vec2f>(y, x + 1)[1] - field.at<cv::Vec2f>(y, x - 1)[1]) * th *
                       half_ppm;
      const double q = (field.at<cv::Vec2f>(y + 1, x)[1] - field.at<cv::Vec2f>(y - 1, x)[1]) * th *
                       half_ppm;
      const double lambert =
          std::max(0.0, (-p * light[0] - q * light[1] + light[2]) / std::sqrt(1 + p * p + q * q));
      lum.at<double>(y - 1, x - 1) =
          std::exp(-ta * (field.at<cv::Vec2f>(y, x)[0] - scene.texture.mean[0])) * lambert;
    }
  }
  cv::Scalar mean, sd;
  cv::meanStdDev(lum, mean, sd);
  return mean[0] > 0 ? sd[0] / mean[0] : 0.0;
}

json CaptureTruth(const Scene& scene, const VisitFeatures& v, const CaptureParams& capture,
                  const cv::Matx33d& image_from_canonical) {
  const PhantomOptions& o = scene.options;
  const double ppm = o.px_per_mm;
  const double area = scene.skin_area_mm2;
  const cv::Matx33d canonical_from_mm(ppm, 0, 0, 0, ppm, 0, 0, 0, 1);
  const cv::Matx33d& h = image_from_canonical;
  const cv::Matx33d image_from_mm = h * canonical_from_mm;
  const cv::Vec3d light = LightDirection(capture.light_azimuth_deg, capture.light_elevation_deg);
  const double centre_x = (o.width_px - 1) / 2.0, centre_y = (o.height_px - 1) / 2.0;

  // Summary in physical units (canonical frame; the skin does not change size between captures).
  double pore_area = 0, pore_diam = 0;
  for (const Pore& p : v.pores) {
    pore_area += std::numbers::pi * p.diameter_mm * p.diameter_mm / 4;
    pore_diam += p.diameter_mm;
  }
  double red_area = 0;
  for (const RednessPatch& r : v.redness) red_area += std::numbers::pi * r.semi_major_mm * r.semi_minor_mm;
  double pig_area = 0;
  for (const PigmentSpot& s : v.pigment) pig_area += std::numbers::pi * s.diameter_mm * s.diameter_mm / 4;
  double wr_length = 0, wr_width = 0, wr_depth = 0, wr_area = 0;
  for (const Wrinkle& w : v.wrinkles) {
    wr_length += w.length_mm;
    wr_width += w.width_mm;
    wr_depth += w.depth_mm;
    wr_area += w.length_mm * w.width_mm;
  }
  double sc_area = 0, sc_depth = 0, sc_depth_max = 0, sc_volume = 0, sc_diam = 0;
  for (const Scar& s : v.scars) {
    sc_area += std::numbers::pi * s.diameter_mm * s.diameter_mm / 4;
    sc_depth += s.depth_mm;
    sc_depth_max = std::max(sc_depth_max, s.depth_mm);
    sc_volume += ScarVolumeMm3(s);
    sc_diam += s.diameter_mm;
  }
  const auto mean_of = [](double sum, std::size_t n) { return n ? sum / static_cast<double>(n) : 0.0; };
  json summary = {
      {"pores",
       {{"count", v.pores.size()},
        {"closed_since_baseline", v.closed_pores},
        {"density_per_cm2", Round(static_cast<double>(v.pores.size()) / (area / 100.0), 4)},
        {"mean_diameter_mm", Round(mean_of(pore_diam, v.pores.size()), 5)},
        {"area_pct", Round(100.0 * pore_area / area, 5)}}},
      {"redness",
       {{"patch_count", v.redness.size()},
        {"patch_area_pct", Round(100.0 * red_area / area, 5)},
        {"patch_delta_hemoglobin_mean",
         Round(mean_of([&] {
                 double s = 0;
                 for (const auto& r : v.redness) s += r.delta_hemoglobin;
                 return s;
               }(), v.redness.size()), 5)},
        {"base_hemoglobin", scene.tone.hemoglobin},
        {"post_treatment_hemoglobin", Round(v.post_treatment_hemoglobin, 6)}}},
      {"pigmentation",
       {{"spot_count", v.pigment.size()},
        {"spot_area_pct", Round(100.0 * pig_area / area, 5)},
        {"base_melanin", scene.tone.melanin}}},
      {"texture",
       {{"albedo_rms", Round(v.texture_albedo_rms, 6)},
        {"height_sq_um", Round(v.texture_height_sq_um, 4)},
        {"band_mm", {Round(scene.texture_band_min_mm, 4), Round(scene.texture_band_max_mm, 4)}},
        {"luminance_rq", Round(TextureLuminanceRq(scene, v, light), 6)}}},
      {"wrinkles",
       {{"count", v.wrinkles.size()},
        {"length_mm_per_cm2", Round(wr_length / (area / 100.0), 5)},
        {"mean_width_mm", Round(mean_of(wr_width, v.wrinkles.size()), 5)},
        {"mean_depth_mm", Round(mean_of(wr_depth, v.wrinkles.size()), 5)},
        {"area_pct", Round(100.0 * wr_area / area, 5)}}},
      {"scars",
       {{"count", v.scars.size()},
        {"area_pct", Round(100.0 * sc_area / area, 5)},
        {"mean_diameter_mm", Round(mean_of(sc_diam, v.scars.size()), 5)},
        {"depth_mean_mm", Round(mean_of(sc_depth, v.scars.size()), 5)},
        {"depth_max_mm", Round(sc_depth_max, 5)},
        {"volume_mm3", Round(sc_volume, 6)}}},
  };

  // Features, canonical frame (mm and canonical px) and image frame (px).
  json pores_c = {{"columns", {"id", "x_mm", "y_mm", "diameter_mm", "contrast"}}, {"rows", json::array()}};
  json pores_i = {{"columns", {"id", "x_px", "y_px", "diameter_px"}}, {"rows", json::array()}};
  for (const Pore& p : v.pores) {
    pores_c["rows"].push_back({p.id, Round(p.x_mm, 3), Round(p.y_mm, 3), Round(p.diameter_mm, 4),
                               Round(p.contrast, 4)});
    const cv::Point2d q = Map(h, p.x_mm * ppm, p.y_mm * ppm);
    pores_i["rows"].push_back({p.id, Round(q.x, 2), Round(q.y, 2),
                               Round(p.diameter_mm * ppm * LocalScale(h, p.x_mm * ppm, p.y_mm * ppm), 3)});
  }
  json red_c = json::array(), red_i = json::array();
  for (const RednessPatch& r : v.redness) {
    red_c.push_back({{"id", r.id},
                     {"x_mm", Round(r.x_mm, 4)},
                     {"y_mm", Round(r.y_mm, 4)},
                     {"semi_major_mm", Round(r.semi_major_mm, 4)},
                     {"semi_minor_mm", Round(r.semi_minor_mm, 4)},
                     {"angle_deg", Round(r.angle_deg, 3)},
                     {"area_mm2", Round(std::numbers::pi * r.semi_major_mm * r.semi_minor_mm, 4)},
                     {"delta_hemoglobin", Round(r.delta_hemoglobin, 6)}});
    const cv::Point2d q = Map(h, r.x_mm * ppm, r.y_mm * ppm);
    const double s = LocalScale(h, r.x_mm * ppm, r.y_mm * ppm) * ppm;
    red_i.push_back({{"id", r.id},
                     {"x_px", Round(q.x, 2)},
                     {"y_px", Round(q.y, 2)},
                     {"area_px2", Round(std::numbers::pi * r.semi_major_mm * r.semi_minor_mm * s * s, 2)}});
  }
  json pig_c = json::array(), pig_i = json::array();
  for (const PigmentSpot& p : v.pigment) {
    pig_c.push_back({{"id", p.id},
                     {"x_mm", Round(p.x_mm, 4)},
                     {"y_mm", Round(p.y_mm, 4)},
                     {"diameter_mm", Round(p.diameter_mm, 4)},
                     {"delta_melanin", Round(p.delta_melanin, 6)}});
    const cv::Point2d q = Map(h, p.x_mm * ppm, p.y_mm * ppm);
    pig_i.push_back({{"id", p.id},
                     {"x_px", Round(q.x, 2)},
                     {"y_px", Round(q.y, 2)},
                     {"diameter_px", Round(p.diameter_mm * ppm * LocalScale(h, p.x_mm * ppm, p.y_mm * ppm), 3)}});
  }
  json wr_c = json::array(), wr_i = json::array();
  for (const Wrinkle& w : v.wrinkles) {
    std::vector<cv::Point2d> pts_i;
    for (const auto& p : w.points_mm) pts_i.push_back(Map(h, p.x * ppm, p.y * ppm));
    const cv::Point2d mid = w.points_mm[w.points_mm.size() / 2];
    wr_c.push_back({{"id", w.id},
                    {"points_mm", PointsJson(w.points_mm, 4)},
                    {"width_mm", Round(w.width_mm, 5)},
                    {"depth_mm", Round(w.depth_mm, 6)},
                    {"length_mm", Round(w.length_mm, 4)},
                    {"profile", "gaussian_fwhm_width_taper_20pct"}});
    wr_i.push_back({{"id", w.id},
                    {"points_px", PointsJson(pts_i, 2)},
                    {"width_px", Round(w.width_mm * ppm * LocalScale(h, mid.x * ppm, mid.y * ppm), 3)}});
  }
  json sc_c = json::array(), sc_i = json::array();
  for (const Scar& s : v.scars) {
    sc_c.push_back({{"id", s.id},
                    {"shape", ScarShapeName(s.shape)},
                    {"x_mm", Round(s.x_mm, 4)},
                    {"y_mm", Round(s.y_mm, 4)},
                    {"diameter_mm", Round(s.diameter_mm, 5)},
                    {"depth_mm", Round(s.depth_mm, 6)},
                    {"volume_mm3", Round(ScarVolumeMm3(s), 6)}});
    const cv::Point2d q = Map(h, s.x_mm * ppm, s.y_mm * ppm);
    sc_i.push_back({{"id", s.id},
                    {"x_px", Round(q.x, 2)},
                    {"y_px", Round(q.y, 2)},
                    {"diameter_px", Round(s.diameter_mm * ppm * LocalScale(h, s.x_mm * ppm, s.y_mm * ppm), 3)}});
  }
  json chart_i = nullptr;
  if (scene.chart.present) {
    const cv::Rect& r = scene.chart.rect_px;
    json corners = json::array();
    for (const cv::Point2d c : {cv::Point2d(r.x - 0.5, r.y - 0.5), cv::Point2d(r.br().x - 0.5, r.y - 0.5),
                                cv::Point2d(r.br().x - 0.5, r.br().y - 0.5),
                                cv::Point2d(r.x - 0.5, r.br().y - 0.5)}) {
      const cv::Point2d q = Map(h, c.x, c.y);
      corners.push_back({Round(q.x, 2), Round(q.y, 2)});
    }
    json centres = json::array();
    for (int i = 0; i < static_cast<int>(scene.chart.patches.size()); ++i) {
      const cv::Rect p = scene.chart.PatchRect(i);
      const cv::Point2d q = Map(h, p.x + (p.width - 1) / 2.0, p.y + (p.height - 1) / 2.0);
      centres.push_back({Round(q.x, 2), Round(q.y, 2)});
    }
    chart_i = {{"body_corners_px", corners},
               {"patch_centres_px", centres},
               {"patch_pitch_px", Round(scene.chart.pitch_px *
                                            LocalScale(h, r.x + r.width / 2.0, r.y + r.height / 2.0), 4)}};
  }

  const double scale_centre = LocalScale(h, centre_x, centre_y);
  json capture_json = {
      {"image_from_canonical_px", MatrixJson(h)},
      {"image_from_skin_mm", MatrixJson(image_from_mm)},
      {"rotation_deg", capture.rotation_deg},
      {"scale", capture.scale},
      {"translation_px", {capture.translation_x_px, capture.translation_y_px}},
      {"perspective", {capture.perspective_x, capture.perspective_y}},
      {"px_per_mm_at_centre", Round(ppm * scale_centre, 6)},
      {"exposure_gain", capture.exposure_gain},
      {"white_balance_rgb",
       {capture.white_balance_rgb[0], capture.white_balance_rgb[1], capture.white_balance_rgb[2]}},
      {"blur_sigma_px", capture.blur_sigma_px},
      {"noise", {{"shot_gain", capture.shot_gain}, {"read_sigma", capture.read_sigma},
                 {"model", "variance = shot_gain * I + read_sigma^2 (linear)"}}},
      {"jpeg_quality", capture.jpeg_quality},
      {"light",
       {{"azimuth_deg", capture.light_azimuth_deg},
        {"elevation_deg", capture.light_elevation_deg},
        {"direction", {light[0], light[1], light[2]}},
        {"intensity", 1.0 / light[2]},
        {"note", "intensity = 1/l_z: flat skin renders at its tone"}}},
  };
  return {
      {"state", {{"improvement", Round(v.improvement, 6)},
                 {"post_treatment_hemoglobin", Round(v.post_treatment_hemoglobin, 6)}}},
      {"capture", capture_json},
      {"summary", summary},
      {"features",
       {{"canonical",
         {{"pores", pores_c},
          {"redness", red_c},
          {"pigment", pig_c},
          {"wrinkles", wr_c},
          {"scars", sc_c}}},
        {"image",
         {{"pores", pores_i},
          {"redness", red_i},
          {"pigment", pig_i},
          {"wrinkles", wr_i},
          {"scars", sc_i},
          {"chart", chart_i}}}}},
  };
}

}  // namespace skintrack::core::phantom
