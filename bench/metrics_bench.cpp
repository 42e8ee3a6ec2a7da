// Each metric group on a 3 MP analysis frame (the largest the pipeline uses), single-threaded.
#include <benchmark/benchmark.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "core/mask/skin_mask.h"
#include "core/metrics/analysis_frame.h"
#include "core/metrics/pigmentation.h"
#include "core/metrics/pores.h"
#include "core/metrics/redness.h"
#include "core/metrics/scars.h"
#include "core/metrics/texture.h"
#include "core/metrics/wrinkles.h"

namespace {

using namespace skintrack::core;

cv::Mat SkinImage() {
  cv::Mat rgb(1500, 2000, CV_32FC3, cv::Scalar(0.42, 0.27, 0.20));
  cv::RNG rng(5);
  for (int i = 0; i < 2000; ++i) {
    cv::circle(rgb, {rng.uniform(0, 2000), rng.uniform(0, 1500)}, rng.uniform(2, 5),
               cv::Scalar(0.34, 0.22, 0.16), cv::FILLED);
  }
  cv::Mat noise(rgb.size(), CV_32FC3);
  rng.fill(noise, cv::RNG::NORMAL, 0.0, 0.005);
  return rgb + noise;
}

const AnalysisFrame& Frame() {
  static const AnalysisFrame frame = *MakeAnalysisFrame(SkinImage(), cv::Mat(), 20.0, std::nullopt);
  return frame;
}

template <typename F>
void Run(benchmark::State& state, F f) {
  cv::setNumThreads(1);
  const AnalysisFrame& frame = Frame();
  for (auto _ : state) benchmark::DoNotOptimize(f(frame));
}

void BM_AnalysisFrame(benchmark::State& state) {
  cv::setNumThreads(1);
  const cv::Mat rgb = SkinImage();
  for (auto _ : state) benchmark::DoNotOptimize(MakeAnalysisFrame(rgb, cv::Mat(), 20.0, std::nullopt));
}
void BM_SkinMask(benchmark::State& state) {
  cv::setNumThreads(1);
  const cv::Mat rgb = SkinImage();
  for (auto _ : state) benchmark::DoNotOptimize(DetectSkinMask(rgb, cv::Mat(), std::nullopt));
}
void BM_Redness(benchmark::State& s) { Run(s, [](const auto& f) { return MeasureRedness(f); }); }
void BM_Pigmentation(benchmark::State& s) {
  Run(s, [](const auto& f) { return MeasurePigmentation(f); });
}
void BM_Pores(benchmark::State& s) { Run(s, [](const auto& f) { return MeasurePores(f); }); }
void BM_Texture(benchmark::State& s) { Run(s, [](const auto& f) { return MeasureTexture(f); }); }
void BM_Wrinkles(benchmark::State& s) { Run(s, [](const auto& f) { return MeasureWrinkles(f); }); }
void BM_Scars(benchmark::State& s) { Run(s, [](const auto& f) { return MeasureScars(f); }); }

BENCHMARK(BM_AnalysisFrame)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SkinMask)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Redness)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Pigmentation)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Pores)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Texture)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Wrinkles)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Scars)->Unit(benchmark::kMillisecond);

}  // namespace
