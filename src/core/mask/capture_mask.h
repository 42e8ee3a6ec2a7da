#pragma once
// The skin mask of one capture exactly as `skintrack score` builds it: the user ROI when given
// (minus `exclude`), otherwise face detection + automatic skin detection (skin_mask.h), with the
// eyes found in the face box cleared (face_regions.h: FindEyes, ExcludeEyes).
// `compare` uses it to score a pair on one mask. Errors as LoadRoiMask / DetectSkinMask.
// Thread-safety: reentrant.

#include <filesystem>

#include <opencv2/core.hpp>

#include "core/base/result.h"
#include "core/mask/skin_mask.h"

namespace skintrack::core {

// rgb_linear: CV_32FC3 (R,G,B); exclude: optional CV_8U (non-zero = not skin, e.g. the chart).
// result.face is set when a face was detected (automatic mode only).
Result<SkinMaskResult> CaptureSkinMask(const cv::Mat& rgb_linear,
                                       const std::filesystem::path& roi_path,
                                       const cv::Mat& exclude);

}  // namespace skintrack::core
