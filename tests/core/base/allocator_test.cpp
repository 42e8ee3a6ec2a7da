#include "core/base/allocator.h"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

namespace skintrack {
namespace {

TEST(Allocator, LargeImageBuffersAreHugePageAlignedAndBehaveAsUsual) {
  TuneAllocatorForImages();
  TuneAllocatorForImages();  // later calls do nothing
  cv::Mat large(1500, 2000, CV_32F, cv::Scalar(1.5f));  // 12 MB
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(large.data) % (2u << 20), 0u);
  cv::Mat copy = large.clone();
  copy(cv::Rect(10, 10, 5, 5)).setTo(-1.0f);
  EXPECT_EQ(large.at<float>(12, 12), 1.5f);
  EXPECT_EQ(copy.at<float>(12, 12), -1.0f);
  cv::Mat small(3, 4, CV_8UC3, cv::Scalar(1, 2, 3));  // below a huge page: OpenCV's own path
  EXPECT_EQ(small.at<cv::Vec3b>(2, 3), cv::Vec3b(1, 2, 3));
  // A header over caller-owned memory stays the caller's.
  float user[6] = {1, 2, 3, 4, 5, 6};
  { cv::Mat wrapped(2, 3, CV_32F, user); EXPECT_EQ(wrapped.at<float>(1, 2), 6.0f); }
  EXPECT_EQ(user[5], 6.0f);
  large.release();
  copy.release();
}

TEST(Allocator, FreedLargeBuffersServeTheNextRequestOfTheirSize) {
  TuneAllocatorForImages();
  KeepFreedImageBuffers();
  cv::Mat first(1000, 1000, CV_32F, cv::Scalar(2.0f));  // 4 MB
  const uchar* const address = first.data;
  first.release();
  cv::Mat again(1000, 1000, CV_32F);
  EXPECT_EQ(again.data, address);
  // A reused buffer is an ordinary one: OpenCV does not rely on fresh memory being zero.
  again.setTo(3.0f);
  EXPECT_EQ(again.at<float>(999, 999), 3.0f);
  cv::Mat zeros(1000, 1000, CV_32F, cv::Scalar(0.0f));
  EXPECT_EQ(cv::countNonZero(zeros), 0);
}

TEST(Allocator, ThePoolKeepsAtMostHalfAGibibyte) {
  TuneAllocatorForImages();
  KeepFreedImageBuffers();
  // 40 buffers of distinct sizes (8-86 MiB, 1.9 GiB in all; never written, so never paged in),
  // freed together: the longest-freed go back to the heap.
  constexpr int kMiB = 1 << 20;
  std::vector<cv::Mat> buffers;
  for (int i = 0; i < 40; ++i) buffers.emplace_back(1, (8 + 2 * i) * kMiB, CV_8U);
  const uchar* const latest = buffers.back().data;
  buffers.clear();
  EXPECT_GT(PooledImageBufferBytes(), std::size_t{256} << 20);
  EXPECT_LE(PooledImageBufferBytes(), std::size_t{512} << 20);
  cv::Mat again(1, (8 + 2 * 39) * kMiB, CV_8U);
  EXPECT_EQ(again.data, latest);  // the most recently freed is still pooled
}

}  // namespace
}  // namespace skintrack
