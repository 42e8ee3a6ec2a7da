#include "core/surface/photometric_stereo.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <unordered_map>

#include <Eigen/Dense>
#include <opencv2/core/utility.hpp>

#include "core/base/check.h"

namespace skintrack::core {
namespace {

using LightMask = std::uint32_t;

// Least-squares solver for one subset of lights: g = pinv * v, with the unused columns zero.
struct SubsetSolver {
  bool ok = false;
  std::array<std::array<float, kMaxPhotometricLights>, 3> pinv{};
};

int PopCount(LightMask mask) { return __builtin_popcount(mask); }

SubsetSolver BuildSolver(LightMask mask, const std::vector<cv::Vec3d>& directions,
                         const LightGeometryOptions& geometry) {
  SubsetSolver solver;
  const int count = PopCount(mask);
  if (count < kMinPhotometricLights) return solver;
  Eigen::MatrixXd l(count, 3);
  std::vector<int> index;
  for (int i = 0, row = 0; i < static_cast<int>(directions.size()); ++i) {
    if ((mask >> i) & 1U) {
      l.row(row++) << directions[i][0], directions[i][1], directions[i][2];
      index.push_back(i);
    }
  }
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(l, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Eigen::Vector3d s = svd.singularValues();
  if (s(2) <= 1e-12 || s(0) / s(2) > geometry.max_condition_number) return solver;
  // pinv = V S^-1 U^T (3 x count).
  const Eigen::MatrixXd pinv =
      svd.matrixV() * s.cwiseInverse().asDiagonal() * svd.matrixU().transpose();
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < count; ++c) {
      solver.pinv[static_cast<std::size_t>(r)][static_cast<std::size_t>(index[c])] =
          static_cast<float>(pinv(r, c));
    }
  }
  solver.ok = true;
  return solver;
}

}  // namespace

Result<NormalMap> EstimateNormals(const std::vector<cv::Mat>& images,
                                  const std::vector<cv::Vec3d>& directions,
                                  const std::vector<double>& intensities,
                                  const PhotometricStereoOptions& options) {
  const int n = static_cast<int>(images.size());
  if (n != static_cast<int>(directions.size()) || n != static_cast<int>(intensities.size())) {
    return BadInputError("photometric stereo got " + std::to_string(n) + " images but " +
                         std::to_string(directions.size()) +
                         " light directions; give one light entry per image");
  }
  SKT_RETURN_IF_ERROR(CheckLightGeometry(directions, intensities, options.geometry));
  const cv::Size size = images[0].size();
  for (int i = 0; i < n; ++i) {
    SKT_CHECK(images[i].type() == CV_32FC1) << "photometric stereo images must be CV_32FC1";
    if (images[i].size() != size) {
      return BadInputError("image " + std::to_string(i + 1) + " is " +
                           std::to_string(images[i].cols) + "x" + std::to_string(images[i].rows) +
                           " but image 1 is " + std::to_string(size.width) + "x" +
                           std::to_string(size.height) +
                           "; all images of a photometric-stereo set must have the same size "
                           "(same camera position, no cropping)");
    }
  }
  if (size.area() == 0) return BadInputError("photometric stereo images are empty");

  std::vector<float> inverse_intensity(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    inverse_intensity[static_cast<std::size_t>(i)] = static_cast<float>(1.0 / intensities[i]);
  }
  const auto shadow = static_cast<float>(options.shadow_threshold);
  const auto highlight = static_cast<float>(options.highlight_threshold);
  const int robust_min = options.robust_min_lights;

  // Pass 1: which observations each pixel keeps (primary) and the set before the robust drop
  // (fallback, used when the primary subset is too small or coplanar).
  cv::Mat primary(size, CV_32SC1);
  cv::Mat fallback(size, CV_32SC1);
  cv::parallel_for_(cv::Range(0, size.height), [&](const cv::Range& rows) {
    std::array<float, kMaxPhotometricLights> v{};
    for (int y = rows.start; y < rows.end; ++y) {
      auto* primary_row = primary.ptr<LightMask>(y);
      auto* fallback_row = fallback.ptr<LightMask>(y);
      for (int x = 0; x < size.width; ++x) {
        LightMask mask = 0;
        int count = 0;
        int brightest = -1;
        int darkest = -1;
        for (int i = 0; i < n; ++i) {
          const float value = images[static_cast<std::size_t>(i)].ptr<float>(y)[x] *
                              inverse_intensity[static_cast<std::size_t>(i)];
          v[static_cast<std::size_t>(i)] = value;
          if (value >= shadow && value <= highlight) {
            mask |= LightMask{1} << i;
            ++count;
            if (brightest < 0 || value > v[static_cast<std::size_t>(brightest)]) brightest = i;
            if (darkest < 0 || value < v[static_cast<std::size_t>(darkest)]) darkest = i;
          }
        }
        fallback_row[x] = mask;
        if (robust_min > 0 && count >= robust_min && brightest != darkest) {
          mask &= ~(LightMask{1} << brightest);
          mask &= ~(LightMask{1} << darkest);
        }
        primary_row[x] = mask;
      }
    }
  });

  // One solver per distinct subset (few in practice: at most n(n-1) with the robust rule).
  std::vector<SubsetSolver> solvers;
  std::unordered_map<LightMask, int> solver_index;
  cv::Mat primary_solver(size, CV_32SC1);
  cv::Mat fallback_solver(size, CV_32SC1);
  auto lookup = [&](LightMask mask) {
    auto it = solver_index.find(mask);
    if (it != solver_index.end()) return it->second;
    const int index = static_cast<int>(solvers.size());
    solvers.push_back(BuildSolver(mask, directions, options.geometry));
    solver_index.emplace(mask, index);
    return index;
  };
  for (int y = 0; y < size.height; ++y) {
    const auto* primary_row = primary.ptr<LightMask>(y);
    const auto* fallback_row = fallback.ptr<LightMask>(y);
    auto* ps = primary_solver.ptr<int>(y);
    auto* fs = fallback_solver.ptr<int>(y);
    LightMask last_p = ~LightMask{0}, last_f = ~LightMask{0};
    int last_pi = -1, last_fi = -1;
    for (int x = 0; x < size.width; ++x) {
      if (primary_row[x] != last_p) {
        last_p = primary_row[x];
        last_pi = lookup(last_p);
      }
      if (fallback_row[x] != last_f) {
        last_f = fallback_row[x];
        last_fi = lookup(last_f);
      }
      ps[x] = last_pi;
      fs[x] = last_fi;
    }
  }

  // Pass 2: solve g = rho * n per pixel.
  NormalMap out;
  out.normals.create(size, CV_32FC3);
  out.albedo.create(size, CV_32FC1);
  out.p.create(size, CV_32FC1);
  out.q.create(size, CV_32FC1);
  out.valid.create(size, CV_8UC1);
  out.lights_used.create(size, CV_8UC1);
  const auto min_nz = static_cast<float>(options.min_normal_z);
  cv::parallel_for_(cv::Range(0, size.height), [&](const cv::Range& rows) {
    std::array<float, kMaxPhotometricLights> v{};
    for (int y = rows.start; y < rows.end; ++y) {
      const int* ps = primary_solver.ptr<int>(y);
      const int* fs = fallback_solver.ptr<int>(y);
      const auto* primary_row = primary.ptr<LightMask>(y);
      const auto* fallback_row = fallback.ptr<LightMask>(y);
      auto* normal_row = out.normals.ptr<cv::Vec3f>(y);
      auto* albedo_row = out.albedo.ptr<float>(y);
      auto* p_row = out.p.ptr<float>(y);
      auto* q_row = out.q.ptr<float>(y);
      auto* valid_row = out.valid.ptr<std::uint8_t>(y);
      auto* used_row = out.lights_used.ptr<std::uint8_t>(y);
      for (int x = 0; x < size.width; ++x) {
        const SubsetSolver* solver = &solvers[static_cast<std::size_t>(ps[x])];
        LightMask mask = primary_row[x];
        if (!solver->ok) {
          solver = &solvers[static_cast<std::size_t>(fs[x])];
          mask = fallback_row[x];
        }
        float g[3] = {0, 0, 0};
        if (solver->ok) {
          for (int i = 0; i < n; ++i) {
            v[static_cast<std::size_t>(i)] = images[static_cast<std::size_t>(i)].ptr<float>(y)[x] *
                                             inverse_intensity[static_cast<std::size_t>(i)];
          }
          for (int r = 0; r < 3; ++r) {
            float sum = 0;
            const auto& row = solver->pinv[static_cast<std::size_t>(r)];
            for (int i = 0; i < n; ++i) {
              sum += row[static_cast<std::size_t>(i)] * v[static_cast<std::size_t>(i)];
            }
            g[r] = sum;
          }
        }
        const float rho = std::sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
        if (!solver->ok || rho <= 1e-12F || g[2] <= 0.0F) {
          normal_row[x] = cv::Vec3f(0, 0, 1);
          albedo_row[x] = 0;
          p_row[x] = 0;
          q_row[x] = 0;
          valid_row[x] = 0;
          used_row[x] = 0;
          continue;
        }
        const cv::Vec3f normal(g[0] / rho, g[1] / rho, g[2] / rho);
        normal_row[x] = normal;
        albedo_row[x] = rho;
        const float nz = std::max(normal[2], min_nz);
        p_row[x] = -normal[0] / nz;
        q_row[x] = -normal[1] / nz;
        valid_row[x] = 255;
        used_row[x] = static_cast<std::uint8_t>(PopCount(mask));
      }
    }
  });
  out.valid_fraction = static_cast<double>(cv::countNonZero(out.valid)) /
                       static_cast<double>(size.area());
  return out;
}

double MeanAngularErrorDeg(const cv::Mat& normals_a, const cv::Mat& normals_b,
                           const cv::Mat& mask) {
  SKT_CHECK(normals_a.type() == CV_32FC3 && normals_b.type() == CV_32FC3);
  SKT_CHECK(normals_a.size() == normals_b.size());
  double sum = 0;
  long count = 0;
  for (int y = 0; y < normals_a.rows; ++y) {
    const auto* a = normals_a.ptr<cv::Vec3f>(y);
    const auto* b = normals_b.ptr<cv::Vec3f>(y);
    const auto* m = mask.empty() ? nullptr : mask.ptr<std::uint8_t>(y);
    for (int x = 0; x < normals_a.cols; ++x) {
      if (m != nullptr && m[x] == 0) continue;
      const double dot = std::clamp(static_cast<double>(a[x].dot(b[x])) /
                                        (cv::norm(a[x]) * cv::norm(b[x]) + 1e-30),
                                    -1.0, 1.0);
      sum += std::acos(dot) * 180.0 / CV_PI;
      ++count;
    }
  }
  return count > 0 ? sum / static_cast<double>(count) : 0.0;
}

}  // namespace skintrack::core
