#include "core/base/allocator.h"

#include <cstdlib>
#include <mutex>

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
      const size_t rounded = (total + kHugePage - 1) / kHugePage * kHugePage;
      data = static_cast<uchar*>(std::aligned_alloc(kHugePage, rounded));
      if (data == nullptr) {
        delete u;
        CV_Error(cv::Error::StsNoMem, "out of memory allocating an image buffer");
      }
#if defined(__linux__) && defined(MADV_HUGEPAGE)
      madvise(data, rounded, MADV_HUGEPAGE);  // advice only: failure leaves normal pages
#endif
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
        std::free(u->origdata);
      } else {
        cv::fastFree(u->origdata);
      }
      u->origdata = nullptr;
    }
    delete u;
  }

 private:
  static bool IsLarge(size_t bytes) { return bytes >= kHugePage; }
};

}  // namespace

void TuneAllocatorForImages() {
  static std::once_flag once;
  std::call_once(once, [] {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_ARENA_MAX, 1);
#endif
    // Never destroyed: Mats may outlive main's locals and are freed through it.
    static LargeBufferAllocator* const allocator = new LargeBufferAllocator();
    cv::Mat::setDefaultAllocator(allocator);
  });
}

}  // namespace skintrack
