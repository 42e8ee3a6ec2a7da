#pragma once
// Finding a ColorChecker Classic 24 in a photo, fixing its orientation, sampling its patches and
// deriving the physical scale.
//
// Detection uses OpenCV contrib mcc (CCheckerDetector, MCC24) on a downscaled copy (fast on 8 MP
// photos), then re-runs it on a full-resolution region around the first result to refine the
// corners. mcc's corner order is not trusted: all 8 assignments of the detected quadrilateral to
// the chart frame (4 rotations x mirror) are sampled and the one whose 24 patch colours agree best
// with the reference (mean ΔE00 after a linear 3x3 fit) wins, so a rotated or upside-down chart
// maps patch 1 (dark skin) correctly.
//
// Patch colours are sampled robustly: only the inner `sample_fraction` of each patch (default the
// central 50 % of its side) is used, pixels further than 3 robust SDs (1.4826·MAD) from the
// per-channel median are rejected, and the rest are averaged in linear RGB.
//
// The corners are then refined: each patch is located as the connected region of its own colour
// around its predicted position and the homography is refitted (RANSAC) to the patch centroids.
//
// Scale: the homography image_from_chart_mm gives the image distance between the centres of every
// pair of neighbouring patches (38 pairs); px_per_mm is their mean divided by the patch pitch.
// Its uncertainty combines the spread of those estimates (perspective, lens distortion) with the
// corner localisation error; see ChartDetection.
//
// Coordinates: image pixels, x right, y down, pixel centres at integer coordinates. Colour: linear
// RGB (R,G,B order) sampled from the image passed in.
// Failure: "no chart" is not an error (nullopt); a malformed image fails SKT_CHECK; exceptions from
// OpenCV are caught and reported as "no chart" with the reason in `failure_reason`.
// Thread-safety: reentrant (each call creates its own detector).

#include <array>
#include <optional>
#include <string>

#include <opencv2/core.hpp>

#include "core/calibration/chart_geometry.h"

namespace skintrack::core {

struct ChartDetectionOptions {
  ChartGeometry geometry;                              // physical layout (pitch) of the chart
  ChartReference reference = ChartReference::kPost2014;  // used to check the orientation
  int detection_max_side_px = 1600;  // longest side of the downscaled copy given to mcc
  bool refine_full_resolution = true;  // re-detect in a full-resolution ROI around the chart
  double sample_fraction = 0.5;        // fraction of the patch side sampled (centred), (0, 1]
  double max_detection_cost = 0.5;     // mcc cost above which a detection is rejected
};

struct PatchSample {
  cv::Vec3d rgb_linear;    // robust mean, linear RGB (R,G,B)
  cv::Vec3d rgb_sd;        // SD of the kept pixels per channel
  int pixels = 0;          // pixels kept
  int rejected = 0;        // pixels rejected as outliers
  cv::Point2d centre_px;   // patch centre in the image
};

struct ChartDetection {
  // Box corners in the image, in chart-frame order: (0,0) top-left of patch 1's side, (W,0),
  // (W,H), (0,H), where W x H is ChartGeometry::BoxWidthMm() x BoxHeightMm().
  std::array<cv::Point2d, 4> corners_px;
  cv::Matx33d image_from_chart_mm;        // homography, chart mm -> image px
  std::array<PatchSample, kChartPatches> patches;
  // Orientation of the chart in the image: angle of its top edge (patch 1 -> patch 6 side) in
  // degrees, clockwise on screen (y down), in (-180, 180]; `mirrored` when the chart appears
  // mirrored (photographed in a mirror, or a flipped image). `orientation_margin` = second-best /
  // best mean ΔE00 over the 8 corner assignments tried.
  double rotation_deg = 0;
  bool mirrored = false;
  double orientation_delta_e00 = 0;   // mean ΔE00 after a linear fit, chosen orientation
  double orientation_margin = 0;
  double detection_cost = 0;          // mcc's cost (lower is better)
  bool refined = false;               // full-resolution mcc refinement succeeded
  bool patch_refined = false;         // corners refitted to the located patch centroids
  double px_per_mm = 0;               // mean scale from neighbouring patch centres
  double px_per_mm_uncertainty = 0;   // standard uncertainty (1 SD) of px_per_mm
  double px_per_mm_min = 0;           // smallest and largest local estimate (perspective)
  double px_per_mm_max = 0;
};

struct ChartSearchResult {
  std::optional<ChartDetection> chart;  // nullopt: no chart found
  std::string failure_reason;           // why not, when nullopt
};

// Finds the chart in a BGR CV_8UC3/CV_16UC3 image; `rgb_linear` (CV_32FC3, same size) is the same
// image linearised (BgrToLinearRgb) and is where patch colours are sampled.
ChartSearchResult DetectChart(const cv::Mat& bgr, const cv::Mat& rgb_linear,
                              const ChartDetectionOptions& options = {});

// Builds a detection from known box corners (chart-frame order): samples patches and computes the
// scale. Used by DetectChart and by tests with synthetic charts.
ChartDetection ChartFromCorners(const std::array<cv::Point2d, 4>& corners_px,
                                const cv::Mat& rgb_linear, const ChartDetectionOptions& options);

// Robust patch sampling (see file comment) through a chart mm -> image homography. A patch larger
// than max_pixels_per_patch pixels is sampled on a regular grid of about that many.
std::array<PatchSample, kChartPatches> SampleChartPatches(const cv::Mat& rgb_linear,
                                                          const cv::Matx33d& image_from_chart_mm,
                                                          const ChartGeometry& geometry,
                                                          double sample_fraction,
                                                          int max_pixels_per_patch = 4000);

// CV_8U mask (255 inside) covering the chart and a margin of `margin_fraction` of its size around
// the box (the card border), for excluding the chart from skin analysis.
cv::Mat ChartMask(const ChartDetection& chart, cv::Size image_size, double margin_fraction = 0.12);

}  // namespace skintrack::core
