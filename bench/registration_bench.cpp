// Registration speed against the DESIGN.md budget: aligning a 4000x3000 pair must take at most 5x
// the time to decode one of the JPEGs, single thread. Reported as the counter `ratio_to_decode`.
//
// The pair: a real photo (SKINTRACK_PHOTOS/chart/IMG_20140613_203438.jpg, 3264x2448, resized to
// 4000x3000) or, without the photos, a synthetic textured image; the follow-up is a random
// homography + exposure/white-balance/noise/JPEG trial of it (core/registration/synthetic_warp.h).
// Both are encoded as JPEG (quality 92) and decoded before timing the alignment.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/registration/registration.h"
#include "core/registration/synthetic_warp.h"

namespace {

using skintrack::core::MotionModel;

struct BenchPair {
  std::vector<uchar> fixed_jpeg;
  cv::Mat fixed;
  cv::Mat moving;
  cv::Matx33d truth;
};

cv::Mat BaseImage() {
  const char* photos = std::getenv("SKINTRACK_PHOTOS");
  cv::Mat base;
  if (photos != nullptr) {
    base = cv::imread((std::filesystem::path(photos) / "chart/IMG_20140613_203438.jpg").string());
  }
  if (base.empty()) {
    // Smooth random texture at several scales, like skin with pores and shading.
    base = cv::Mat(3000, 4000, CV_8UC3);
    cv::Mat acc(3000, 4000, CV_32FC3, cv::Scalar(120, 140, 180));
    cv::RNG rng(7);
    for (int cell : {4, 16, 64}) {
      cv::Mat small(3000 / cell, 4000 / cell, CV_32FC3);
      rng.fill(small, cv::RNG::NORMAL, 0, 25);
      cv::Mat up;
      cv::resize(small, up, acc.size(), 0, 0, cv::INTER_CUBIC);
      acc += up;
    }
    acc.convertTo(base, CV_8UC3);
  }
  cv::Mat resized;
  cv::resize(base, resized, cv::Size(4000, 3000), 0, 0, cv::INTER_CUBIC);
  return resized;
}

const BenchPair& Pair() {
  static const BenchPair pair = [] {
    BenchPair p;
    const cv::Mat base = BaseImage();
    cv::imencode(".jpg", base, p.fixed_jpeg, {cv::IMWRITE_JPEG_QUALITY, 92});
    p.fixed = cv::imdecode(p.fixed_jpeg, cv::IMREAD_COLOR);
    std::mt19937_64 rng(4000);
    skintrack::core::SyntheticWarpOptions warp;
    warp.model = MotionModel::kHomography;
    auto trial = skintrack::core::MakeSyntheticPair(p.fixed, warp, rng);
    p.moving = trial->moving_bgr;
    p.truth = trial->fixed_from_moving;
    return p;
  }();
  return pair;
}

// CPU seconds used by the whole process: with one OpenCV thread this is the single-thread cost,
// and unlike wall time it is not inflated when other jobs share the machine.
double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double DecodeCpuSeconds() {
  const BenchPair& pair = Pair();
  std::vector<double> times;
  for (int i = 0; i < 5; ++i) {
    const double t0 = ProcessCpuSeconds();
    cv::Mat decoded = cv::imdecode(pair.fixed_jpeg, cv::IMREAD_COLOR);
    benchmark::DoNotOptimize(decoded.data);
    times.push_back(ProcessCpuSeconds() - t0);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void BM_DecodeJpeg4000x3000(benchmark::State& state) {
  cv::setNumThreads(1);
  const BenchPair& pair = Pair();
  for (auto _ : state) {
    cv::Mat decoded = cv::imdecode(pair.fixed_jpeg, cv::IMREAD_COLOR);
    benchmark::DoNotOptimize(decoded.data);
  }
}
BENCHMARK(BM_DecodeJpeg4000x3000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Align4000x3000(benchmark::State& state) {
  cv::setNumThreads(1);
  const BenchPair& pair = Pair();
  const double decode_s = DecodeCpuSeconds();
  skintrack::core::RegistrationOptions options;
  options.model = static_cast<MotionModel>(state.range(0));
  double total_s = 0;
  double corner_error = 0;
  int runs = 0;
  for (auto _ : state) {
    const double t0 = ProcessCpuSeconds();
    auto result = skintrack::core::RegisterImages(pair.moving, pair.fixed, cv::Mat(), options);
    total_s += ProcessCpuSeconds() - t0;
    ++runs;
    if (!result.ok()) {
      state.SkipWithError(result.error().message.c_str());
      return;
    }
    corner_error = skintrack::core::MeanCornerError(result->fixed_from_moving, pair.truth,
                                                    pair.moving.size());
    for (const auto& [stage, ms] : result->stage_ms) state.counters["ms_" + stage] = ms;
  }
  state.counters["decode_cpu_ms"] = 1000 * decode_s;
  state.counters["align_cpu_ms"] = 1000 * total_s / runs;
  state.counters["ratio_to_decode"] = total_s / runs / decode_s;
  state.counters["corner_error_px"] = corner_error;
}
BENCHMARK(BM_Align4000x3000)
    ->Arg(static_cast<int>(MotionModel::kAuto))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

}  // namespace
