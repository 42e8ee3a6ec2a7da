#pragma once
// The skin mask of one capture exactly as `skintrack score` builds it: the user ROI when given
// (minus `exclude`), otherwise face detection + automatic skin detection (skin_mask.h), with the
// eyes found in the face box, the brows above them and the mouth cleared (face_regions.h:
// FindEyes, ExcludeEyes, ExcludeBrows, FindMouth, ExcludeMouth).
// `compare` uses it to score a pair on one mask. Errors as LoadRoiMask / DetectSkinMask, and
// kBadInput for an image narrower than kMinImageSidePx (core/base/capture_limits.h) on either side.
// Thread-safety: reentrant.

#include <filesystem>
#include <optional>

#include <opencv2/core.hpp>

#include "core/base/result.h"
#include "core/mask/skin_mask.h"

namespace skintrack::core {

// A face (its Haar box spans about 140 mm) cannot be in a frame whose shorter side is under this;
// with a measured scale, such a close-up is not searched for one.
inline constexpr double kMinFaceFrameMm = 100.0;

// rgb_linear: CV_32FC3 (R,G,B); exclude: optional CV_8U (non-zero = not skin, e.g. the chart);
// px_per_mm: the capture's measured scale, if any. result.face is set when a face was detected
// (automatic mode only). With a scale, a frame shorter than kMinFaceFrameMm on either side is a
// close-up and is not searched for a face: nothing a face detector finds there is a face, and the
// search is most of the mask's time.
Result<SkinMaskResult> CaptureSkinMask(const cv::Mat& rgb_linear,
                                       const std::filesystem::path& roi_path,
                                       const cv::Mat& exclude,
                                       std::optional<double> px_per_mm = std::nullopt);

}  // namespace skintrack::core
