#pragma once
// Access to the real photos in ../shared/data/photos for tests.
//
// The folder is passed through the SKINTRACK_PHOTOS environment variable (set by .ci/run). When it is
// missing: under CI (CI=true) a test that needs the photos fails; elsewhere it is skipped with a
// message. Usage, at the top of a test body:
//   std::filesystem::path photos;
//   SKINTRACK_REQUIRE_PHOTOS(photos);   // photos/faces/001_03.jpg ...

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace skintrack::testing {

inline std::filesystem::path PhotosDir() {
  const char* env = std::getenv("SKINTRACK_PHOTOS");
  if (env == nullptr || *env == '\0') return {};
  std::filesystem::path dir(env);
  std::error_code ec;
  return std::filesystem::is_directory(dir, ec) ? dir : std::filesystem::path();
}

inline bool RunningUnderCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

}  // namespace skintrack::testing

#define SKINTRACK_REQUIRE_PHOTOS(dir_variable)                                           \
  dir_variable = ::skintrack::testing::PhotosDir();                                      \
  if (dir_variable.empty()) {                                                            \
    if (::skintrack::testing::RunningUnderCi()) {                                        \
      FAIL() << "SKINTRACK_PHOTOS is not set or not a folder; CI must provide the photos"; \
    }                                                                                    \
    GTEST_SKIP() << "set SKINTRACK_PHOTOS to ../shared/data/photos to run this test";    \
  }
