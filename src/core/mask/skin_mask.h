#pragma once
// Skin mask: which pixels of a capture are skin to measure (not hair, eyebrows, eyes, lips,
// background, clothing or the colour chart).
//
// Automatic detection (DetectSkinMask), colour and texture based:
//  1. Seed: pixels whose chromaticity lies in a broad skin locus (YCrCb 8-bit, Cr 133..180,
//     Cb 77..135, after Chai & Ngan 1999, widened for dark and for red skin) and are neither dark
//     nor clipped. When a face was found (face_regions.h), the central face box is the seed.
//     A seed of scattered single pixels (random noise) is refused: skin is a region.
//  2. Adaptive colour model: mean and covariance of (ln R/G, ln B/G) of the seed; pixels within
//     `max_mahalanobis` of it are candidate skin. Working in log chromaticity makes the model
//     independent of exposure and shading. Up to 1.5 units more haemoglobin density than the
//     seed's mean is allowed before the distance is taken (erythema, red lesions and red patches
//     are skin, and are what redness measures). Extra melanin (up to 1.2 units) is allowed only
//     in a hole of the skin that it explains and that is not elongated (a pigmented patch), or in
//     a part of a hole that skin mostly borders (a patch meeting the lips), since hair and
//     eyebrows differ from skin mostly along melanin. A hole that skin surrounds and that lies
//     nearly all within 1.5 × `max_mahalanobis` (blotches of colour noise) is skin too.
//  3. Texture and darkness: pixels much darker than the skin median (hair, eyebrows, pupils,
//     nostrils: Y < dark_fraction · median) and strongly textured areas at a coarse scale are
//     removed; lips are removed only inside a detected face (a red lesion on a cheek stays skin),
//     by colour across the mouth's band only where the mouth itself was not found
//     (`lips_by_colour`; otherwise ExcludeMouth segments them).
//  4. Clean-up at a coarse working size: the image is smoothed before classification and the
//     mask closed so pores, fine wrinkles and scars (small dark features that ARE skin) stay in;
//     components smaller than `min_component_fraction` of the image are dropped. With a face,
//     only components reaching the face box (widened by half its width each side and half its
//     height above, and extended 1.5 heights below for the neck and chest) are kept: a
//     skin-coloured thing elsewhere (a flag, a wooden door, a beige wall) is not skin.
// `exclude` (e.g. the calibration chart_mask) is removed at the end.
//
// User ROI (roi.h) replaces the automatic mask when given.
// Input: linear RGB CV_32FC3 (R,G,B); output CV_8U 0/255 of the same size.
// Errors: kAnalysisFailed when no skin is found, with the reason where it is plain (the photo is
// too dark, clipped to white, greyscale, or noise) and advice. Thread-safety: reentrant.

#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/base/result.h"

namespace skintrack::core {

struct SkinMaskOptions {
  int working_size = 512;               // long side of the classification image (default 512 px)
  double max_mahalanobis = 3.0;         // colour-model acceptance (default 3 σ)
  double dark_fraction = 0.45;          // darker than 0.45 × skin median luminance = not skin
  double bright_fraction = 2.2;         // brighter than this × median = glare/background
  double min_component_fraction = 0.01; // drop components < 1 % of the image (default)
  double min_skin_fraction = 0.01;      // less skin than 1 % of the image -> error (default)
  // Inside a face, clear what is redder than its skin in the mouth band as lips. Off where the
  // mouth was found and its lips are cleared by their own segmentation (ExcludeMouth), so that red
  // skin round the mouth stays in (default on).
  bool lips_by_colour = true;
};

struct SkinMaskResult {
  cv::Mat mask;                       // CV_8U 0/255, input size
  std::optional<cv::Rect> face;       // face box when one was detected (input pixels)
  int face_quarter_turns = 0;         // clockwise quarter turns that bring the face upright
  double face_tilt_deg = 0;           // the face's tilt (clockwise as viewed) when found leaning
                                      // to one side (FindFace); `face` is then the levelled
                                      // face's box centred on it
  std::vector<cv::Rect> eyes;         // eyes excluded from the mask (input pixels)
  std::optional<cv::Rect> mouth;      // mouth excluded from the mask (input pixels)
  std::vector<std::string> warnings;  // e.g. "skin_mask_fallback_whole_image"
};

// The broad skin locus: the pixels of `rgb_linear` (CV_32FC3, linear RGB) whose colour and level
// skin of any tone can have under a near-neutral light (more red than green, more green than
// blue, neither black nor clipped); CV_8U 0/255. DetectSkinMask's seed without a face.
cv::Mat BroadSkinLocus(const cv::Mat& rgb_linear);

// `face` (optional) is a detected upright face box in input pixels, used as the colour seed and to
// exclude lips/eyes/brows. `exclude` (optional CV_8U, non-zero = not skin).
Result<SkinMaskResult> DetectSkinMask(const cv::Mat& rgb_linear, const cv::Mat& exclude,
                                      const std::optional<cv::Rect>& face,
                                      const SkinMaskOptions& options = {});

}  // namespace skintrack::core
