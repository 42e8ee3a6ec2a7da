#pragma once
// A face tilted in the photo (the head leaning to one side, or the camera held askew) and the
// rotation that levels it.
//
// `tilt_deg` is the angle the face is turned clockwise as the photo is viewed (negative:
// anticlockwise); the levelled image is the photo turned anticlockwise by it about its centre.
// The face detectors find faces within about 15° of upright, and the brows, the mouth and the
// regions assume an upright face, so a tilted face is found and its mask made on the levelled
// image (capture_mask.h), then carried back into the photo's pixels.
// Thread-safety: immutable after construction.

#include <opencv2/core.hpp>

namespace skintrack::core {

class Levelling {
 public:
  // For an image of `size`. With `expand`, the levelled canvas holds the whole turned image (its
  // corners are outside the photo); otherwise it has the photo's size and the photo's corners
  // fall outside it.
  Levelling(cv::Size size, double tilt_deg, bool expand);

  double tilt_deg() const { return tilt_deg_; }
  cv::Size levelled_size() const { return levelled_size_; }

  // The levelled image (`border`: a cv::BorderTypes value for what lies beyond the photo, `value`
  // its colour for cv::BORDER_CONSTANT).
  cv::Mat Level(const cv::Mat& image, int interpolation, int border = cv::BORDER_CONSTANT,
                const cv::Scalar& value = cv::Scalar()) const;
  // The part `region` (levelled pixels) of the levelled image, computed alone.
  cv::Mat LevelRegion(const cv::Mat& image, const cv::Rect& region, int interpolation) const;
  // A levelled image turned back into the photo's pixels (0 where it has none).
  cv::Mat Unlevel(const cv::Mat& levelled, int interpolation) const;

  cv::Point2d ToLevelled(const cv::Point2d& photo) const;
  cv::Point2d FromLevelled(const cv::Point2d& levelled) const;

 private:
  double tilt_deg_;
  cv::Size size_;
  cv::Size levelled_size_;
  cv::Matx23d to_levelled_;
  cv::Matx23d from_levelled_;
};

// `r` moved so that its centre is `centre`, its size unchanged: a box carried between the photo
// and the levelled image (the box of an upright face stays the box of that face, turned).
cv::Rect CentredAt(const cv::Rect& r, const cv::Point2d& centre);

// Boxes between a photo and a copy of it reduced by `scale` (< 1 smaller) and then levelled by
// `level` (made for the reduced size): the centre moves with the pixels, the size scales (at least
// 1 px in the copy).
cv::Rect BoxToLevelled(const Levelling& level, double scale, const cv::Rect& photo_box);
cv::Rect BoxFromLevelled(const Levelling& level, double scale, const cv::Rect& levelled_box);

// The centre of `r` (pixel centres: a box of pixels x..x+w−1 is centred at x + (w − 1)/2).
cv::Point2d RectCentre(const cv::Rect& r);

}  // namespace skintrack::core
