#include "core/base/allocator.h"

#include <atomic>
#include <cstdlib>
#include <list>
#include <mutex>
#include <utility>

#include <opencv2/core.hpp>

#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace skintrack {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

// Freed large buffers kept for the next request of the same rounded size. A pipeline allocates
// the same few sizes over and over (the analysis frame's float, byte and three-channel planes),
// and glibc cannot give a freed aligned buffer back to a request of its own size: aligned_alloc
// asks the heap for the size plus the alignment, which the freed hole does not hold. So the heap
// grew past the live peak, and every byte it grew by was a fresh page. Off until
// KeepFreedImageBuffers: a single score never asks again for its full-size buffers, and holding
// them made its peak memory up to 1.7x larger (an 8 MP photo: 457 -> 760 MB). At most
// kMaxPooledBytes are kept; beyond that the buffers freed longest ago go back to the heap (a batch
// of photos of many sizes does not accumulate).
constexpr std::size_t kMaxPooledBytes = std::size_t{512} << 20;

class BufferPool {
 public:
  void Enable() { enabled_.store(true); }

  // A pooled buffer of exactly `bytes` (a multiple of kHugePage), or nullptr.
  void* Take(std::size_t bytes) {
    if (!enabled_.load(std::memory_order_relaxed)) return nullptr;
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = buffers_.rbegin(); it != buffers_.rend(); ++it) {
      if (it->first != bytes) continue;
      void* data = it->second;
      buffers_.erase(std::next(it).base());
      pooled_bytes_ -= bytes;
      return data;
    }
    return nullptr;
  }

  std::size_t PooledBytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return pooled_bytes_;
  }

  void Give(void* data, std::size_t bytes) {
    if (!enabled_.load(std::memory_order_relaxed)) {
      std::free(data);
      return;
    }
    std::list<std::pair<std::size_t, void*>> evicted;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (bytes > kMaxPooledBytes) {
        evicted.emplace_back(bytes, data);
      } else {
        buffers_.emplace_back(bytes, data);
        pooled_bytes_ += bytes;
        while (pooled_bytes_ > kMaxPooledBytes) {
          pooled_bytes_ -= buffers_.front().first;
          evicted.splice(evicted.end(), buffers_, buffers_.begin());
        }
      }
    }
    for (const auto& [size, buffer] : evicted) std::free(buffer);
  }

 private:
  std::atomic<bool> enabled_{false};
  std::mutex mutex_;
  std::list<std::pair<std::size_t, void*>> buffers_;  // oldest first
  std::size_t pooled_bytes_ = 0;
};

// OpenCV's standard Mat allocator, except that buffers of a huge page and more are aligned to
// 2 MiB and marked for transparent huge pages (madvise; the kernel's default THP mode). A 3 MP
// float plane then faults in as 6 pages instead of 3 000 — on a virtual machine, where each
// minor fault costs several microseconds, 245 000 faults were a quarter of a 12 MP `score`
// (`perf stat`). Same layout and lifetime rules as cv::StdMatAllocator.
class LargeBufferAllocator final : public cv::MatAllocator {
 public:
  cv::UMatData* allocate(int dims, const int* sizes, int type, void* data0, size_t* step,
                         cv::AccessFlag /*flags*/,
                         cv::UMatUsageFlags /*usage*/) const override {
    size_t total = CV_ELEM_SIZE(type);
    for (int i = dims - 1; i >= 0; --i) {
      if (step != nullptr) {
        if (data0 != nullptr && step[i] != cv::Mat::AUTO_STEP) {
          CV_Assert(total <= step[i]);
          total = step[i];
        } else {
          step[i] = total;
        }
      }
      total *= static_cast<size_t>(sizes[i]);
    }
    auto* u = new cv::UMatData(this);
    u->size = total;
    if (data0 != nullptr) {
      u->data = u->origdata = static_cast<uchar*>(data0);
      u->flags |= cv::UMatData::USER_ALLOCATED;
      return u;
    }
    uchar* data = nullptr;
    if (IsLarge(total)) {
      const size_t rounded = Rounded(total);
      data = static_cast<uchar*>(pool_.Take(rounded));
      if (data == nullptr) {
        data = static_cast<uchar*>(std::aligned_alloc(kHugePage, rounded));
        if (data == nullptr) {
          delete u;
          CV_Error(cv::Error::StsNoMem, "out of memory allocating an image buffer");
        }
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        madvise(data, rounded, MADV_HUGEPAGE);  // advice only: failure leaves normal pages
#endif
      }
    } else {
      data = static_cast<uchar*>(cv::fastMalloc(total));
    }
    u->data = u->origdata = data;
    return u;
  }

  bool allocate(cv::UMatData* u, cv::AccessFlag /*flags*/,
                cv::UMatUsageFlags /*usage*/) const override {
    return u != nullptr;
  }

  void deallocate(cv::UMatData* u) const override {
    if (u == nullptr) return;
    CV_Assert(u->urefcount == 0 && u->refcount == 0);
    if (!(u->flags & cv::UMatData::USER_ALLOCATED)) {
      if (IsLarge(u->size)) {
        pool_.Give(u->origdata, Rounded(u->size));
      } else {
        cv::fastFree(u->origdata);
      }
      u->origdata = nullptr;
    }
    delete u;
  }

  std::size_t PooledBytes() const { return pool_.PooledBytes(); }
  void EnablePool() const { pool_.Enable(); }

 private:
  static bool IsLarge(size_t bytes) { return bytes >= kHugePage; }
  static size_t Rounded(size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }

  mutable BufferPool pool_;
};

// Set once by TuneAllocatorForImages; never destroyed: Mats may outlive main's locals and are
// freed through it.
std::atomic<const LargeBufferAllocator*> installed{nullptr};
std::atomic<bool> keep_buffers{false};

}  // namespace

void TuneAllocatorForImages() {
  static std::once_flag once;
  std::call_once(once, [] {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_ARENA_MAX, 1);
#endif
    auto* allocator = new LargeBufferAllocator();
    if (keep_buffers.load()) allocator->EnablePool();
    cv::Mat::setDefaultAllocator(allocator);
    installed.store(allocator);
  });
}

void KeepFreedImageBuffers() {
  keep_buffers.store(true);
  if (const LargeBufferAllocator* allocator = installed.load()) allocator->EnablePool();
}

std::size_t PooledImageBufferBytes() {
  const LargeBufferAllocator* allocator = installed.load();
  return allocator != nullptr ? allocator->PooledBytes() : 0;
}

}  // namespace skintrack
