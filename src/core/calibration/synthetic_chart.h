#pragma once
// Renders a ColorChecker Classic 24 into an image, for tests, demos and phantoms.
//
// The chart (reference Lab D50 converted to linear sRGB, then passed through `camera`, which models
// a colour cast / exposure / tone curve in linear RGB) is drawn through the homography
// image_from_chart_mm onto `canvas` (CV_32FC3 linear RGB, modified in place): black frame around
// the patch field, patches with anti-aliased edges (4x4 supersampling). Pixels outside the chart
// are untouched. Thread-safety: reentrant.

#include <functional>

#include <opencv2/core.hpp>

#include "core/calibration/chart_geometry.h"

namespace skintrack::core {

using CameraResponse = std::function<cv::Vec3d(const cv::Vec3d& rgb_linear)>;

void RenderChart(cv::Mat& canvas, const cv::Matx33d& image_from_chart_mm,
                 const ChartGeometry& geometry, ChartReference reference,
                 const CameraResponse& camera);

// Homography placing the chart box with its top-left corner at `origin_px`, `px_per_mm` scale and
// rotated by `angle_deg` (clockwise on screen, y down).
cv::Matx33d ChartPlacement(cv::Point2d origin_px, double px_per_mm, double angle_deg);

}  // namespace skintrack::core
