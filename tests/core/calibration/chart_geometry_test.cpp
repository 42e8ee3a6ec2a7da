#include "core/calibration/chart_geometry.h"

#include <gtest/gtest.h>

#include "core/color/csv_table.h"

namespace skintrack::core {
namespace {

void ExpectTableMatchesCsv(ChartReference reference, const std::string& file) {
  const auto table = skintrack::testing::ReadCsvTable(std::string(SKINTRACK_TEST_DATA_DIR "/") + file);
  ASSERT_EQ(table.rows.size(), static_cast<std::size_t>(kChartPatches));
  const auto& lab = ChartReferenceLabD50(reference);
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    EXPECT_EQ(table.rows[i][1], ChartPatchNames()[i]) << "patch " << i + 1;
    EXPECT_NEAR(lab[i][0], table.Number(i, "L"), 1e-9) << "patch " << i + 1;
    EXPECT_NEAR(lab[i][1], table.Number(i, "a"), 1e-9) << "patch " << i + 1;
    EXPECT_NEAR(lab[i][2], table.Number(i, "b"), 1e-9) << "patch " << i + 1;
  }
}

TEST(ChartGeometry, CompiledTablesMatchReferenceCsv) {
  ExpectTableMatchesCsv(ChartReference::kPost2014, "colorchecker24_lab_d50.csv");
  ExpectTableMatchesCsv(ChartReference::kPre2014, "colorchecker24_lab_d50_pre2014.csv");
  EXPECT_EQ(ChartReferenceName(ChartReference::kPre2014), "pre2014");
}

TEST(ChartGeometry, LayoutMatchesMccProportions) {
  const ChartGeometry g;
  EXPECT_NEAR(g.BoxWidthMm() / g.BoxHeightMm(), 16.75 / 11.25, 1e-12);
  EXPECT_NEAR(g.GapMm() / g.patch_size_mm, 0.25 / 2.5, 1e-12);
  const cv::Point2d first = g.PatchCentreMm(0);
  const cv::Point2d last = g.PatchCentreMm(kChartPatches - 1);
  EXPECT_NEAR(first.x, g.GapMm() + g.patch_size_mm / 2, 1e-12);
  EXPECT_NEAR(last.x - first.x, 5 * g.patch_pitch_mm, 1e-12);
  EXPECT_NEAR(last.y - first.y, 3 * g.patch_pitch_mm, 1e-12);
  // The neutral row is the bottom row and gets darker to the right.
  const auto& lab = ChartReferenceLabD50(ChartReference::kPost2014);
  for (std::size_t i = 1; i < kNeutralPatchIndices.size(); ++i) {
    EXPECT_LT(lab[kNeutralPatchIndices[i]][0], lab[kNeutralPatchIndices[i - 1]][0]);
  }
}

}  // namespace
}  // namespace skintrack::core
