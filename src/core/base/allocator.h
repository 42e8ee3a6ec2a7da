#pragma once
// The process's memory allocator, tuned for image work (glibc only; elsewhere a no-op).
//
// Every image allocates and frees the same large buffers (decoded photo, float planes, filter
// scratch). With glibc's default policy much of that memory goes back to the kernel after each
// image (mmap'd chunks, heap trimming) and the next image page-faults it in again: 13 % of the CPU
// time and most of the system time of a batch of small photos (bench/batch_bench.sh). Keeping
// freed memory in the process costs nothing in peak memory, which is reached on the first images
// anyway; chunks of 64 MiB and more are mapped and unmapped (but see the pool below).
//
// The workers share the main arena (M_ARENA_MAX 1). Each extra thread would otherwise get its own
// arena, made of 64 MiB heaps that glibc unmaps whenever one becomes empty whatever the trim
// threshold, so with --jobs 2 every image faulted its buffers in again: 2.3 million minor faults
// instead of 0.12 million for 200 phantom photos, +29 % CPU, and --jobs 2 gave 1.54x the
// throughput of --jobs 1 where two independent processes give 1.95x. With one arena: 1.86x. The
// arena's lock is taken a few thousand times per image, each time for well under a microsecond.
//
// The same holds for one `score` or `compare`: a 12 MP photo goes through a few dozen 3 MP float
// planes, and each fresh one was faulted in page by page (a quarter of `score`'s CPU time,
// `perf`). So the CLI, the viewer and the benchmarks call this at start, and the batch engine
// before its workers start. Call it before threads allocate; later calls do nothing.
//
// It also makes OpenCV allocate image buffers of 2 MiB and more on 2 MiB boundaries marked for
// transparent huge pages (madvise), so a fresh 3 MP float plane faults in as 6 pages, not 3 000.
// On this project's virtual machines a minor fault costs about 6 µs: a 12 MP `score` took 245 000
// of them (1.5 s of system time over two runs, `perf stat`), and 16 000 with huge pages.
//
// A process that scores many images also keeps those buffers, once freed, for the next request of
// the same size (KeepFreedImageBuffers; up to 512 MiB in all, the longest-freed going back to the
// heap beyond that): the heap cannot give a freed aligned buffer to a request of its own size, so
// it kept growing into fresh pages, and buffers of 64 MiB and more were unmapped and faulted in
// again for every image. `pipeline_bench`'s steady state: score 1.03-1.07 s with the pool,
// 1.08-1.25 s without, alternating runs (2026-12-05). A single score is better off without: it
// never asks again for its full-size buffers, and holding them raised its peak memory by up to
// 1.7x.

#include <cstddef>

namespace skintrack {

void TuneAllocatorForImages();

// Keeps freed image buffers for reuse (above): for processes that score many images (batch, the
// viewer, the benchmarks). May be called before or after TuneAllocatorForImages.
void KeepFreedImageBuffers();

// Bytes of freed image buffers held for reuse (0 unless both calls above were made).
std::size_t PooledImageBufferBytes();

}  // namespace skintrack
