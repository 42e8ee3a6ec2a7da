#include "core/mask/face_regions.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "core/color/srgb.h"
#include "core/io/image_io.h"
#include "core/mask/capture_mask.h"
#include "core/mask/levelling.h"
#include "core/phantom/phantom.h"
#include "test_support/dermoscope_rim.h"
#include "test_support/photos.h"

namespace skintrack::core {
namespace {

// The landmarks of a webmorph template (`faces/<name>.tem`: a count, then one "x y" line per
// point); empty when it cannot be read.
std::vector<cv::Point2d> TemplatePoints(const std::filesystem::path& photos,
                                        const std::string& name) {
  std::ifstream tem(photos / "faces" / (name + ".tem"));
  int count = 0;
  tem >> count;
  std::vector<cv::Point2d> points(static_cast<size_t>(std::max(0, count)));
  for (auto& p : points) tem >> p.x >> p.y;
  if (!tem) points.clear();
  return points;
}

// A sample portrait as linear RGB, its mask as `score` makes it (an upright face found) and its
// template's 189 landmarks. Skips the test when no face detector is installed.
struct Portrait {
  cv::Mat rgb;
  SkinMaskResult upright;
  std::vector<cv::Point2d> points;
};

void LoadPortrait(const std::filesystem::path& photos, const char* name, Portrait& out) {
  auto image = LoadImage(photos / "faces" / (std::string(name) + ".jpg"));
  ASSERT_TRUE(image.ok()) << name;
  out.rgb = BgrToLinearRgb(image->bgr);
  auto upright = CaptureSkinMask(out.rgb, {}, cv::Mat());
  ASSERT_TRUE(upright.ok()) << upright.error().message;
  if (!upright->face) GTEST_SKIP() << "no face detector";
  ASSERT_EQ(upright->face_quarter_turns, 0) << name;
  out.upright = std::move(*upright);
  out.points = TemplatePoints(photos, name);
  ASSERT_EQ(out.points.size(), 189u) << name;
}

// The portraits the face tests turn, tilt and move (a light and a dark face), each loaded by
// LoadPortrait. Skips or fails as SKINTRACK_REQUIRE_PHOTOS and LoadPortrait do.
using NamedPortraits = std::vector<std::pair<std::string, Portrait>>;
void LoadTestPortraits(NamedPortraits& out) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  for (const char* name : {"001_03", "025_03"}) {
    Portrait portrait;
    ASSERT_NO_FATAL_FAILURE(LoadPortrait(photos, name, portrait));
    if (::testing::Test::IsSkipped()) return;
    out.emplace_back(name, std::move(portrait));
  }
}

TEST(FaceRegions, ProducesNamedRegionsInsideTheSkinMask) {
  const cv::Rect face(100, 100, 200, 240);
  cv::Mat skin(500, 400, CV_8U, cv::Scalar(255));
  skin(cv::Rect(0, 0, 400, 140)).setTo(0);  // hair over the upper forehead
  const auto regions = FaceRegions(face, skin);
  for (const char* name : {"forehead", "left_cheek", "right_cheek", "nose", "chin"}) {
    ASSERT_TRUE(regions.count(name)) << name;
    EXPECT_EQ(cv::countNonZero(regions.at(name) & ~skin), 0) << name;
  }
  // The subject's left cheek is on the image's right.
  const cv::Rect left = cv::boundingRect(regions.at("left_cheek"));
  const cv::Rect right = cv::boundingRect(regions.at("right_cheek"));
  EXPECT_GT(left.x, right.x);
}

TEST(FaceRegions, FindsTheFaceInAStudioPortrait) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  auto image = LoadImage(photos / "faces" / "001_03.jpg");
  ASSERT_TRUE(image.ok());
  std::vector<std::string> warnings;
  const auto face = FindFace(BgrToLinearRgb(image->bgr), warnings);
  if (!warnings.empty() && warnings[0] == "face_detector_missing") {
    GTEST_SKIP() << "opencv-data (Haar cascades) not installed";
  }
  ASSERT_TRUE(face.has_value());
  // The London set centres the face; the box must be a plausible face size.
  EXPECT_GT(face->width, image->bgr.cols / 5);
  EXPECT_LT(face->width, image->bgr.cols * 9 / 10);
  const cv::Point centre = (face->tl() + face->br()) / 2;
  EXPECT_NEAR(centre.x, image->bgr.cols / 2, image->bgr.cols / 6);
}

// With a measured scale, a frame shorter than a face on one side is a close-up and is not searched
// for one; the same portrait at a face's scale is.
TEST(CaptureSkinMask, CloseUpsWithAScaleAreNotSearchedForAFace) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  auto image = LoadImage(photos / "faces" / "001_03.jpg");
  ASSERT_TRUE(image.ok());
  const cv::Mat rgb = BgrToLinearRgb(image->bgr);
  std::vector<std::string> warnings;
  if (!FindFace(rgb, warnings)) GTEST_SKIP() << "no face detector, or no face found";
  const double short_side = std::min(rgb.cols, rgb.rows);
  // At a portrait's scale (the shorter side about 250 mm) the face is found.
  auto portrait = CaptureSkinMask(rgb, {}, cv::Mat(), short_side / 250.0);
  ASSERT_TRUE(portrait.ok()) << portrait.error().message;
  EXPECT_TRUE(portrait->face.has_value());
  EXPECT_FALSE(portrait->eyes.empty());
  // Read as 60 mm across, the same pixels are a close-up: no face, no eyes cleared.
  auto close_up = CaptureSkinMask(rgb, {}, cv::Mat(), short_side / 60.0);
  ASSERT_TRUE(close_up.ok()) << close_up.error().message;
  EXPECT_FALSE(close_up->face.has_value());
  EXPECT_TRUE(close_up->eyes.empty());
  // Without a scale the face is searched as before.
  auto unscaled = CaptureSkinMask(rgb, {}, cv::Mat());
  ASSERT_TRUE(unscaled.ok());
  EXPECT_TRUE(unscaled->face.has_value());
}

// The eyes of the Face Research Lab portraits (three adults, neutral and smiling): each pupil
// (points 0 and 1 of the 189-point webmorph template) lies in one found eye, is cleared from the
// mask, and the cheek a quarter of the face's height below it stays skin.
TEST(FaceRegions, FindsAndExcludesBothEyesOfStudioPortraits) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  for (const char* name : {"001_03", "005_03", "025_03"}) {
    auto image = LoadImage(photos / "faces" / (std::string(name) + ".jpg"));
    ASSERT_TRUE(image.ok()) << name;
    const cv::Mat rgb = BgrToLinearRgb(image->bgr);
    std::vector<std::string> warnings;
    const auto face = FindFace(rgb, warnings);
    if (!warnings.empty() && warnings[0] == "face_detector_missing") {
      GTEST_SKIP() << "opencv-data (Haar cascades) not installed";
    }
    ASSERT_TRUE(face.has_value()) << name;
    const std::vector<cv::Rect> eyes = FindEyes(rgb, *face);
    ASSERT_EQ(eyes.size(), 2u) << name;
    const std::vector<cv::Point2d> points = TemplatePoints(photos, name);
    ASSERT_GE(points.size(), 2u) << name;
    cv::Mat mask(rgb.size(), CV_8U, cv::Scalar(255));
    ExcludeEyes(eyes, mask);
    for (int i = 0; i < 2; ++i) {
      const cv::Point pupil(points[static_cast<size_t>(i)]);
      int holding = 0;
      for (const cv::Rect& eye : eyes) holding += eye.contains(pupil) ? 1 : 0;
      EXPECT_EQ(holding, 1) << name << " pupil " << i;
      EXPECT_EQ(mask.at<uchar>(pupil), 0) << name << " pupil " << i;
      const cv::Point cheek(pupil.x, pupil.y + face->height / 4);
      EXPECT_EQ(mask.at<uchar>(cheek), 255) << name << " cheek below pupil " << i;
    }
  }
}

// A brow above an eye box, on skin shaded from one side to the other (a face's curvature), with a
// thin forehead line above it: the brow is cleared with its soft edge, the shaded skin and the
// line stay.
TEST(FaceRegions, ExcludeBrowsClearsTheBrowNotShadingOrAThinLine) {
  const int size = 400;
  const cv::Rect eye(150, 200, 120, 100);
  // The brow: 24 px thick, 40 % of the skin's luminance, 140 px long, above the eye box's centre.
  cv::Mat brow_truth(size, size, CV_8U, cv::Scalar(0));
  cv::ellipse(brow_truth, cv::Point(210, 190), cv::Size(70, 12), 0, 0, 360, cv::Scalar(255),
              cv::FILLED);
  // A forehead line: 3 px wide, 15 % darker, above the brow.
  cv::Mat line_truth(size, size, CV_8U, cv::Scalar(0));
  cv::line(line_truth, cv::Point(130, 140), cv::Point(290, 140), cv::Scalar(255), 3);
  cv::Mat rgb(size, size, CV_32FC3);
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      const float shade = 0.45f - 0.25f * static_cast<float>(x) / size;  // 0.45 -> 0.20
      float f = 1.0f;
      if (brow_truth.at<uchar>(y, x) != 0) f = 0.4f;
      if (line_truth.at<uchar>(y, x) != 0) f = 0.85f;
      rgb.at<cv::Vec3f>(y, x) = cv::Vec3f(shade * 1.3f * f, shade * f, shade * 0.8f * f);
    }
  }
  cv::Mat mask(rgb.size(), CV_8U, cv::Scalar(255));
  const int cleared = ExcludeBrows(rgb, {eye}, mask);
  EXPECT_EQ(cleared, cv::countNonZero(mask == 0));
  // Every brow pixel is cleared, and a rim of skin around it (0.04 of the eye box's width, 5 px
  // here, on each side of a brow 24 px thick: about 1.5 times the brow's area).
  EXPECT_EQ(cv::countNonZero(brow_truth & mask), 0);
  const int brow_area = cv::countNonZero(brow_truth);
  EXPECT_LT(cleared, 1.8 * brow_area);
  // The thin line and the shaded skin stay.
  EXPECT_EQ(cv::countNonZero(line_truth & ~mask), 0);
  EXPECT_EQ(mask.at<uchar>(250, 160), 255);  // the darker side of the window, below the brow
  // Nothing is cleared without an eye.
  cv::Mat untouched(rgb.size(), CV_8U, cv::Scalar(255));
  EXPECT_EQ(ExcludeBrows(rgb, {}, untouched), 0);
}

// The Face Research Lab portraits: a brown brow on light skin (001), sparse brows (005) and brows
// on dark skin (025) are all kept as skin by the mask's colour and darkness rules, and their edges
// read as wrinkles. Each brow's centre (the mean of its landmarks 72-76, 83, 84 and 77-81, 85, 86
// of the 189-point template) is now cleared, and at least half of its 16 outline points (on the
// brow's edge, where the brow thins out); the forehead above the brows stays skin. Before this,
// the centres of 001 and 025 were skin and 0 and 4 of their outline points were cleared.
TEST(CaptureSkinMask, BrowsOfStudioPortraitsAreNotSkin) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  for (const char* name : {"001_03", "005_03", "025_03"}) {
    auto image = LoadImage(photos / "faces" / (std::string(name) + ".jpg"));
    ASSERT_TRUE(image.ok()) << name;
    const cv::Mat rgb = BgrToLinearRgb(image->bgr);
    auto result = CaptureSkinMask(rgb, {}, cv::Mat());
    ASSERT_TRUE(result.ok()) << result.error().message;
    if (!result->face) GTEST_SKIP() << "no face detector";
    ASSERT_EQ(result->eyes.size(), 2u) << name;
    const std::vector<cv::Point2d> points = TemplatePoints(photos, name);
    ASSERT_EQ(points.size(), 189u) << name;
    const cv::Mat& mask = result->mask;
    const auto skin = [&](cv::Point2d p) {
      return mask.at<uchar>(static_cast<int>(p.y), static_cast<int>(p.x)) != 0;
    };
    const auto centre = [&](std::initializer_list<int> ids) {
      cv::Point2d sum(0, 0);
      for (int i : ids) sum += points[static_cast<size_t>(i)];
      return sum * (1.0 / static_cast<double>(ids.size()));
    };
    EXPECT_FALSE(skin(centre({72, 73, 74, 75, 76, 83, 84}))) << name << ": right brow";
    EXPECT_FALSE(skin(centre({77, 78, 79, 80, 81, 85, 86}))) << name << ": left brow";
    int cleared = 0;
    for (int i = 71; i <= 86; ++i) cleared += skin(points[static_cast<size_t>(i)]) ? 0 : 1;
    EXPECT_GE(cleared, 8) << name;
    // Above each brow's top (74, 79) by 0.8 of its height over the pupil (0, 1): forehead.
    for (const auto& [top, pupil] : {std::pair{74, 0}, std::pair{79, 1}}) {
      const cv::Point2d t = points[static_cast<size_t>(top)];
      EXPECT_TRUE(skin(t + 0.8 * (t - points[static_cast<size_t>(pupil)])))
          << name << ": forehead above point " << top;
    }
  }
}

// Lips redder than the skin around them are cleared with their border and the mouth's corners, and
// the skin around stays; a mouth box over plain skin (nothing stands out) clears the box's
// inscribed ellipse instead.
TEST(FaceRegions, ExcludeMouthSegmentsLipsAndFallsBackToTheBox) {
  const int size = 400;
  const cv::Rect mouth(130, 170, 140, 60);
  cv::Mat lips_truth(size, size, CV_8U, cv::Scalar(0));
  cv::ellipse(lips_truth, cv::Point(200, 200), cv::Size(55, 20), 0, 0, 360, cv::Scalar(255),
              cv::FILLED);
  const auto paint = [&](bool with_lips) {
    cv::Mat rgb(size, size, CV_32FC3);
    cv::RNG rng(5);
    for (int y = 0; y < size; ++y) {
      for (int x = 0; x < size; ++x) {
        const float shade = 0.30f + 0.10f * static_cast<float>(y) / size;  // light from below
        const float n = static_cast<float>(rng.gaussian(0.01));
        cv::Vec3f skin(shade * 1.35f + n, shade + n, shade * 0.80f + n);
        if (with_lips && lips_truth.at<uchar>(y, x) != 0) {
          skin = cv::Vec3f(shade * 1.6f + n, shade * 0.75f + n, shade * 0.75f + n);
        }
        rgb.at<cv::Vec3f>(y, x) = skin;
      }
    }
    return rgb;
  };
  cv::Mat mask(size, size, CV_8U, cv::Scalar(255));
  const int cleared = ExcludeMouth(paint(true), mouth, mask);
  EXPECT_EQ(cleared, cv::countNonZero(mask == 0));
  EXPECT_EQ(cv::countNonZero(lips_truth & mask), 0) << "lip pixels left as skin";
  // The corners: beyond the lips along the mouth's line, about 8 % of the box's width.
  EXPECT_EQ(mask.at<uchar>(200, 200 - 55 - 6), 0);
  EXPECT_EQ(mask.at<uchar>(200, 200 + 55 + 6), 0);
  // The skin above and below the lips (philtrum, chin) and beyond the corners stays.
  EXPECT_EQ(mask.at<uchar>(200 - 20 - 8, 200), 255);
  EXPECT_EQ(mask.at<uchar>(200 + 20 + 8, 200), 255);
  EXPECT_EQ(mask.at<uchar>(200, 200 - 55 - 25), 255);
  EXPECT_LT(cleared, 1.6 * cv::countNonZero(lips_truth));

  cv::Mat plain(size, size, CV_8U, cv::Scalar(255));
  ExcludeMouth(paint(false), mouth, plain);
  cv::Mat ellipse(size, size, CV_8U, cv::Scalar(0));
  cv::ellipse(ellipse, cv::Point(200, 200), cv::Size(70, 30), 0, 0, 360, cv::Scalar(255),
              cv::FILLED);
  EXPECT_EQ(cv::countNonZero(ellipse & plain), 0) << "the box's ellipse is not cleared";
  EXPECT_EQ(plain.at<uchar>(200, 200 - 70 - 20), 255);
}

// The lips of the Face Research Lab portraits, found by the smile cascade and segmented against
// the skin around them. Of each portrait's 12 lip outline points (87-93 along the upper lip,
// 104-108 along the lower, on the 189-point template) at least half are cleared, as is the line
// between the lips (94-103), while the skin beside the nose, on the philtrum and on the chin (159,
// 160, 162, 163, 171, 173, 176-178) stays. Before, the colour rule left 11, 9 and 8 outline points
// as skin. In an open smile on dark skin (025_08) the teeth, which the colour rule kept, are
// cleared too.
TEST(CaptureSkinMask, LipsAndTeethOfStudioPortraitsAreNotSkin) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  for (const char* name : {"001_03", "005_03", "025_03"}) {
    auto image = LoadImage(photos / "faces" / (std::string(name) + ".jpg"));
    ASSERT_TRUE(image.ok()) << name;
    auto result = CaptureSkinMask(BgrToLinearRgb(image->bgr), {}, cv::Mat());
    ASSERT_TRUE(result.ok()) << result.error().message;
    if (!result->face) GTEST_SKIP() << "no face detector";
    ASSERT_TRUE(result->mouth.has_value()) << name;
    const std::vector<cv::Point2d> points = TemplatePoints(photos, name);
    ASSERT_EQ(points.size(), 189u) << name;
    const auto skin = [&](int i) {
      const cv::Point2d p = points[static_cast<size_t>(i)];
      return result->mask.at<uchar>(static_cast<int>(p.y), static_cast<int>(p.x)) != 0;
    };
    int outline_cleared = 0;
    for (int i : {87, 88, 89, 90, 91, 92, 93, 104, 105, 106, 107, 108}) outline_cleared += !skin(i);
    EXPECT_GE(outline_cleared, 6) << name;
    for (int i = 94; i <= 103; ++i) EXPECT_FALSE(skin(i)) << name << " point " << i;
    for (int i : {159, 160, 162, 163, 171, 173, 176, 177, 178}) {
      EXPECT_TRUE(skin(i)) << name << " point " << i;
    }
  }
  auto smile = LoadImage(photos / "faces" / "025_08.jpg");
  ASSERT_TRUE(smile.ok());
  auto result = CaptureSkinMask(BgrToLinearRgb(smile->bgr), {}, cv::Mat());
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_TRUE(result->mouth.has_value());
  const cv::Rect& m = *result->mouth;
  // The upper teeth, 0.7 of the way down the box (its upper half is the upper lip, which on this
  // dark skin does not stand out from the skin around it and stays).
  for (double fx : {0.3, 0.5, 0.7}) {
    const cv::Point p(m.x + static_cast<int>(fx * m.width), m.y + static_cast<int>(0.7 * m.height));
    EXPECT_EQ(result->mask.at<uchar>(p), 0) << "025_08 teeth at " << p;
  }
}

// Where the mouth is found, its lips are cleared by their own segmentation and the rest of the
// band where the mouth lies is judged as skin: on 005_03 the red skin at the base of the nose
// (1145 px) stays in, which the colour rule for lips clears.
TEST(CaptureSkinMask, RedSkinBesideTheFoundMouthStaysSkin) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  auto image = LoadImage(photos / "faces" / "005_03.jpg");
  ASSERT_TRUE(image.ok());
  const cv::Mat rgb = BgrToLinearRgb(image->bgr);
  auto result = CaptureSkinMask(rgb, {}, cv::Mat());
  ASSERT_TRUE(result.ok()) << result.error().message;
  if (!result->face) GTEST_SKIP() << "no face detector";
  ASSERT_TRUE(result->mouth.has_value());
  ASSERT_EQ(result->face_quarter_turns, 0);
  auto by_colour = DetectSkinMask(rgb, cv::Mat(), result->face);
  ASSERT_TRUE(by_colour.ok()) << by_colour.error().message;
  const cv::Rect& f = *result->face;
  const cv::Rect band(f.x + f.width / 4, f.y + static_cast<int>(0.68 * f.height), f.width / 2,
                      static_cast<int>(0.24 * f.height));
  const cv::Mat kept = result->mask(band) & ~by_colour->mask(band);
  EXPECT_GT(cv::countNonZero(kept), 500);
}

// With a face in the frame, skin is the face and what joins it or lies around it. The NASA
// portrait's flag has a skin-coloured stripe (2626 px of mask at x < 110 before), far to the left
// of the face: no longer skin, while the face stays.
TEST(CaptureSkinMask, SkinColouredThingsAwayFromTheFaceAreNotSkin) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  auto image = LoadImage(photos / "faces" / "astronaut.png");
  ASSERT_TRUE(image.ok());
  auto result = CaptureSkinMask(BgrToLinearRgb(image->bgr), {}, cv::Mat());
  ASSERT_TRUE(result.ok()) << result.error().message;
  if (!result->face) GTEST_SKIP() << "no face detector";
  const cv::Rect& face = *result->face;
  ASSERT_GT(face.x, 110);
  EXPECT_EQ(cv::countNonZero(result->mask.colRange(0, 110)), 0);
  const cv::Point centre = (face.tl() + face.br()) / 2;
  EXPECT_GT(cv::countNonZero(result->mask(face)), face.area() / 4);
  EXPECT_EQ(result->mask.at<uchar>(centre.y + face.height / 5, centre.x - face.width / 4), 255)
      << "cheek";
}

// Anonymised clinical photos mask the eyes with a black bar. No eye can confirm such a face, and
// the second cascade with the mouth does: the portraits with their eyes barred are still faces.
TEST(FaceRegions, FindsAFaceWhoseEyesAreMaskedByABar) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  for (const char* name : {"001_03", "005_03", "025_03"}) {
    auto image = LoadImage(photos / "faces" / (std::string(name) + ".jpg"));
    ASSERT_TRUE(image.ok()) << name;
    const std::vector<cv::Point2d> points = TemplatePoints(photos, name);
    ASSERT_GE(points.size(), 2u) << name;
    const double x[2] = {points[0].x, points[1].x}, y[2] = {points[0].y, points[1].y};
    // A bar over both eyes: half the interpupillary distance beyond each pupil, 0.36 of it high.
    const double d = std::abs(x[1] - x[0]);
    cv::Mat bgr = image->bgr.clone();
    cv::rectangle(bgr,
                  cv::Point(static_cast<int>(std::min(x[0], x[1]) - 0.5 * d),
                            static_cast<int>(0.5 * (y[0] + y[1]) - 0.18 * d)),
                  cv::Point(static_cast<int>(std::max(x[0], x[1]) + 0.5 * d),
                            static_cast<int>(0.5 * (y[0] + y[1]) + 0.18 * d)),
                  cv::Scalar(0, 0, 0), cv::FILLED);
    const cv::Mat rgb = BgrToLinearRgb(bgr);
    std::vector<std::string> warnings;
    const auto face = FindFace(rgb, warnings);
    if (!warnings.empty() && warnings[0] == "face_detector_missing") {
      GTEST_SKIP() << "opencv-data (Haar cascades) not installed";
    }
    ASSERT_TRUE(face.has_value()) << name;
    EXPECT_TRUE(FindEyes(rgb, *face).empty()) << name << ": an eye found under the bar";
    const cv::Point centre = (face->tl() + face->br()) / 2;
    EXPECT_NEAR(centre.x, 0.5 * (x[0] + x[1]), 0.2 * face->width) << name;
  }
}

// A close-up of cheek skin (PAD-UFES-20, a seborrhoeic keratosis, about 1000 px) holds no face,
// but the Haar face cascade finds a 170 px box in its texture. Unconfirmed (no eye in it, no face
// from the second cascade), it is not taken: before, it set the analysis scale from a "face" 170
// px wide (about 1.2 px/mm for a frame of a few centimetres) and confined the regions to it.
TEST(FaceRegions, NoFaceInARealCloseUp) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  for (const char* name : {"PAT_701_4056_457.png", "PAT_1276_957_406.png"}) {
    auto image = LoadImage(photos / "closeups" / name);
    ASSERT_TRUE(image.ok()) << name;
    std::vector<std::string> warnings;
    const auto face = FindFace(BgrToLinearRgb(image->bgr), warnings);
    if (!warnings.empty() && warnings[0] == "face_detector_missing") {
      GTEST_SKIP() << "opencv-data (Haar cascades) not installed";
    }
    EXPECT_FALSE(face.has_value()) << name << ": face " << face.value_or(cv::Rect());
  }
}

// A dermoscope's field is a disc of skin in a dark rim, and the rim's arc against the skin gives
// the face cascade face-like boxes, upright and turned. The sample lesions and close-ups inside a
// sharp disc (0.8 and 0.95 of the short side across, edge blurred by 2 px) or a soft vignette
// (gain 1.3 - 0.9 r^2, r the distance from the centre over half the short side), each also turned
// upside down: before, 8 of these 48 copies (of three lesions) gave a face, confirmed upright by
// the second cascade alone (no eye; now a mouth is also needed) or turned by the second cascade
// (now both eyes are needed), and the lesion was measured at that "face's" scale.
TEST(FaceRegions, NoFaceInACloseUpWithADermoscopesRim) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  const std::vector<std::filesystem::path> files = testing::CloseUpPhotos(photos);
  ASSERT_GE(files.size(), 8u);
  for (const auto& file : files) {
    auto image = LoadImage(file);
    ASSERT_TRUE(image.ok()) << file;
    const cv::Mat& bgr = image->bgr;
    const double half = 0.5 * std::min(bgr.cols, bgr.rows);
    for (const double disc : {0.8, 0.95, 0.0}) {
      cv::Mat gain(bgr.size(), CV_32F);
      for (int y = 0; y < bgr.rows; ++y) {
        for (int x = 0; x < bgr.cols; ++x) {
          const double r = std::hypot(x - 0.5 * bgr.cols, y - 0.5 * bgr.rows) / half;
          gain.at<float>(y, x) = static_cast<float>(
              disc > 0 ? (r <= disc ? 1.0 : 0.0) : std::clamp(1.3 - 0.9 * r * r, 0.0, 1.0));
        }
      }
      if (disc > 0) cv::GaussianBlur(gain, gain, cv::Size(), 2);
      cv::Mat rimmed;
      bgr.convertTo(rimmed, CV_32FC3);
      cv::Mat gain3;
      cv::merge(std::vector<cv::Mat>{gain, gain, gain}, gain3);
      cv::multiply(rimmed, gain3, rimmed);
      for (const int turns : {0, 2}) {
        cv::Mat turned8;
        TurnClockwise(rimmed, turns).convertTo(turned8, CV_8UC3);
        std::vector<std::string> warnings;
        int quarter_turns = 0;
        double tilt_deg = 0;
        const auto face =
            FindFace(BgrToLinearRgb(turned8), warnings, nullptr, &quarter_turns, &tilt_deg);
        if (!warnings.empty() && warnings[0] == "face_detector_missing") {
          GTEST_SKIP() << "opencv-data (Haar cascades) not installed";
        }
        EXPECT_FALSE(face.has_value())
            << file.filename() << " rim " << disc << " turned " << turns << ": face "
            << face.value_or(cv::Rect()) << " turned " << quarter_turns;
      }
    }
  }
}

TEST(FaceRegions, TurningARectangleMatchesTurningTheImage) {
  cv::Mat image(23, 37, CV_8U);
  cv::randu(image, 0, 256);
  const cv::Rect rects[] = {{0, 0, 37, 23}, {3, 5, 10, 7}, {30, 0, 7, 1}, {0, 20, 1, 3}};
  for (int turns = 0; turns < 4; ++turns) {
    const cv::Mat turned = TurnClockwise(image, turns);
    ASSERT_EQ(turned.size(), turns % 2 == 0 ? image.size() : cv::Size(23, 37)) << turns;
    for (const cv::Rect& r : rects) {
      const cv::Rect t = TurnRectClockwise(r, image.size(), turns);
      ASSERT_EQ(t & cv::Rect(0, 0, turned.cols, turned.rows), t) << turns << " " << r;
      EXPECT_EQ(cv::norm(turned(t), TurnClockwise(image(r), turns), cv::NORM_INF), 0)
          << turns << " " << r;
      EXPECT_EQ(TurnRectClockwise(t, turned.size(), 4 - turns), r) << turns << " " << r;
    }
  }
}

// A portrait photographed with the camera on its side and no EXIF orientation: the face is found
// turned, with the same box, eyes, brows, mouth and regions as in the upright photo. Found upright
// only, the face of each turned copy was lost: no eyes or mouth cleared, no regions, and the scale
// assumed instead of taken from the face (2026-12-06).
TEST(CaptureSkinMask, AFacePhotographedSidewaysOrUpsideDownIsFoundTurned) {
  NamedPortraits portraits;
  ASSERT_NO_FATAL_FAILURE(LoadTestPortraits(portraits));
  if (IsSkipped()) return;
  for (const auto& [name, portrait] : portraits) {
    const auto& [upright_rgb, upright, points] = portrait;
    const auto upright_regions = FaceRegions(*upright.face, upright.mask);
    for (int turns = 1; turns < 4; ++turns) {
      const std::string what = name + " turned " + std::to_string(turns);
      const cv::Mat rgb = TurnClockwise(upright_rgb, turns);
      auto found = CaptureSkinMask(rgb, {}, cv::Mat());
      ASSERT_TRUE(found.ok()) << what << ": " << found.error().message;
      ASSERT_TRUE(found->face.has_value()) << what;
      EXPECT_EQ(found->face_quarter_turns, 4 - turns) << what;
      EXPECT_NE(std::find(found->warnings.begin(), found->warnings.end(), "face_turned"),
                found->warnings.end())
          << what;
      const cv::Rect expected = TurnRectClockwise(*upright.face, upright_rgb.size(), turns);
      const double tolerance = 0.05 * expected.width;
      EXPECT_NEAR(found->face->x, expected.x, tolerance) << what;
      EXPECT_NEAR(found->face->y, expected.y, tolerance) << what;
      EXPECT_NEAR(found->face->width, expected.width, tolerance) << what;
      EXPECT_EQ(found->eyes.size(), 2u) << what;
      EXPECT_TRUE(found->mouth.has_value()) << what;
      // The same pixels are skin (eyes, brows, lips cleared alike): the masks agree but for a
      // rim of re-detected boxes.
      const cv::Mat turned_upright_mask = TurnClockwise(upright.mask, turns);
      const double agree = cv::countNonZero(turned_upright_mask & found->mask) /
                           static_cast<double>(cv::countNonZero(turned_upright_mask | found->mask));
      EXPECT_GT(agree, 0.97) << what;
      // Each eye is cleared as in the upright photo: an ellipse wider than high in the face,
      // whichever way the photo lies (crossed ellipses overlap by under half).
      for (const cv::Rect& eye : found->eyes) {
        const cv::Mat upright_cleared = turned_upright_mask(eye) == 0;
        const cv::Mat cleared = found->mask(eye) == 0;
        const double same = cv::countNonZero(upright_cleared & cleared) /
                            static_cast<double>(cv::countNonZero(upright_cleared | cleared));
        EXPECT_GT(same, 0.8) << what << " eye " << eye;
      }
      // The pupils (template points 0 and 1) are cleared, turned with the photo.
      for (int i = 0; i < 2; ++i) {
        cv::Point p(points[static_cast<size_t>(i)]);
        cv::Size size = upright_rgb.size();
        for (int k = 0; k < turns; ++k) {
          p = cv::Point(size.height - 1 - p.y, p.x);
          size = cv::Size(size.height, size.width);
        }
        EXPECT_EQ(found->mask.at<uchar>(p), 0) << what << " pupil " << i;
      }
      // The regions, taken on the photo turned upright as the metrics stage does.
      const int back = found->face_quarter_turns;
      const auto regions = FaceRegions(TurnRectClockwise(*found->face, rgb.size(), back),
                                       TurnClockwise(found->mask, back));
      ASSERT_EQ(regions.size(), upright_regions.size()) << what;
      for (const auto& [region, pixels] : upright_regions) {
        ASSERT_TRUE(regions.count(region)) << what << " " << region;
        const double overlap = cv::countNonZero(pixels & regions.at(region)) /
                               static_cast<double>(cv::countNonZero(pixels | regions.at(region)));
        EXPECT_GT(overlap, 0.85) << what << " " << region;
      }
    }
  }
}

TEST(Levelling, MapsPointsBothWaysAndKeepsTheWholePhotoWhenExpanded) {
  const cv::Size size(300, 200);
  for (const double tilt : {-35.0, 12.5, 90.0}) {
    const Levelling level(size, tilt, /*expand=*/true);
    for (const cv::Point2d p : {cv::Point2d(0, 0), cv::Point2d(299, 199), cv::Point2d(40.5, 170)}) {
      const cv::Point2d q = level.FromLevelled(level.ToLevelled(p));
      EXPECT_NEAR(q.x, p.x, 1e-9);
      EXPECT_NEAR(q.y, p.y, 1e-9);
      // Every pixel of the photo lands on the levelled canvas.
      const cv::Point2d l = level.ToLevelled(p);
      EXPECT_GE(l.x, -0.5) << tilt;
      EXPECT_LE(l.x, level.levelled_size().width - 0.5) << tilt;
      EXPECT_GE(l.y, -0.5) << tilt;
      EXPECT_LE(l.y, level.levelled_size().height - 0.5) << tilt;
    }
    // A point right of the centre goes up (anticlockwise as viewed) by the tilt.
    const cv::Point2d centre = level.ToLevelled({149.5, 99.5});
    const cv::Point2d right = level.ToLevelled({149.5 + 100, 99.5});
    EXPECT_NEAR(std::atan2(-(right.y - centre.y), right.x - centre.x) * 180 / CV_PI, tilt, 1e-6);
  }
  // Levelled and back: the photo's pixels, but for the interpolation at its rim.
  cv::Mat image(size, CV_8U, cv::Scalar(0));
  cv::circle(image, {150, 100}, 60, cv::Scalar(255), cv::FILLED);
  const Levelling level(size, 28.0, /*expand=*/true);
  const cv::Mat back = level.Unlevel(level.Level(image, cv::INTER_NEAREST), cv::INTER_NEAREST);
  cv::Mat differs;
  cv::absdiff(back, image, differs);
  EXPECT_LT(cv::countNonZero(differs), 0.02 * cv::countNonZero(image));
}

// A tilted face's regions are the upright face's rectangles turned with it about the box's centre.
TEST(FaceRegions, TiltedRegionsTurnWithTheFace) {
  const cv::Rect face(150, 150, 200, 240);
  const cv::Mat skin(560, 500, CV_8U, cv::Scalar(255));
  const auto upright = FaceRegions(face, skin);
  for (const double tilt : {30.0, -22.0}) {
    const auto tilted = FaceRegions(face, skin, tilt);
    ASSERT_EQ(tilted.size(), upright.size()) << tilt;
    // The upright regions turned clockwise (as viewed) by the tilt about the box's centre.
    const cv::Mat turn = cv::getRotationMatrix2D(cv::Point2f(249.5f, 269.5f), -tilt, 1.0);
    for (const auto& [name, region] : upright) {
      ASSERT_TRUE(tilted.count(name)) << name;
      cv::Mat expected;
      cv::warpAffine(region, expected, turn, region.size(), cv::INTER_NEAREST);
      const double overlap = cv::countNonZero(expected & tilted.at(name)) /
                             static_cast<double>(cv::countNonZero(expected | tilted.at(name)));
      EXPECT_GT(overlap, 0.9) << name << " " << tilt;
    }
  }
  // Untilted, the rectangles themselves.
  for (const auto& [name, region] : FaceRegions(face, skin, 0.0)) {
    EXPECT_EQ(cv::countNonZero(region != upright.at(name)), 0) << name;
  }
}

// A portrait whose head leans to one side (or a camera held askew) by 25-35°: the cascades find
// faces within about 15° of upright, so such a face was not found and the whole photo's skin-
// coloured pixels were measured, eyes, brows and mouth included (faces/001_03 turned 30°: pores
// 147 against 56, Rq 6.5 against 2.9). Now it is found levelled, its tilt read from its eyes,
// and its mask made as an upright face's: the same skin as the upright photo's mask turned, the
// pupils cleared and the regions turned with the face.
TEST(CaptureSkinMask, AFaceLeaningToOneSideIsFoundLevelled) {
  NamedPortraits portraits;
  ASSERT_NO_FATAL_FAILURE(LoadTestPortraits(portraits));
  if (IsSkipped()) return;
  for (const auto& [name, portrait] : portraits) {
    const auto& [upright_rgb, upright, points] = portrait;
    const auto upright_regions = FaceRegions(*upright.face, upright.mask);
    for (const double tilt : {28.0, -33.0}) {
      const std::string what = name + " tilted " + std::to_string(tilt);
      // The photo turned clockwise by the tilt, on a canvas that holds all of it, the backdrop's
      // colour beyond its edges.
      const Levelling turn(upright_rgb.size(), -tilt, /*expand=*/true);
      const cv::Mat rgb = turn.Level(upright_rgb, cv::INTER_CUBIC, cv::BORDER_CONSTANT,
                                     cv::Scalar(upright_rgb.at<cv::Vec3f>(0, 0)));
      auto found = CaptureSkinMask(rgb, {}, cv::Mat());
      ASSERT_TRUE(found.ok()) << what << ": " << found.error().message;
      ASSERT_TRUE(found->face.has_value()) << what;
      EXPECT_EQ(found->face_quarter_turns, 0) << what;
      EXPECT_NEAR(found->face_tilt_deg, tilt, 4.0) << what;
      EXPECT_NE(std::find(found->warnings.begin(), found->warnings.end(), "face_tilted"),
                found->warnings.end())
          << what;
      const cv::Point2d centre = turn.ToLevelled(RectCentre(*upright.face));
      EXPECT_NEAR(RectCentre(*found->face).x, centre.x, 0.06 * upright.face->width) << what;
      EXPECT_NEAR(RectCentre(*found->face).y, centre.y, 0.06 * upright.face->width) << what;
      EXPECT_NEAR(found->face->width, upright.face->width, 0.1 * upright.face->width) << what;
      EXPECT_EQ(found->eyes.size(), 2u) << what;
      EXPECT_TRUE(found->mouth.has_value()) << what;
      const cv::Mat turned_upright_mask = turn.Level(upright.mask, cv::INTER_NEAREST);
      const double agree = cv::countNonZero(turned_upright_mask & found->mask) /
                           static_cast<double>(cv::countNonZero(turned_upright_mask | found->mask));
      EXPECT_GT(agree, 0.9) << what;
      for (int i = 0; i < 2; ++i) {
        const cv::Point pupil(turn.ToLevelled(points[static_cast<size_t>(i)]));
        EXPECT_EQ(found->mask.at<uchar>(pupil), 0) << what << " pupil " << i;
      }
      const auto regions = FaceRegions(*found->face, found->mask, found->face_tilt_deg);
      ASSERT_EQ(regions.size(), upright_regions.size()) << what;
      for (const auto& [region, pixels] : upright_regions) {
        ASSERT_TRUE(regions.count(region)) << what << " " << region;
        // Where each region lies: a Haar box moves by a few per cent of its width between copies
        // of one face, and a region is a small share of it, so its centre is compared.
        const cv::Moments expected = cv::moments(turn.Level(pixels, cv::INTER_NEAREST), true);
        const cv::Moments got = cv::moments(regions.at(region), true);
        const double dx = got.m10 / got.m00 - expected.m10 / expected.m00;
        const double dy = got.m01 / got.m00 - expected.m01 / expected.m00;
        EXPECT_LT(std::hypot(dx, dy), 0.1 * upright.face->width) << what << " " << region;
      }
    }
  }
}

// Phantom skin (no face anywhere) photographed as close-ups of every tone, with hairs, upright and
// turned a quarter, whole and cropped to a quarter, none given a scale, each searched in all four
// orientations: no face is found. Of these 96 frames the unconfirmed cascade gave a face box in 1
// (seed 711, turned; 2026-12-05), so this fails if confirmation is lost. A wider sweep (the
// captures of 18 `skintrack phantom` series, whole and cropped, upright and turned) gave a box in
// 57 of 1440 frames, and none confirmed.
// A face small in the frame (a half-length portrait, a subject far from the camera): the sample
// portrait in the middle of a canvas of its backdrop three times its size, the face 15 % of the
// width. Before, no face was found and the photo was measured as one without a face (eyes, brows
// and mouth in the mask, no regions). The face is found on the photo cropped around its skin, with
// the box and eyes the portrait alone gives, moved to where it lies.
TEST(CaptureSkinMask, AFaceSmallInTheFrameIsFound) {
  NamedPortraits portraits;
  ASSERT_NO_FATAL_FAILURE(LoadTestPortraits(portraits));
  if (IsSkipped()) return;
  for (const auto& [name, portrait] : portraits) {
    SCOPED_TRACE(name);
    const cv::Mat& rgb = portrait.rgb;
    cv::Mat canvas(rgb.size() * 3, CV_32FC3, cv::Scalar(rgb.at<cv::Vec3f>(0, 0)));
    const cv::Point offset(rgb.cols, rgb.rows);
    rgb.copyTo(canvas(cv::Rect(offset, rgb.size())));
    auto found = CaptureSkinMask(canvas, {}, cv::Mat());
    ASSERT_TRUE(found.ok()) << found.error().message;
    ASSERT_TRUE(found->face.has_value());
    const cv::Rect expected = *portrait.upright.face + offset;
    const cv::Point2d centre =
        (cv::Point2d(found->face->tl()) + cv::Point2d(found->face->br())) / 2;
    const cv::Point2d want = (cv::Point2d(expected.tl()) + cv::Point2d(expected.br())) / 2;
    EXPECT_LT(cv::norm(centre - want), 0.06 * expected.width) << *found->face << " " << expected;
    EXPECT_NEAR(found->face->width, expected.width, 0.1 * expected.width);
    EXPECT_EQ(found->face_quarter_turns, 0);
    EXPECT_EQ(found->face_tilt_deg, 0);
    EXPECT_EQ(found->eyes.size(), 2u);
  }
}

TEST(FaceRegions, NoFaceInPhantomSkinWithoutAScale) {
  const SkinTone tones[] = {SkinTone::kVeryLight, SkinTone::kLight, SkinTone::kIntermediate,
                            SkinTone::kTan,       SkinTone::kBrown, SkinTone::kDark};
  int frames = 0;
  for (int i = 0; i < 12; ++i) {
    PhantomOptions o;
    o.seed = 700 + static_cast<std::uint64_t>(i);
    o.tone = tones[i % 6];
    o.px_per_mm = i % 2 == 0 ? 5.0 : 10.0;
    o.features.hair = true;
    auto skin = RenderSkin(o);
    ASSERT_TRUE(skin.ok()) << skin.error().message;
    for (int turn = 0; turn < 2; ++turn) {
      cv::Mat rgb = skin->rgb_linear;
      if (turn == 1) cv::rotate(rgb, rgb, cv::ROTATE_90_CLOCKWISE);
      for (int crop = 0; crop < 2; ++crop) {
        const cv::Mat frame =
            crop == 0 ? rgb : cv::Mat(rgb(cv::Rect(0, 0, rgb.cols / 2, rgb.rows / 2)));
        for (int flip = 0; flip < 2; ++flip) {
          cv::Mat view = frame;
          if (flip == 1) cv::flip(frame, view, 1);
          std::vector<std::string> warnings;
          int turns = 0;
          double tilt_deg = 0;
          const auto face = FindFace(view, warnings, nullptr, &turns, &tilt_deg);
          if (!warnings.empty() && warnings[0] == "face_detector_missing") {
            GTEST_SKIP() << "opencv-data (Haar cascades) not installed";
          }
          EXPECT_FALSE(face.has_value()) << "seed " << o.seed << " turn " << turn << " crop "
                                         << crop << " flip " << flip << " found turned " << turns;
          ++frames;
        }
      }
    }
  }
  EXPECT_EQ(frames, 96);
}

}  // namespace
}  // namespace skintrack::core
