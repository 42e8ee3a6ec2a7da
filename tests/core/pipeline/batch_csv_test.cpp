#include "core/io/csv.h"

#include <gtest/gtest.h>

namespace skintrack::core {
namespace {

TEST(Csv, ParsesQuotedFieldsCrlfAndBom) {
  const std::string text =
      "\xEF\xBB\xBF" "a,b,c\r\n"
      "1,\"x, y\",\"say \"\"hi\"\"\"\r\n"
      "\r\n"
      "2,\"two\nlines\",3\n"
      "4,5,6";
  auto table = ParseCsvTable(text, "t.csv");
  ASSERT_TRUE(table.ok()) << table.error().message;
  ASSERT_EQ(table->header, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(table->rows.size(), 3u);
  EXPECT_EQ(table->rows[0].line, 2);
  EXPECT_EQ(table->rows[0].fields[1], "x, y");
  EXPECT_EQ(table->rows[0].fields[2], "say \"hi\"");
  EXPECT_EQ(table->rows[1].line, 4);
  EXPECT_EQ(table->rows[1].fields[1], "two\nlines");
  EXPECT_EQ(table->rows[2].line, 6);  // the quoted newline counts as a line
  EXPECT_EQ(table->ColumnIndex("c"), 2u);
  EXPECT_FALSE(table->ColumnIndex("d").has_value());
}

TEST(Csv, PadsShortRowsAndRejectsLongOnes) {
  auto padded = ParseCsvTable("a,b,c\n1\n", "t.csv");
  ASSERT_TRUE(padded.ok());
  EXPECT_EQ(padded->rows[0].fields, (std::vector<std::string>{"1", "", ""}));
  auto ragged = ParseCsvTable("a,b\n1,2,3\n", "t.csv");
  ASSERT_FALSE(ragged.ok());
  EXPECT_EQ(ragged.error().code, ErrorCode::kBadInput);
  EXPECT_NE(ragged.error().message.find("line 2"), std::string::npos);
}

TEST(Csv, ReportsMalformedQuotesWithLine) {
  auto unterminated = ParseCsvRecords("a\n\"open\n", "t.csv");
  ASSERT_FALSE(unterminated.ok());
  EXPECT_NE(unterminated.error().message.find("line 2"), std::string::npos);
  auto stray = ParseCsvRecords("a\nx\"y\n", "t.csv");
  ASSERT_FALSE(stray.ok());
  EXPECT_NE(stray.error().message.find("line 2"), std::string::npos);
  auto after = ParseCsvRecords("\"a\"b\n", "t.csv");
  EXPECT_FALSE(after.ok());
  EXPECT_FALSE(ParseCsvTable("", "t.csv").ok());
}

TEST(Csv, EnforcesLimits) {
  CsvLimits limits;
  limits.max_rows = 2;
  EXPECT_TRUE(ParseCsvTable("h\n1\n2\n", "t.csv", limits).ok());
  EXPECT_FALSE(ParseCsvTable("h\n1\n2\n3\n", "t.csv", limits).ok());
  limits = CsvLimits{};
  limits.max_field_bytes = 4;
  EXPECT_TRUE(ParseCsvTable("h\nabcd\n", "t.csv", limits).ok());
  EXPECT_FALSE(ParseCsvTable("h\nabcde\n", "t.csv", limits).ok());
  EXPECT_FALSE(ParseCsvTable("h\n\"abcde\"\n", "t.csv", limits).ok());
  limits = CsvLimits{};
  limits.max_fields_per_row = 2;
  EXPECT_FALSE(ParseCsvTable("a,b,c\n", "t.csv", limits).ok());
}

TEST(Csv, WriterRoundTripsAwkwardFields) {
  const std::vector<std::string> fields = {"plain", "with,comma", "quote\"d", "line\nbreak",
                                           " padded ", ""};
  std::string text;
  AppendCsvRecord(text, {"a", "b", "c", "d", "e", "f"});
  AppendCsvRecord(text, fields);
  EXPECT_EQ(CsvEscapeField("plain"), "plain");
  EXPECT_EQ(CsvEscapeField("quote\"d"), "\"quote\"\"d\"");
  auto table = ParseCsvTable(text, "t.csv");
  ASSERT_TRUE(table.ok()) << table.error().message;
  ASSERT_EQ(table->rows.size(), 1u);
  EXPECT_EQ(table->rows[0].fields, fields);
}

}  // namespace
}  // namespace skintrack::core
