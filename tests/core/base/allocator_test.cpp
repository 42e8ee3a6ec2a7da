#include "core/base/allocator.h"

#include <cstdint>

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

}  // namespace
}  // namespace skintrack
