#include "core/io/image_io.h"

#include <exiv2/exiv2.hpp>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/base/atomic_file.h"
#include "test_support/temp_dir.h"

namespace skintrack::core {
namespace {
namespace fs = std::filesystem;

std::string Encode(const cv::Mat& image, const std::string& ext, std::vector<int> params = {}) {
  std::vector<uchar> buffer;
  EXPECT_TRUE(cv::imencode(ext, image, buffer, params));
  return std::string(buffer.begin(), buffer.end());
}

cv::Mat Gradient(int width, int height) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      image.at<cv::Vec3b>(y, x) = {static_cast<uchar>(x * 255 / width),
                                   static_cast<uchar>(y * 255 / height), 128};
    }
  }
  return image;
}

fs::path WriteBytes(const testing::TempDir& dir, const std::string& name, const std::string& bytes) {
  const fs::path path = dir / name;
  EXPECT_TRUE(WriteFileAtomic(path, bytes).ok());
  return path;
}

void ExpectBadInput(const Result<LoadedImage>& result, const std::string& fragment,
                    const std::string& file_name) {
  ASSERT_FALSE(result.ok()) << "expected failure containing '" << fragment << "'";
  EXPECT_EQ(result.error().code, ErrorCode::kBadInput);
  EXPECT_NE(result.error().message.find(fragment), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find(file_name), std::string::npos) << result.error().message;
}

std::string Be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

// A syntactically valid PNG whose header declares width x height; its tiny IDAT cannot fill it.
std::string PngWithDeclaredSize(std::uint32_t width, std::uint32_t height) {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr = Be32(width) + Be32(height) + std::string("\x08\x02\x00\x00\x00", 5);
  png += Be32(13) + "IHDR" + ihdr + Be32(0);
  const std::string idat("\x78\x9c\x03\x00\x00\x00\x00\x01", 8);
  png += Be32(static_cast<std::uint32_t>(idat.size())) + "IDAT" + idat + Be32(0);
  png += Be32(0) + "IEND" + Be32(0xAE426082);
  return png;
}

TEST(ImageIo, LoadsJpegAndPng) {
  testing::TempDir dir;
  const cv::Mat image = Gradient(64, 48);
  const auto png = LoadImage(WriteBytes(dir, "a.png", Encode(image, ".png")));
  ASSERT_TRUE(png.ok()) << png.error().message;
  EXPECT_EQ(png->bgr.type(), CV_8UC3);
  EXPECT_EQ(png->header.format, "png");
  EXPECT_EQ(cv::norm(png->bgr, image, cv::NORM_INF), 0.0);
  EXPECT_EQ(png->sha256.size(), 64u);

  const auto jpeg = LoadImage(WriteBytes(dir, "a.jpg", Encode(image, ".jpg")));
  ASSERT_TRUE(jpeg.ok()) << jpeg.error().message;
  EXPECT_EQ(jpeg->header.format, "jpeg");
  EXPECT_EQ(jpeg->bgr.size(), image.size());
  EXPECT_LT(cv::norm(jpeg->bgr, image, cv::NORM_L1) / static_cast<double>(image.total() * 3), 4.0);
}

TEST(ImageIo, JpegQualityIsReadFromTheQuantisationTables) {
  cv::Mat image(64, 96, CV_8UC3);
  cv::RNG rng(5);
  rng.fill(image, cv::RNG::UNIFORM, cv::Scalar::all(40), cv::Scalar::all(220));
  // libjpeg's own encoder scales Table K.1, so its qualities come back (to rounding; below 50
  // the 8-bit clamp of large entries makes the estimate a little high).
  for (const int quality : {20, 35, 50, 75, 90, 95, 100}) {
    const std::string jpeg = Encode(image, ".jpg", {cv::IMWRITE_JPEG_QUALITY, quality});
    auto header = ProbeImageHeader(jpeg, "q.jpg");
    ASSERT_TRUE(header.ok()) << header.error().message;
    ASSERT_TRUE(header->jpeg_quality.has_value()) << quality;
    EXPECT_NEAR(*header->jpeg_quality, quality, 1) << quality;
  }
  auto png = ProbeImageHeader(Encode(image, ".png"), "p.png");
  ASSERT_TRUE(png.ok());
  EXPECT_FALSE(png->jpeg_quality.has_value());
  std::array<int, 64> all_ones;
  all_ones.fill(1);
  EXPECT_EQ(EstimateJpegQuality(all_ones), 100);
  std::array<int, 64> all_max;
  all_max.fill(255);
  EXPECT_LE(EstimateJpegQuality(all_max), 10);
}

TEST(ImageIo, GreyAndAlphaBecomeBgr) {
  testing::TempDir dir;
  cv::Mat grey(10, 12, CV_8U, cv::Scalar(77));
  auto loaded = LoadImage(WriteBytes(dir, "g.png", Encode(grey, ".png")));
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->bgr.type(), CV_8UC3);
  EXPECT_EQ(loaded->bgr.at<cv::Vec3b>(3, 3), cv::Vec3b(77, 77, 77));
  cv::Mat bgra(10, 12, CV_8UC4, cv::Scalar(1, 2, 3, 4));
  loaded = LoadImage(WriteBytes(dir, "a.png", Encode(bgra, ".png")));
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->bgr.at<cv::Vec3b>(0, 0), cv::Vec3b(1, 2, 3));
}

TEST(ImageIo, SixteenBitTiffRoundTrip) {
  testing::TempDir dir;
  cv::Mat image(33, 47, CV_16UC3);
  cv::randu(image, 0, 65535);
  const fs::path path = dir / "deep.tiff";
  ASSERT_TRUE(cv::imwrite(path.string(), image));
  const auto loaded = LoadImage(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->header.format, "tiff");
  EXPECT_EQ(loaded->header.bits_per_channel, 16);
  ASSERT_EQ(loaded->bgr.type(), CV_16UC3);
  EXPECT_EQ(cv::norm(loaded->bgr, image, cv::NORM_INF), 0.0);
}

TEST(ImageIo, SixteenBitPngKeepsDepth) {
  testing::TempDir dir;
  cv::Mat image(20, 30, CV_16UC3, cv::Scalar(1000, 30000, 65535));
  const auto loaded = LoadImage(WriteBytes(dir, "d.png", Encode(image, ".png")));
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->bgr.type(), CV_16UC3);
  EXPECT_EQ(loaded->bgr.at<cv::Vec3w>(5, 5), cv::Vec3w(1000, 30000, 65535));
}

TEST(ImageIo, MissingFile) {
  testing::TempDir dir;
  ExpectBadInput(LoadImage(dir / "absent.jpg"), "not found", "absent.jpg");
}

TEST(ImageIo, ZeroBytes) {
  testing::TempDir dir;
  ExpectBadInput(LoadImage(WriteBytes(dir, "empty.jpg", "")), "zero bytes", "empty.jpg");
}

TEST(ImageIo, NotAnImage) {
  testing::TempDir dir;
  ExpectBadInput(LoadImage(WriteBytes(dir, "notes.jpg", "subject,session\n1,2\n")),
                 "not a JPEG, PNG or TIFF", "notes.jpg");
}

TEST(ImageIo, TruncatedJpeg) {
  testing::TempDir dir;
  const std::string jpeg = Encode(Gradient(200, 150), ".jpg");
  ExpectBadInput(LoadImage(WriteBytes(dir, "cut.jpg", jpeg.substr(0, jpeg.size() / 2))),
                 "truncated JPEG", "cut.jpg");
  ExpectBadInput(LoadImage(WriteBytes(dir, "head.jpg", jpeg.substr(0, 40))), "truncated JPEG",
                 "head.jpg");
}

TEST(ImageIo, TruncatedPng) {
  testing::TempDir dir;
  const std::string png = Encode(Gradient(200, 150), ".png");
  ExpectBadInput(LoadImage(WriteBytes(dir, "cut.png", png.substr(0, png.size() - 30))),
                 "truncated PNG", "cut.png");
  ExpectBadInput(LoadImage(WriteBytes(dir, "head.png", png.substr(0, 20))), "truncated PNG",
                 "head.png");
}

TEST(ImageIo, CorruptPngBodyIsRefused) {
  testing::TempDir dir;
  std::string png = Encode(Gradient(200, 150), ".png");
  for (std::size_t i = 60; i < png.size() - 40; i += 7) png[i] = static_cast<char>(png[i] ^ 0x5A);
  const auto result = LoadImage(WriteBytes(dir, "bad.png", png));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kBadInput);
}

TEST(ImageIo, DecompressionBombRefusedBeforeDecoding) {
  testing::TempDir dir;
  const auto result = LoadImage(WriteBytes(dir, "bomb.png", PngWithDeclaredSize(60000, 60000)));
  ExpectBadInput(result, "too large", "bomb.png");
  EXPECT_NE(result.error().message.find("60000x60000"), std::string::npos);
}

TEST(ImageIo, PixelLimitIsConfigurable) {
  testing::TempDir dir;
  const fs::path path = WriteBytes(dir, "small.png", Encode(Gradient(100, 100), ".png"));
  LoadOptions options;
  options.max_pixels = 5000;
  ExpectBadInput(LoadImage(path, options), "too large", "small.png");
  options.max_pixels = 10000;
  EXPECT_TRUE(LoadImage(path, options).ok());
}

// The limit and the image's size were printed in whole megapixels: "(1 MP), above the limit of
// 0 MP" for --max-megapixels 1e-6.
TEST(ImageIo, PixelLimitMessageKeepsTheMegapixelsReadable) {
  testing::TempDir dir;
  const fs::path path = WriteBytes(dir, "face.png", Encode(Gradient(1350, 1350), ".png"));
  LoadOptions options;
  options.max_pixels = 1;  // --max-megapixels 1e-6
  auto result = LoadImage(path, options);
  ExpectBadInput(result, "declares 1350x1350 pixels (1.82 MP), above the limit of 0.000001 MP",
                 "face.png");
  options.max_pixels = 500'000;
  result = LoadImage(path, options);
  ExpectBadInput(result, "(1.82 MP), above the limit of 0.5 MP", "face.png");
}

TEST(ImageIo, UnsupportedBitDepth) {
  testing::TempDir dir;
  // Little-endian TIFF with one IFD: width 4, height 4, 32 bits per sample.
  std::string tiff("II*\0\x08\0\0\0", 8);
  auto u16 = [](int v) { return std::string{static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)}; };
  auto u32 = [&](int v) { return u16(v & 0xFFFF) + u16(v >> 16); };
  auto entry = [&](int tag, int type, int value) { return u16(tag) + u16(type) + u32(1) + u32(value); };
  tiff += u16(3) + entry(256, 3, 4) + entry(257, 3, 4) + entry(258, 3, 32) + u32(0);
  tiff += std::string(64, '\0');
  ExpectBadInput(LoadImage(WriteBytes(dir, "float.tif", tiff)), "bits per channel", "float.tif");
}

TEST(ImageIo, TwelveBitJpegHeaderIsUnsupported) {
  testing::TempDir dir;
  std::string jpeg = Encode(Gradient(32, 32), ".jpg");
  // Find the baseline frame header (FF C0) and change its precision byte to 12.
  const auto sof = jpeg.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  jpeg[sof + 4] = 12;
  ExpectBadInput(LoadImage(WriteBytes(dir, "deep.jpg", jpeg)), "12-bit", "deep.jpg");
}

TEST(ExifDate, ParsesAndRejects) {
  EXPECT_EQ(ParseExifDateTime("2024:03:01 10:22:33").value_or(""), "2024-03-01T10:22:33");
  EXPECT_EQ(ParseExifDateTime("2024-03-01T10:22:33").value_or(""), "2024-03-01T10:22:33");
  EXPECT_FALSE(ParseExifDateTime("0000:00:00 00:00:00").has_value());
  EXPECT_FALSE(ParseExifDateTime("2024:13:01 10:22:33").has_value());
  EXPECT_FALSE(ParseExifDateTime("2024:03:01 25:22:33").has_value());
  EXPECT_FALSE(ParseExifDateTime("yesterday").has_value());
  EXPECT_FALSE(ParseExifDateTime("").has_value());
}

// Writes EXIF tags into an existing JPEG file with exiv2.
void WriteExif(const fs::path& path, int orientation, const std::string& date, bool gps) {
  auto image = Exiv2::ImageFactory::open(path.string());
  image->readMetadata();
  Exiv2::ExifData exif;
  exif["Exif.Image.Orientation"] = static_cast<std::uint16_t>(orientation);
  exif["Exif.Image.Make"] = "TestMake";
  exif["Exif.Image.Model"] = "TestModel 1";
  exif["Exif.Photo.DateTimeOriginal"] = date;
  exif["Exif.Photo.ExposureTime"] = Exiv2::URational(1, 125);
  exif["Exif.Photo.FNumber"] = Exiv2::URational(28, 10);
  exif["Exif.Photo.ISOSpeedRatings"] = static_cast<std::uint16_t>(200);
  if (gps) {
    exif["Exif.GPSInfo.GPSLatitudeRef"] = "N";
    exif["Exif.GPSInfo.GPSLatitude"] = "51/1 30/1 0/1";
  }
  image->setExifData(exif);
  image->writeMetadata();
}

// Stored image 60x40 (w x h) with a red block in the stored top-left corner; after orientation the
// block must be where EXIF says the stored top-left appears.
TEST(ExifOrientation, EveryTagTurnsImageUpright) {
  testing::TempDir dir;
  cv::Mat stored(40, 60, CV_8UC3, cv::Scalar(200, 200, 200));
  stored(cv::Rect(0, 0, 15, 10)).setTo(cv::Scalar(0, 0, 255));
  struct Case {
    int orientation;
    bool swapped;
    bool right;
    bool bottom;
  };
  const Case cases[] = {{1, false, false, false}, {2, false, true, false}, {3, false, true, true},
                        {4, false, false, true},  {5, true, false, false}, {6, true, true, false},
                        {7, true, true, true},    {8, true, false, true}};
  for (const Case& c : cases) {
    SCOPED_TRACE("orientation " + std::to_string(c.orientation));
    const fs::path path = dir / ("o" + std::to_string(c.orientation) + ".jpg");
    ASSERT_TRUE(cv::imwrite(path.string(), stored, {cv::IMWRITE_JPEG_QUALITY, 98}));
    WriteExif(path, c.orientation, "2023:11:05 09:15:00", false);
    const auto loaded = LoadImage(path);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(loaded->metadata.orientation, c.orientation);
    const cv::Mat& up = loaded->bgr;
    EXPECT_EQ(up.cols, c.swapped ? 40 : 60);
    EXPECT_EQ(up.rows, c.swapped ? 60 : 40);
    const int x = c.right ? up.cols - 3 : 2;
    const int y = c.bottom ? up.rows - 3 : 2;
    const cv::Vec3b corner = up.at<cv::Vec3b>(y, x);
    EXPECT_GT(corner[2], 180) << "red block not at the expected corner";
    EXPECT_LT(corner[1], 80);
  }
}

TEST(ExifMetadata, ReadsDateCameraExposureAndGps) {
  testing::TempDir dir;
  const fs::path path = dir / "meta.jpg";
  ASSERT_TRUE(cv::imwrite(path.string(), Gradient(32, 32)));
  WriteExif(path, 1, "2025:07:14 16:45:09", true);
  const auto loaded = LoadImage(path);
  ASSERT_TRUE(loaded.ok());
  const CaptureMetadata& meta = loaded->metadata;
  EXPECT_EQ(meta.captured_at.value_or(""), "2025-07-14T16:45:09");
  EXPECT_EQ(meta.camera_make, "TestMake");
  EXPECT_EQ(meta.camera_model, "TestModel 1");
  ASSERT_TRUE(meta.exposure_time_s.has_value());
  EXPECT_NEAR(*meta.exposure_time_s, 1.0 / 125, 1e-9);
  EXPECT_NEAR(meta.f_number.value_or(0), 2.8, 1e-6);
  EXPECT_NEAR(meta.iso.value_or(0), 200, 1e-9);
  EXPECT_TRUE(meta.has_gps);
}

TEST(ExifMetadata, DamagedExifIsIgnored) {
  std::string jpeg = Encode(Gradient(32, 32), ".jpg");
  // An APP1 "Exif" segment full of garbage right after SOI.
  std::string app1 = std::string("\xFF\xE1", 2) + std::string("\x00\x20", 2) + "Exif" +
                     std::string(2, '\0') + std::string(24, '\x7f');
  jpeg.insert(2, app1);
  const auto loaded = DecodeImage(jpeg, "garbage_exif.jpg");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->metadata.orientation, 1);
  EXPECT_FALSE(loaded->metadata.captured_at.has_value());
}

}  // namespace
}  // namespace skintrack::core
