#include "core/mask/levelling.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace skintrack::core {

Levelling::Levelling(cv::Size size, double tilt_deg, bool expand)
    : tilt_deg_(tilt_deg), size_(size), levelled_size_(size) {
  const cv::Point2f centre(0.5f * static_cast<float>(size.width - 1),
                           0.5f * static_cast<float>(size.height - 1));
  // getRotationMatrix2D turns anticlockwise (as viewed) for a positive angle.
  cv::Mat m = cv::getRotationMatrix2D(centre, tilt_deg, 1.0);
  if (expand) {
    const double c = std::abs(std::cos(tilt_deg * CV_PI / 180.0));
    const double s = std::abs(std::sin(tilt_deg * CV_PI / 180.0));
    levelled_size_ = cv::Size(static_cast<int>(std::ceil(size.width * c + size.height * s)),
                              static_cast<int>(std::ceil(size.width * s + size.height * c)));
    m.at<double>(0, 2) += 0.5 * (levelled_size_.width - size.width);
    m.at<double>(1, 2) += 0.5 * (levelled_size_.height - size.height);
  }
  to_levelled_ = cv::Matx23d(m);
  cv::Mat inverse;
  cv::invertAffineTransform(m, inverse);
  from_levelled_ = cv::Matx23d(inverse);
}

cv::Mat Levelling::Level(const cv::Mat& image, int interpolation, int border,
                         const cv::Scalar& value) const {
  cv::Mat out;
  cv::warpAffine(image, out, to_levelled_, levelled_size_, interpolation, border, value);
  return out;
}

cv::Mat Levelling::LevelRegion(const cv::Mat& image, const cv::Rect& region,
                               int interpolation) const {
  cv::Matx23d shifted = to_levelled_;
  shifted(0, 2) -= region.x;
  shifted(1, 2) -= region.y;
  cv::Mat out;
  cv::warpAffine(image, out, shifted, region.size(), interpolation, cv::BORDER_REPLICATE);
  return out;
}

cv::Mat Levelling::Unlevel(const cv::Mat& levelled, int interpolation) const {
  cv::Mat out;
  cv::warpAffine(levelled, out, from_levelled_, size_, interpolation, cv::BORDER_CONSTANT);
  return out;
}

cv::Point2d Levelling::ToLevelled(const cv::Point2d& p) const {
  const cv::Matx23d& m = to_levelled_;
  return {m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2), m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2)};
}

cv::Point2d Levelling::FromLevelled(const cv::Point2d& p) const {
  const cv::Matx23d& m = from_levelled_;
  return {m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2), m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2)};
}

cv::Point2d RectCentre(const cv::Rect& r) {
  return {r.x + 0.5 * (r.width - 1), r.y + 0.5 * (r.height - 1)};
}

cv::Rect CentredAt(const cv::Rect& r, const cv::Point2d& centre) {
  return {static_cast<int>(std::lround(centre.x - 0.5 * (r.width - 1))),
          static_cast<int>(std::lround(centre.y - 0.5 * (r.height - 1))), r.width, r.height};
}

cv::Rect BoxToLevelled(const Levelling& level, double scale, const cv::Rect& photo_box) {
  const cv::Point2d c = RectCentre(photo_box);
  const cv::Rect sized(0, 0, std::max(1, static_cast<int>(std::lround(photo_box.width * scale))),
                       std::max(1, static_cast<int>(std::lround(photo_box.height * scale))));
  return CentredAt(sized, level.ToLevelled({(c.x + 0.5) * scale - 0.5, (c.y + 0.5) * scale - 0.5}));
}

cv::Rect BoxFromLevelled(const Levelling& level, double scale, const cv::Rect& levelled_box) {
  const cv::Point2d c = level.FromLevelled(RectCentre(levelled_box));
  const cv::Rect sized(0, 0, static_cast<int>(std::lround(levelled_box.width / scale)),
                       static_cast<int>(std::lround(levelled_box.height / scale)));
  return CentredAt(sized, {(c.x + 0.5) / scale - 0.5, (c.y + 0.5) / scale - 0.5});
}

}  // namespace skintrack::core
