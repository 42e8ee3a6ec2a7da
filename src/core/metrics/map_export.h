#pragma once
// Writing per-pixel metric maps for the viewer, reports and users' own analysis.
//
// For each MetricMap `<name>`, into `dir`:
//   <name>.tiff         CV_32F single-channel float TIFF, the map values in their unit, 0 outside
//                       the mask, at the analysis resolution;
//   <name>_preview.png  8-bit colour-mapped preview (TURBO over display_min..display_max; pixels
//                       outside the mask grey).
// plus `maps.json` (schema "skintrack.maps/1") listing each map with unit, display range, size and
// the analysis scale (analysis pixels per original pixel, px_per_mm when known).
// Every file is encoded in memory and written atomically (core/base/atomic_file.h).
// Errors: kStorage when the directory cannot be created or a file cannot be written.
// Thread-safety: reentrant (distinct directories).

#include <filesystem>
#include <vector>

#include "core/base/result.h"
#include "core/metrics/metric_types.h"

namespace skintrack::core {

Status WriteMetricMaps(const std::filesystem::path& dir, const std::vector<MetricGroup>& groups,
                       const AnalysisFrame& frame);

// The 8-bit BGR colour-mapped preview of one map (exposed for tests and the report).
cv::Mat MapPreview(const MetricMap& map, const cv::Mat& mask);

}  // namespace skintrack::core
