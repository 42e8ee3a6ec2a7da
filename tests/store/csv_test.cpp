// RFC 4180 reading and the long-form scores.csv reader.
#include "store/csv.h"

#include <gtest/gtest.h>

#include "store/scores_csv.h"

namespace skintrack::store {
namespace {

TEST(Csv, ReadsQuotesCrLfAndMultilineFields) {
  auto t = ParseCsv("a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\r\n2,\"two\nlines\",3\n\n", "t.csv");
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0][1], "x, y");
  EXPECT_EQ(t->rows[0][2], "say \"hi\"");
  EXPECT_EQ(t->rows[1][1], "two\nlines");
  EXPECT_EQ(t->row_lines[0], 2);
  EXPECT_EQ(t->row_lines[1], 3);
  EXPECT_EQ(t->Column("c").value(), 2u);
  EXPECT_FALSE(t->Column("d").has_value());
  EXPECT_EQ(CsvField("x, \"y\""), "\"x, \"\"y\"\"\"");
}

// Import manifests have the same limits as batch manifests (issue 12): a long field, a very wide
// row or too many rows is kBadInput naming the line, before memory grows without bound.
TEST(Csv, EnforcesFieldRowAndWidthLimits) {
  const std::string long_field = "a,b\n1,\"" + std::string(kMaxCsvFieldBytes + 1, 'x') + "\"\n";
  auto too_long = ParseCsv(long_field, "m.csv");
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code, ErrorCode::kBadInput);
  EXPECT_NE(too_long.error().message.find("m.csv:2: a field is longer than 65536 bytes"),
            std::string::npos)
      << too_long.error().message;
  std::string wide;
  for (std::size_t i = 0; i <= kMaxCsvFields; ++i) wide += (i ? ",c" : "c") + std::to_string(i);
  auto too_wide = ParseCsv(wide + "\n", "w.csv");
  ASSERT_FALSE(too_wide.ok());
  EXPECT_NE(too_wide.error().message.find("more than 256 fields"), std::string::npos);
  std::string tall = "a\n";
  for (std::size_t i = 0; i <= kMaxCsvRows; ++i) tall += "1\n";
  auto too_tall = ParseCsv(tall, "t.csv");
  ASSERT_FALSE(too_tall.ok());
  EXPECT_NE(too_tall.error().message.find("more than 1000000 rows"), std::string::npos);
}

TEST(Csv, ErrorsNameTheLine) {
  auto wrong_width = ParseCsv("a,b\n1,2\n3\n", "m.csv");
  ASSERT_FALSE(wrong_width.ok());
  EXPECT_EQ(wrong_width.error().code, ErrorCode::kBadInput);
  EXPECT_NE(wrong_width.error().message.find("m.csv:3:"), std::string::npos);
  auto open_quote = ParseCsv("a,b\n1,\"2\n", "m.csv");
  ASSERT_FALSE(open_quote.ok());
  EXPECT_NE(open_quote.error().message.find("m.csv:2: unterminated"), std::string::npos);
  EXPECT_FALSE(ParseCsv("", "e.csv").ok());
}

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
