#pragma once
// The digital skin phantom: synthetic skin with known pores, redness, pigmentation, wrinkles and
// atrophic scars, photographed over a treatment timeline with realistic capture variation, and the
// exact ground truth of everything drawn (`truth.json`, schema `skintrack.phantom-truth/1`,
// documented in docs/PHANTOM.md).
//
// Model (docs/PHANTOM.md has the details and the reasons):
// - Colour: Tsumura optical densities (core/color/skin_model.h, REFERENCES.md §3):
//     rgb_linear = exp(-(c_m·σ_m + c_h·σ_h + s·1)) · shading
//   c_m (melanin) and c_h (haemoglobin) maps hold the base tone, slow mottling, pigment spots and
//   redness patches; s (shading density) holds fine albedo texture, pores, hair and cavity
//   darkening of grooves; `shading` is Lambertian (n·l / l_z, so flat skin renders at its tone)
//   from a height map in mm (wrinkles, scars, micro-relief) for one stated light.
// - Geometry: canonical skin frame in pixels of the baseline image at `px_per_mm` (x right, y down,
//   pixel centres at integer coordinates, as OpenCV); mm = px / px_per_mm. Each capture maps
//   canonical pixels to image pixels with a 3x3 homography `image_from_canonical`.
// - Chart: a ColorChecker Classic 24 drawn from the reference CIELAB D50 values
//   (core/calibration/chart_geometry.h) through LinearSrgbFromLabD50, at a stated patch pitch.
// - Capture: rotation/scale/translation/perspective, exposure, white balance, lens blur, sensor
//   noise (variance = shot_gain·I + read_sigma², linear units), 8-bit sRGB, JPEG at a set quality.
//
// Determinism: the same options give byte-identical images and truth on any machine running the
// same build (own PRNG and distributions, fixed encoder parameters, no threading in the renderer).
// Units: lengths in mm unless the name says _px; chromophores are dimensionless densities.
// Errors: invalid options -> kUsage with the option named; output problems -> kStorage.
// Thread-safety: all functions are reentrant. cv::Exception never escapes (kInternal instead).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "core/base/result.h"

namespace skintrack::core {

// Skin tone presets, one per ITA° class (Chardon 1991; Del Bino 2006); the base chromophores of
// each were fitted so the flat skin lands near the middle of its class (docs/PHANTOM.md).
enum class SkinTone { kVeryLight, kLight, kIntermediate, kTan, kBrown, kDark };
// "very_light", "light", "intermediate", "tan", "brown", "dark".
std::string_view SkinToneName(SkinTone tone);
Result<SkinTone> ParseSkinTone(std::string_view name);

struct ToneChromophores {
  double melanin = 0;     // c_m of flat skin
  double hemoglobin = 0;  // c_h of flat skin
  double shading = 0;     // s of flat skin (overall reflectance offset)
};
ToneChromophores BaseChromophoresForTone(SkinTone tone);

// How a subject responds to treatment.
enum class PhantomResponse {
  kResponder,     // improvement reaches `effect`
  kNonResponder,  // treated (post-treatment redness) but improvement only 10 % of `effect`
  kControl,       // untreated: same visits, no treatment, no change
};
std::string_view PhantomResponseName(PhantomResponse response);  // "responder", "non_responder", "control"
Result<PhantomResponse> ParsePhantomResponse(std::string_view name);

// What is drawn on the skin (baseline amounts; treatment changes them over time).
struct PhantomFeatureOptions {
  double pore_density_per_cm2 = 25;   // pores per cm² of skin area
  double pore_diameter_min_mm = 0.15;  // opening diameters, uniform in [min, max]
  double pore_diameter_max_mm = 0.45;
  double pore_contrast = 0.45;         // shading density added at the pore centre (≈ 36 % darker)
  int redness_patches = 3;             // elliptical haemoglobin patches
  double redness_delta_hemoglobin = 0.35;  // c_h increase inside a patch (half-maximum contour = area)
  int pigment_spots = 4;               // round melanin spots
  double pigment_delta_melanin = 0.6;  // c_m increase inside a spot
  int wrinkles = 3;                    // smooth polylines
  int scars = 5;                       // atrophic scars: icepick, boxcar, rolling
  double texture_albedo_rms = 0.03;    // RMS of the fine albedo texture, shading-density units
  double texture_height_sq_um = 8;     // RMS of the micro-relief height, µm
  double texture_band_min_mm = 0.25;   // texture wavelengths (raised to 4 px when coarser)
  double texture_band_max_mm = 2.0;
  double mottling_rms = 0.04;          // slow c_m / c_h variation (wavelengths 5-20 mm)
  double cavity_darkening = 1.0;       // shading density per unit depth/width of grooves and scars
  bool hair = false;                   // a few dark hairs (not skin features: no truth metrics)
  bool chart = true;                   // ColorChecker Classic 24 in the bottom-right corner
  double chart_patch_pitch_mm = 0;     // 0: the Classic's pitch, reduced to fit 30 % of the width
};

// Session-to-session capture variation (ranges; each capture draws uniformly inside them).
struct CaptureVariationOptions {
  bool enabled = true;                // false: every capture uses the baseline set-up
  double max_rotation_deg = 2.0;
  double max_scale_change = 0.03;     // relative
  double max_translation_frac = 0.015;  // of the image width/height
  bool perspective = true;
  double max_perspective_frac = 0.008;  // relative displacement of a corner
  double max_exposure_ev = 0.25;
  double max_white_balance_change = 0.05;  // relative gain on R and B
  double blur_sigma_min_px = 0.3;
  double blur_sigma_max_px = 0.8;
  double max_light_azimuth_change_deg = 10;
  double max_light_elevation_change_deg = 5;
};

// One capture's set-up: geometry, light and camera. Default = identity geometry, nominal light,
// no blur, no noise, lossless (what tests use to compare with the truth exactly).
struct CaptureParams {
  double rotation_deg = 0;
  double scale = 1;
  double translation_x_px = 0;
  double translation_y_px = 0;
  double perspective_x = 0;  // h31 · image width  (dimensionless)
  double perspective_y = 0;  // h32 · image height
  double exposure_gain = 1;
  cv::Vec3d white_balance_rgb = {1, 1, 1};
  double blur_sigma_px = 0;
  double shot_gain = 0;     // noise variance per unit linear signal
  double read_sigma = 0;    // noise SD at zero signal, linear units
  double light_azimuth_deg = 225;   // from +x toward +y (image down)
  double light_elevation_deg = 60;  // from the skin plane toward the camera
  int jpeg_quality = 0;      // 0: keep lossless (PNG when written)
  std::uint64_t noise_seed = 0;
};

// Treatment state of the skin at one visit.
struct SkinState {
  double improvement = 0;               // fraction of the baseline severity removed, [0, 1)
  double post_treatment_hemoglobin = 0;  // c_h added over all skin (post-treatment erythema)
};

struct PhantomOptions {
  std::uint64_t seed = 1;
  int width_px = 1200;
  int height_px = 900;
  double px_per_mm = 10;
  SkinTone tone = SkinTone::kLight;
  double effect = 0.3;  // responder's fractional improvement of pores, texture, scars, wrinkles, redness
  std::vector<PhantomResponse> subjects = {PhantomResponse::kResponder, PhantomResponse::kControl};
  int treatment_sessions = 3;       // 1..6
  int treatment_interval_days = 35;  // 28..42 (4-6 weeks)
  std::string start_date = "2026-01-05";  // ISO date of the baseline visit
  int jpeg_quality = 90;
  PhantomFeatureOptions features;
  CaptureVariationOptions capture;
  bool photometric_stereo = false;  // add a photometric-stereo set per subject (baseline + last)
  int ps_lights = 6;                // 4..8
  int ps_size_px = 512;             // square crop of the canonical skin (clamped to the image)

  // kUsage error naming the first invalid option.
  Status Check() const;
};

// One capture rendered in memory.
struct RenderedSkin {
  cv::Mat rgb_linear;  // CV_32FC3 R,G,B linear, after capture effects, before quantisation
  cv::Mat bgr;         // CV_8UC3 encoded sRGB (what is written, before JPEG compression)
  cv::Mat height_mm;   // CV_32F canonical height map of the skin (mm), identity capture only
  nlohmann::json truth;  // the session entry of truth.json (features, capture, summary)
};

// Renders subject `subject_index` of `options` in `state` under `capture`. With the default
// CaptureParams the image is the canonical frame itself (noise-free, no blur, no transform).
Result<RenderedSkin> RenderSkin(const PhantomOptions& options, const CaptureParams& capture = {},
                                const SkinState& state = {}, int subject_index = 0);

// One output file of a series.
struct PhantomFile {
  std::string relative_path;  // '/'-separated, relative to the output directory
  std::string bytes;
};

struct PhantomSeries {
  std::vector<PhantomFile> files;  // images, lights.json, height maps (manifest/truth not included)
  std::string manifest_csv;        // subject,session,date,kind,image,region,px_per_mm,lights
  nlohmann::json truth;            // skintrack.phantom-truth/1
};

// Receives each file as soon as it is rendered (lets the writer keep memory bounded).
using PhantomFileSink = std::function<Status(const PhantomFile& file)>;

// Renders the whole series, handing each file to `sink`; returns manifest + truth in a series with
// an empty `files` list.
Result<PhantomSeries> RenderSeriesTo(const PhantomOptions& options, const PhantomFileSink& sink);

// Renders the whole series in memory.
Result<PhantomSeries> RenderSeries(const PhantomOptions& options);

// Renders the series into `directory` (created if missing): images, manifest.csv, truth.json,
// all written atomically.
Result<PhantomSeries> WriteSeries(const PhantomOptions& options,
                                  const std::filesystem::path& directory);

}  // namespace skintrack::core
