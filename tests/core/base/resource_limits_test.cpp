// Resource limits on untrusted input (issue 12 item 3, docs/SECURITY.md): file sizes are checked
// before (or while) reading, never after reading everything; images declaring more pixels than
// the limit are refused from their header.
#include <fstream>

#include <gtest/gtest.h>

#include "core/base/atomic_file.h"
#include "core/io/image_io.h"
#include "test_support/temp_dir.h"

namespace skintrack {
namespace {
namespace fs = std::filesystem;

TEST(ResourceLimits, ReadFileBytesRefusesFilesOverTheLimit) {
  testing::TempDir dir;
  const fs::path path = dir / "big.json";
  std::ofstream(path) << std::string(4096, ' ');
  EXPECT_EQ(ReadFileBytes(path, 4096).value().size(), 4096u);
  const auto over = ReadFileBytes(path, 4095);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::kBadInput);
  EXPECT_NE(over.error().message.find("file too large: '" + path.string() + "'"),
            std::string::npos)
      << over.error().message;
}

TEST(ResourceLimits, ReadFileBytesStopsReadingAnEndlessFile) {
  // /dev/zero never ends: the reader must stop one chunk past the limit, not run out of memory.
  if (!fs::exists("/dev/zero")) GTEST_SKIP() << "no /dev/zero";
  const auto endless = ReadFileBytes("/dev/zero", 1 << 20);
  ASSERT_FALSE(endless.ok());
  EXPECT_NE(endless.error().message.find("file too large"), std::string::npos);
}

TEST(ResourceLimits, ImageFileSizeLimitIsCheckedBeforeReading) {
  testing::TempDir dir;
  const fs::path path = dir / "huge.jpg";
  std::ofstream(path) << std::string(3 << 20, '\xFF');
  core::LoadOptions options;
  options.max_file_bytes = 1 << 20;
  const auto loaded = core::LoadImage(path, options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kBadInput);
  EXPECT_NE(loaded.error().message.find("file too large"), std::string::npos)
      << loaded.error().message;
  EXPECT_NE(loaded.error().message.find("above the limit of 1 MiB"), std::string::npos)
      << loaded.error().message;
}

}  // namespace
}  // namespace skintrack
