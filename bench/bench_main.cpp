// The one main() of every benchmark program: the allocator as `skintrack batch` sets it
// (core/base/allocator.h; a benchmark repeats its work as a batch does, so freed image buffers
// are kept for reuse), then Google Benchmark's own main.
#include <benchmark/benchmark.h>

#include "core/base/allocator.h"

int main(int argc, char** argv) {
  skintrack::TuneAllocatorForImages();
  skintrack::KeepFreedImageBuffers();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
