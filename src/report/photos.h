#pragma once
// Photos for reports: loaded from the clinic's files, aligned to the baseline, downscaled and
// re-encoded as plain JPEG. The encoder writes pixels only (JFIF header, no EXIF, no GPS, no
// comment), so nothing from the camera's metadata reaches a report.
// Errors: kBadInput when a file cannot be read; an alignment that fails is not an error (the
// unaligned photo is used and `aligned` is false). Thread-safety: reentrant.

#include <filesystem>
#include <string>

#include <opencv2/core.hpp>

#include "core/base/result.h"
#include "report/progress_report.h"

namespace skintrack::report {

// Encodes `bgr` (8-bit BGR) downscaled so its long side is at most `max_side_px`, as a
// metadata-free JPEG.
ReportPhoto EncodeReportPhoto(const cv::Mat& bgr, const std::string& caption,
                              const std::string& date, int max_side_px = 900);

struct AlignedPhoto {
  cv::Mat bgr;         // in the baseline's frame when aligned
  bool aligned = false;
  std::string note;    // why alignment failed, when it did
  double ncc_after = 0;
  double rms_residual_px = 0;
};

// Loads `path` (8-bit BGR) and aligns it to `baseline_bgr` when that is not empty.
Result<AlignedPhoto> LoadAlignedPhoto(const std::filesystem::path& path, const cv::Mat& baseline_bgr);

}  // namespace skintrack::report
