// End-to-end tests of `skintrack report`: import a small generated series (photos carrying GPS
// EXIF), write PDF and HTML reports for both audiences, and check privacy and content.
#include <cstdlib>
#include <fstream>
#include <algorithm>
#include <cstring>

#include <exiv2/exiv2.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/base/atomic_file.h"
#include "test_support/photos.h"
#include "test_support/run_process.h"
#include "test_support/temp_dir.h"

namespace skintrack {
namespace {
namespace fs = std::filesystem;
using testing::RunProcess;
using testing::RunSkintrack;

// A skin-like textured image whose dark spots shrink with `session` (a visible improvement), with
// GPS coordinates and a camera owner written into its EXIF.
void WriteCapture(const fs::path& path, int session, int shift_px) {
  cv::Mat image(360, 480, CV_8UC3);
  cv::RNG rng(7);
  for (int y = 0; y < image.rows; ++y) {
    for (int x = 0; x < image.cols; ++x) {
      const double shade = 0.9 + 0.1 * std::sin((x + shift_px) / 40.0) * std::cos(y / 33.0);
      image.at<cv::Vec3b>(y, x) = {cv::saturate_cast<uchar>(120 * shade),
                                   cv::saturate_cast<uchar>(140 * shade),
                                   cv::saturate_cast<uchar>(195 * shade)};
    }
  }
  for (int i = 0; i < 60; ++i) {
    const cv::Point c(rng.uniform(20, 460) + shift_px, rng.uniform(20, 340));
    cv::circle(image, c, std::max(1, 4 - session), cv::Scalar(70, 80, 120), cv::FILLED);
  }
  cv::GaussianBlur(image, image, cv::Size(3, 3), 0.8);
  ASSERT_TRUE(cv::imwrite(path.string(), image, {cv::IMWRITE_JPEG_QUALITY, 92}));
  auto exif_image = Exiv2::ImageFactory::open(path.string());
  exif_image->readMetadata();
  Exiv2::ExifData exif;
  exif["Exif.GPSInfo.GPSLatitudeRef"] = "N";
  exif["Exif.GPSInfo.GPSLatitude"] = "48/1 51/1 24/1";
  exif["Exif.GPSInfo.GPSLongitudeRef"] = "E";
  exif["Exif.GPSInfo.GPSLongitude"] = "2/1 21/1 3/1";
  exif["Exif.Image.Artist"] = "Dr Secret Clinic";
  exif_image->setExifData(exif);
  exif_image->writeMetadata();
}

// The bytes of every JPEG embedded in an HTML report as a data URI, in page order.
// (A plain search, not std::regex: libstdc++'s regex recurses once per character matched and
// overflows the stack on a photo's base64 under AddressSanitizer.)
std::vector<std::string> EmbeddedJpegs(const std::string& html) {
  const std::string prefix = "data:image/jpeg;base64,";
  const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<std::string> jpegs;
  for (std::size_t at = html.find(prefix); at != std::string::npos;
       at = html.find(prefix, at + prefix.size())) {
    std::string bytes;
    int value = 0, bits = -8;
    for (std::size_t i = at + prefix.size(); i < html.size(); ++i) {
      const char* p = std::strchr(table, html[i]);
      if (html[i] == '=' || html[i] == '\0' || p == nullptr) break;
      value = (value << 6) + static_cast<int>(p - table);
      bits += 6;
      if (bits >= 0) {
        bytes.push_back(static_cast<char>((value >> bits) & 0xFF));
        bits -= 8;
      }
    }
    jpegs.push_back(std::move(bytes));
  }
  return jpegs;
}

cv::Mat Decode(const std::string& bytes) {
  return cv::imdecode(
      cv::Mat(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data())),
      cv::IMREAD_COLOR);
}

class ReportCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* dates[] = {"2026-01-05", "2026-02-02", "2026-03-02", "2026-04-27"};
    const char* kinds[] = {"baseline", "treatment", "treatment", "follow-up"};
    std::string manifest = "subject,session,date,kind,image\n";
    for (int i = 0; i < 4; ++i) {
      const std::string name = "visit" + std::to_string(i) + ".jpg";
      WriteCapture(dir_ / name, i, 3 * i);
      manifest += std::string("P007,s") + std::to_string(i) + "," + dates[i] + "," + kinds[i] + "," +
                  name + "\n";
    }
    WriteCapture(dir_ / "other.jpg", 0, 11);
    manifest += "P008,s0,2026-01-06,baseline,other.jpg\n";
    ASSERT_TRUE(WriteFileAtomic(dir_ / "manifest.csv", manifest).ok());
    db_ = (dir_ / "study.db").string();
    const auto imported = RunSkintrack({"import", (dir_ / "manifest.csv").string(), "--db", db_});
    ASSERT_EQ(imported.exit_code, 0) << imported.err << imported.out;
  }

  std::string Slurp(const fs::path& path) { return *ReadFileBytes(path); }

  testing::TempDir dir_;
  std::string db_;
};

TEST_F(ReportCli, PdfForBothAudiencesHasPagesChartsAndPhotos) {
  for (const char* audience : {"patient", "practitioner"}) {
    SCOPED_TRACE(audience);
    const fs::path pdf = dir_ / (std::string(audience) + ".pdf");
    const auto run = RunSkintrack({"report", "--db", db_, "--subject", "P007", "-o", pdf.string(),
                                   "--audience", audience});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const std::string bytes = Slurp(pdf);
    EXPECT_EQ(bytes.substr(0, 5), "%PDF-");
    EXPECT_EQ(bytes.find("GPS"), std::string::npos);
    EXPECT_EQ(bytes.find("Secret Clinic"), std::string::npos);
    EXPECT_EQ(bytes.find(dir_.path().string()), std::string::npos) << "a file path leaked";
    // Render the pages and check that they are not blank.
    const fs::path prefix = dir_ / (std::string(audience) + "_page");
    const auto render = RunProcess("/usr/bin/pdftoppm",
                                   {"-r", "40", "-png", pdf.string(), prefix.string()});
    ASSERT_EQ(render.exit_code, 0) << render.err;
    int pages = 0;
    std::vector<std::string> page_files;
    for (const auto& entry : fs::directory_iterator(dir_.path())) {
      const std::string name = entry.path().filename().string();
      if (name.rfind(std::string(audience) + "_page", 0) != 0) continue;
      ++pages;
      page_files.push_back(entry.path().string());
      const cv::Mat page = cv::imread(entry.path().string());
      ASSERT_FALSE(page.empty());
      cv::Mat grey;
      cv::cvtColor(page, grey, cv::COLOR_BGR2GRAY);
      // Some ink above the footer line: a page holding only the footer would be a layout bug.
      const cv::Mat body = grey(cv::Rect(0, 0, grey.cols, grey.rows * 9 / 10));
      EXPECT_GT(cv::countNonZero(body < 160), 40) << name << " looks blank";
    }
    EXPECT_GE(pages, std::string(audience) == "practitioner" ? 3 : 2);
    // The first page holds the photos: a large non-white, colourful block.
    std::sort(page_files.begin(), page_files.end());
    ASSERT_FALSE(page_files.empty());
    const cv::Mat first = cv::imread(page_files.front());
    ASSERT_FALSE(first.empty());
    cv::Mat hsv;
    cv::cvtColor(first, hsv, cv::COLOR_BGR2HSV);
    cv::Mat coloured;
    cv::inRange(hsv, cv::Scalar(0, 40, 60), cv::Scalar(180, 255, 255), coloured);
    EXPECT_GT(cv::countNonZero(coloured), first.total() / 50) << "no photo on page 1";
  }
}

TEST_F(ReportCli, HtmlIsSelfContainedWithoutMetadata) {
  const fs::path html_path = dir_ / "report.html";
  const auto run = RunSkintrack({"report", "--db", db_, "--subject", "P007", "-o", html_path.string(),
                                 "--audience", "practitioner"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string html = Slurp(html_path);
  // No external reference (SVG namespace declarations are names, not requests).
  for (const char* external : {"src=\"http", "href=\"http", "url(http", "@import", "src=\"/",
                               "src=\"file", "https://"}) {
    EXPECT_EQ(html.find(external), std::string::npos) << external;
  }
  EXPECT_EQ(html.find("GPS"), std::string::npos);
  EXPECT_EQ(html.find(dir_.path().string()), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  // Every embedded image decodes and carries no EXIF at all.
  int images = 0;
  for (const std::string& bytes : EmbeddedJpegs(html)) {
    ++images;
    auto exif_image = Exiv2::ImageFactory::open(reinterpret_cast<const Exiv2::byte*>(bytes.data()),
                                                static_cast<long>(bytes.size()));
    exif_image->readMetadata();
    EXPECT_TRUE(exif_image->exifData().empty()) << "embedded image " << images << " has EXIF";
    EXPECT_FALSE(Decode(bytes).empty());
  }
  EXPECT_GE(images, 2);
}

// The warnings of these captures (no chart, no scale, nothing found in some groups) reach the
// patient as sentences, once each: not as codes ("Capture note 'scale_unknown_sizes_in_px'"),
// and not as findings ("no redness patch found" is a result, not a caveat).
TEST_F(ReportCli, CaveatsArePlainSentences) {
  const fs::path html_path = dir_ / "caveats.html";
  const auto run = RunSkintrack({"report", "--db", db_, "--subject", "P007", "-o",
                                 html_path.string(), "--audience", "patient"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string html = Slurp(html_path);
  EXPECT_EQ(html.find("Capture note"), std::string::npos) << html;
  const std::string no_scale = "No physical scale was known";
  const std::size_t first = html.find(no_scale);
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(html.find(no_scale, first + 1), std::string::npos) << "said twice";
  EXPECT_EQ(html.find("none_found"), std::string::npos);
}

TEST_F(ReportCli, OnlyBaselineSaysNothingToCompareYet) {
  const fs::path html_path = dir_ / "first.html";
  const auto run = RunSkintrack({"report", "--db", db_, "--subject", "P008", "-o", html_path.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(Slurp(html_path).find("nothing to compare yet"), std::string::npos);
  const auto pdf = RunSkintrack({"report", "--db", db_, "--subject", "P008", "-o",
                                 (dir_ / "first.pdf").string(), "--paper", "letter"});
  EXPECT_EQ(pdf.exit_code, 0) << pdf.err;
}

TEST_F(ReportCli, IdentifyIsOptInAndErrorsAreClear) {
  const auto unknown = RunSkintrack({"report", "--db", db_, "--subject", "NOPE", "-o",
                                     (dir_ / "x.pdf").string()});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("NOPE"), std::string::npos);
  const auto bad_ext = RunSkintrack({"report", "--db", db_, "--subject", "P007", "-o",
                                     (dir_ / "x.docx").string()});
  EXPECT_EQ(bad_ext.exit_code, 1);
  const auto no_db = RunSkintrack({"report", "--db", (dir_ / "absent.db").string(), "--subject",
                                   "P007", "-o", (dir_ / "x.pdf").string()});
  EXPECT_EQ(no_db.exit_code, 4);
  EXPECT_FALSE(fs::exists(dir_ / "x.pdf"));
}

// Imports dir/baseline.jpg (session s0, 2026-01-05) and dir/later.jpg (s1, 2026-03-02) of
// subject P1 into dir/study.db; returns the database's path, or "" (and a failure) when the
// import fails.
std::string ImportBaselineAndLater(const fs::path& dir) {
  const bool written = WriteFileAtomic(dir / "manifest.csv",
                                       "subject,session,date,kind,image\n"
                                       "P1,s0,2026-01-05,baseline,baseline.jpg\n"
                                       "P1,s1,2026-03-02,follow-up,later.jpg\n")
                           .ok();
  EXPECT_TRUE(written);
  const std::string db = (dir / "study.db").string();
  const auto imported =
      RunSkintrack({"import", (dir / "manifest.csv").string(), "--db", db, "--quiet"});
  EXPECT_EQ(imported.exit_code, 0) << imported.err << imported.out;
  return written && imported.exit_code == 0 ? db : "";
}

// A portrait taken with the camera turned (EXIF orientation lost) is scored upright (warning
// face_turned); the report shows it upright too, and the follow-up aligned to it. Before, both
// photos reached the patient on their side.
TEST(ReportCliPhotos, AFacePhotographedSidewaysIsShownUpright) {
  fs::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  const cv::Mat portrait = cv::imread((photos / "faces/001_03.jpg").string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(portrait.empty());
  // Cropped wider than tall, so that a turned photo shows in its shape.
  const cv::Mat upright = portrait(cv::Rect(0, 100, portrait.cols, portrait.rows - 250)).clone();
  ASSERT_GT(upright.cols, upright.rows);
  testing::TempDir dir;
  cv::Mat turned;
  cv::rotate(upright, turned, cv::ROTATE_90_CLOCKWISE);
  ASSERT_TRUE(cv::imwrite((dir / "baseline.jpg").string(), turned, {cv::IMWRITE_JPEG_QUALITY, 95}));
  cv::Mat moved;
  const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, 6, 0, 1, -4);
  cv::warpAffine(turned, moved, shift, turned.size(), cv::INTER_LINEAR, cv::BORDER_REFLECT);
  ASSERT_TRUE(cv::imwrite((dir / "later.jpg").string(), moved, {cv::IMWRITE_JPEG_QUALITY, 95}));
  const std::string db = ImportBaselineAndLater(dir.path());
  ASSERT_FALSE(db.empty());
  const fs::path html_path = dir / "report.html";
  const auto run =
      RunSkintrack({"report", "--db", db, "--subject", "P1", "-o", html_path.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::vector<std::string> jpegs = EmbeddedJpegs(*ReadFileBytes(html_path));
  ASSERT_EQ(jpegs.size(), 2u);
  for (const std::string& bytes : jpegs) {
    const cv::Mat shown = Decode(bytes);
    ASSERT_FALSE(shown.empty());
    EXPECT_GT(shown.cols, shown.rows) << "shown on its side";
    // And the right way up, not upside down: it matches the upright photo.
    cv::Mat expected, a, b;
    cv::resize(upright, expected, shown.size(), 0, 0, cv::INTER_AREA);
    cv::cvtColor(expected, a, cv::COLOR_BGR2GRAY);
    cv::cvtColor(shown, b, cv::COLOR_BGR2GRAY);
    cv::Mat ncc;
    cv::matchTemplate(b, a, ncc, cv::TM_CCOEFF_NORMED);
    EXPECT_GT(ncc.at<float>(0, 0), 0.9);
  }
}

// A 1.5 MP portrait (4.4 px/mm by its face) and its copy re-saved as JPEG: their pores are one or
// two pixels (pores_below_resolution), so the pore values are left out of the timeline, which says
// so; the texture series is kept. Neither photo holds a colour chart, so their colour is left out
// as well unless --same-light.
TEST(ReportCliPhotos, ValuesThePhotosCannotResolveAreLeftOutOfTheTimeline) {
  fs::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  const cv::Mat portrait = cv::imread((photos / "faces/001_03.jpg").string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(portrait.empty());
  testing::TempDir dir;
  ASSERT_TRUE(
      cv::imwrite((dir / "baseline.jpg").string(), portrait, {cv::IMWRITE_JPEG_QUALITY, 95}));
  ASSERT_TRUE(cv::imwrite((dir / "later.jpg").string(), portrait, {cv::IMWRITE_JPEG_QUALITY, 80}));
  const std::string db = ImportBaselineAndLater(dir.path());
  ASSERT_FALSE(db.empty());
  const auto run = RunSkintrack({"timeline", "--db", db, "--subject", "P1", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json doc = nlohmann::json::parse(run.out);
  ASSERT_TRUE(doc["left_out"].contains("pores.count")) << doc["left_out"].dump();
  EXPECT_EQ(doc["left_out"]["pores.count"], nlohmann::json::array({"s0", "s1"}));
  bool texture = false;
  for (const auto& m : doc["metrics"]) {
    EXPECT_NE(m["metric"].get<std::string>().rfind("pores.", 0), 0u) << m["metric"];
    if (m["metric"] == "texture.roughness_rq") texture = true;
  }
  EXPECT_TRUE(texture);
  bool noted = false;
  for (const auto& note : doc["notes"]) {
    if (note.get<std::string>().find("pores.count left out: pores_below_resolution in sessions "
                                     "s0, s1") != std::string::npos) {
      noted = true;
    }
  }
  EXPECT_TRUE(noted) << doc["notes"].dump();
  // The patient's report says the pore counts were not used, not merely "less certain".
  const fs::path html_path = dir / "report.html";
  const auto report =
      RunSkintrack({"report", "--db", db, "--subject", "P1", "-o", html_path.string()});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const std::string html = *ReadFileBytes(html_path);
  EXPECT_NE(html.find("their pore counts are not used in this report"), std::string::npos);

  // No chart in either photo: their redness and pigment are left out too, unless the practitioner
  // states the light was the same; the pore rule stands either way.
  EXPECT_EQ(doc["left_out"]["redness.a_star_mean"], nlohmann::json::array({"s0", "s1"}));
  EXPECT_EQ(doc["left_out_warnings"]["redness.a_star_mean"],
            nlohmann::json::array({"uncalibrated_colour"}));
  EXPECT_EQ(doc["left_out_warnings"]["pores.count"],
            nlohmann::json::array({"pores_below_resolution"}));
  EXPECT_FALSE(doc["left_out"].contains("pigmentation.brown_spot_area_pct"));
  EXPECT_NE(html.find("their redness and skin-tone values are not used in this report"),
            std::string::npos);
  const auto same =
      RunSkintrack({"timeline", "--db", db, "--subject", "P1", "--same-light", "--json"});
  ASSERT_EQ(same.exit_code, 0) << same.err;
  const nlohmann::json judged = nlohmann::json::parse(same.out);
  EXPECT_FALSE(judged["left_out"].contains("redness.a_star_mean")) << judged["left_out"].dump();
  EXPECT_TRUE(judged["left_out"].contains("pores.count"));
  const auto same_report = RunSkintrack(
      {"report", "--db", db, "--subject", "P1", "--same-light", "-o", html_path.string()});
  ASSERT_EQ(same_report.exit_code, 0) << same_report.err;
  EXPECT_NE(ReadFileBytes(html_path)->find("photographed with the same light and camera settings"),
            std::string::npos);
}

}  // namespace
}  // namespace skintrack
