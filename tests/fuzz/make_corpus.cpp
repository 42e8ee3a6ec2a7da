// Writes the seed corpus of every fuzz target into tests/fuzz/corpus/<target>/ (argument: that
// corpus folder). The seeds are small generated files that reach the interesting code paths:
// every image format and bit depth the loader accepts, EXIF blocks, truncated files, and valid and
// broken examples of each text format. Re-run after changing a format; commit the output.
//   cmake --build build/X --target fuzz_make_corpus && build/X/tests/fuzz/fuzz_make_corpus tests/fuzz/corpus
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <exiv2/exiv2.hpp>
#include <opencv2/imgcodecs.hpp>

namespace {
namespace fs = std::filesystem;

void Write(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

std::string Encode(const cv::Mat& image, const std::string& ext, std::vector<int> params = {}) {
  std::vector<uchar> buffer;
  if (!cv::imencode(ext, image, buffer, params)) {
    std::fprintf(stderr, "cannot encode %s\n", ext.c_str());
    std::exit(1);
  }
  return std::string(buffer.begin(), buffer.end());
}

cv::Mat Pattern(int width, int height, int type) {
  cv::Mat image(height, width, type);
  const double scale = CV_MAT_DEPTH(type) == CV_16U ? 257.0 : 1.0;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const double v = (x * 31 + y * 17) % 256;
      for (int c = 0; c < image.channels(); ++c) {
        const double value = scale * std::fmod(v + 60 * c, 256.0);
        if (CV_MAT_DEPTH(type) == CV_16U) {
          image.ptr<std::uint16_t>(y)[x * image.channels() + c] = static_cast<std::uint16_t>(value);
        } else {
          image.ptr<std::uint8_t>(y)[x * image.channels() + c] = static_cast<std::uint8_t>(value);
        }
      }
    }
  }
  return image;
}

// The image with a full EXIF block (orientation, date, camera, exposure, GPS) written by exiv2.
std::string WithExif(const std::string& bytes, int orientation) {
  auto image = Exiv2::ImageFactory::open(reinterpret_cast<const Exiv2::byte*>(bytes.data()),
                                         static_cast<long>(bytes.size()));
  image->readMetadata();
  Exiv2::ExifData exif;
  exif["Exif.Image.Orientation"] = static_cast<std::uint16_t>(orientation);
  exif["Exif.Image.Make"] = "SeedMake";
  exif["Exif.Image.Model"] = "Seed 1";
  exif["Exif.Photo.DateTimeOriginal"] = "2025:07:14 16:45:09";
  exif["Exif.Photo.ExposureTime"] = Exiv2::URational(1, 125);
  exif["Exif.Photo.FNumber"] = Exiv2::URational(28, 10);
  exif["Exif.Photo.ISOSpeedRatings"] = static_cast<std::uint16_t>(200);
  exif["Exif.GPSInfo.GPSLatitudeRef"] = "N";
  exif["Exif.GPSInfo.GPSLatitude"] = "51/1 30/1 0/1";
  image->setExifData(exif);
  image->writeMetadata();
  Exiv2::BasicIo& io = image->io();
  io.seek(0, Exiv2::BasicIo::beg);
  std::string out(static_cast<std::size_t>(io.size()), '\0');
  io.read(reinterpret_cast<Exiv2::byte*>(out.data()), static_cast<long>(out.size()));
  return out;
}

void ImageSeeds(const fs::path& image_dir, const fs::path& exif_dir) {
  const cv::Mat rgb = Pattern(16, 12, CV_8UC3);
  const std::string jpeg = Encode(rgb, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 80});
  const std::string progressive =
      Encode(rgb, ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1, cv::IMWRITE_JPEG_QUALITY, 60});
  const std::string png = Encode(rgb, ".png");
  const std::string tiff = Encode(rgb, ".tif");
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"rgb8.jpg", jpeg},
      {"progressive.jpg", progressive},
      {"grey8.jpg", Encode(Pattern(16, 12, CV_8UC1), ".jpg")},
      {"rgb8.png", png},
      {"rgb16.png", Encode(Pattern(8, 6, CV_16UC3), ".png")},
      {"grey8.png", Encode(Pattern(8, 6, CV_8UC1), ".png")},
      {"rgba8.png", Encode(Pattern(8, 6, CV_8UC4), ".png")},
      {"rgb8.tif", tiff},
      {"rgb16.tif", Encode(Pattern(8, 6, CV_16UC3), ".tif")},
      {"grey16.tif", Encode(Pattern(8, 6, CV_16UC1), ".tif")},
      {"exif_o6.jpg", WithExif(jpeg, 6)},
      {"exif_o3.png", WithExif(png, 3)},
      {"exif_o8.tif", WithExif(tiff, 8)},
      {"truncated.jpg", jpeg.substr(0, jpeg.size() / 2)},
      {"truncated.png", png.substr(0, png.size() - 20)},
      {"truncated.tif", tiff.substr(0, tiff.size() / 2)},
  };
  for (const auto& [name, bytes] : seeds) Write(image_dir, name, bytes);
  for (const auto& [name, bytes] : seeds) {
    if (name.rfind("exif_", 0) == 0) Write(exif_dir, name, bytes);
  }
  Write(exif_dir, "plain.jpg", jpeg);
}

void TextSeeds(const fs::path& corpus) {
  Write(corpus / "manifest", "full.csv",
        "subject,session,date,kind,image,region,roi,px_per_mm,lights\n"
        "P001,s1,2026-03-01,baseline,P001/base.jpg,left_cheek,roi.json,20.5,\n"
        "P001,s2,2026-03-01T10:30,repeat,P001/rep.jpg,,,,\n"
        "P001,s3,2026-04-12T09:00:05,Follow-up,\"P001/with, comma.jpg\",,,,ps/lights.json\n");
  Write(corpus / "manifest", "bad_rows.csv",
        "\xEF\xBB\xBFSubject,Session,Date,Kind,Image,extra\r\n"
        ",s1,2026-02-30,baseline,a.jpg,x\r\n"
        "P2,s1,2026-02-28,nonsense,a.jpg,\"multi\nline\"\r\n"
        "P2,s1,2026-02-28,post,a.jpg,\"q\"\"q\"\r\n"
        "P2,s1,2026-02-28,post,a.jpg,dup\r\n");
  Write(corpus / "manifest", "unterminated.csv", "subject,session,date,kind,image\nP1,\"s1,2026");

  Write(corpus / "claims", "change.toml",
        "[[claim]]\nid = \"pores_8_12\"\ntitle = \"Pores smaller\"\nkind = \"change\"\n"
        "metrics = [\"pores.density_per_cm2\", \"texture\"]\nevent = \"final_treatment\"\n"
        "window_weeks = [8, 12]\ndirection = \"improve\"\nmin_mdc = 1.0\nmin_pct = 10\n"
        "combine = \"any\"\n");
  Write(corpus / "claims", "kinds.toml",
        "[[claim]]\nid = \"redness\"\nkind = \"recovery\"\nmetrics = [\"redness\"]\n"
        "event = \"each_treatment\"\nwindow_hours = [24, 48]\n\n"
        "[[claim]]\nid = \"protocol\"\nkind = \"protocol\"\nsessions = [3, 6]\n"
        "interval_weeks = [4, 6]\n\n"
        "[[claim]]\nid = \"lasting\"\nkind = \"lasting\"\nmetrics = [\"wrinkles\"]\n"
        "event = \"final_treatment\"\nwindow_months = [12, 18]\ncombine = \"all\"\n\n"
        "[[claim]]\nid = \"no_pih\"\nkind = \"no_worsening\"\nmetrics = [\"pigmentation\"]\n"
        "event = \"first_treatment\"\nwindow_days = [0, 90]\ndirection = \"decrease\"\n");
  Write(corpus / "claims", "bad.toml", "[[claim]]\nid = \"x\"\nwindow_weeks = [8, 6\n");

  Write(corpus / "lights", "directions.json",
        R"({"schema": "skintrack.lights/1", "px_per_mm": 20.0, "encoding": "srgb", "lights": [)"
        R"({"image": "ps_00.png", "direction": [0.5, 0, 0.866]},)"
        R"({"image": "ps_01.png", "direction": [-0.25, 0.433, 0.866], "intensity": 0.9},)"
        R"({"image": "ps_02.png", "direction": [-0.25, -0.433, 0.866]}]})");
  Write(corpus / "lights", "angles_sphere.json",
        R"({"schema": "skintrack.lights/1", "encoding": "linear 16-bit", )"
        R"("sphere": {"center_px": [40, 40], "radius_px": 20, "kind": "matte"}, "lights": [)"
        R"({"image": "a.png", "azimuth_deg": 0, "elevation_deg": 40},)"
        R"({"image": "b.png", "azimuth_deg": 120, "elevation_deg": 40},)"
        R"({"image": "c.png"}, {"image": "d.png", "azimuth_deg": 240, "elevation_deg": 40,)"
        R"( "direction": [-0.383, -0.663, 0.643]}]})");
  Write(corpus / "lights", "coplanar.json",
        R"({"schema": "skintrack.lights/1", "lights": [{"image": "a", "direction": [1, 0, 1e-9]},)"
        R"({"image": "b", "direction": [0, 1, 1e-9]}, {"image": "c", "direction": [-1, 0, 1e-9]}]})");

  Write(corpus / "points", "affine.json",
        R"({"schema": "skintrack.align-points/1", "pairs": [)"
        R"({"moving": [10, 10], "fixed": [12, 11]}, {"moving": [50, 10], "fixed": [52, 12]},)"
        R"({"moving": [30, 40], "fixed": [31, 43]}, {"moving": [5, 35], "fixed": [6, 37]}]})");
  Write(corpus / "points", "homography.json",
        R"({"pairs": [{"moving": [0, 0], "fixed": [1, 1]}, {"moving": [63, 0], "fixed": [60, 2]},)"
        R"({"moving": [63, 47], "fixed": [62, 45]}, {"moving": [0, 47], "fixed": [2, 46]},)"
        R"({"moving": [32, 24], "fixed": [33, 24]}, {"moving": [16, 8], "fixed": [17, 9]}]})");
  Write(corpus / "points", "collinear.json",
        R"({"pairs": [{"moving": [0, 0], "fixed": [0, 0]}, {"moving": [1, 1], "fixed": [1, 1]},)"
        R"({"moving": [2, 2], "fixed": [2, 2.0000001]}]})");

  Write(corpus / "roi", "polygons.json",
        R"({"schema": "skintrack.roi/1", "polygons": [[[10, 10], [50, 10], [50, 30], [10, 30]],)"
        R"([[0, 0], [5, 0], [2.5, 4.5]]]})");
  Write(corpus / "roi", "short.json", R"({"polygon": [[0, 0], [63, 0], [63, 47]]})");
  Write(corpus / "roi", "outside.json", R"({"polygon": [[-100, -100], [200, -50], [100, 300]]})");

  Write(corpus / "settings", "full.json",
        R"({"schema": "skintrack.viewer-settings/1", "window_width": 1600, "window_height": 1000,)"
        R"( "font_size_px": 15.0, "font_path": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)"
        R"( "blink_period_s": 0.6, "difference_gain": 4.0, "overlay_alpha": 0.7, "max_tile_px": 0,)"
        R"( "worker_threads": 2, "last_source": "/data/study.db"})");
  Write(corpus / "settings", "odd.json",
        R"({"window_width": 1e30, "worker_threads": -5, "font_size_px": "big", "max_tile_px": 3,)"
        R"( "overlay_alpha": 7, "unknown": [1, 2, 3]})");
  Write(corpus / "settings", "not_object.json", "[1, 2, 3]");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_corpus CORPUS_DIR\n");
    return 1;
  }
  const fs::path corpus(argv[1]);
  ImageSeeds(corpus / "image", corpus / "exif");
  TextSeeds(corpus);
  std::printf("seed corpus written to %s\n", corpus.string().c_str());
  return 0;
}
