// Photometric stereo cost: normals + integration for 8 images of 2000 x 2000, reported as a ratio
// to decoding those 8 images (8-bit sRGB PNG), single thread (issue 7).
//   BM_DecodePng8x2000             cv::imdecode of the 8 PNGs
//   BM_Surface8x2000/<method>      linearise + EstimateNormals + integration (0 Poisson, 1 FC)
//   BM_SurfaceToDecodeRatio/<m>    both timed in the same iteration; counter `ratio`
#include <chrono>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/color/srgb.h"
#include "core/surface/integration.h"
#include "core/surface/light_set.h"
#include "core/surface/photometric_stereo.h"
#include "core/surface/reconstruct_surface.h"
#include "core/surface/surface_maps.h"

namespace {

using namespace skintrack::core;

constexpr int kSide = 2000;
constexpr int kLights = 8;

std::vector<cv::Vec3d> Lights() {
  std::vector<cv::Vec3d> lights;
  for (int i = 0; i < kLights; ++i) lights.push_back(LightDirectionFromAngles(45.0 * i + 10, 45));
  return lights;
}

// Skin-like relief: smooth random bumps plus fine texture, a few pits; albedo with some variation.
const std::vector<std::string>& EncodedSet() {
  static const std::vector<std::string> set = [] {
    cv::RNG rng(3);
    cv::Mat coarse(kSide / 50, kSide / 50, CV_32FC1);
    rng.fill(coarse, cv::RNG::NORMAL, 0, 6);
    cv::Mat height;
    cv::resize(coarse, height, cv::Size(kSide, kSide), 0, 0, cv::INTER_CUBIC);
    cv::Mat fine(kSide, kSide, CV_32FC1);
    rng.fill(fine, cv::RNG::NORMAL, 0, 0.6);
    cv::GaussianBlur(fine, fine, cv::Size(0, 0), 2.0);
    height += fine;
    for (int i = 0; i < 20; ++i) {
      cv::circle(height, cv::Point(rng.uniform(100, kSide - 100), rng.uniform(100, kSide - 100)),
                 rng.uniform(10, 60), cv::Scalar(-8), cv::FILLED);
    }
    cv::GaussianBlur(height, height, cv::Size(0, 0), 3.0);
    cv::Mat p, q;
    GradientsOfHeight(height, p, q);
    const cv::Mat normals = NormalsFromGradients(p, q);
    cv::Mat albedo(kSide, kSide, CV_32FC1);
    rng.fill(albedo, cv::RNG::UNIFORM, 0.45, 0.6);
    cv::GaussianBlur(albedo, albedo, cv::Size(0, 0), 8.0);
    std::vector<std::string> encoded;
    for (const cv::Vec3d& l : Lights()) {
      const cv::Mat grey = RenderLambertian(normals, albedo, l);
      cv::Mat rgb;
      cv::merge(std::vector<cv::Mat>{grey, grey, grey}, rgb);
      std::vector<uchar> bytes;
      cv::imencode(".png", LinearRgbToBgr8(rgb), bytes);
      encoded.emplace_back(bytes.begin(), bytes.end());
    }
    return encoded;
  }();
  return set;
}

std::vector<cv::Mat> DecodeAll() {
  std::vector<cv::Mat> decoded;
  for (const std::string& bytes : EncodedSet()) {
    decoded.push_back(cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8U,
                                           const_cast<char*>(bytes.data())),
                                   cv::IMREAD_UNCHANGED));
  }
  return decoded;
}

cv::Mat NormalsAndIntegration(const std::vector<cv::Mat>& decoded, IntegrationMethod method) {
  std::vector<cv::Mat> intensities;
  for (const cv::Mat& bgr : decoded) intensities.push_back(PhotometricIntensity(bgr, false));
  auto normals = EstimateNormals(intensities, Lights(), std::vector<double>(kLights, 1.0));
  if (!normals.ok()) return {};
  return IntegrateGradients(normals->p, normals->q, method);
}

IntegrationMethod MethodOf(const benchmark::State& state) {
  return state.range(0) == 0 ? IntegrationMethod::kPoissonDct
                             : IntegrationMethod::kFrankotChellappa;
}

void BM_DecodePng8x2000(benchmark::State& state) {
  EncodedSet();
  cv::setNumThreads(1);
  for (auto _ : state) {
    auto decoded = DecodeAll();
    benchmark::DoNotOptimize(decoded.data());
  }
}
BENCHMARK(BM_DecodePng8x2000)->Unit(benchmark::kMillisecond);

void BM_Surface8x2000(benchmark::State& state) {
  const auto decoded = DecodeAll();
  cv::setNumThreads(1);
  for (auto _ : state) {
    cv::Mat height = NormalsAndIntegration(decoded, MethodOf(state));
    benchmark::DoNotOptimize(height.data);
  }
  state.SetLabel(IntegrationMethodName(MethodOf(state)));
}
BENCHMARK(BM_Surface8x2000)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_SurfaceToDecodeRatio(benchmark::State& state) {
  EncodedSet();
  cv::setNumThreads(1);
  double decode_s = 0, surface_s = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto decoded = DecodeAll();
    const auto t1 = std::chrono::steady_clock::now();
    cv::Mat height = NormalsAndIntegration(decoded, MethodOf(state));
    const auto t2 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(height.data);
    decode_s += std::chrono::duration<double>(t1 - t0).count();
    surface_s += std::chrono::duration<double>(t2 - t1).count();
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["decode_ms"] = 1000 * decode_s / n;
  state.counters["surface_ms"] = 1000 * surface_s / n;
  state.counters["ratio"] = surface_s / decode_s;
  state.SetLabel(IntegrationMethodName(MethodOf(state)));
}
BENCHMARK(BM_SurfaceToDecodeRatio)->Arg(0)->Arg(1)->Iterations(2)->Unit(benchmark::kMillisecond);

}  // namespace
