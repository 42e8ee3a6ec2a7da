#include "core/surface/integration.h"

#include <cmath>
#include <string>
#include <vector>

#include "core/base/check.h"

namespace skintrack::core {
namespace {

void CheckGradients(const cv::Mat& p, const cv::Mat& q) {
  SKT_CHECK(p.type() == CV_32FC1 && q.type() == CV_32FC1) << "gradients must be CV_32FC1";
  SKT_CHECK(p.size() == q.size() && !p.empty()) << "p and q must have the same non-empty size";
}

// Angular frequency of DFT bin k of an N-point transform, wrapped to [-pi, pi).
double BinFrequency(int k, int n) {
  const int wrapped = k < (n + 1) / 2 ? k : k - n;
  return 2.0 * CV_PI * wrapped / n;
}

}  // namespace

Result<IntegrationMethod> ParseIntegrationMethod(std::string_view name) {
  if (name == "fc" || name == "frankot-chellappa") return IntegrationMethod::kFrankotChellappa;
  if (name == "poisson") return IntegrationMethod::kPoissonDct;
  return UsageError("unknown integration method \"" + std::string(name) +
                    "\"; use \"fc\" (Frankot-Chellappa) or \"poisson\"");
}

const char* IntegrationMethodName(IntegrationMethod method) {
  return method == IntegrationMethod::kFrankotChellappa ? "frankot-chellappa" : "poisson-dct";
}

cv::Mat IntegrateFrankotChellappa(const cv::Mat& p, const cv::Mat& q) {
  CheckGradients(p, q);
  const int h = p.rows;
  const int w = p.cols;
  // Even (mirror) extension of z makes p odd across the vertical mirror and q odd across the
  // horizontal one.
  cv::Mat p_ext(2 * h, 2 * w, CV_32FC1);
  cv::Mat q_ext(2 * h, 2 * w, CV_32FC1);
  cv::Mat flipped;
  p.copyTo(p_ext(cv::Rect(0, 0, w, h)));
  cv::flip(p, flipped, 1);
  p_ext(cv::Rect(w, 0, w, h)) = -flipped;
  cv::flip(p, flipped, 0);
  flipped.copyTo(p_ext(cv::Rect(0, h, w, h)));
  cv::flip(p, flipped, -1);
  p_ext(cv::Rect(w, h, w, h)) = -flipped;
  q.copyTo(q_ext(cv::Rect(0, 0, w, h)));
  cv::flip(q, flipped, 1);
  flipped.copyTo(q_ext(cv::Rect(w, 0, w, h)));
  cv::flip(q, flipped, 0);
  q_ext(cv::Rect(0, h, w, h)) = -flipped;
  cv::flip(q, flipped, -1);
  q_ext(cv::Rect(w, h, w, h)) = -flipped;

  cv::Mat p_hat;
  cv::Mat q_hat;
  cv::dft(p_ext, p_hat, cv::DFT_COMPLEX_OUTPUT);
  p_ext.release();
  cv::dft(q_ext, q_hat, cv::DFT_COMPLEX_OUTPUT);
  q_ext.release();
  const int rows = 2 * h;
  const int cols = 2 * w;
  std::vector<float> u(static_cast<std::size_t>(cols));
  for (int k = 0; k < cols; ++k) u[static_cast<std::size_t>(k)] = static_cast<float>(BinFrequency(k, cols));
  for (int r = 0; r < rows; ++r) {
    const auto v = static_cast<float>(BinFrequency(r, rows));
    auto* pr = p_hat.ptr<cv::Vec2f>(r);
    const auto* qr = q_hat.ptr<cv::Vec2f>(r);
    for (int c = 0; c < cols; ++c) {
      const float uc = u[static_cast<std::size_t>(c)];
      const float denom = uc * uc + v * v;
      if (denom <= 0.0F) {
        pr[c] = cv::Vec2f(0, 0);
        continue;
      }
      // Z = -j (u P + v Q) / (u^2 + v^2); -j (a + jb) = b - ja.
      const float re = uc * pr[c][0] + v * qr[c][0];
      const float im = uc * pr[c][1] + v * qr[c][1];
      pr[c] = cv::Vec2f(im / denom, -re / denom);
    }
  }
  q_hat.release();
  cv::Mat z_ext;
  cv::dft(p_hat, z_ext, cv::DFT_INVERSE | cv::DFT_SCALE | cv::DFT_REAL_OUTPUT);
  cv::Mat z = z_ext(cv::Rect(0, 0, w, h)).clone();
  z -= cv::mean(z)[0];
  return z;
}

cv::Mat IntegratePoissonDct(const cv::Mat& p, const cv::Mat& q) {
  CheckGradients(p, q);
  const int h = p.rows;
  const int w = p.cols;
  const int hh = h + (h % 2);
  const int ww = w + (w % 2);
  // Right-hand side D^T g~ of the normal equations on an even-sized grid; the padding row/column
  // carries zero slope across its edge and copies the neighbouring slope along it.
  cv::Mat rhs = cv::Mat::zeros(hh, ww, CV_32FC1);
  auto p_at = [&](int y, int x) { return p.at<float>(std::min(y, h - 1), std::min(x, w - 1)); };
  auto q_at = [&](int y, int x) { return q.at<float>(std::min(y, h - 1), std::min(x, w - 1)); };
  for (int y = 0; y < hh; ++y) {
    auto* out = rhs.ptr<float>(y);
    for (int x = 0; x + 1 < ww; ++x) {
      const float edge = x + 1 < w ? 0.5F * (p_at(y, x) + p_at(y, x + 1)) : 0.0F;
      out[x] -= edge;
      out[x + 1] += edge;
    }
  }
  for (int y = 0; y + 1 < hh; ++y) {
    auto* top = rhs.ptr<float>(y);
    auto* bottom = rhs.ptr<float>(y + 1);
    for (int x = 0; x < ww; ++x) {
      const float edge = y + 1 < h ? 0.5F * (q_at(y, x) + q_at(y + 1, x)) : 0.0F;
      top[x] -= edge;
      bottom[x] += edge;
    }
  }
  // rhs = D^T g~, while D^T D z = -rhs... sign: minimising |Dz - g~|^2 gives D^T D z = D^T g~,
  // and D^T g~ at x is g~[x-1] - g~[x], which is what was accumulated above.
  cv::Mat rhs_hat;
  cv::dct(rhs, rhs_hat);
  std::vector<float> lambda_x(static_cast<std::size_t>(ww));
  for (int k = 0; k < ww; ++k) {
    lambda_x[static_cast<std::size_t>(k)] =
        static_cast<float>(2.0 - 2.0 * std::cos(CV_PI * k / ww));
  }
  for (int l = 0; l < hh; ++l) {
    const auto lambda_y = static_cast<float>(2.0 - 2.0 * std::cos(CV_PI * l / hh));
    auto* row = rhs_hat.ptr<float>(l);
    for (int k = 0; k < ww; ++k) {
      const float denom = lambda_x[static_cast<std::size_t>(k)] + lambda_y;
      row[k] = denom > 0.0F ? row[k] / denom : 0.0F;
    }
  }
  cv::Mat z_full;
  cv::dct(rhs_hat, z_full, cv::DCT_INVERSE);
  cv::Mat z = z_full(cv::Rect(0, 0, w, h)).clone();
  z -= cv::mean(z)[0];
  return z;
}

cv::Mat IntegrateGradients(const cv::Mat& p, const cv::Mat& q, IntegrationMethod method) {
  return method == IntegrationMethod::kFrankotChellappa ? IntegrateFrankotChellappa(p, q)
                                                        : IntegratePoissonDct(p, q);
}

}  // namespace skintrack::core
