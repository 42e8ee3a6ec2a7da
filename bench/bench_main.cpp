// The one main() of every benchmark program: the allocator as the CLI sets it
// (core/base/allocator.h), so timings match `skintrack`'s, then Google Benchmark's own main.
#include <benchmark/benchmark.h>

#include "core/base/allocator.h"

int main(int argc, char** argv) {
  skintrack::TuneAllocatorForImages();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
