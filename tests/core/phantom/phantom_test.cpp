// The digital skin phantom: the truth must match what was drawn.
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/calibration/chart_geometry.h"
#include "core/color/ciede2000.h"
#include "core/color/color_space.h"
#include "core/color/srgb.h"
#include "core/phantom/phantom.h"
#include "test_support/temp_dir.h"

namespace skintrack::core {
namespace {

// A small skin with nothing on it; tests switch on what they check.
PhantomOptions BareOptions() {
  PhantomOptions o;
  o.width_px = 400;
  o.height_px = 300;
  o.px_per_mm = 10;
  o.subjects = {PhantomResponse::kResponder};
  auto& f = o.features;
  f.pore_density_per_cm2 = 0;
  f.redness_patches = 0;
  f.pigment_spots = 0;
  f.wrinkles = 0;
  f.scars = 0;
  f.texture_albedo_rms = 0;
  f.texture_height_sq_um = 0;
  f.mottling_rms = 0;
  f.chart = false;
  return o;
}

// Small series options for file-level tests (8 captures).
PhantomOptions SmallSeriesOptions() {
  PhantomOptions o;
  o.width_px = 320;
  o.height_px = 240;
  o.px_per_mm = 10;
  o.subjects = {PhantomResponse::kResponder};
  o.treatment_sessions = 1;
  o.features.chart = false;
  return o;
}

cv::Mat Luminance(const cv::Mat& rgb_linear) {
  cv::Mat y(rgb_linear.size(), CV_32F);
  for (int r = 0; r < y.rows; ++r) {
    for (int c = 0; c < y.cols; ++c) {
      const cv::Vec3f p = rgb_linear.at<cv::Vec3f>(r, c);
      y.at<float>(r, c) = 0.2126f * p[0] + 0.7152f * p[1] + 0.0722f * p[2];
    }
  }
  return y;
}

TEST(PhantomChart, PatchesMeasureBackWithinHalfDeltaE00) {
  PhantomOptions o = BareOptions();
  o.features.chart = true;
  auto skin = RenderSkin(o);
  ASSERT_TRUE(skin.ok()) << skin.error().message;
  const auto& chart = skin->truth["subject"]["chart"];
  ASSERT_TRUE(chart["present"].get<bool>());
  ASSERT_EQ(chart["patches"].size(), 24u);
  const auto& reference = ChartReferenceLabD50(ChartReference::kPost2014);
  const auto& lut = SrgbToLinearLut8();
  int out_of_gamut = 0;
  for (int i = 0; i < 24; ++i) {
    const auto& patch = chart["patches"][static_cast<std::size_t>(i)];
    const auto r = patch["rect_px"];
    // Measure the 8-bit sRGB image inside the patch, 2 px from its edges.
    const cv::Rect inner(r[0].get<int>() + 2, r[1].get<int>() + 2, r[2].get<int>() - 4,
                         r[3].get<int>() - 4);
    const cv::Scalar mean_bgr = cv::mean(skin->bgr(inner));
    cv::Vec3d rgb;
    for (int c = 0; c < 3; ++c) {
      // Uniform patch: the mean of identical codes is that code.
      rgb[c] = lut[static_cast<std::size_t>(std::lround(mean_bgr[2 - c]))];
    }
    const double de = Ciede2000(LabD50FromLinearSrgb(rgb), reference[static_cast<std::size_t>(i)]);
    if (patch["in_srgb_gamut"].get<bool>()) {
      EXPECT_LT(de, 0.5) << "patch " << i + 1 << " " << patch["name"];
    } else {
      ++out_of_gamut;
      EXPECT_LT(de, 6.0) << "out-of-gamut patch " << i + 1 << " clipped too far";
    }
  }
  EXPECT_LE(out_of_gamut, 1);  // only the cyan patch lies outside sRGB
  // px/mm is known from the chart: pitch in px / pitch in mm = px_per_mm.
  EXPECT_NEAR(chart["patch_pitch_px"].get<double>() / chart["patch_pitch_mm"].get<double>(),
              o.px_per_mm, 1e-9);
}

// Solves S·l_z = (l_z - p·l_x)/sqrt(1 + p²) for the slope p (q = 0), taking the root that is 0
// for S = 1.
double SlopeFromShading(double s, double lx, double lz) {
  const double a = s * lz;
  const double qa = lx * lx - a * a, qb = -2 * lz * lx, qc = lz * lz - a * a;
  if (std::abs(qa) < 1e-12) return -qc / qb;
  const double disc = std::sqrt(std::max(0.0, qb * qb - 4 * qa * qc));
  const double r1 = (-qb + disc) / (2 * qa), r2 = (-qb - disc) / (2 * qa);
  return std::abs(r1) < std::abs(r2) ? r1 : r2;
}

TEST(PhantomScar, ShadingIntegratesBackToDepth) {
  PhantomOptions o = BareOptions();
  o.features.scars = 3;  // icepick, boxcar, rolling: the rolling scar has no shadowed walls
  o.features.cavity_darkening = 0;
  CaptureParams capture;
  capture.light_azimuth_deg = 0;  // light from +x: the x slope shows in the shading
  capture.light_elevation_deg = 45;
  auto skin = RenderSkin(o, capture);
  ASSERT_TRUE(skin.ok()) << skin.error().message;
  const auto& scars = skin->truth["features"]["canonical"]["scars"];
  const cv::Mat lum = Luminance(skin->rgb_linear);
  const double flat = lum.at<float>(2, 2);
  const double lx = std::cos(M_PI / 4), lz = std::sin(M_PI / 4);
  int checked = 0;
  for (const auto& scar : scars) {
    if (scar["shape"] != "rolling") continue;
    const double cx = scar["x_mm"].get<double>() * o.px_per_mm;
    const int row = static_cast<int>(std::lround(scar["y_mm"].get<double>() * o.px_per_mm));
    const double radius_px = scar["diameter_mm"].get<double>() / 2 * o.px_per_mm;
    const int x0 = static_cast<int>(cx - radius_px) - 5, x1 = static_cast<int>(cx + radius_px) + 5;
    double z = 0, z_min = 0;
    for (int x = x0; x <= x1; ++x) {
      const double p = SlopeFromShading(lum.at<float>(row, x) / flat, lx, lz);
      z += p / o.px_per_mm;
      z_min = std::min(z_min, z);
    }
    const double depth = scar["depth_mm"].get<double>();
    EXPECT_NEAR(-z_min, depth, 0.05 * depth) << "scar " << scar["id"];
    EXPECT_NEAR(z, 0.0, 0.05 * depth) << "the profile must close back to the skin level";
    ++checked;
  }
  EXPECT_GE(checked, 1);
}

TEST(PhantomPores, TruthPositionsAreLocalLuminanceMinima) {
  PhantomOptions o = BareOptions();
  o.features.pore_density_per_cm2 = 30;
  o.features.redness_patches = 2;
  auto skin = RenderSkin(o);
  ASSERT_TRUE(skin.ok()) << skin.error().message;
  const auto& rows = skin->truth["features"]["image"]["pores"]["rows"];
  ASSERT_GT(rows.size(), 100u);
  const cv::Mat lum = Luminance(skin->rgb_linear);
  int hits = 0;
  for (const auto& row : rows) {
    const double x = row[1].get<double>(), y = row[2].get<double>();
    const int radius = static_cast<int>(std::ceil(row[3].get<double>() / 2)) + 1;
    const cv::Rect window(static_cast<int>(std::lround(x)) - radius,
                          static_cast<int>(std::lround(y)) - radius, 2 * radius + 1,
                          2 * radius + 1);
    ASSERT_EQ(window & cv::Rect(0, 0, lum.cols, lum.rows), window);
    cv::Point min_at;
    cv::minMaxLoc(lum(window), nullptr, nullptr, &min_at);
    const double dx = window.x + min_at.x - x, dy = window.y + min_at.y - y;
    if (std::hypot(dx, dy) <= 0.75) ++hits;  // the darkest pixel is the one holding the centre
  }
  EXPECT_EQ(hits, static_cast<int>(rows.size()));
}

TEST(PhantomPores, MostPoresStayMinimaWithTextureAndNoise) {
  PhantomOptions o = BareOptions();
  o.features = PhantomFeatureOptions{};
  o.features.chart = false;
  CaptureParams capture;
  capture.shot_gain = 3e-4;
  capture.read_sigma = 2e-3;
  capture.blur_sigma_px = 0.5;
  capture.noise_seed = 7;
  auto skin = RenderSkin(o, capture);
  ASSERT_TRUE(skin.ok()) << skin.error().message;
  const auto& rows = skin->truth["features"]["image"]["pores"]["rows"];
  const cv::Mat lum = Luminance(skin->rgb_linear);
  int hits = 0, total = 0;
  for (const auto& row : rows) {
    const double x = row[1].get<double>(), y = row[2].get<double>();
    const int radius = static_cast<int>(std::ceil(row[3].get<double>() / 2)) + 1;
    const cv::Rect window(static_cast<int>(std::lround(x)) - radius,
                          static_cast<int>(std::lround(y)) - radius, 2 * radius + 1,
                          2 * radius + 1);
    if ((window & cv::Rect(0, 0, lum.cols, lum.rows)) != window) continue;
    cv::Point min_at;
    cv::minMaxLoc(lum(window), nullptr, nullptr, &min_at);
    ++total;
    if (std::hypot(window.x + min_at.x - x, window.y + min_at.y - y) <= 1.5) ++hits;
  }
  ASSERT_GT(total, 50);
  EXPECT_GE(hits, 0.9 * total) << hits << " of " << total;
}

TEST(PhantomTexture, AlbedoRmsMatchesTruth) {
  PhantomOptions o = BareOptions();
  o.features.texture_albedo_rms = 0.05;
  auto skin = RenderSkin(o);
  ASSERT_TRUE(skin.ok()) << skin.error().message;
  const ToneChromophores tone = BaseChromophoresForTone(o.tone);
  // Shading density of the red channel minus the flat tone = the albedo texture field.
  cv::Mat density(skin->rgb_linear.size(), CV_64F);
  const double flat = std::exp(-(tone.melanin * 0.4143 + tone.hemoglobin * 0.2988 + tone.shading));
  for (int y = 0; y < density.rows; ++y) {
    for (int x = 0; x < density.cols; ++x) {
      density.at<double>(y, x) = -std::log(skin->rgb_linear.at<cv::Vec3f>(y, x)[0] / flat);
    }
  }
  cv::Scalar mean, sd;
  cv::meanStdDev(density, mean, sd);
  const double truth = skin->truth["summary"]["texture"]["albedo_rms"].get<double>();
  EXPECT_NEAR(truth, 0.05, 1e-9);
  EXPECT_NEAR(sd[0], truth, 0.01 * truth);
  EXPECT_NEAR(mean[0], 0.0, 1e-3);
  const auto band = skin->truth["subject"]["texture"]["band_mm"];
  EXPECT_GT(band[1].get<double>(), band[0].get<double>());
}

TEST(PhantomTone, EveryToneLandsInItsItaClass) {
  for (SkinTone tone : {SkinTone::kVeryLight, SkinTone::kLight, SkinTone::kIntermediate,
                        SkinTone::kTan, SkinTone::kBrown, SkinTone::kDark}) {
    PhantomOptions o = BareOptions();
    o.width_px = o.height_px = 64;
    o.tone = tone;
    auto skin = RenderSkin(o);
    ASSERT_TRUE(skin.ok()) << skin.error().message;
    const auto& t = skin->truth["subject"]["tone"];
    EXPECT_EQ(t["ita_class"].get<std::string>(), std::string(SkinToneName(tone)));
    // The rendered 8-bit pixel agrees with the truth colour.
    const cv::Vec3b bgr = skin->bgr.at<cv::Vec3b>(32, 32);
    const cv::Vec3d lab = LabD50FromSrgb8(bgr[2], bgr[1], bgr[0]);
    const cv::Vec3d truth_lab(t["flat_lab_d50"][0].get<double>(), t["flat_lab_d50"][1].get<double>(),
                              t["flat_lab_d50"][2].get<double>());
    EXPECT_LT(Ciede2000(lab, truth_lab), 0.5) << SkinToneName(tone);
  }
}

TEST(PhantomCapture, TransformMapsCanonicalToImage) {
  PhantomOptions o = BareOptions();
  o.features.chart = true;
  CaptureParams capture;
  capture.rotation_deg = 1.5;
  capture.scale = 1.02;
  capture.translation_x_px = 4;
  capture.translation_y_px = -3;
  capture.perspective_x = 0.01;
  auto moved = RenderSkin(o, capture);
  auto still = RenderSkin(o);
  ASSERT_TRUE(moved.ok() && still.ok());
  const auto& centres = moved->truth["features"]["image"]["chart"]["patch_centres_px"];
  const auto& patches = still->truth["subject"]["chart"]["patches"];
  for (int i = 0; i < 24; ++i) {
    const auto& c = centres[static_cast<std::size_t>(i)];
    const cv::Vec3b got = moved->bgr.at<cv::Vec3b>(static_cast<int>(std::lround(c[1].get<double>())),
                                                   static_cast<int>(std::lround(c[0].get<double>())));
    const auto r = patches[static_cast<std::size_t>(i)]["rect_px"];
    const cv::Vec3b want = still->bgr.at<cv::Vec3b>(r[1].get<int>() + r[3].get<int>() / 2,
                                                    r[0].get<int>() + r[2].get<int>() / 2);
    for (int ch = 0; ch < 3; ++ch) EXPECT_NEAR(got[ch], want[ch], 2) << "patch " << i + 1;
  }
  const auto h = moved->truth["capture"]["image_from_canonical_px"];
  EXPECT_NEAR(h[2][2].get<double>(), 1.0, 1e-12);
}

// A moved capture is the canonical render resampled; the resampling must not blur the skin beyond
// the lens blur the truth states (here none). Bilinear interpolation at a half-pixel shift averages
// neighbours (a response of cos(π/4) per axis at a 4-px wavelength): it kept 0.73 of the still
// capture's fine detail here, Lanczos 0.99.
TEST(PhantomCapture, AMovedCaptureIsAsSharpAsTheStillOne) {
  PhantomOptions o = BareOptions();
  o.features.texture_albedo_rms = 0.05;
  CaptureParams shifted;
  shifted.translation_x_px = 0.5;
  shifted.translation_y_px = 0.5;
  auto moved = RenderSkin(o, shifted);
  auto still = RenderSkin(o);
  ASSERT_TRUE(moved.ok() && still.ok());
  // RMS of the Laplacian of the luminance over the central half: the finest detail.
  const auto fine_detail = [](const cv::Mat& rgb_linear) {
    cv::Mat laplacian;
    cv::Laplacian(Luminance(rgb_linear), laplacian, CV_32F);
    const cv::Rect centre(laplacian.cols / 4, laplacian.rows / 4, laplacian.cols / 2,
                          laplacian.rows / 2);
    cv::Scalar mean, sd;
    cv::meanStdDev(laplacian(centre), mean, sd);
    return sd[0];
  };
  const double ratio = fine_detail(moved->rgb_linear) / fine_detail(still->rgb_linear);
  EXPECT_GT(ratio, 0.93);
  EXPECT_LT(ratio, 1.07);
}

std::map<std::string, std::string> FilesOf(const PhantomSeries& series) {
  std::map<std::string, std::string> files;
  for (const auto& f : series.files) files[f.relative_path] = f.bytes;
  files["manifest.csv"] = series.manifest_csv;
  files["truth.json"] = series.truth.dump(1);
  return files;
}

TEST(PhantomSeries, SameSeedIsByteIdenticalAndSeedsDiffer) {
  PhantomOptions o = SmallSeriesOptions();
  o.seed = 11;
  auto a = RenderSeries(o);
  auto b = RenderSeries(o);
  o.seed = 12;
  auto c = RenderSeries(o);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  const auto fa = FilesOf(*a), fb = FilesOf(*b), fc = FilesOf(*c);
  ASSERT_EQ(fa.size(), fb.size());
  for (const auto& [path, bytes] : fa) {
    ASSERT_TRUE(fb.count(path)) << path;
    EXPECT_TRUE(bytes == fb.at(path)) << path << " differs between two runs with the same seed";
  }
  int differing_images = 0;
  for (const auto& [path, bytes] : fa) {
    if (path.ends_with(".jpg") && fc.count(path) && fc.at(path) != bytes) ++differing_images;
  }
  EXPECT_EQ(differing_images, static_cast<int>(a->files.size()));
}

std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::stringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> cells;
    std::stringstream cs(line);
    std::string cell;
    while (std::getline(cs, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    rows.push_back(cells);
  }
  return rows;
}

TEST(PhantomSeries, TimelineFollowsTheTreatmentCourse) {
  PhantomOptions o = SmallSeriesOptions();
  o.treatment_sessions = 3;
  o.subjects = {PhantomResponse::kResponder, PhantomResponse::kControl};
  o.width_px = 160;
  o.height_px = 120;
  o.features.scars = 2;
  auto series = RenderSeries(o);
  ASSERT_TRUE(series.ok()) << series.error().message;
  const auto rows = ParseCsv(series->manifest_csv);
  ASSERT_EQ(rows[0], (std::vector<std::string>{"subject", "session", "date", "kind", "image",
                                               "region", "px_per_mm", "lights", "arm",
                                               "device", "needle_depth_mm"}));
  std::map<std::string, std::string> date_of;
  int repeats = 0, checks = 0, followups = 0;
  std::map<std::string, std::string> depth_of;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    // The control is photographed at every visit and gets sham sessions: no needling.
    if (rows[i][0] == "S02") {
      EXPECT_EQ(rows[i][8], "control");
      EXPECT_EQ(rows[i][10], "");
      if (rows[i][1] == "tx2") {
        EXPECT_EQ(rows[i][9], "sham");
      }
    }
    if (rows[i][0] != "S01") continue;
    EXPECT_EQ(rows[i][8], "treated");
    depth_of[rows[i][1]] = rows[i][10];
    date_of[rows[i][1]] = rows[i][2];
    repeats += rows[i][3] == "repeat";
    checks += rows[i][3] == "post_treatment_check";
    followups += rows[i][3] == "followup";
  }
  EXPECT_EQ(repeats, 2);
  EXPECT_EQ(checks, 3);
  EXPECT_EQ(followups, 2);
  EXPECT_EQ(date_of["baseline"], "2026-01-05");
  EXPECT_EQ(date_of["tx2"], "2026-02-09");          // 35 days
  EXPECT_EQ(date_of["tx3"], "2026-03-16");
  EXPECT_EQ(date_of["post_tx3_24h"], "2026-03-17T10:00");
  EXPECT_EQ(date_of["fu_7w"], "2026-05-04");        // 49 days after the final treatment
  EXPECT_EQ(date_of["fu_12m"], "2027-03-16");
  // Treatments are recorded on the three treatment days (the first right after the baseline photo).
  EXPECT_EQ(depth_of["baseline"], "1.0");
  EXPECT_EQ(depth_of["baseline_r1"], "");
  EXPECT_EQ(depth_of["tx2"], "1.0");
  EXPECT_EQ(depth_of["tx3"], "1.0");
  EXPECT_EQ(depth_of["post_tx3_1h"], "");

  const auto& subjects = series->truth["subjects"];
  ASSERT_EQ(subjects.size(), 2u);
  const auto summary = [&](int s, const std::string& session) {
    for (const auto& e : subjects[static_cast<std::size_t>(s)]["sessions"]) {
      if (e["session"] == session) return e["summary"];
    }
    return nlohmann::json();
  };
  // Responder: fewer pores, shallower scars, less roughness; redness up after treatment, back by 72 h.
  EXPECT_LT(summary(0, "fu_12m")["pores"]["count"].get<int>(),
            summary(0, "baseline")["pores"]["count"].get<int>());
  EXPECT_LT(summary(0, "fu_12m")["scars"]["depth_mean_mm"].get<double>(),
            0.8 * summary(0, "baseline")["scars"]["depth_mean_mm"].get<double>());
  EXPECT_LT(summary(0, "fu_7w")["texture"]["albedo_rms"].get<double>(),
            summary(0, "baseline")["texture"]["albedo_rms"].get<double>());
  EXPECT_GT(summary(0, "post_tx3_1h")["redness"]["post_treatment_hemoglobin"].get<double>(), 0.4);
  EXPECT_LT(summary(0, "post_tx3_72h")["redness"]["post_treatment_hemoglobin"].get<double>(), 0.05);
  // Control: nothing changes.
  EXPECT_EQ(summary(1, "fu_12m")["pores"]["count"], summary(1, "baseline")["pores"]["count"]);
  EXPECT_EQ(summary(1, "fu_12m")["scars"], summary(1, "baseline")["scars"]);
  EXPECT_EQ(summary(1, "post_tx3_1h")["redness"]["post_treatment_hemoglobin"].get<double>(), 0.0);
}

TEST(PhantomSeries, WritesImagesManifestTruthAndPhotometricStereo) {
  testing::TempDir dir;
  PhantomOptions o = SmallSeriesOptions();
  o.photometric_stereo = true;
  o.ps_lights = 4;
  o.ps_size_px = 128;
  o.features.scars = 3;
  auto series = WriteSeries(o, dir.path());
  ASSERT_TRUE(series.ok()) << series.error().message;
  EXPECT_TRUE(std::filesystem::exists(dir / "manifest.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir / "truth.json"));
  const cv::Mat first = cv::imread((dir / "S01/S01_baseline.jpg").string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first.cols, 320);
  std::ifstream lights_file(dir / "S01/ps_baseline/lights.json");
  ASSERT_TRUE(lights_file.good());
  const auto lights = nlohmann::json::parse(lights_file);
  EXPECT_EQ(lights["schema"], "skintrack.lights/1");
  ASSERT_EQ(lights["lights"].size(), 4u);
  for (const auto& light : lights["lights"]) {
    const auto d = light["direction"];
    EXPECT_NEAR(std::hypot(d[0].get<double>(), d[1].get<double>(), d[2].get<double>()), 1.0, 1e-9);
    EXPECT_TRUE(std::filesystem::exists(dir / "S01/ps_baseline" / light["image"].get<std::string>()));
  }
  // Plain Lambertian images: on average over the crop, image i / image j = l_z(i) / l_z(j).
  const auto& lut16 = SrgbToLinearLut16();
  std::vector<double> mean_linear;
  for (const auto& light : lights["lights"]) {
    const cv::Mat grey = cv::imread(
        (dir / "S01/ps_baseline" / light["image"].get<std::string>()).string(), cv::IMREAD_UNCHANGED);
    ASSERT_EQ(grey.type(), CV_16U);
    double sum = 0;
    for (int y = 0; y < grey.rows; ++y) {
      for (int x = 0; x < grey.cols; ++x) sum += lut16[grey.at<std::uint16_t>(y, x)];
    }
    mean_linear.push_back(sum / static_cast<double>(grey.total()));
  }
  const double lz0 = lights["lights"][0]["direction"][2].get<double>();
  const double lz1 = lights["lights"][1]["direction"][2].get<double>();
  EXPECT_NEAR(mean_linear[0] / mean_linear[1], lz0 / lz1, 0.03 * lz0 / lz1);
  const cv::Mat height =
      cv::imread((dir / "S01/ps_baseline/height_mm.tiff").string(), cv::IMREAD_UNCHANGED);
  ASSERT_EQ(height.type(), CV_32F);
  EXPECT_EQ(height.cols, 128);
  double z_min = 0;
  cv::minMaxLoc(height, &z_min);
  double deepest = 0;
  for (const auto& s : series->truth["subjects"][0]["photometric_stereo"][0]["scars_in_crop_px"]) {
    deepest = std::max(deepest, s["depth_mm"].get<double>());
  }
  ASSERT_GT(deepest, 0);
  EXPECT_NEAR(-z_min, deepest, 0.1 * deepest);
}

TEST(PhantomOptions, RejectsInvalidValuesWithUsageErrors) {
  PhantomOptions o;
  o.width_px = 10;
  EXPECT_EQ(o.Check().error().code, ErrorCode::kUsage);
  o = PhantomOptions{};
  o.treatment_sessions = 9;
  EXPECT_EQ(o.Check().error().code, ErrorCode::kUsage);
  o = PhantomOptions{};
  o.start_date = "2026-02-30";
  EXPECT_EQ(o.Check().error().code, ErrorCode::kUsage);
  o = PhantomOptions{};
  o.width_px = 200;
  o.height_px = 150;  // the chart no longer fits
  EXPECT_EQ(RenderSkin(o).ok(), false);
  EXPECT_TRUE(PhantomOptions{}.Check().ok());
  EXPECT_FALSE(ParseSkinTone("purple").ok());
}

}  // namespace
}  // namespace skintrack::core
