#include "core/color/ciede2000.h"

#include <gtest/gtest.h>

#include "core/color/csv_table.h"

namespace skintrack::core {
namespace {

using skintrack::testing::CsvTable;
using skintrack::testing::ReadCsvTable;

cv::Vec3d Lab(const CsvTable& t, std::size_t row, int which) {
  const std::string suffix = std::to_string(which);
  return {t.Number(row, "L" + suffix), t.Number(row, "a" + suffix), t.Number(row, "b" + suffix)};
}

TEST(Ciede2000, MatchesSharmaTable) {
  const CsvTable table = ReadCsvTable(SKINTRACK_TEST_DATA_DIR "/ciede2000_sharma.csv");
  ASSERT_EQ(table.rows.size(), 34u);
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    const double expected = table.Number(i, "dE00");
    EXPECT_NEAR(Ciede2000(Lab(table, i, 1), Lab(table, i, 2)), expected, 1e-4) << "pair " << i + 1;
  }
}

TEST(Ciede2000, IsSymmetricOnSharmaPairs) {
  const CsvTable table = ReadCsvTable(SKINTRACK_TEST_DATA_DIR "/ciede2000_sharma.csv");
  ASSERT_EQ(table.rows.size(), 34u);
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    EXPECT_NEAR(Ciede2000(Lab(table, i, 1), Lab(table, i, 2)),
                Ciede2000(Lab(table, i, 2), Lab(table, i, 1)), 1e-12)
        << "pair " << i + 1;
  }
}

TEST(Ciede2000, MatchesSharmaIntermediates) {
  const CsvTable t = ReadCsvTable(SKINTRACK_TEST_DATA_DIR "/ciede2000_sharma_intermediates.csv");
  ASSERT_EQ(t.rows.size(), 34u);
  // The published intermediates are rounded to 4 decimals: 1e-4 covers the half-unit rounding
  // plus floating-point differences.
  constexpr double kTolerance = 1e-4;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const Ciede2000Terms terms = Ciede2000WithTerms(Lab(t, i, 1), Lab(t, i, 2));
    const std::string pair = "pair " + std::to_string(i + 1);
    EXPECT_NEAR(terms.a1_prime, t.Number(i, "a1p"), kTolerance) << pair;
    EXPECT_NEAR(terms.a2_prime, t.Number(i, "a2p"), kTolerance) << pair;
    EXPECT_NEAR(terms.c1_prime, t.Number(i, "C1p"), kTolerance) << pair;
    EXPECT_NEAR(terms.c2_prime, t.Number(i, "C2p"), kTolerance) << pair;
    EXPECT_NEAR(terms.h1_prime, t.Number(i, "h1p"), kTolerance) << pair;
    EXPECT_NEAR(terms.h2_prime, t.Number(i, "h2p"), kTolerance) << pair;
    EXPECT_NEAR(terms.h_bar_prime, t.Number(i, "hbarp"), kTolerance) << pair;
    EXPECT_NEAR(terms.g, t.Number(i, "G"), kTolerance) << pair;
    EXPECT_NEAR(terms.t, t.Number(i, "T"), kTolerance) << pair;
    EXPECT_NEAR(terms.s_l, t.Number(i, "SL"), kTolerance) << pair;
    EXPECT_NEAR(terms.s_c, t.Number(i, "SC"), kTolerance) << pair;
    EXPECT_NEAR(terms.s_h, t.Number(i, "SH"), kTolerance) << pair;
    EXPECT_NEAR(terms.r_t, t.Number(i, "RT"), kTolerance) << pair;
    EXPECT_NEAR(terms.delta_e00, t.Number(i, "dE00"), kTolerance) << pair;
  }
}

TEST(Ciede2000, HueMeanDiscontinuityPairs) {
  // Sharma pairs 9-12 and 13-15: a 1e-4 change of b* crosses the hue-mean branch.
  EXPECT_NEAR(Ciede2000({50, 2.49, -0.001}, {50, -2.49, 0.0009}), 7.1792, 1e-4);
  EXPECT_NEAR(Ciede2000({50, 2.49, -0.001}, {50, -2.49, 0.0011}), 7.2195, 1e-4);
  EXPECT_NEAR(Ciede2000({50, -0.001, 2.49}, {50, 0.0009, -2.49}), 4.8045, 1e-4);
  EXPECT_NEAR(Ciede2000({50, -0.001, 2.49}, {50, 0.0011, -2.49}), 4.7461, 1e-4);
}

TEST(Ciede2000, IdenticalColoursGiveZero) {
  EXPECT_DOUBLE_EQ(Ciede2000({50, 10, -20}, {50, 10, -20}), 0.0);
  EXPECT_DOUBLE_EQ(Ciede2000({0, 0, 0}, {0, 0, 0}), 0.0);
}

TEST(Ciede2000, ImageMatchesPairFunction) {
  const CsvTable table = ReadCsvTable(SKINTRACK_TEST_DATA_DIR "/ciede2000_sharma.csv");
  ASSERT_EQ(table.rows.size(), 34u);
  cv::Mat lab1(1, 34, CV_32FC3), lab2(1, 34, CV_32FC3);
  for (int i = 0; i < 34; ++i) {
    lab1.at<cv::Vec3f>(0, i) = cv::Vec3f(Lab(table, static_cast<std::size_t>(i), 1));
    lab2.at<cv::Vec3f>(0, i) = cv::Vec3f(Lab(table, static_cast<std::size_t>(i), 2));
  }
  const cv::Mat de = Ciede2000Image(lab1, lab2);
  ASSERT_EQ(de.type(), CV_32F);
  for (int i = 0; i < 34; ++i) {
    const double expected = Ciede2000(cv::Vec3d(lab1.at<cv::Vec3f>(0, i)),
                                      cv::Vec3d(lab2.at<cv::Vec3f>(0, i)));
    EXPECT_NEAR(de.at<float>(0, i), expected, 1e-4) << "pair " << i + 1;
  }
}

}  // namespace
}  // namespace skintrack::core
