#include "core/surface/sphere_probe.h"

#include <algorithm>
#include <cmath>

#include <Eigen/Dense>

#include "core/base/check.h"

namespace skintrack::core {
namespace {

struct SpherePixel {
  cv::Vec3d normal;
  double value;
  double x, y;
};

std::vector<SpherePixel> SpherePixels(const cv::Mat& intensity, const SphereProbe& sphere,
                                      double rim_fraction) {
  std::vector<SpherePixel> pixels;
  const double r = sphere.radius_px * rim_fraction;
  const int x0 = std::max(0, static_cast<int>(std::floor(sphere.center_px.x - r)));
  const int x1 = std::min(intensity.cols - 1, static_cast<int>(std::ceil(sphere.center_px.x + r)));
  const int y0 = std::max(0, static_cast<int>(std::floor(sphere.center_px.y - r)));
  const int y1 = std::min(intensity.rows - 1, static_cast<int>(std::ceil(sphere.center_px.y + r)));
  for (int y = y0; y <= y1; ++y) {
    const float* row = intensity.ptr<float>(y);
    for (int x = x0; x <= x1; ++x) {
      const double nx = (x - sphere.center_px.x) / sphere.radius_px;
      const double ny = (y - sphere.center_px.y) / sphere.radius_px;
      const double rr = nx * nx + ny * ny;
      if (rr > rim_fraction * rim_fraction) continue;
      pixels.push_back({cv::Vec3d(nx, ny, std::sqrt(1.0 - rr)), row[x], double(x), double(y)});
    }
  }
  return pixels;
}

}  // namespace

Result<cv::Vec3d> EstimateLightFromSphere(const cv::Mat& intensity, const SphereProbe& sphere,
                                          const SphereProbeOptions& options) {
  SKT_CHECK(intensity.type() == CV_32FC1) << "sphere probe needs CV_32FC1 linear intensity";
  const cv::Rect bounds(0, 0, intensity.cols, intensity.rows);
  const cv::Rect circle(static_cast<int>(sphere.center_px.x - sphere.radius_px),
                        static_cast<int>(sphere.center_px.y - sphere.radius_px),
                        static_cast<int>(2 * sphere.radius_px),
                        static_cast<int>(2 * sphere.radius_px));
  if ((circle & bounds) != circle) {
    return BadInputError("the sphere (centre " + std::to_string(sphere.center_px.x) + ", " +
                         std::to_string(sphere.center_px.y) + ", radius " +
                         std::to_string(sphere.radius_px) +
                         " px) does not lie entirely inside the image");
  }
  const std::vector<SpherePixel> pixels = SpherePixels(intensity, sphere, options.rim_fraction);
  double max_value = 0;
  for (const SpherePixel& p : pixels) max_value = std::max(max_value, p.value);
  if (pixels.empty() || max_value <= 0) {
    return BadInputError("the sphere probe is dark: no light falls on it in this image");
  }
  if (sphere.kind == SphereKind::kChrome) {
    double weight = 0, sx = 0, sy = 0;
    for (const SpherePixel& p : pixels) {
      if (p.value < options.highlight_fraction * max_value) continue;
      weight += p.value;
      sx += p.value * p.x;
      sy += p.value * p.y;
    }
    const double nx = (sx / weight - sphere.center_px.x) / sphere.radius_px;
    const double ny = (sy / weight - sphere.center_px.y) / sphere.radius_px;
    const double rr = nx * nx + ny * ny;
    if (rr >= 1.0) return BadInputError("the chrome sphere's highlight lies on its outline");
    const cv::Vec3d n(nx, ny, std::sqrt(1.0 - rr));
    const cv::Vec3d l = 2.0 * n[2] * n - cv::Vec3d(0, 0, 1);
    if (l[2] <= 0) {
      return BadInputError("the chrome sphere's highlight implies a light below the skin plane");
    }
    return l / cv::norm(l);
  }
  // Matte: least squares rho * l over lit pixels, then once more over the pixels it predicts lit.
  Eigen::Vector3d g = Eigen::Vector3d::Zero();
  for (int pass = 0; pass < 2; ++pass) {
    Eigen::Matrix3d ata = Eigen::Matrix3d::Zero();
    Eigen::Vector3d atb = Eigen::Vector3d::Zero();
    int used = 0;
    for (const SpherePixel& p : pixels) {
      const Eigen::Vector3d n(p.normal[0], p.normal[1], p.normal[2]);
      if (p.value < options.lit_fraction * max_value) continue;
      if (pass == 1 && n.dot(g) <= options.lit_fraction * max_value) continue;
      ata += n * n.transpose();
      atb += n * p.value;
      ++used;
    }
    if (used < 10) return BadInputError("the matte sphere has too few lit pixels to fit a light");
    g = ata.ldlt().solve(atb);
  }
  if (g.norm() <= 0 || g.z() <= 0) {
    return BadInputError("the matte sphere's shading implies a light below the skin plane");
  }
  g.normalize();
  return cv::Vec3d(g.x(), g.y(), g.z());
}

}  // namespace skintrack::core
