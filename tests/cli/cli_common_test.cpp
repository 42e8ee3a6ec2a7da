// Tests of the helpers every subcommand shares (src/cli/cli_common.cpp), linked in directly: the
// paths they guard (an exception escaping a command) cannot be reached through the binary on
// purpose.
#include "cli/cli_common.h"

#include <new>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/base/check.h"

namespace skintrack::cli {
namespace {

using nlohmann::json;

// An exception escaping a command printed "internal error" on stderr but no JSON document, even
// with --json (seen with a 4000x1 image that OpenCV's resize refused).
TEST(CliCommon, EscapedExceptionGivesExitFiveAndTheJsonErrorDocument) {
  const std::function<int()> throws_runtime = []() -> int {
    throw std::runtime_error("OpenCV(4.6.0) resize: !dsize.empty()");
  };
  const std::function<int()> fails_check = []() -> int {
    SKT_CHECK(false) << "a broken invariant";
    return 0;
  };
  const std::function<int()> runs_out_of_memory = []() -> int { throw std::bad_alloc(); };
  for (const auto& [run, fragment] :
       {std::pair{throws_runtime, "internal error (please report): OpenCV(4.6.0) resize"},
        std::pair{fails_check, "a broken invariant"},
        std::pair{runs_out_of_memory, "out of memory"}}) {
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    const int code = RunReportingInternalErrors(run, /*json=*/true);
    const std::string out = ::testing::internal::GetCapturedStdout();
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(code, 5);
    EXPECT_NE(err.find(fragment), std::string::npos) << err;
    const json doc = json::parse(out);
    EXPECT_EQ(doc["schema"], "skintrack.error/1");
    EXPECT_EQ(doc["error"]["category"], "internal");
    EXPECT_EQ(doc["error"]["exit_code"], 5);
    EXPECT_NE(doc["error"]["message"].get<std::string>().find(fragment), std::string::npos) << out;
  }
  // Without --json stdout stays empty; a command's own exit code passes through.
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(RunReportingInternalErrors(throws_runtime, /*json=*/false), 5);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "");
  (void)::testing::internal::GetCapturedStderr();
  EXPECT_EQ(RunReportingInternalErrors([] { return 3; }, /*json=*/true), 3);
}

}  // namespace
}  // namespace skintrack::cli
