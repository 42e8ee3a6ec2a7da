#include "core/io/manifest.h"

#include <gtest/gtest.h>

namespace skintrack::core {
namespace {

TEST(Manifest, ReadsRequiredAndOptionalColumns) {
  const std::string text =
      "Subject,session,date,kind,image,region,px_per_mm,roi,lights,notes\n"
      "s01,v0,2024-03-01,baseline,s01/v0.png,left_cheek,12.5,roi.json,,hello\n"
      "s01,v1,2024-04-12T09:30,Follow-up,s01/v1.png,,,,ps/lights.json,\n"
      "s02,v0,2024-03-02T10:00:05,post-treatment-check,/abs/s02.png,,,,,\n";
  auto manifest = ParseManifest(text, "/study", "m.csv");
  ASSERT_TRUE(manifest.ok()) << manifest.error().message;
  ASSERT_EQ(manifest->entries.size(), 3u);
  EXPECT_TRUE(manifest->rejected.empty());
  EXPECT_EQ(manifest->ignored_columns, (std::vector<std::string>{"notes"}));
  const ManifestEntry& first = manifest->entries[0];
  EXPECT_EQ(first.line, 2);
  EXPECT_EQ(first.kind, CaptureKind::kBaseline);
  EXPECT_EQ(first.image_path, std::filesystem::path("/study/s01/v0.png"));
  EXPECT_EQ(first.roi_path, std::filesystem::path("/study/roi.json"));
  ASSERT_TRUE(first.px_per_mm.has_value());
  EXPECT_NEAR(*first.px_per_mm, 12.5, 1e-12);
  EXPECT_EQ(first.region, "left_cheek");
  EXPECT_EQ(manifest->entries[1].kind, CaptureKind::kFollowup);
  EXPECT_EQ(manifest->entries[1].lights_path, std::filesystem::path("/study/ps/lights.json"));
  EXPECT_EQ(manifest->entries[2].kind, CaptureKind::kPostTreatmentCheck);
  EXPECT_EQ(manifest->entries[2].image_path, std::filesystem::path("/abs/s02.png"));
}

TEST(Manifest, RejectsBadRowsWithLineAndColumnButKeepsGoodOnes) {
  const std::string text =
      "subject,session,date,kind,image,px_per_mm\n"
      "s01,v0,2024-02-30,baseline,a.png,\n"     // no 30 February
      "s01,v1,2024-03-01,surgery,b.png,\n"      // unknown kind
      "s01,v2,2024-03-01,repeat,c.png,-3\n"     // negative scale
      "s01,v3,2024-03-01,repeat,d.png,\n"       // good
      "s01,v3,2024-03-01,repeat,d.png,\n"       // duplicate of line 5
      ",v4,2024-03-01,repeat,e.png,\n"          // no subject
      "s01,v5,2024-3-1,repeat,f.png,\n";        // not zero-padded
  auto manifest = ParseManifest(text, "/study", "m.csv");
  ASSERT_TRUE(manifest.ok()) << manifest.error().message;
  ASSERT_EQ(manifest->entries.size(), 1u);
  EXPECT_EQ(manifest->entries[0].line, 5);
  EXPECT_EQ(manifest->row_count, 7u);
  ASSERT_EQ(manifest->rejected.size(), 6u);
  EXPECT_EQ(manifest->rejected[0].column, "date");
  EXPECT_NE(manifest->rejected[0].message.find("line 2, column date"), std::string::npos);
  EXPECT_EQ(manifest->rejected[1].column, "kind");
  EXPECT_EQ(manifest->rejected[2].column, "px_per_mm");
  EXPECT_EQ(manifest->rejected[3].line, 6);
  EXPECT_NE(manifest->rejected[3].message.find("line 5"), std::string::npos);
  EXPECT_EQ(manifest->rejected[4].column, "subject");
  EXPECT_EQ(manifest->rejected[5].column, "date");
}

// The same plausible range as --px-per-mm: 1e9 failed later as "skin mask holds only 0 pixels"
// and 1e-9 scored with a nonsense texture band.
TEST(Manifest, ScaleOutsideThePlausibleRangeRejectsTheRow) {
  const std::string text =
      "subject,session,date,kind,image,px_per_mm\n"
      "s01,v0,2024-03-01,baseline,a.png,1e9\n"
      "s01,v1,2024-03-01,repeat,b.png,1e-9\n"
      "s01,v2,2024-03-01,repeat,c.png,0.1\n"
      "s01,v3,2024-03-01,repeat,d.png,1000\n";
  auto manifest = ParseManifest(text, "/study", "m.csv");
  ASSERT_TRUE(manifest.ok()) << manifest.error().message;
  ASSERT_EQ(manifest->entries.size(), 2u);
  ASSERT_EQ(manifest->rejected.size(), 2u);
  for (const auto& rejected : manifest->rejected) {
    EXPECT_EQ(rejected.column, "px_per_mm");
    EXPECT_NE(rejected.message.find("must be between 0.1 and 1000 px/mm"), std::string::npos)
        << rejected.message;
  }
  EXPECT_NE(manifest->rejected[0].message.find("line 2, column px_per_mm"), std::string::npos)
      << manifest->rejected[0].message;
  EXPECT_NE(manifest->rejected[1].message.find("not 1e-9"), std::string::npos)
      << manifest->rejected[1].message;
}

TEST(Manifest, FileLevelProblemsFail) {
  auto missing_column = ParseManifest("subject,session,date,image\ns,v,2024-01-01,a.png\n", "/",
                                      "m.csv");
  ASSERT_FALSE(missing_column.ok());
  EXPECT_EQ(missing_column.error().code, ErrorCode::kBadInput);
  EXPECT_NE(missing_column.error().message.find("'kind'"), std::string::npos);
  EXPECT_FALSE(ParseManifest("subject,session,date,kind,image\n", "/", "m.csv").ok());
  EXPECT_FALSE(ReadManifest("/nonexistent/manifest.csv").ok());
}

TEST(Manifest, DatesAndKinds) {
  EXPECT_TRUE(IsValidManifestDate("2024-02-29"));
  EXPECT_FALSE(IsValidManifestDate("2023-02-29"));
  EXPECT_TRUE(IsValidManifestDate("2000-02-29"));
  EXPECT_FALSE(IsValidManifestDate("1900-02-29"));
  EXPECT_TRUE(IsValidManifestDate("2024-12-31T23:59:59"));
  EXPECT_FALSE(IsValidManifestDate("2024-12-31T24:00"));
  EXPECT_FALSE(IsValidManifestDate("2024-12-31 10:00"));
  EXPECT_FALSE(IsValidManifestDate("31/12/2024"));
  EXPECT_FALSE(IsValidManifestDate(""));
  EXPECT_EQ(ParseCaptureKind("FOLLOWUP"), CaptureKind::kFollowup);
  EXPECT_EQ(ParseCaptureKind("follow_up"), CaptureKind::kFollowup);
  EXPECT_EQ(ParseCaptureKind("treatment"), CaptureKind::kTreatment);
  EXPECT_FALSE(ParseCaptureKind("after").has_value());
  for (const CaptureKind kind : {CaptureKind::kBaseline, CaptureKind::kRepeat,
                                 CaptureKind::kTreatment, CaptureKind::kFollowup,
                                 CaptureKind::kPostTreatmentCheck}) {
    EXPECT_EQ(ParseCaptureKind(CaptureKindName(kind)), kind);
  }
}

}  // namespace
}  // namespace skintrack::core
