#include "core/base/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "test_support/temp_dir.h"

namespace skintrack {
namespace {
namespace fs = std::filesystem;

TEST(AtomicFile, WritesAndReplaces) {
  testing::TempDir dir;
  const fs::path path = dir / "out.json";
  ASSERT_TRUE(WriteFileAtomic(path, "first").ok());
  ASSERT_TRUE(WriteFileAtomic(path, "second").ok());
  EXPECT_EQ(*ReadFileBytes(path), "second");
  // No temporary file is left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
}

TEST(AtomicFile, MissingDirectoryIsStorageError) {
  testing::TempDir dir;
  const Status status = WriteFileAtomic(dir / "no" / "such" / "dir.txt", "x");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kStorage);
  EXPECT_NE(status.error().message.find("does not exist"), std::string::npos);
}

TEST(AtomicFile, FailedWriterKeepsOldFile) {
  testing::TempDir dir;
  const fs::path path = dir / "keep.txt";
  ASSERT_TRUE(WriteFileAtomic(path, "committed").ok());
  const Status status = WriteViaTempFile(path, [](const fs::path& temp) -> Status {
    FILE* f = std::fopen(temp.c_str(), "w");
    std::fputs("half", f);
    std::fclose(f);
    return StorageError("simulated failure");
  });
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(*ReadFileBytes(path), "committed");
  int files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
}

TEST(AtomicFile, UnwritableDirectoryIsStorageError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root can write anywhere";
  testing::TempDir dir;
  const fs::path locked = dir / "locked";
  fs::create_directory(locked);
  ::chmod(locked.c_str(), 0500);
  const Status status = WriteFileAtomic(locked / "x.txt", "x");
  ::chmod(locked.c_str(), 0700);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kStorage);
}

TEST(ReadFileBytes, ReportsMissingAndDirectory) {
  testing::TempDir dir;
  auto missing = ReadFileBytes(dir / "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kBadInput);
  EXPECT_FALSE(ReadFileBytes(dir.path()).ok());
}

}  // namespace
}  // namespace skintrack
