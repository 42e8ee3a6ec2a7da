#pragma once
// User regions of interest: a mask PNG or a polygon JSON, in the pixels of the (upright) image.
//
// Mask PNG: any 8/16-bit grey or colour PNG/TIFF of exactly the image size; non-zero = measure.
// Polygon JSON (schema "skintrack.roi/1"):
//   {"schema": "skintrack.roi/1", "polygons": [[[x, y], [x, y], ...], ...]}
// or the short form {"polygon": [[x, y], ...]}; coordinates in image pixels (x right, y down),
// at least 3 vertices per polygon, enclosing at least 1 px² (not all on one line); polygons are
// filled (even-odd is not applied: all fill).
// Errors: kBadInput with the file name and what is wrong (missing, not an image, size mismatch,
// malformed JSON, fewer than 3 vertices, empty region). Thread-safety: reentrant.

#include <cstddef>
#include <filesystem>
#include <string_view>

#include <opencv2/core.hpp>

#include "core/base/result.h"

namespace skintrack::core {

// Returns CV_8U 0/255 of `image_size`.
Result<cv::Mat> LoadRoiMask(const std::filesystem::path& path, cv::Size image_size);

// Most polygons, and vertices per polygon, a polygon JSON may hold (more is kBadInput): a hand-drawn
// region has tens of vertices, so these only stop a wrong or hostile file from costing memory/time.
inline constexpr std::size_t kMaxRoiPolygons = 256;
inline constexpr std::size_t kMaxRoiVertices = 100'000;

// Fills the polygons of a polygon JSON text (format above) into a mask of `image_size`; `name`
// names the file in messages. Vertices outside the image are clipped; coordinates must be finite
// and within +-1e6 px. An empty selection is kBadInput, as for LoadRoiMask.
Result<cv::Mat> RoiMaskFromPolygonJson(std::string_view json_text, cv::Size image_size,
                                       std::string_view name);

}  // namespace skintrack::core
