#include "core/surface/surface_maps.h"

#include <cmath>
#include <string>
#include <system_error>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/base/atomic_file.h"
#include "core/base/check.h"
#include "core/surface/light_set.h"

namespace skintrack::core {

cv::Mat NormalsFromGradients(const cv::Mat& p, const cv::Mat& q) {
  SKT_CHECK(p.type() == CV_32FC1 && q.type() == CV_32FC1 && p.size() == q.size());
  cv::Mat normals(p.size(), CV_32FC3);
  for (int y = 0; y < p.rows; ++y) {
    const float* pr = p.ptr<float>(y);
    const float* qr = q.ptr<float>(y);
    auto* out = normals.ptr<cv::Vec3f>(y);
    for (int x = 0; x < p.cols; ++x) {
      const float inv = 1.0F / std::sqrt(pr[x] * pr[x] + qr[x] * qr[x] + 1.0F);
      out[x] = cv::Vec3f(-pr[x] * inv, -qr[x] * inv, inv);
    }
  }
  return normals;
}

void GradientsOfHeight(const cv::Mat& height_px, cv::Mat& p, cv::Mat& q) {
  SKT_CHECK(height_px.type() == CV_32FC1 && height_px.rows >= 2 && height_px.cols >= 2);
  p.create(height_px.size(), CV_32FC1);
  q.create(height_px.size(), CV_32FC1);
  const int w = height_px.cols;
  const int h = height_px.rows;
  for (int y = 0; y < h; ++y) {
    const float* z = height_px.ptr<float>(y);
    const float* up = height_px.ptr<float>(std::max(0, y - 1));
    const float* down = height_px.ptr<float>(std::min(h - 1, y + 1));
    const float dy = static_cast<float>(std::min(h - 1, y + 1) - std::max(0, y - 1));
    float* pr = p.ptr<float>(y);
    float* qr = q.ptr<float>(y);
    for (int x = 0; x < w; ++x) {
      const int xl = std::max(0, x - 1);
      const int xr = std::min(w - 1, x + 1);
      pr[x] = (z[xr] - z[xl]) / static_cast<float>(xr - xl);
      qr[x] = (down[x] - up[x]) / dy;
    }
  }
}

cv::Mat RenderLambertian(const cv::Mat& normals, const cv::Mat& albedo, const cv::Vec3d& direction,
                         double intensity) {
  SKT_CHECK(normals.type() == CV_32FC3);
  SKT_CHECK(albedo.empty() || (albedo.type() == CV_32FC1 && albedo.size() == normals.size()));
  const cv::Vec3f l = cv::Vec3f(direction / cv::norm(direction)) * static_cast<float>(intensity);
  cv::Mat out(normals.size(), CV_32FC1);
  for (int y = 0; y < normals.rows; ++y) {
    const auto* n = normals.ptr<cv::Vec3f>(y);
    const float* a = albedo.empty() ? nullptr : albedo.ptr<float>(y);
    float* row = out.ptr<float>(y);
    for (int x = 0; x < normals.cols; ++x) {
      const float shade = std::max(0.0F, n[x].dot(l));
      row[x] = a == nullptr ? shade : a[x] * shade;
    }
  }
  return out;
}

cv::Mat ShadedPreview(const cv::Mat& normals) {
  const cv::Mat shade = RenderLambertian(normals, cv::Mat(), LightDirectionFromAngles(225, 45));
  cv::Mat out;
  shade.convertTo(out, CV_8UC1, 255.0);
  return out;
}

cv::Mat NormalsToBgr8(const cv::Mat& normals) {
  SKT_CHECK(normals.type() == CV_32FC3);
  cv::Mat rgb;
  normals.convertTo(rgb, CV_8UC3, 127.5, 127.5);
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

Status WriteImageFile(const std::filesystem::path& path, const cv::Mat& image) {
  // Encoded in memory by the target's extension, then written through WriteFileAtomic.
  std::vector<unsigned char> bytes;
  const std::string ext = path.extension().string();
  try {
    if (!cv::imencode(ext.empty() ? ".png" : ext, image, bytes)) {
      return StorageError("could not encode " + path.string());
    }
  } catch (const cv::Exception& e) {
    return StorageError("could not encode " + path.string() + ": " + e.what());
  }
  return WriteFileAtomic(path, std::string_view(reinterpret_cast<const char*>(bytes.data()),
                                                bytes.size()));
}

Status WriteHeightMapTiff(const std::filesystem::path& path, const cv::Mat& height_mm) {
  SKT_CHECK(height_mm.type() == CV_32FC1) << "height map must be CV_32FC1 (mm)";
  const std::string ext = path.extension().string();
  if (ext != ".tif" && ext != ".tiff" && ext != ".TIF" && ext != ".TIFF") {
    return UsageError("the height map is written as a 32-bit float TIFF: name it *.tiff, not " +
                      path.filename().string());
  }
  return WriteImageFile(path, height_mm);
}

Result<cv::Mat> LoadHeightMap(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return BadInputError("height map " + path.string() + " does not exist or is not a file");
  }
  cv::Mat height;
  try {
    height = cv::imread(path.string(), cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    return BadInputError("could not read height map " + path.string() + ": " + e.what());
  }
  if (height.empty()) {
    return BadInputError("could not read height map " + path.string() +
                         ": not a readable TIFF image");
  }
  if (height.channels() != 1 || (height.depth() != CV_32F && height.depth() != CV_64F)) {
    return BadInputError("height map " + path.string() +
                         " must be a single-channel 32-bit float TIFF in mm (as written by "
                         "`skintrack surface -o`)");
  }
  cv::Mat out;
  height.convertTo(out, CV_32F);
  return out;
}

}  // namespace skintrack::core
