// Phantom rendering speed. Acceptance (issue 4): one 4000x3000 capture renders in under 3 s on one
// core. Run: build/<dir>/bench/phantom_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "core/phantom/phantom.h"
#include "core/phantom/render.h"
#include "core/phantom/scene.h"
#include "core/phantom/timeline.h"

namespace {

using namespace skintrack::core;

PhantomOptions LargeOptions() {
  PhantomOptions o;
  o.width_px = 4000;
  o.height_px = 3000;
  o.px_per_mm = 20;
  o.subjects = {PhantomResponse::kResponder};
  return o;
}

// A follow-up capture: rotation, scale, translation, perspective, blur, noise, exposure, WB.
CaptureParams FollowUpCapture(const PhantomOptions& o) {
  const auto visits = phantom::MakeVisits(o);
  return phantom::CaptureFor(o, 0, visits[1]);
}

void BM_PhantomScene4000x3000(benchmark::State& state) {
  cv::setNumThreads(1);
  const PhantomOptions o = LargeOptions();
  for (auto _ : state) {
    auto scene = phantom::MakeScene(o, 0);
    benchmark::DoNotOptimize(scene);
  }
}
BENCHMARK(BM_PhantomScene4000x3000)->Unit(benchmark::kMillisecond);

void BM_PhantomCapture4000x3000(benchmark::State& state) {
  cv::setNumThreads(1);
  const PhantomOptions o = LargeOptions();
  const auto scene = phantom::MakeScene(o, 0);
  const auto features = phantom::ApplyState(*scene, SkinState{});
  const CaptureParams capture = FollowUpCapture(o);
  for (auto _ : state) {
    auto render = phantom::RenderCapture(*scene, features, capture);
    benchmark::DoNotOptimize(render);
  }
}
BENCHMARK(BM_PhantomCapture4000x3000)->Unit(benchmark::kMillisecond);

void BM_PhantomCaptureAndJpeg4000x3000(benchmark::State& state) {
  cv::setNumThreads(1);
  const PhantomOptions o = LargeOptions();
  const auto scene = phantom::MakeScene(o, 0);
  const auto features = phantom::ApplyState(*scene, SkinState{});
  const CaptureParams capture = FollowUpCapture(o);
  for (auto _ : state) {
    auto render = phantom::RenderCapture(*scene, features, capture);
    std::vector<uchar> bytes;
    cv::imencode(".jpg", render->bgr, bytes, {cv::IMWRITE_JPEG_QUALITY, 90});
    benchmark::DoNotOptimize(bytes);
  }
}
BENCHMARK(BM_PhantomCaptureAndJpeg4000x3000)->Unit(benchmark::kMillisecond);

}  // namespace
