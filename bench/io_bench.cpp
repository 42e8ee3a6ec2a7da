// Loading cost: our LoadImage (header probe, SHA-256, EXIF, decode, orientation) against a bare
// cv::imdecode of the same 4000x3000 JPEG. The ratio shows what safety and provenance cost.
#include <benchmark/benchmark.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/io/image_io.h"

namespace {

const std::string& TestJpeg() {
  static const std::string bytes = [] {
    cv::Mat noise(3000, 4000, CV_8UC3);
    cv::RNG(11).fill(noise, cv::RNG::NORMAL, cv::Scalar(140, 150, 190), cv::Scalar(25, 25, 25));
    cv::GaussianBlur(noise, noise, cv::Size(0, 0), 1.2);
    std::vector<uchar> buffer;
    cv::imencode(".jpg", noise, buffer, {cv::IMWRITE_JPEG_QUALITY, 92});
    return std::string(buffer.begin(), buffer.end());
  }();
  return bytes;
}

void BM_DecodeJpeg4000x3000(benchmark::State& state) {
  const std::string& bytes = TestJpeg();
  cv::setNumThreads(1);
  for (auto _ : state) {
    cv::Mat decoded = cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8U,
                                           const_cast<char*>(bytes.data())),
                                   cv::IMREAD_UNCHANGED);
    benchmark::DoNotOptimize(decoded.data);
  }
}
BENCHMARK(BM_DecodeJpeg4000x3000)->Unit(benchmark::kMillisecond);

void BM_LoadImage4000x3000(benchmark::State& state) {
  const std::string& bytes = TestJpeg();
  cv::setNumThreads(1);
  for (auto _ : state) {
    auto loaded = skintrack::core::DecodeImage(bytes, "bench.jpg");
    benchmark::DoNotOptimize(loaded.ok());
  }
}
BENCHMARK(BM_LoadImage4000x3000)->Unit(benchmark::kMillisecond);

}  // namespace
