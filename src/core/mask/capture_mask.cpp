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
  int turns = 0;
  const std::optional<cv::Rect> face =
      close_up ? std::nullopt : FindFace(rgb_linear, warnings, &eyes, &turns);
  // A face lying on its side (or upside down): the mask is made with the photo turned upright, as
  // the upright photo's would be (the face box's proportions, the brows above the eyes and the
  // mouth below them assume it), and turned back into the photo's pixels.
  const cv::Size size = rgb_linear.size();
  const cv::Mat upright = TurnClockwise(rgb_linear, turns);
  std::optional<cv::Rect> upright_face;
  if (face) upright_face = TurnRectClockwise(*face, size, turns);
  std::vector<cv::Rect> upright_eyes;
  for (const cv::Rect& eye : eyes) upright_eyes.push_back(TurnRectClockwise(eye, size, turns));
  const std::optional<cv::Rect> mouth =
      upright_face ? FindMouth(upright, *upright_face) : std::nullopt;
  SkinMaskOptions options;
  options.lips_by_colour = !mouth;
  SKT_ASSIGN_OR_RETURN(
      SkinMaskResult result,
      DetectSkinMask(upright, use_exclude ? TurnClockwise(exclude, turns) : cv::Mat(),
                     upright_face, options));
  result.warnings.insert(result.warnings.end(), warnings.begin(), warnings.end());
  if (face) {
    ExcludeEyes(upright_eyes, result.mask);
    ExcludeBrows(upright, upright_eyes, result.mask);
    if (mouth) {
      ExcludeMouth(upright, *mouth, result.mask);
      result.mouth = TurnRectClockwise(*mouth, upright.size(), 4 - turns);
    }
    result.face = face;
    result.face_quarter_turns = turns;
    result.eyes = std::move(eyes);  // found with the face, in the photo's pixels
    if (turns != 0) {
      result.mask = TurnClockwise(result.mask, 4 - turns);
      result.warnings.push_back("face_turned");
    }
  }
  return result;
}

}  // namespace skintrack::core
