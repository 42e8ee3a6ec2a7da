// Timeline charts: every format is written, and the PNG shows the MDC band and claim windows.
#include "report/chart.h"

#include <cairo.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "test_support/temp_dir.h"

namespace skintrack::report {
namespace {

using skintrack::testing::TempDir;

MetricChart ExampleChart(bool with_window) {
  MetricChart c;
  c.title = "pores.count";
  c.unit = "count";
  c.origin_date = "2026-01-05";
  c.days = {0, 7, 35, 63, 112, 337};
  c.values = {100, 99, 95, 92, 84, 85};
  c.baseline = 100;
  c.mdc95 = 4;
  c.treatment_days = {7, 35, 63};
  if (with_window) c.windows.push_back({105, 119, "visible_6_8_weeks"});
  return c;
}

// Pixels of a PNG whose colour matches `rgb` (within 2/255).
int CountColour(const std::filesystem::path& png, const double rgb[3]) {
  cairo_surface_t* s = cairo_image_surface_create_from_png(png.c_str());
  EXPECT_EQ(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
  const int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
  const int stride = cairo_image_surface_get_stride(s);
  const unsigned char* data = cairo_image_surface_get_data(s);
  int count = 0;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const unsigned char* p = data + y * stride + x * 4;  // BGRA/BGRx, little-endian
      if (std::abs(p[2] - rgb[0] * 255) <= 2 && std::abs(p[1] - rgb[1] * 255) <= 2 &&
          std::abs(p[0] - rgb[2] * 255) <= 2) {
        ++count;
      }
    }
  }
  cairo_surface_destroy(s);
  return count;
}

TEST(Chart, WritesSvgPngAndPdf) {
  TempDir dir;
  for (const char* name : {"t.svg", "t.png", "t.pdf"}) {
    ASSERT_TRUE(WriteChart({ExampleChart(true), ExampleChart(false)}, dir / name).ok()) << name;
    EXPECT_GT(std::filesystem::file_size(dir / name), 500u) << name;
  }
  std::ifstream svg(dir / "t.svg");
  std::stringstream text;
  text << svg.rdbuf();
  EXPECT_NE(text.str().find("<svg"), std::string::npos);
  std::ifstream pdf(dir / "t.pdf", std::ios::binary);
  std::string magic(4, '\0');
  pdf.read(magic.data(), 4);
  EXPECT_EQ(magic, "%PDF");
}

TEST(Chart, PngShowsBandAndWindowOnlyWhenGiven) {
  TempDir dir;
  ASSERT_TRUE(WriteChart({ExampleChart(true)}, dir / "with.png").ok());
  ASSERT_TRUE(WriteChart({ExampleChart(false)}, dir / "without.png").ok());
  EXPECT_GT(CountColour(dir / "with.png", ChartPalette::kBand), 1000);
  EXPECT_GT(CountColour(dir / "with.png", ChartPalette::kWindow), 500);
  EXPECT_GT(CountColour(dir / "without.png", ChartPalette::kBand), 1000);
  EXPECT_EQ(CountColour(dir / "without.png", ChartPalette::kWindow), 0);
}

TEST(Chart, RefusesBadRequests) {
  TempDir dir;
  auto ext = WriteChart({ExampleChart(false)}, dir / "t.bmp");
  ASSERT_FALSE(ext.ok());
  EXPECT_EQ(ext.error().code, ErrorCode::kUsage);
  auto empty = WriteChart({}, dir / "t.svg");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::kBadInput);
  auto missing_dir = WriteChart({ExampleChart(false)}, dir / "no/such/dir/t.svg");
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_EQ(missing_dir.error().code, ErrorCode::kStorage);
  EXPECT_FALSE(std::filesystem::exists(dir / "t.svg"));
}

}  // namespace
}  // namespace skintrack::report
