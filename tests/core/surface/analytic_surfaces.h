#pragma once
// Analytic test surfaces (REFERENCES.md sections 4-5) with exact gradients, and their rendering
// under a set of distant lights with additive Gaussian noise.

#include <cmath>
#include <functional>
#include <vector>

#include <opencv2/core.hpp>

#include "core/surface/light_set.h"
#include "core/surface/surface_maps.h"

namespace skintrack::testing {

struct AnalyticSurface {
  cv::Mat height_px;  // CV_32FC1, height in pixel units
  cv::Mat p;          // exact dz/dx
  cv::Mat q;          // exact dz/dy
  cv::Mat normals;    // exact unit normals
};

// z(x, y), dz/dx, dz/dy evaluated at pixel centres.
inline AnalyticSurface MakeSurface(
    cv::Size size, const std::function<void(double x, double y, double& z, double& p, double& q)>& f) {
  AnalyticSurface s;
  s.height_px.create(size, CV_32FC1);
  s.p.create(size, CV_32FC1);
  s.q.create(size, CV_32FC1);
  for (int y = 0; y < size.height; ++y) {
    for (int x = 0; x < size.width; ++x) {
      double z = 0, p = 0, q = 0;
      f(x, y, z, p, q);
      s.height_px.at<float>(y, x) = static_cast<float>(z);
      s.p.at<float>(y, x) = static_cast<float>(p);
      s.q.at<float>(y, x) = static_cast<float>(q);
    }
  }
  s.normals = core::NormalsFromGradients(s.p, s.q);
  return s;
}

// Sphere of radius r_px centred in the image on a flat background at z = 0.
inline AnalyticSurface Sphere(cv::Size size, double r_px) {
  const double cx = (size.width - 1) / 2.0, cy = (size.height - 1) / 2.0;
  return MakeSurface(size, [=](double x, double y, double& z, double& p, double& q) {
    const double dx = x - cx, dy = y - cy, rr = dx * dx + dy * dy;
    if (rr >= r_px * r_px * 0.999) {
      z = p = q = 0;
      return;
    }
    z = std::sqrt(r_px * r_px - rr);
    p = -dx / z;
    q = -dy / z;
  });
}

// Gaussian pit z = -d exp(-r^2 / 2 sigma^2) centred at (cx, cy).
inline AnalyticSurface GaussianPit(cv::Size size, double depth_px, double sigma_px) {
  const double cx = (size.width - 1) / 2.0, cy = (size.height - 1) / 2.0;
  return MakeSurface(size, [=](double x, double y, double& z, double& p, double& q) {
    const double dx = x - cx, dy = y - cy;
    z = -depth_px * std::exp(-(dx * dx + dy * dy) / (2 * sigma_px * sigma_px));
    p = z * (-dx / (sigma_px * sigma_px));
    q = z * (-dy / (sigma_px * sigma_px));
  });
}

// z = A sin(2 pi x / lambda).
inline AnalyticSurface Sine(cv::Size size, double amplitude_px, double wavelength_px) {
  const double k = 2 * CV_PI / wavelength_px;
  return MakeSurface(size, [=](double x, double, double& z, double& p, double& q) {
    z = amplitude_px * std::sin(k * x);
    p = amplitude_px * k * std::cos(k * x);
    q = 0;
  });
}

// Egg-crate z = A sin(2 pi x / lambda) sin(2 pi y / lambda).
inline AnalyticSurface EggCrate(cv::Size size, double amplitude_px, double wavelength_px) {
  const double k = 2 * CV_PI / wavelength_px;
  return MakeSurface(size, [=](double x, double y, double& z, double& p, double& q) {
    z = amplitude_px * std::sin(k * x) * std::sin(k * y);
    p = amplitude_px * k * std::cos(k * x) * std::sin(k * y);
    q = amplitude_px * k * std::sin(k * x) * std::cos(k * y);
  });
}

// A ring of `count` lights at `elevation_deg`, the first at azimuth `first_azimuth_deg`.
inline std::vector<cv::Vec3d> RingLights(int count, double elevation_deg,
                                         double first_azimuth_deg = 0) {
  std::vector<cv::Vec3d> lights;
  for (int i = 0; i < count; ++i) {
    lights.push_back(core::LightDirectionFromAngles(first_azimuth_deg + 360.0 * i / count,
                                                    elevation_deg));
  }
  return lights;
}

// Lambertian images (albedo `albedo`) plus Gaussian noise of `noise_sd` (linear units).
inline std::vector<cv::Mat> RenderSet(const AnalyticSurface& surface,
                                      const std::vector<cv::Vec3d>& lights, double albedo,
                                      double noise_sd, std::uint64_t seed = 7) {
  cv::RNG rng(seed);
  std::vector<cv::Mat> images;
  const cv::Mat albedo_map(surface.normals.size(), CV_32FC1, cv::Scalar(albedo));
  for (const cv::Vec3d& l : lights) {
    cv::Mat image = core::RenderLambertian(surface.normals, albedo_map, l);
    cv::Mat noise(image.size(), CV_32FC1);
    rng.fill(noise, cv::RNG::NORMAL, 0.0, noise_sd);
    image += noise;
    images.push_back(image);
  }
  return images;
}

}  // namespace skintrack::testing
