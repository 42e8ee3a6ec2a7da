#include "report/photos.h"

#include <algorithm>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/io/image_io.h"
#include "core/registration/registration.h"

namespace skintrack::report {

ReportPhoto EncodeReportPhoto(const cv::Mat& bgr, const std::string& caption,
                              const std::string& date, int max_side_px) {
  cv::Mat image = bgr;
  if (image.depth() == CV_16U) image.convertTo(image, CV_8U, 1.0 / 257.0);
  const double scale = std::min(1.0, static_cast<double>(max_side_px) / std::max(image.cols, image.rows));
  if (scale < 1.0) cv::resize(image, image, cv::Size(), scale, scale, cv::INTER_AREA);
  std::vector<uchar> jpeg;
  cv::imencode(".jpg", image, jpeg, {cv::IMWRITE_JPEG_QUALITY, 88});
  ReportPhoto photo;
  photo.caption = caption;
  photo.date = date;
  photo.jpeg.assign(jpeg.begin(), jpeg.end());
  photo.width = image.cols;
  photo.height = image.rows;
  return photo;
}

Result<AlignedPhoto> LoadAlignedPhoto(const std::filesystem::path& path, const cv::Mat& baseline_bgr) {
  SKT_ASSIGN_OR_RETURN(core::LoadedImage loaded, core::LoadImage(path));
  AlignedPhoto photo;
  photo.bgr = loaded.bgr;
  if (photo.bgr.depth() == CV_16U) photo.bgr.convertTo(photo.bgr, CV_8U, 1.0 / 257.0);
  if (baseline_bgr.empty()) return photo;
  auto registration = core::RegisterImages(photo.bgr, baseline_bgr, cv::Mat(), core::RegistrationOptions{});
  if (!registration.ok()) {
    photo.note = registration.error().message;
    return photo;
  }
  auto warped = core::WarpToFixed(photo.bgr, *registration);
  if (!warped.ok()) {
    photo.note = warped.error().message;
    return photo;
  }
  photo.bgr = *warped;
  photo.aligned = true;
  photo.ncc_after = registration->ncc_after;
  photo.rms_residual_px = registration->rms_residual_px;
  return photo;
}

}  // namespace skintrack::report
