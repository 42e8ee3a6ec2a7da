#include "core/base/result.h"

#include <gtest/gtest.h>

#include "core/base/check.h"

namespace skintrack {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return BadInputError("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  SKT_ASSIGN_OR_RETURN(int half, Half(x));
  SKT_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status Validate(int x) {
  SKT_RETURN_IF_ERROR(Half(x));
  return OkStatus();
}

TEST(Result, CarriesValueOrError) {
  EXPECT_EQ(*Quarter(8), 2);
  const auto failed = Quarter(6);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kBadInput);
  EXPECT_EQ(failed.error().message, "odd: 3");
  EXPECT_TRUE(Validate(4).ok());
  EXPECT_FALSE(Validate(5).ok());
}

TEST(Result, ExitCodesMatchDesign) {
  EXPECT_EQ(ExitCodeFor(ErrorCode::kUsage), 1);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kBadInput), 2);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kAnalysisFailed), 3);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kStorage), 4);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kInternal), 5);
  EXPECT_STREQ(ErrorCodeName(ErrorCode::kStorage), "storage");
}

TEST(Check, ThrowsWithContext) {
  try {
    SKT_CHECK(1 + 1 == 3) << "arithmetic " << 42;
    FAIL() << "check did not throw";
  } catch (const CheckFailure& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("1 + 1 == 3"), std::string::npos);
    EXPECT_NE(what.find("arithmetic 42"), std::string::npos);
  }
  EXPECT_NO_THROW(SKT_CHECK(true) << "never evaluated");
}

}  // namespace
}  // namespace skintrack
