#include "core/mask/face_regions.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "core/base/resize.h"
#include "core/color/srgb.h"
#include "core/mask/levelling.h"
#include "core/mask/skin_mask.h"

namespace skintrack::core {
namespace fs = std::filesystem;

namespace {

// Eye search: the band from 15 % to 60 % of the face box's height, resized so the face is this
// wide; eyes between these fractions of the face width (a Haar eye box spans the eye and its
// lids, about a quarter of the face width).
constexpr double kEyeSearchFaceWidth = 320.0;
constexpr double kMinEyeFraction = 0.12;
constexpr double kMaxEyeFraction = 0.40;
// The excluded ellipse: half-axes as fractions of the eye box (the opening, both corners and the
// lid margins; the brow above and the cheek below stay skin).
constexpr double kEyeHalfWidth = 0.55;
constexpr double kEyeHalfHeight = 0.32;
// Eyebrows (ExcludeBrows): the window over an eye box, in its height above and below its top and
// its width beyond each side; the eye box's width the window is reduced to; the background
// closing's radius, the cleaning radius, the widening and the least area, in eye-box widths (the
// area in eye boxes); a brow pixel is darker than this share of its background (linear
// luminance: 0.85 of it in sRGB-encoded grey).
constexpr double kBrowAbove = 0.9;
constexpr double kBrowBelow = 0.5;
constexpr double kBrowSideMargin = 0.3;
constexpr double kBrowEyeWidth = 64.0;
constexpr double kBrowBackgroundRadius = 0.2;
constexpr double kBrowCleanRadius = 0.03;
constexpr double kBrowEdgeRadius = 0.04;
constexpr double kBrowMinArea = 0.01;
constexpr double kBrowDarkness = 0.70;
// Mouth (FindMouth, ExcludeMouth): the band searched, in fractions of the face box; mouth widths
// in fractions of the face width; the cascade's neighbour count (the smile cascade fires on much
// else at 3). Lips (ExcludeMouth): the mouth's width the window is reduced to (px); the skin
// ring outside this multiple of the box's ellipse, and the least pixels in it; each feature's SD
// floor (ln R/G, ln B/G, ln Y); the z a lip pixel exceeds, within kLipReach × the ellipse; a lip
// part reaches inside kLipCentre × it; plausible lips cover this range of the ellipse's area; the
// cleared lips reach this share of the mouth's width further along the mouth's line.
constexpr double kMouthBandLeft = 0.2, kMouthBandRight = 0.8;
constexpr double kMouthBandTop = 0.6, kMouthBandBottom = 1.0;
constexpr double kMinMouthFraction = 0.25, kMaxMouthFraction = 0.6;
constexpr int kMouthNeighbours = 10;
constexpr double kLipMouthWidth = 96.0;
constexpr double kLipRing = 1.3, kLipRingOuter = 1.8;
constexpr size_t kLipMinRingPixels = 50;
constexpr std::array<double, 3> kLipSdFloor = {0.01, 0.01, 0.02};
constexpr double kLipZ = 3.0;
constexpr double kLipReach = 1.2;
constexpr double kLipCentre = 0.5;
constexpr double kLipMinArea = 0.15, kLipMaxArea = 1.2;
constexpr double kLipCornerReach = 0.08;

constexpr const char* kFaceCascade = "haarcascade_frontalface_default.xml";
constexpr const char* kEyeCascade = "haarcascade_eye.xml";
constexpr const char* kMouthCascade = "haarcascade_smile.xml";
// The second opinion for a candidate face without a found eye: a cascade trained separately.
constexpr const char* kConfirmCascade = "haarcascade_frontalface_alt2.xml";

std::optional<fs::path> FindCascade(const char* name) {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("SKINTRACK_HAAR_DIR"); env != nullptr && *env != '\0') {
    dirs.emplace_back(env);
  }
  dirs.emplace_back("/usr/share/opencv4/haarcascades");
  dirs.emplace_back("/usr/share/opencv/haarcascades");
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (fs::is_regular_file(dir / name, ec)) return dir / name;
  }
  return std::nullopt;
}

// The cascade of that file name, loaded once per thread; nullptr when it cannot be loaded.
cv::CascadeClassifier* Cascade(const char* name) {
  thread_local std::map<std::string, std::optional<cv::CascadeClassifier>> cascades;
  auto [it, inserted] = cascades.try_emplace(name);
  if (inserted) {
    if (const auto path = FindCascade(name)) {
      cv::CascadeClassifier c;
      if (c.load(path->string())) it->second = std::move(c);
    }
  }
  return it->second ? &*it->second : nullptr;
}

// `rgb_linear` reduced by `scale` (area averaging), as 8-bit sRGB grey with its histogram
// equalised: what the Haar cascades were trained on.
cv::Mat EqualisedGreyOf(const cv::Mat& small) {
  cv::Mat grey;
  cv::cvtColor(LinearRgbToBgr8(small), grey, cv::COLOR_BGR2GRAY);
  cv::equalizeHist(grey, grey);
  return grey;
}

cv::Mat EqualisedGrey(const cv::Mat& rgb_linear, double scale) {
  cv::Mat small;
  ResizeBy(rgb_linear, small, scale, cv::INTER_AREA);
  return EqualisedGreyOf(small);
}

// True when the second cascade finds a face at about the same place and size as `candidate`
// (both in `grey`'s pixels): centres within a third of the box, sides within a factor 1.5.
bool SecondCascadeAgrees(const cv::Mat& grey, const cv::Rect& candidate, int min_side) {
  cv::CascadeClassifier* cascade = Cascade(kConfirmCascade);
  if (cascade == nullptr) return false;
  std::vector<cv::Rect> found;
  cascade->detectMultiScale(grey, found, 1.1, 3, 0, cv::Size(min_side, min_side));
  const cv::Point2d centre = (cv::Point2d(candidate.tl()) + cv::Point2d(candidate.br())) * 0.5;
  return std::any_of(found.begin(), found.end(), [&](const cv::Rect& r) {
    const cv::Point2d c = (cv::Point2d(r.tl()) + cv::Point2d(r.br())) * 0.5;
    const double ratio = static_cast<double>(r.width) / candidate.width;
    return std::abs(c.x - centre.x) < candidate.width / 3.0 &&
           std::abs(c.y - centre.y) < candidate.height / 3.0 && ratio > 1 / 1.5 && ratio < 1.5;
  });
}

// The eyes inside `face` (input pixels) of an image whose face is upright after `quarter_turns`
// clockwise quarter turns, in input pixels: FindEyes on the turned face box.
std::vector<cv::Rect> FindTurnedEyes(const cv::Mat& rgb_linear, const cv::Rect& face,
                                     int quarter_turns) {
  if (quarter_turns == 0) return FindEyes(rgb_linear, face);
  const cv::Mat upright = TurnClockwise(rgb_linear(face), quarter_turns);
  std::vector<cv::Rect> eyes = FindEyes(upright, cv::Rect(0, 0, upright.cols, upright.rows));
  for (cv::Rect& eye : eyes) {
    eye = TurnRectClockwise(eye, upright.size(), 4 - quarter_turns) + face.tl();
  }
  return eyes;
}

}  // namespace

cv::Mat TurnClockwise(const cv::Mat& image, int quarter_turns) {
  cv::Mat out;
  switch (((quarter_turns % 4) + 4) % 4) {
    case 1:
      cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE);
      return out;
    case 2:
      cv::rotate(image, out, cv::ROTATE_180);
      return out;
    case 3:
      cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE);
      return out;
    default:
      return image;
  }
}

cv::Rect TurnRectClockwise(const cv::Rect& r, cv::Size size, int quarter_turns) {
  cv::Rect out = r;
  for (int i = 0; i < ((quarter_turns % 4) + 4) % 4; ++i) {
    // One clockwise turn: pixel (x, y) of a W x H image goes to (H - 1 - y, x) of an H x W one.
    out = cv::Rect(size.height - out.y - out.height, out.x, out.height, out.width);
    size = cv::Size(size.height, size.width);
  }
  return out;
}

namespace {

// A tilted face's eyes lie on a line within this of the search's level, or they are not its eyes.
constexpr double kMaxEyeLineDeg = 25.0;
// The tilted searches' scale step and smallest face (a share of the grey copy's short side; 0.15
// upright). Measured with the default cascade on 8 sample portraits turned ±15-40° on a canvas of
// their backdrop's colour (96 photos; 2026-12-07, Python, the same cascade): levelled by ±25° at
// step 1.1 from 0.15, 69 were found for 51 ms of searching a face-less photo; by ±20° and ±35° at
// step 1.15 from 0.2, 78 for 41 ms; at step 1.1 from 0.15, 83 for 105 ms.
constexpr double kTiltedScaleStep = 1.15;
constexpr double kTiltedMinFaceShare = 0.2;
// The long side of the levelled copy a tilted face is searched again on: twice FindFace's own
// reduction, so the eyes are found at about the resolution the photo gives them.
constexpr double kRefineLongSide = 1280.0;

struct TiltedFace {
  cv::Rect face;  // the levelled face's box, centred on the face (photo pixels)
  std::vector<cv::Rect> eyes;
  double tilt_deg = 0;
};

// FindFace's search for a face leaning to one side: `grey` (the photo reduced by `scale`) levelled
// by each of kTiltSearchDeg; a candidate counts with both eyes found on the photo levelled around
// it.
std::optional<TiltedFace> FindTiltedFace(const cv::Mat& rgb_linear, const cv::Mat& grey,
                                         double scale, cv::CascadeClassifier& cascade) {
  std::optional<TiltedFace> best;
  const int tilted_min_side =
      static_cast<int>(kTiltedMinFaceShare * std::min(grey.cols, grey.rows));
  for (const double search_deg : kTiltSearchDeg) {
    const Levelling grey_level(grey.size(), search_deg, /*expand=*/false);
    // Three neighbours, as the second cascade's proposals (the two eyes a candidate needs keep
    // false faces out), and a coarser scale step from a larger smallest face than upright, so
    // that four searches cost what two would (kTiltSearchDeg).
    std::vector<cv::Rect> faces;
    cascade.detectMultiScale(grey_level.Level(grey, cv::INTER_LINEAR, cv::BORDER_REPLICATE), faces,
                             kTiltedScaleStep, 3, 0, cv::Size(tilted_min_side, tilted_min_side));
    std::sort(faces.begin(), faces.end(),
              [](const cv::Rect& a, const cv::Rect& b) { return a.area() > b.area(); });
    const Levelling photo_level(rgb_linear.size(), search_deg, /*expand=*/false);
    for (const cv::Rect& candidate : faces) {
      const cv::Point2d in_grey = grey_level.FromLevelled(RectCentre(candidate));
      const cv::Point2d centre((in_grey.x + 0.5) / scale - 0.5, (in_grey.y + 0.5) / scale - 0.5);
      const cv::Rect size(0, 0, static_cast<int>(std::lround(candidate.width / scale)),
                          static_cast<int>(std::lround(candidate.height / scale)));
      // The face levelled alone, with a margin of a tenth of its box.
      const cv::Rect box = CentredAt(size, photo_level.ToLevelled(centre));
      const int margin = box.width / 10;
      const cv::Rect around(box.x - margin, box.y - margin, box.width + 2 * margin,
                            box.height + 2 * margin);
      const cv::Mat face_image = photo_level.LevelRegion(rgb_linear, around, cv::INTER_LINEAR);
      const std::vector<cv::Rect> found = FindEyes(face_image, box - around.tl());
      if (found.size() != 2) continue;
      // The eyes' line: what the search's angle left of the face's tilt.
      const cv::Point2d left = RectCentre(found[0]);
      const cv::Point2d right = RectCentre(found[1]);
      const double residual_deg = std::atan2(right.y - left.y, right.x - left.x) * 180.0 / CV_PI;
      if (std::abs(residual_deg) > kMaxEyeLineDeg) continue;
      TiltedFace tilted;
      tilted.face = CentredAt(size, centre);
      tilted.tilt_deg = search_deg + residual_deg;
      for (const cv::Rect& eye : found) {
        const cv::Point2d at = RectCentre(eye) + cv::Point2d(around.tl());
        tilted.eyes.push_back(CentredAt(eye, photo_level.FromLevelled(at)));
      }
      best = std::move(tilted);
      break;
    }
    if (best) break;
  }
  if (!best) return std::nullopt;
  // Searched again on the photo levelled by the tilt found (a copy of kRefineLongSide px, which
  // FindFace reduces as it does the photo), so that the box and eyes are those a level photo
  // gives: the search's angle left the face up to 15° off level, and the box a cascade draws
  // around a face so tilted is not the level face's.
  const double reduce = std::min(
      1.0, kRefineLongSide / static_cast<double>(std::max(rgb_linear.cols, rgb_linear.rows)));
  cv::Mat reduced;
  ResizeBy(rgb_linear, reduced, reduce, cv::INTER_AREA);
  const Levelling level(reduced.size(), best->tilt_deg, /*expand=*/false);
  std::vector<std::string> unused;
  std::vector<cv::Rect> level_eyes;
  const std::optional<cv::Rect> level_face =
      FindFace(level.Level(reduced, cv::INTER_LINEAR, cv::BORDER_REPLICATE), unused, &level_eyes);
  if (!level_face || level_eyes.size() != 2) return best;
  const auto to_photo = [&](const cv::Rect& r) { return BoxFromLevelled(level, reduce, r); };
  const cv::Point2d left = RectCentre(level_eyes[0]);
  const cv::Point2d right = RectCentre(level_eyes[1]);
  best->tilt_deg += std::atan2(right.y - left.y, right.x - left.x) * 180.0 / CV_PI;
  best->face = to_photo(*level_face);
  best->eyes = {to_photo(level_eyes[0]), to_photo(level_eyes[1])};
  return best;
}

// A face small in the frame (a half-length portrait, a subject far from the camera): the cascades
// look for faces from kMinFaceShare of the reduced photo's short side. Where no face is found any
// other way, the photo's skin-coloured regions (the broad locus on the reduced copy, opened by
// 3 px) that are small against the photo, at least kMinSmallFaceRegionShare of it with a box of at
// most kMaxSmallFaceBoxShare, are searched again upright on the photo cropped around each (its box
// widened by half its longer side every way), with the same confirmation, the kSmallFaceRegions
// largest first. Not where skin colour covers over kMaxSmallFaceSkinShare of the photo: a close-up
// is all skin, and pays only the locus on the reduced copy. Measured 2026-12-07: each of the six
// London portraits placed in a canvas of its backdrop three times its size (the face about 15 % of
// the width) was found before in none, and by this search in all six; no sample photo changes.
constexpr double kMinFaceShare = 0.15;
constexpr double kMaxSmallFaceSkinShare = 0.3;
constexpr double kMinSmallFaceRegionShare = 0.003;
constexpr double kMaxSmallFaceBoxShare = 0.25;
constexpr int kSmallFaceRegions = 2;

// FindFace's search for a small face; `small` is `rgb_linear` reduced as FindFace reduces it.
std::optional<cv::Rect> FindSmallFace(const cv::Mat& rgb_linear, const cv::Mat& small,
                                      std::vector<std::string>& warnings,
                                      std::vector<cv::Rect>* eyes) {
  cv::Mat locus = BroadSkinLocus(small);
  cv::morphologyEx(locus, locus, cv::MORPH_OPEN, cv::Mat());
  const auto total = static_cast<double>(locus.total());
  if (cv::countNonZero(locus) > kMaxSmallFaceSkinShare * total) return std::nullopt;
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(locus, labels, stats, centroids, 8, CV_32S);
  std::vector<int> regions;
  for (int i = 1; i < n; ++i) {
    const double box = static_cast<double>(stats.at<int>(i, cv::CC_STAT_WIDTH)) *
                       stats.at<int>(i, cv::CC_STAT_HEIGHT);
    if (stats.at<int>(i, cv::CC_STAT_AREA) >= kMinSmallFaceRegionShare * total &&
        box <= kMaxSmallFaceBoxShare * total) {
      regions.push_back(i);
    }
  }
  std::sort(regions.begin(), regions.end(), [&](int a, int b) {
    return stats.at<int>(a, cv::CC_STAT_AREA) > stats.at<int>(b, cv::CC_STAT_AREA);
  });
  if (regions.size() > kSmallFaceRegions) regions.resize(kSmallFaceRegions);
  const double to_input = static_cast<double>(rgb_linear.cols) / small.cols;
  for (const int i : regions) {
    const cv::Rect box(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                       stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
    const int margin = std::max(box.width, box.height) / 2;
    const cv::Rect around(box.x - margin, box.y - margin, box.width + 2 * margin,
                          box.height + 2 * margin);
    const cv::Rect crop = cv::Rect(static_cast<int>(std::floor(around.x * to_input)),
                                   static_cast<int>(std::floor(around.y * to_input)),
                                   static_cast<int>(std::ceil(around.width * to_input)),
                                   static_cast<int>(std::ceil(around.height * to_input))) &
                          cv::Rect(0, 0, rgb_linear.cols, rgb_linear.rows);
    if (crop.width < 32 || crop.height < 32) continue;
    std::vector<cv::Rect> found_eyes;
    const std::optional<cv::Rect> face = FindFace(rgb_linear(crop), warnings, &found_eyes);
    if (!face) continue;
    if (eyes != nullptr) {
      eyes->clear();
      for (const cv::Rect& eye : found_eyes) eyes->push_back(eye + crop.tl());
    }
    return *face + crop.tl();
  }
  return std::nullopt;
}

}  // namespace

std::optional<cv::Rect> FindFace(const cv::Mat& rgb_linear, std::vector<std::string>& warnings,
                                 std::vector<cv::Rect>* eyes, int* quarter_turns,
                                 double* tilt_deg) {
  if (quarter_turns != nullptr) *quarter_turns = 0;
  if (tilt_deg != nullptr) *tilt_deg = 0;
  try {
    cv::CascadeClassifier* cascade = Cascade(kFaceCascade);
    if (cascade == nullptr) {
      warnings.push_back("face_detector_missing");
      return std::nullopt;
    }
    const double scale = std::min(1.0, 640.0 / std::max(rgb_linear.cols, rgb_linear.rows));
    cv::Mat small;
    ResizeBy(rgb_linear, small, scale, cv::INTER_AREA);
    const cv::Mat grey = EqualisedGreyOf(small);
    const int min_side = static_cast<int>(kMinFaceShare * std::min(grey.cols, grey.rows));
    const double inv = 1.0 / scale;
    struct Found {
      cv::Rect face;
      std::vector<cv::Rect> eyes;
      int turns = 0;
    };
    // A box of the reduced grey image in the input's pixels.
    const auto to_input = [&](const cv::Rect& in_grey) {
      return cv::Rect(static_cast<int>(in_grey.x * inv), static_cast<int>(in_grey.y * inv),
                      static_cast<int>(in_grey.width * inv),
                      static_cast<int>(in_grey.height * inv)) &
             cv::Rect(0, 0, rgb_linear.cols, rgb_linear.rows);
    };
    const auto by_area = [](const cv::Rect& a, const cv::Rect& b) { return a.area() > b.area(); };
    // In one orientation: the largest candidate that is confirmed. Upright, by an eye inside it,
    // or else by the second cascade together with a mouth below (eyes closed or barred); failing
    // any candidate, the second cascade's (below). Turned, by both eyes: a photo lying on its side
    // is rare (most cameras record the orientation), while the dark rim of a dermoscope's field
    // gives the cascades face-like boxes in any orientation.
    const auto search = [&](int turns) -> std::optional<Found> {
      const cv::Mat turned = TurnClockwise(grey, turns);
      std::vector<cv::Rect> faces;
      cascade->detectMultiScale(turned, faces, 1.1, 5, 0, cv::Size(min_side, min_side));
      std::sort(faces.begin(), faces.end(), by_area);
      for (const cv::Rect& candidate : faces) {
        const cv::Rect face = to_input(TurnRectClockwise(candidate, turned.size(), 4 - turns));
        if (face.empty()) continue;
        std::vector<cv::Rect> found_eyes = FindTurnedEyes(rgb_linear, face, turns);
        const bool confirmed =
            turns != 0 ? found_eyes.size() == 2
                       : !found_eyes.empty() || (SecondCascadeAgrees(turned, candidate, min_side) &&
                                                 FindMouth(rgb_linear, face).has_value());
        if (confirmed) return Found{face, std::move(found_eyes), turns};
      }
      // The second cascade proposes where the first found nothing upright, and its face must then
      // show both eyes. The first misses some faces whose outline is faint against the backdrop (a
      // tan wall behind a portrait the first finds in front of a white one).
      if (turns == 0 && faces.empty()) {
        if (cv::CascadeClassifier* second = Cascade(kConfirmCascade)) {
          std::vector<cv::Rect> proposed;
          second->detectMultiScale(turned, proposed, 1.1, 3, 0, cv::Size(min_side, min_side));
          std::sort(proposed.begin(), proposed.end(), by_area);
          for (const cv::Rect& candidate : proposed) {
            const cv::Rect face = to_input(candidate);
            if (face.empty()) continue;
            std::vector<cv::Rect> found_eyes = FindEyes(rgb_linear, face);
            if (found_eyes.size() == 2) return Found{face, std::move(found_eyes), 0};
          }
        }
      }
      return std::nullopt;
    };
    std::optional<Found> best = search(0);
    // An upright face with both eyes is taken at once. Otherwise a face lying on its side may be
    // the photo's face: in a portrait turned a quarter, the upright search confirmed a box half
    // the face's size on one "eye" (a nostril or a lip corner). Of what each orientation
    // confirms, the face with more eyes found wins, then the larger; upright first, then on its
    // side either way, then upside down.
    if (quarter_turns != nullptr && !(best && best->eyes.size() == 2)) {
      for (const int turns : {1, 3, 2}) {
        std::optional<Found> found = search(turns);
        if (!found) continue;
        if (!best || found->eyes.size() > best->eyes.size() ||
            (found->eyes.size() == best->eyes.size() && found->face.area() > best->face.area())) {
          best = std::move(found);
        }
      }
    }
    // Leaning to one side: searched only where no face was found any other way (a photo without a
    // face pays the four tilted searches).
    if (!best && quarter_turns != nullptr && tilt_deg != nullptr) {
      if (std::optional<TiltedFace> tilted = FindTiltedFace(rgb_linear, grey, scale, *cascade)) {
        *tilt_deg = tilted->tilt_deg;
        if (eyes != nullptr) *eyes = std::move(tilted->eyes);
        return tilted->face;
      }
    }
    // Small in the frame: searched last, only where nothing else was found.
    if (!best && quarter_turns != nullptr) return FindSmallFace(rgb_linear, small, warnings, eyes);
    if (!best) return std::nullopt;
    if (best->turns != 0) {
      // Found on its side: searched again on the photo turned upright at full resolution, the
      // reduction the upright photo would get, so that the box (which sets the mask's seed, the
      // regions and, without a scale, the scale) is the one the upright photo gives.
      const cv::Mat upright = TurnClockwise(rgb_linear, best->turns);
      std::vector<std::string> unused;
      std::vector<cv::Rect> upright_eyes;
      if (const auto face = FindFace(upright, unused, &upright_eyes)) {
        const int back = 4 - best->turns;
        best->face = TurnRectClockwise(*face, upright.size(), back);
        best->eyes.clear();
        for (const cv::Rect& eye : upright_eyes) {
          best->eyes.push_back(TurnRectClockwise(eye, upright.size(), back));
        }
      }
    }
    if (eyes != nullptr) *eyes = std::move(best->eyes);
    if (quarter_turns != nullptr) *quarter_turns = best->turns;
    return best->face;
  } catch (const cv::Exception& e) {
    warnings.push_back("face_detection_failed");
    return std::nullopt;
  }
}

std::vector<cv::Rect> FindEyes(const cv::Mat& rgb_linear, const cv::Rect& face) {
  try {
    cv::CascadeClassifier* cascade = Cascade(kEyeCascade);
    const cv::Rect band = cv::Rect(face.x, face.y + static_cast<int>(0.15 * face.height),
                                   face.width, static_cast<int>(0.45 * face.height)) &
                          cv::Rect(0, 0, rgb_linear.cols, rgb_linear.rows);
    if (cascade == nullptr || band.width < 16 || band.height < 8) return {};
    // The band at a face width of kEyeSearchFaceWidth px: eyes of about 50 px.
    const double scale = std::min(1.0, kEyeSearchFaceWidth / face.width);
    const cv::Mat grey = EqualisedGrey(rgb_linear(band), scale);
    const double face_px = face.width * scale;
    const auto min_side = static_cast<int>(kMinEyeFraction * face_px);
    const auto max_side = static_cast<int>(kMaxEyeFraction * face_px);
    std::vector<cv::Rect> found;
    cascade->detectMultiScale(grey, found, 1.1, 3, 0, cv::Size(min_side, min_side),
                              cv::Size(max_side, max_side));
    // The largest detection on each side of the face's centre line: at most two eyes.
    std::optional<cv::Rect> side[2];
    for (const cv::Rect& r : found) {
      const int s = (r.x + r.width / 2) < face_px / 2 ? 0 : 1;
      if (!side[s] || r.area() > side[s]->area()) side[s] = r;
    }
    std::vector<cv::Rect> eyes;
    const double inv = 1.0 / scale;
    for (const auto& r : side) {
      if (!r) continue;
      eyes.emplace_back(band.x + static_cast<int>(r->x * inv), band.y + static_cast<int>(r->y * inv),
                        static_cast<int>(r->width * inv), static_cast<int>(r->height * inv));
    }
    return eyes;
  } catch (const cv::Exception&) {
    return {};
  }
}

void ExcludeEyes(const std::vector<cv::Rect>& eyes, cv::Mat& mask) {
  for (const cv::Rect& e : eyes) {
    const cv::Point centre(e.x + e.width / 2, e.y + e.height / 2);
    const cv::Size axes(static_cast<int>(std::lround(kEyeHalfWidth * e.width)),
                        static_cast<int>(std::lround(kEyeHalfHeight * e.height)));
    cv::ellipse(mask, centre, axes, 0, 0, 360, cv::Scalar(0), cv::FILLED);
  }
}

std::optional<cv::Rect> FindMouth(const cv::Mat& rgb_linear, const cv::Rect& face) {
  try {
    cv::CascadeClassifier* cascade = Cascade(kMouthCascade);
    const cv::Rect band =
        cv::Rect(face.x + static_cast<int>(kMouthBandLeft * face.width),
                 face.y + static_cast<int>(kMouthBandTop * face.height),
                 static_cast<int>((kMouthBandRight - kMouthBandLeft) * face.width),
                 static_cast<int>((kMouthBandBottom - kMouthBandTop) * face.height)) &
        cv::Rect(0, 0, rgb_linear.cols, rgb_linear.rows);
    if (cascade == nullptr || band.width < 16 || band.height < 8) return std::nullopt;
    // The band at a face width of kEyeSearchFaceWidth px, as for the eyes.
    const double scale = std::min(1.0, kEyeSearchFaceWidth / face.width);
    const cv::Mat grey = EqualisedGrey(rgb_linear(band), scale);
    const double face_px = face.width * scale;
    std::vector<cv::Rect> found;
    cascade->detectMultiScale(grey, found, 1.1, kMouthNeighbours, 0,
                              cv::Size(static_cast<int>(kMinMouthFraction * face_px),
                                       static_cast<int>(0.4 * kMinMouthFraction * face_px)),
                              cv::Size(static_cast<int>(kMaxMouthFraction * face_px),
                                       static_cast<int>(0.6 * kMaxMouthFraction * face_px)));
    if (found.empty()) return std::nullopt;
    const cv::Rect r =
        *std::max_element(found.begin(), found.end(),
                          [](const cv::Rect& a, const cv::Rect& b) { return a.area() < b.area(); });
    const double inv = 1.0 / scale;
    return cv::Rect(band.x + static_cast<int>(r.x * inv), band.y + static_cast<int>(r.y * inv),
                    static_cast<int>(r.width * inv), static_cast<int>(r.height * inv));
  } catch (const cv::Exception&) {
    return std::nullopt;
  }
}

int ExcludeMouth(const cv::Mat& rgb_linear, const cv::Rect& mouth, cv::Mat& mask) {
  try {
    const cv::Rect window = cv::Rect(mouth.x - mouth.width / 4, mouth.y - mouth.height / 2,
                                     mouth.width * 3 / 2, mouth.height * 2) &
                            cv::Rect(0, 0, rgb_linear.cols, rgb_linear.rows);
    if (window.width < 8 || window.height < 8) return 0;
    const double scale = std::min(1.0, kLipMouthWidth / mouth.width);
    cv::Mat rgb, in_mask;
    ResizeBy(rgb_linear(window), rgb, scale, cv::INTER_AREA);
    cv::resize(mask(window), in_mask, rgb.size(), 0, 0, cv::INTER_NEAREST);
    // Squared elliptic radius of each pixel about the mouth box (1 on the inscribed ellipse).
    const double cx = (mouth.x + 0.5 * mouth.width - window.x) * scale;
    const double cy = (mouth.y + 0.5 * mouth.height - window.y) * scale;
    const double ax = 0.5 * mouth.width * scale, ay = 0.5 * mouth.height * scale;
    const auto radius2 = [&](int x, int y) {
      const double dx = (x - cx) / ax, dy = (y - cy) / ay;
      return dx * dx + dy * dy;
    };
    // Features: ln R/G, ln B/G, ln Y. The skin around the mouth (between 1.3 and 1.8 × the
    // ellipse, in the mask) gives each one's median and robust SD.
    cv::Mat features(rgb.size(), CV_32FC3);
    std::array<std::vector<float>, 3> ring;
    for (int y = 0; y < rgb.rows; ++y) {
      const auto* p = rgb.ptr<cv::Vec3f>(y);
      auto* f = features.ptr<cv::Vec3f>(y);
      for (int x = 0; x < rgb.cols; ++x) {
        const float r = p[x][0] + 1e-4f, g = p[x][1] + 1e-4f, b = p[x][2] + 1e-4f;
        f[x] = cv::Vec3f(std::log(r / g), std::log(b / g),
                         std::log(0.2126f * r + 0.7152f * g + 0.0722f * b));
        const double r2 = radius2(x, y);
        if (in_mask.at<uchar>(y, x) != 0 && r2 > kLipRing * kLipRing &&
            r2 < kLipRingOuter * kLipRingOuter) {
          for (int c = 0; c < 3; ++c) ring[static_cast<size_t>(c)].push_back(f[x][c]);
        }
      }
    }
    cv::Mat lips(rgb.size(), CV_8U, cv::Scalar(0));
    bool segmented = false;
    if (ring[0].size() >= kLipMinRingPixels) {
      std::array<double, 3> median{}, sd{};
      for (size_t c = 0; c < 3; ++c) {
        std::vector<float>& v = ring[c];
        auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
        std::nth_element(v.begin(), mid, v.end());
        median[c] = *mid;
        for (float& x : v) x = std::abs(x - static_cast<float>(median[c]));
        std::nth_element(v.begin(), mid, v.end());
        sd[c] = 1.4826 * *mid + kLipSdFloor[c];
      }
      // A lip pixel differs from that skin in chromaticity (redder, bluer, or less red: teeth) or
      // is darker, or much brighter (teeth), within 1.2 × the ellipse.
      for (int y = 0; y < rgb.rows; ++y) {
        const auto* f = features.ptr<cv::Vec3f>(y);
        for (int x = 0; x < rgb.cols; ++x) {
          if (radius2(x, y) > kLipReach * kLipReach) continue;
          const double zu = std::abs(f[x][0] - median[0]) / sd[0];
          const double zv = std::abs(f[x][1] - median[1]) / sd[1];
          const double zl = (f[x][2] - median[2]) / sd[2];
          if (std::max({zu, zv, -zl, 0.5 * zl}) > kLipZ) lips.at<uchar>(y, x) = 255;
        }
      }
      const cv::Mat kernel = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(5, 5));
      cv::morphologyEx(lips, lips, cv::MORPH_CLOSE, kernel);
      cv::morphologyEx(lips, lips, cv::MORPH_OPEN, kernel);
      // The parts that reach the middle of the mouth, holes (teeth, the open mouth) filled.
      cv::Mat labels;
      const int n = cv::connectedComponents(lips, labels, 8, CV_32S);
      std::vector<uchar> central(static_cast<size_t>(n), 0);
      for (int y = 0; y < labels.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        for (int x = 0; x < labels.cols; ++x) {
          if (l[x] != 0 && radius2(x, y) < kLipCentre * kLipCentre) {
            central[static_cast<size_t>(l[x])] = 1;
          }
        }
      }
      for (int y = 0; y < labels.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        uchar* m = lips.ptr<uchar>(y);
        for (int x = 0; x < labels.cols; ++x) m[x] = central[static_cast<size_t>(l[x])] ? 255 : 0;
      }
      std::vector<std::vector<cv::Point>> contours;
      cv::findContours(lips.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
      cv::drawContours(lips, contours, -1, cv::Scalar(255), cv::FILLED);
      const double ellipse_area = M_PI * ax * ay;
      const double area = cv::countNonZero(lips);
      segmented = area >= kLipMinArea * ellipse_area && area <= kLipMaxArea * ellipse_area;
    }
    if (!segmented) {
      // No plausible lips against the skin around them: the ellipse over the box.
      lips.setTo(0);
      cv::ellipse(lips, cv::Point2d(cx, cy), cv::Size2d(ax, ay), 0, 0, 360, cv::Scalar(255),
                  cv::FILLED);
    }
    // Widened for the lip border (2 px), and further along the mouth's line (kLipCornerReach of its
    // width on each side): the corners of a mouth, deepest in a smile, are dark creases beyond the
    // lips that read as pits and lines.
    const int corner =
        std::max(2, static_cast<int>(std::lround(kLipCornerReach * mouth.width * scale)));
    cv::dilate(lips, lips,
               cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * corner + 1, 5)));
    cv::resize(lips, lips, window.size(), 0, 0, cv::INTER_NEAREST);
    cv::Mat target = mask(window);
    const int cleared = cv::countNonZero(lips & target);
    target.setTo(0, lips);
    return cleared;
  } catch (const cv::Exception&) {
    return 0;  // the mask as it was: nothing cleared
  }
}

int ExcludeBrows(const cv::Mat& rgb_linear, const std::vector<cv::Rect>& eyes, cv::Mat& mask) {
  int cleared = 0;
  try {
    const cv::Rect image(0, 0, rgb_linear.cols, rgb_linear.rows);
    for (const cv::Rect& eye : eyes) {
      const cv::Rect window =
          cv::Rect(eye.x - static_cast<int>(kBrowSideMargin * eye.width),
                   eye.y - static_cast<int>(kBrowAbove * eye.height),
                   eye.width + 2 * static_cast<int>(kBrowSideMargin * eye.width),
                   static_cast<int>((kBrowAbove + kBrowBelow) * eye.height)) &
          image;
      if (window.width < 8 || window.height < 8) continue;
      // The window at an eye box of kBrowEyeWidth px.
      const double scale = std::min(1.0, kBrowEyeWidth / eye.width);
      const double eye_px = eye.width * scale;
      cv::Mat rgb, in_mask;
      ResizeBy(rgb_linear(window), rgb, scale, cv::INTER_AREA);
      cv::resize(mask(window), in_mask, rgb.size(), 0, 0, cv::INTER_NEAREST);
      cv::Mat luminance;
      cv::transform(rgb, luminance, cv::Matx13f(0.2126f, 0.7152f, 0.0722f));
      const auto disc = [](double radius) {
        const int r = std::max(1, static_cast<int>(std::lround(radius)));
        return cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * r + 1, 2 * r + 1));
      };
      cv::Mat background;
      cv::morphologyEx(luminance, background, cv::MORPH_CLOSE,
                       disc(kBrowBackgroundRadius * eye_px));
      cv::Mat brow = (luminance < kBrowDarkness * background) & (in_mask != 0);
      cv::morphologyEx(brow, brow, cv::MORPH_CLOSE, disc(kBrowCleanRadius * eye_px));
      cv::morphologyEx(brow, brow, cv::MORPH_OPEN, disc(kBrowCleanRadius * eye_px));
      cv::Mat labels, stats, centroids;
      const int n = cv::connectedComponentsWithStats(brow, labels, stats, centroids, 8, CV_32S);
      const double eye_centre_y = (eye.y + 0.5 * eye.height - window.y) * scale;
      const double min_area = kBrowMinArea * eye_px * (eye.height * scale);
      std::vector<uchar> keep(static_cast<size_t>(n), 0);
      for (int i = 1; i < n; ++i) {
        keep[static_cast<size_t>(i)] = centroids.at<double>(i, 1) < eye_centre_y &&
                                       stats.at<int>(i, cv::CC_STAT_AREA) >= min_area;
      }
      cv::Mat found(brow.size(), CV_8U, cv::Scalar(0));
      for (int y = 0; y < labels.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        uchar* f = found.ptr<uchar>(y);
        for (int x = 0; x < labels.cols; ++x) f[x] = keep[static_cast<size_t>(l[x])] ? 255 : 0;
      }
      cv::dilate(found, found, disc(kBrowEdgeRadius * eye_px));
      cv::resize(found, found, window.size(), 0, 0, cv::INTER_NEAREST);
      cv::Mat target = mask(window);
      cleared += cv::countNonZero(found & target);
      target.setTo(0, found);
    }
  } catch (const cv::Exception&) {
    // What was cleared stays cleared; the remaining brows stay skin.
  }
  return cleared;
}

std::map<std::string, cv::Mat> FaceRegions(const cv::Rect& face, const cv::Mat& skin_mask,
                                           double tilt_deg) {
  struct Box {
    const char* name;
    double x0, y0, x1, y1;  // fractions of the face box
  };
  // Proportions of a Haar frontal-face box: brows near 0.3 of its height, mouth near 0.8.
  static constexpr Box kBoxes[] = {
      {"forehead", 0.22, 0.02, 0.78, 0.2},    {"right_cheek", 0.12, 0.5, 0.35, 0.75},
      {"left_cheek", 0.65, 0.5, 0.88, 0.75},  {"nose", 0.4, 0.38, 0.6, 0.62},
      {"chin", 0.35, 0.9, 0.65, 1.05},
  };
  std::map<std::string, cv::Mat> regions;
  const cv::Rect bounds(0, 0, skin_mask.cols, skin_mask.rows);
  for (const Box& b : kBoxes) {
    const cv::Rect r(face.x + static_cast<int>(face.width * b.x0),
                     face.y + static_cast<int>(face.height * b.y0),
                     static_cast<int>(face.width * (b.x1 - b.x0)),
                     static_cast<int>(face.height * (b.y1 - b.y0)));
    cv::Mat region(skin_mask.size(), CV_8U, cv::Scalar(0));
    if (tilt_deg == 0) {
      const cv::Rect clipped = r & bounds;
      if (clipped.area() == 0) continue;
      skin_mask(clipped).copyTo(region(clipped));
    } else {
      // The rectangle turned clockwise (as viewed) by the tilt about the face box's centre.
      const cv::Point2d centre = RectCentre(face);
      const double c = std::cos(tilt_deg * CV_PI / 180.0);
      const double s = std::sin(tilt_deg * CV_PI / 180.0);
      std::array<cv::Point, 4> corners;
      const cv::Point2d upright[4] = {{r.x - 0.5, r.y - 0.5},
                                      {r.x + r.width - 0.5, r.y - 0.5},
                                      {r.x + r.width - 0.5, r.y + r.height - 0.5},
                                      {r.x - 0.5, r.y + r.height - 0.5}};
      for (int k = 0; k < 4; ++k) {
        const cv::Point2d d = upright[k] - centre;
        corners[k] = cv::Point(static_cast<int>(std::lround(centre.x + c * d.x - s * d.y)),
                               static_cast<int>(std::lround(centre.y + s * d.x + c * d.y)));
      }
      cv::fillConvexPoly(region, corners.data(), 4, cv::Scalar(255));
      region &= skin_mask;
    }
    if (cv::countNonZero(region) < 0.01 * r.area()) continue;
    regions[b.name] = region;
  }
  return regions;
}

}  // namespace skintrack::core
