#include "core/surface/form_removal.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <opencv2/imgproc.hpp>

#include "core/base/check.h"

namespace skintrack::core {
namespace {

// Polynomial terms in normalised coordinates (x, y in [-1, 1]).
int TermCount(FormRemovalMethod method) { return method == FormRemovalMethod::kPlane ? 3 : 6; }

void Terms(double x, double y, int count, double* out) {
  out[0] = 1;
  out[1] = x;
  out[2] = y;
  if (count > 3) {
    out[3] = x * x;
    out[4] = x * y;
    out[5] = y * y;
  }
}

cv::Mat RemovePolynomial(const cv::Mat& height, const cv::Mat& valid, const FormRemovalOptions& o) {
  const int terms = TermCount(o.method);
  const double half_w = std::max(1.0, (height.cols - 1) / 2.0);
  const double half_h = std::max(1.0, (height.rows - 1) / 2.0);
  // Fit on at most ~250k samples on a regular grid: the form is smooth.
  const int stride = std::max(1, static_cast<int>(std::sqrt(static_cast<double>(height.total()) / 250000.0)));
  struct Sample {
    double x, y, z;
  };
  std::vector<Sample> samples;
  for (int y = 0; y < height.rows; y += stride) {
    const float* row = height.ptr<float>(y);
    const std::uint8_t* m = valid.empty() ? nullptr : valid.ptr<std::uint8_t>(y);
    for (int x = 0; x < height.cols; x += stride) {
      if (m != nullptr && m[x] == 0) continue;
      samples.push_back({x / half_w - 1.0, y / half_h - 1.0, row[x]});
    }
  }
  Eigen::VectorXd coeff = Eigen::VectorXd::Zero(terms);
  if (samples.size() < static_cast<std::size_t>(terms) * 4) return height - cv::mean(height, valid)[0];
  std::vector<char> keep(samples.size(), 1);
  double t[6];
  for (int iteration = 0; iteration <= o.robust_iterations; ++iteration) {
    Eigen::MatrixXd ata = Eigen::MatrixXd::Zero(terms, terms);
    Eigen::VectorXd atb = Eigen::VectorXd::Zero(terms);
    for (std::size_t i = 0; i < samples.size(); ++i) {
      if (!keep[i]) continue;
      Terms(samples[i].x, samples[i].y, terms, t);
      const Eigen::Map<Eigen::VectorXd> a(t, terms);
      ata.noalias() += a * a.transpose();
      atb.noalias() += a * samples[i].z;
    }
    coeff = ata.ldlt().solve(atb);
    if (iteration == o.robust_iterations) break;
    std::vector<double> abs_residual;
    abs_residual.reserve(samples.size());
    std::vector<double> residual(samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i) {
      Terms(samples[i].x, samples[i].y, terms, t);
      residual[i] = samples[i].z - Eigen::Map<Eigen::VectorXd>(t, terms).dot(coeff);
      abs_residual.push_back(std::abs(residual[i]));
    }
    auto mid = abs_residual.begin() + static_cast<std::ptrdiff_t>(abs_residual.size() / 2);
    std::nth_element(abs_residual.begin(), mid, abs_residual.end());
    const double sigma = 1.4826 * *mid;
    if (sigma <= 0) break;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < samples.size(); ++i) {
      keep[i] = std::abs(residual[i]) <= o.robust_k * sigma ? 1 : 0;
      kept += static_cast<std::size_t>(keep[i]);
    }
    if (kept < static_cast<std::size_t>(terms) * 4) break;
  }
  cv::Mat out(height.size(), CV_32FC1);
  for (int y = 0; y < height.rows; ++y) {
    const float* in = height.ptr<float>(y);
    float* row = out.ptr<float>(y);
    for (int x = 0; x < height.cols; ++x) {
      Terms(x / half_w - 1.0, y / half_h - 1.0, terms, t);
      row[x] = in[x] - static_cast<float>(Eigen::Map<Eigen::VectorXd>(t, terms).dot(coeff));
    }
  }
  return out;
}

cv::Mat GaussianLowPass(const cv::Mat& height, double sigma_px) {
  cv::Mat low;
  if (sigma_px <= 8.0) {
    cv::GaussianBlur(height, low, cv::Size(), sigma_px, sigma_px, cv::BORDER_REFLECT);
    return low;
  }
  // The low-pass is smooth: compute it on an image reduced so that sigma is about 4 pixels.
  const double factor = sigma_px / 4.0;
  const cv::Size small_size(std::max(4, static_cast<int>(std::lround(height.cols / factor))),
                            std::max(4, static_cast<int>(std::lround(height.rows / factor))));
  cv::Mat small;
  cv::resize(height, small, small_size, 0, 0, cv::INTER_AREA);
  const double sx = sigma_px * small_size.width / height.cols;
  const double sy = sigma_px * small_size.height / height.rows;
  cv::GaussianBlur(small, small, cv::Size(), sx, sy, cv::BORDER_REFLECT);
  cv::resize(small, low, height.size(), 0, 0, cv::INTER_CUBIC);
  return low;
}

}  // namespace

Result<FormRemovalMethod> ParseFormRemovalMethod(std::string_view name) {
  if (name == "none") return FormRemovalMethod::kNone;
  if (name == "plane") return FormRemovalMethod::kPlane;
  if (name == "poly2") return FormRemovalMethod::kPolynomial2;
  if (name == "gaussian") return FormRemovalMethod::kGaussian;
  return UsageError("unknown form removal \"" + std::string(name) +
                    "\"; use none, plane, poly2 or gaussian");
}

const char* FormRemovalMethodName(FormRemovalMethod method) {
  switch (method) {
    case FormRemovalMethod::kNone: return "none";
    case FormRemovalMethod::kPlane: return "plane";
    case FormRemovalMethod::kPolynomial2: return "poly2";
    case FormRemovalMethod::kGaussian: return "gaussian";
  }
  return "none";
}

Result<cv::Mat> RemoveForm(const cv::Mat& height, double px_per_mm,
                           const FormRemovalOptions& options, const cv::Mat& valid) {
  SKT_CHECK(height.type() == CV_32FC1 && !height.empty()) << "height must be CV_32FC1";
  SKT_CHECK(valid.empty() || (valid.type() == CV_8UC1 && valid.size() == height.size()));
  cv::Mat out;
  switch (options.method) {
    case FormRemovalMethod::kNone:
      out = height - cv::mean(height, valid)[0];
      break;
    case FormRemovalMethod::kPlane:
    case FormRemovalMethod::kPolynomial2:
      out = RemovePolynomial(height, valid, options);
      break;
    case FormRemovalMethod::kGaussian: {
      if (!(px_per_mm > 0)) {
        return UsageError("Gaussian form removal needs the scale: give --px-per-mm");
      }
      if (!(options.cutoff_mm > 0)) return UsageError("the Gaussian cut-off must be > 0 mm");
      // Tilt first (robust plane), so that the mirrored borders of the low-pass do not fold a
      // tilted surface into spurious edge valleys.
      FormRemovalOptions plane = options;
      plane.method = FormRemovalMethod::kPlane;
      const cv::Mat levelled = RemovePolynomial(height, valid, plane);
      const double sigma_px = 0.1874 * options.cutoff_mm * px_per_mm;
      out = levelled - GaussianLowPass(levelled, sigma_px);
      out -= cv::mean(out, valid)[0];
      break;
    }
  }
  if (!valid.empty()) out.setTo(0, valid == 0);
  return out;
}

}  // namespace skintrack::core
