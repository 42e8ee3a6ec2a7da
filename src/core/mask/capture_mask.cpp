#include "core/mask/capture_mask.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "core/base/capture_limits.h"
#include "core/base/resize.h"
#include "core/mask/face_regions.h"
#include "core/mask/levelling.h"
#include "core/mask/roi.h"

namespace skintrack::core {

namespace {

// The long side of the levelled copy a tilted face's mask is made on: the colour classification
// runs at 512 px and the eye, brow and mouth searches at a face width of 320 px, so finer
// sampling adds nothing to the mask, whose edge is then placed to within a pixel of this copy.
constexpr double kLevelledLongSide = 1600.0;

// A face found leaning to one side (FindFace's tilt): its mask is made as an upright face's is,
// on a reduced copy of the photo levelled (levelling.h; what lies beyond the photo is black, not
// skin), and carried back into the photo's pixels.
Result<SkinMaskResult> TiltedFaceMask(const cv::Mat& rgb_linear, const cv::Mat& exclude,
                                      const cv::Rect& face, const std::vector<cv::Rect>& face_eyes,
                                      double tilt_deg, std::vector<std::string> warnings) {
  const double scale = std::min(
      1.0, kLevelledLongSide / static_cast<double>(std::max(rgb_linear.cols, rgb_linear.rows)));
  cv::Mat small;
  ResizeBy(rgb_linear, small, scale, cv::INTER_AREA);
  const Levelling level(small.size(), tilt_deg, /*expand=*/true);
  const cv::Mat levelled = level.Level(small, cv::INTER_LINEAR);
  cv::Mat outside =
      level.Level(cv::Mat(small.size(), CV_8U, cv::Scalar(255)), cv::INTER_NEAREST) == 0;
  if (!exclude.empty()) {
    cv::Mat reduced;
    cv::resize(exclude, reduced, small.size(), 0, 0, cv::INTER_NEAREST);
    outside |= level.Level(reduced, cv::INTER_NEAREST) != 0;
  }
  const auto to_levelled = [&](const cv::Rect& r) { return BoxToLevelled(level, scale, r); };
  const auto to_photo = [&](const cv::Rect& r) { return BoxFromLevelled(level, scale, r); };
  const cv::Rect levelled_face = to_levelled(face);
  // The eyes found again on this copy; where fewer are, the ones that confirmed the face.
  std::vector<cv::Rect> eyes = FindEyes(levelled, levelled_face);
  if (eyes.size() < face_eyes.size()) {
    eyes.clear();
    for (const cv::Rect& eye : face_eyes) eyes.push_back(to_levelled(eye));
  }
  const std::optional<cv::Rect> mouth = FindMouth(levelled, levelled_face);
  SkinMaskOptions options;
  options.lips_by_colour = !mouth;
  SKT_ASSIGN_OR_RETURN(SkinMaskResult result,
                       DetectSkinMask(levelled, outside, levelled_face, options));
  ExcludeEyes(eyes, result.mask);
  ExcludeBrows(levelled, eyes, result.mask);
  if (mouth) {
    ExcludeMouth(levelled, *mouth, result.mask);
    result.mouth = to_photo(*mouth);
  }
  cv::Mat full;
  cv::resize(level.Unlevel(result.mask, cv::INTER_LINEAR), full, rgb_linear.size(), 0, 0,
             cv::INTER_LINEAR);
  cv::threshold(full, result.mask, 127, 255, cv::THRESH_BINARY);
  if (!exclude.empty()) result.mask.setTo(0, exclude != 0);
  result.face = face;
  result.face_tilt_deg = tilt_deg;
  result.eyes.clear();
  for (const cv::Rect& eye : eyes) result.eyes.push_back(to_photo(eye));
  result.warnings.insert(result.warnings.end(), warnings.begin(), warnings.end());
  result.warnings.push_back("face_tilted");
  return result;
}

}  // namespace

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
  double tilt_deg = 0;
  const std::optional<cv::Rect> face =
      close_up ? std::nullopt : FindFace(rgb_linear, warnings, &eyes, &turns, &tilt_deg);
  if (face && tilt_deg != 0) {
    return TiltedFaceMask(rgb_linear, use_exclude ? exclude : cv::Mat(), *face, eyes, tilt_deg,
                          std::move(warnings));
  }
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
