#include "core/mask/capture_mask.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/base/capture_limits.h"
#include "core/mask/face_regions.h"
#include "core/mask/roi.h"

namespace skintrack::core {

Result<SkinMaskResult> CaptureSkinMask(const cv::Mat& rgb_linear,
                                       const std::filesystem::path& roi_path,
                                       const cv::Mat& exclude, std::optional<double> px_per_mm) {
  // Checked here, before the ROI or the automatic mask, so that score, compare and batch refuse a
  // sliver of an image as bad input in one message rather than failing inside a resize or
  // reporting "no skin" about pixels that were never analysable.
  if (rgb_linear.cols < kMinImageSidePx || rgb_linear.rows < kMinImageSidePx) {
    return BadInputError("the image is too small to score (" + std::to_string(rgb_linear.cols) +
                         "x" + std::to_string(rgb_linear.rows) + " px); skintrack needs at least " +
                         std::to_string(kMinImageSidePx) + " px on each side");
  }
  const bool use_exclude = !exclude.empty() && exclude.size() == rgb_linear.size();
  if (!roi_path.empty()) {
    SKT_ASSIGN_OR_RETURN(cv::Mat mask, LoadRoiMask(roi_path, rgb_linear.size()));
    if (use_exclude) mask.setTo(0, exclude != 0);
    SkinMaskResult result;
    result.mask = mask;
    return result;
  }
  std::vector<std::string> warnings;
  const bool close_up =
      px_per_mm && *px_per_mm > 0 &&
      std::min(rgb_linear.cols, rgb_linear.rows) / *px_per_mm < kMinFaceFrameMm;
  std::vector<cv::Rect> eyes;
  int quarter_turns = 0;
  const std::optional<cv::Rect> face =
      close_up ? std::nullopt : FindFace(rgb_linear, warnings, &eyes, &quarter_turns);
  SKT_ASSIGN_OR_RETURN(
      SkinMaskResult result,
      DetectSkinMask(rgb_linear, use_exclude ? exclude : cv::Mat(), face, quarter_turns));
  result.warnings.insert(result.warnings.end(), warnings.begin(), warnings.end());
  if (result.face) {
    result.eyes = std::move(eyes);  // found with the face, in the same box
    result.mouth =
        ExcludeFaceFeatures(rgb_linear, *result.face, result.eyes, quarter_turns, result.mask);
    if (quarter_turns != 0) result.warnings.push_back("face_turned");
  }
  return result;
}

}  // namespace skintrack::core
