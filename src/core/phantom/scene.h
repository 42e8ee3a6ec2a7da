#pragma once
// Internal to core_phantom: the canonical skin of one phantom subject (features in mm, noise grids)
// and the features as they stand at one visit. See phantom.h for the model and units.

#include <array>
#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "core/base/result.h"
#include "core/phantom/phantom.h"

namespace skintrack::core::phantom {

struct Pore {
  int id = 0;
  double x_mm = 0, y_mm = 0;
  double diameter_mm = 0;  // opening diameter (edge of the dark disk)
  double contrast = 0;     // shading density at the centre
  double closure = 0;      // uniform [0,1): the pore closes once 0.5·improvement exceeds it
};

struct RednessPatch {
  int id = 0;
  double x_mm = 0, y_mm = 0;
  double semi_major_mm = 0, semi_minor_mm = 0;  // half-maximum ellipse
  double angle_deg = 0;                         // major axis from +x toward +y
  double delta_hemoglobin = 0;
};

struct PigmentSpot {
  int id = 0;
  double x_mm = 0, y_mm = 0;
  double diameter_mm = 0;  // half-maximum contour
  double delta_melanin = 0;
};

struct Wrinkle {
  int id = 0;
  std::vector<cv::Point2d> points_mm;  // polyline
  double width_mm = 0;                 // FWHM of the groove
  double depth_mm = 0;                 // maximum depth (middle of the wrinkle)
  double length_mm = 0;
};

enum class ScarShape { kIcepick, kBoxcar, kRolling };
const char* ScarShapeName(ScarShape shape);

struct Scar {
  int id = 0;
  ScarShape shape = ScarShape::kBoxcar;
  double x_mm = 0, y_mm = 0;
  double diameter_mm = 0;  // rim diameter (height reaches 0)
  double depth_mm = 0;     // at the centre
};

struct Hair {
  std::vector<cv::Point2d> points_mm;
  double width_mm = 0;
  double darkness = 0;  // shading density on the hair axis
};

struct ChartPatch {
  cv::Vec3d lab_d50;
  cv::Vec3d rgb_linear;  // clipped to [0, 1]
  bool in_srgb_gamut = true;
  std::string name;
};

struct ChartLayout {
  bool present = false;
  cv::Rect rect_px;        // chart body in canonical pixels
  double pitch_mm = 0;     // centre-to-centre patch distance
  double patch_mm = 0;     // patch side
  int pitch_px = 0;
  int patch_px = 0;
  int border_px = 0;       // body margin around the patches
  std::vector<ChartPatch> patches;  // 24, row-major from patch 1 (dark skin) top-left
  cv::Vec3d body_rgb_linear = {0.03, 0.03, 0.03};
  double classic_pitch_mm = 0;
  // Canonical pixel rectangle of patch i (0-based).
  cv::Rect PatchRect(int index) const;
};

// A smooth random field stored as a coarse grid (cell `cell_px` canonical pixels, grid index 0 at
// canonical pixel -origin_px) and sampled at full resolution by cubic interpolation.
struct NoiseGrid {
  cv::Mat grid;  // CV_32FC2
  int cell_px = 1;
  int origin_px = 0;
  cv::Vec2d mean = {0, 0};   // subtracted after sampling
  cv::Vec2d scale = {1, 1};  // multiplied after subtracting the mean (unit RMS on the image)
  // Samples both channels over a canonical pixel rectangle (unit RMS, zero mean): CV_32FC2.
  cv::Mat Sample(const cv::Rect& region) const;
};

struct Scene {
  PhantomOptions options;
  int subject_index = 0;
  PhantomResponse response = PhantomResponse::kResponder;
  ToneChromophores tone;
  std::vector<Pore> pores;
  std::vector<RednessPatch> redness;
  std::vector<PigmentSpot> pigment;
  std::vector<Wrinkle> wrinkles;
  std::vector<Scar> scars;
  std::vector<Hair> hairs;
  ChartLayout chart;
  cv::Rect2d skin_rect_mm;      // canonical image in mm
  cv::Rect ps_rect_px;          // photometric-stereo crop (canonical pixels)
  double skin_area_mm2 = 0;     // canonical image minus the chart
  NoiseGrid mottling;           // channels: melanin, haemoglobin
  NoiseGrid texture;            // channels: albedo (shading density), height
  double texture_band_min_mm = 0;
  double texture_band_max_mm = 0;
  int margin_px = 0;            // how far outside the canonical image the fields extend
};

// Builds subject `subject_index` of `options` (deterministic for the seed). Options must be valid.
Result<Scene> MakeScene(const PhantomOptions& options, int subject_index);

// The features as they stand in a given treatment state.
struct VisitFeatures {
  std::vector<Pore> pores;  // open pores only, current diameters
  int closed_pores = 0;
  std::vector<RednessPatch> redness;
  std::vector<PigmentSpot> pigment;
  std::vector<Wrinkle> wrinkles;
  std::vector<Scar> scars;
  double texture_albedo_rms = 0;
  double texture_height_sq_um = 0;
  double post_treatment_hemoglobin = 0;
  double improvement = 0;
};

VisitFeatures ApplyState(const Scene& scene, const SkinState& state);

// Height profile of a scar (mm, ≤ 0) at distance r_mm from its centre.
double ScarHeightMm(const Scar& scar, double r_mm);
// Volume of a scar (mm³), by radial integration of ScarHeightMm.
double ScarVolumeMm3(const Scar& scar);

}  // namespace skintrack::core::phantom
