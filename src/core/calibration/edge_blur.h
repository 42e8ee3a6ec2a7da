#pragma once
// The capture's blur measured on the colour chart's patch edges (after the slanted-edge method of
// ISO 12233: the spread across a straight step, each pixel taken at its exact distance from the
// edge, so no interpolation adds blur).
//
// The neutral patches' sides that face the chart's black surround (the bottom sides of the bottom
// row, and the outer sides of its end patches: a JPEG keeps colour at half resolution, so a coloured
// patch's step is blurred by its chroma as well, and the 4 mm gaps between patches are too narrow
// to hold a whole edge profile at coarse scales) are found through the detection's homography. The
// pixels within `band_px` of the middle 70 % of each are fitted with a + b·E(d − δ), d the signed
// distance of the pixel's centre from the edge, δ a shift that absorbs a sub-pixel error of the
// homography, and E a step blurred by a Gaussian of SD σ and integrated over the pixel's width (as
// a sensor records it: a step on a pixel boundary reads 0 and 1 beside it). σ is then the blur
// alone, in pixels (lens, focus, demosaicing, JPEG), without the pixel's own area: what a model of
// a small feature must blur before integrating it over its pixels. The result is the median over
// the edges whose step is at least `min_step` (linear luminance) and whose fit explains most of it.
//
// Assumes the chart lies in the skin's plane of focus. Errors: none (nullopt when fewer than
// `min_edges` edges could be measured). Thread-safety: reentrant.

#include <optional>

#include <opencv2/core.hpp>

#include "core/calibration/chart_detection.h"

namespace skintrack::core {

struct EdgeBlurOptions {
  double band_px = 4.0;      // pixels within this distance of an edge are fitted
  double min_step = 0.03;    // edges with a smaller step (linear luminance) are not used
  double max_sigma_px = 4.0;  // a wider spread is not fitted (nullopt for that edge)
  int min_edges = 4;
};

struct EdgeBlur {
  double sigma_px = 0;  // median over the edges used, image pixels
  double spread_px = 0;  // half the interquartile range of the edges' σ
  int edges = 0;
};

// `rgb_linear` CV_32FC3 (R,G,B) of the image the chart was found in.
std::optional<EdgeBlur> MeasureEdgeBlur(const cv::Mat& rgb_linear, const ChartDetection& chart,
                                        const ChartGeometry& geometry,
                                        const EdgeBlurOptions& options = {});

}  // namespace skintrack::core
