#pragma once
// ColorChecker Classic 24 constants: layout, physical size and reference CIELAB D50 values.
//
// Layout: 4 rows x 6 columns; patch 1 (dark skin) is top-left when the chart is upright (the
// neutral row, white to black, along the bottom); patches are numbered row by row, 1..24.
//
// Chart frame ("chart_mm"): x to the right along the 6 columns, y down along the 4 rows, origin at
// the top-left corner of the patch field *including* one gap of black border around it (the same
// box that OpenCV mcc reports). Patch (row r, column c), 0-based, spans
//     x in [gap + c·pitch, gap + c·pitch + size],  y in [gap + r·pitch, gap + r·pitch + size].
//
// Physical size [S]: the proportions patch : gap = 2.5 : 0.25 come from OpenCV contrib's mcc chart
// model for MCC24 (box 16.75 x 11.25 units); the absolute patch size of 40 mm (pitch 44 mm, patch
// field 268 x 180 mm inside the 279 x 216 mm card) is the commonly quoted figure for the X-Rite
// Classic; X-Rite publishes no drawing and encyclopaedic sources disagree ("slightly under 2 in"
// refers to the original 13 x 9 in edition). Other 24-patch formats (ColorChecker Classic Mini,
// Passport) have the same layout at a smaller pitch: pass their pitch through ChartGeometry.
// The scale derived from the chart is only as right as the pitch given here (docs/COLOUR.md).
//
// Reference colours: X-Rite, "New color specifications for ColorChecker SG and Classic Charts"
// (2016), CIELAB D50 (ICC D50 white), 2° observer, i1Pro 2, M0; charts made after November 2014
// (default) and before (kPre2014). Identical to colour-science's
// DATA_COLORCHECKER24_{AFTER,BEFORE}_NOV2014_CIE_LAB and to tests/data/colorchecker24_lab_d50*.csv.

#include <array>
#include <string_view>

#include <opencv2/core.hpp>

namespace skintrack::core {

inline constexpr int kChartRows = 4;
inline constexpr int kChartColumns = 6;
inline constexpr int kChartPatches = kChartRows * kChartColumns;
// 0-based indices of the neutral patches (white 9.5 .. black 2), the bottom row.
inline constexpr std::array<int, 6> kNeutralPatchIndices = {18, 19, 20, 21, 22, 23};

struct ChartGeometry {
  double patch_size_mm = 40.0;   // side of one square patch
  double patch_pitch_mm = 44.0;  // centre-to-centre distance of neighbouring patches
  double GapMm() const { return patch_pitch_mm - patch_size_mm; }
  // Size of the box around the patch field (one gap of border on each side).
  double BoxWidthMm() const { return kChartColumns * patch_pitch_mm + GapMm(); }
  double BoxHeightMm() const { return kChartRows * patch_pitch_mm + GapMm(); }
  // Centre of 0-based patch `index` (row-major) in the chart frame, mm.
  cv::Point2d PatchCentreMm(int index) const {
    const int row = index / kChartColumns;
    const int column = index % kChartColumns;
    return {GapMm() + column * patch_pitch_mm + patch_size_mm / 2.0,
            GapMm() + row * patch_pitch_mm + patch_size_mm / 2.0};
  }
};

// The X-Rite ColorChecker Classic 24 (default ChartGeometry).
inline constexpr double kClassicPatchSizeMm = 40.0;
inline constexpr double kClassicPatchPitchMm = 44.0;

enum class ChartReference { kPost2014, kPre2014 };

// "post2014" / "pre2014".
std::string_view ChartReferenceName(ChartReference reference);

// Reference CIELAB D50 of the 24 patches, 0-based, row-major.
const std::array<cv::Vec3d, kChartPatches>& ChartReferenceLabD50(ChartReference reference);

// Patch names ("dark skin", ..., "black 2 (1.5 D)"), 0-based.
const std::array<std::string_view, kChartPatches>& ChartPatchNames();

}  // namespace skintrack::core
