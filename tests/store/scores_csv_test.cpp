// The long-form scores.csv reader (CSV itself: core/io/csv.h, tested in batch_csv_test.cpp).
#include "store/scores_csv.h"

#include <gtest/gtest.h>

namespace skintrack::store {
namespace {

TEST(ScoresCsv, ReadsLongForm) {
  const char* text =
      "subject,session,date,kind,region,metric,value,unit,image_sha256,arm\n"
      "P1,s0,2026-01-05,baseline,face,pores.count,120,count,aa,treated\n"
      "P1,s0,2026-01-05,baseline,face,redness.a_star_mean,,a*,aa,treated\n"
      "C1,,2026-01-06T10:00,followup,face,pores.count,118.5,count,bb,control\n";
  auto rows = ParseScoresCsv(text, "scores.csv");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);  // the empty value is skipped
  EXPECT_EQ((*rows)[1].session, "2026-01-06_follow-up");
  EXPECT_EQ((*rows)[1].kind, "follow-up");
  EXPECT_EQ((*rows)[1].date, "2026-01-06T10:00:00");
  EXPECT_EQ((*rows)[1].arm, "control");
  EXPECT_DOUBLE_EQ((*rows)[1].value, 118.5);
}

TEST(ScoresCsv, BadRowsNameLineAndColumn) {
  const std::string header = "subject,session,date,kind,region,metric,value,unit,image_sha256\n";
  auto bad_date = ParseScoresCsv(header + "P1,s,2026-02-30,baseline,,pores.count,1,,x\n", "s.csv");
  ASSERT_FALSE(bad_date.ok());
  EXPECT_NE(bad_date.error().message.find("s.csv:2: column 'date'"), std::string::npos);
  auto bad_value = ParseScoresCsv(header + "P1,s,2026-02-03,baseline,,pores.count,abc,,x\n", "s.csv");
  ASSERT_FALSE(bad_value.ok());
  EXPECT_NE(bad_value.error().message.find("column 'value'"), std::string::npos);
  auto missing = ParseScoresCsv("subject,value\nP1,2\n", "s.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("missing column"), std::string::npos);
}

}  // namespace
}  // namespace skintrack::store
