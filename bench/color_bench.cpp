// Colour benchmarks. The issue-3 budget: image-wide sRGB -> CIELAB D50 on a 4000x3000 8-bit image,
// reported as a ratio to decoding the same image from JPEG, single-threaded.
//   build/<dir>/bench/color_bench --benchmark_counters_tabular=true
#include <chrono>
#include <vector>

#include <benchmark/benchmark.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/color/ciede2000.h"
#include "core/color/color_space.h"
#include "core/color/skin_model.h"
#include "core/color/srgb.h"

namespace {

using Clock = std::chrono::steady_clock;

// A photo-like 4000x3000 test image: smooth colour gradients plus texture, so JPEG decoding does
// realistic work (a flat image would decode unrealistically fast).
const cv::Mat& TestImage() {
  static const cv::Mat image = [] {
    cv::Mat bgr(3000, 4000, CV_8UC3);
    cv::RNG rng(42);
    for (int y = 0; y < bgr.rows; ++y) {
      auto* row = bgr.ptr<cv::Vec3b>(y);
      for (int x = 0; x < bgr.cols; ++x) {
        const int noise = static_cast<int>(rng.gaussian(6.0));
        row[x] = {cv::saturate_cast<uchar>(90 + x / 40 + noise),
                  cv::saturate_cast<uchar>(110 + y / 30 + noise),
                  cv::saturate_cast<uchar>(150 + (x + y) / 70 + noise)};
      }
    }
    cv::GaussianBlur(bgr, bgr, cv::Size(3, 3), 0);
    return bgr;
  }();
  return image;
}

const std::vector<uchar>& TestJpeg() {
  static const std::vector<uchar> jpeg = [] {
    std::vector<uchar> bytes;
    cv::imencode(".jpg", TestImage(), bytes, {cv::IMWRITE_JPEG_QUALITY, 92});
    return bytes;
  }();
  return jpeg;
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double JpegDecodeSeconds() {
  static const double seconds = [] {
    double best = 1e9;
    for (int i = 0; i < 3; ++i) {
      const auto start = Clock::now();
      cv::Mat decoded = cv::imdecode(TestJpeg(), cv::IMREAD_COLOR);
      benchmark::DoNotOptimize(decoded.data);
      best = std::min(best, SecondsSince(start));
    }
    return best;
  }();
  return seconds;
}

void BM_JpegDecode4000x3000(benchmark::State& state) {
  cv::setNumThreads(1);
  for (auto _ : state) {
    cv::Mat decoded = cv::imdecode(TestJpeg(), cv::IMREAD_COLOR);
    benchmark::DoNotOptimize(decoded.data);
  }
}
BENCHMARK(BM_JpegDecode4000x3000)->Unit(benchmark::kMillisecond)->Iterations(3);

// The budgeted number: counters "ratio_to_jpeg_decode" (lower is better; < 1 means faster than
// decoding) and "megapixels_per_s".
void BM_SrgbToLabD50_4000x3000(benchmark::State& state) {
  cv::setNumThreads(1);
  const cv::Mat& bgr = TestImage();
  const double decode = JpegDecodeSeconds();
  double total = 0;
  for (auto _ : state) {
    const auto start = Clock::now();
    cv::Mat lab = skintrack::core::LabD50FromBgr(bgr);
    benchmark::DoNotOptimize(lab.data);
    const double seconds = SecondsSince(start);
    state.SetIterationTime(seconds);
    total += seconds;
  }
  const double mean = total / static_cast<double>(state.iterations());
  state.counters["ratio_to_jpeg_decode"] = mean / decode;
  state.counters["jpeg_decode_ms"] = decode * 1e3;
  state.counters["megapixels_per_s"] = 12.0 / mean;
}
BENCHMARK(BM_SrgbToLabD50_4000x3000)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);

void BM_LinearRgbToLabD50_4000x3000(benchmark::State& state) {
  cv::setNumThreads(1);
  const cv::Mat rgb = skintrack::core::BgrToLinearRgb(TestImage());
  for (auto _ : state) {
    cv::Mat lab = skintrack::core::LabD50FromLinearRgb(rgb);
    benchmark::DoNotOptimize(lab.data);
  }
}
BENCHMARK(BM_LinearRgbToLabD50_4000x3000)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_OpenCvLab8_4000x3000(benchmark::State& state) {
  // For comparison only: OpenCV's 8-bit Lab (D65, no adaptation; not used for measurements).
  cv::setNumThreads(1);
  for (auto _ : state) {
    cv::Mat lab;
    cv::cvtColor(TestImage(), lab, cv::COLOR_BGR2Lab);
    benchmark::DoNotOptimize(lab.data);
  }
}
BENCHMARK(BM_OpenCvLab8_4000x3000)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_Ciede2000Image_1MP(benchmark::State& state) {
  cv::setNumThreads(1);
  cv::Mat a(1000, 1000, CV_32FC3), b(1000, 1000, CV_32FC3);
  cv::randu(a, cv::Scalar(20, -40, -40), cv::Scalar(90, 40, 40));
  cv::randu(b, cv::Scalar(20, -40, -40), cv::Scalar(90, 40, 40));
  for (auto _ : state) {
    cv::Mat de = skintrack::core::Ciede2000Image(a, b);
    benchmark::DoNotOptimize(de.data);
  }
}
BENCHMARK(BM_Ciede2000Image_1MP)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_TsumuraDecomposition_4000x3000(benchmark::State& state) {
  cv::setNumThreads(1);
  const cv::Mat rgb = skintrack::core::BgrToLinearRgb(TestImage());
  for (auto _ : state) {
    auto maps = skintrack::core::DecomposeChromophores(rgb);
    benchmark::DoNotOptimize(maps.melanin.data);
  }
}
BENCHMARK(BM_TsumuraDecomposition_4000x3000)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
