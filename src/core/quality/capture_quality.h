#pragma once
// Capture-quality checks that travel with every score as warnings.
//
// All measures are taken on a working copy whose long side is `kQualityWorkingSize` pixels
// (INTER_AREA), so they are comparable between cameras and cheap (a few ms for 12 MP).
// Each measure has a documented threshold (docs/QUALITY.md); exceeding it adds a warning with a
// stable `code` and a sentence saying what to do at the next capture.
//
// Input: BGR CV_8UC3 or CV_16UC3 (encoded sRGB) and an optional CV_8U mask (non-zero = analyse).
// The photo or its working copy (QualityWorkingCopy) may be given alike: the copy of a working
// copy is itself, so a caller that judges one photo twice (`score`: before and after the skin is
// found) reduces it once.
// Thread-safety: reentrant.

#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace skintrack::core {

inline constexpr int kQualityWorkingSize = 1024;

struct QualityThresholds {
  double min_focus = 15.0;                // variance of Laplacian (8-bit grey, working size)
  double max_highlights_pct = 2.0;        // pixels with any channel >= 250/255
  double max_shadows_pct = 5.0;           // pixels with luminance <= 5/255
  double max_glare_pct = 1.5;             // bright, unsaturated (specular) pixels
  double max_colour_cast_log = 0.15;      // |ln(R/G)| or |ln(B/G)| of near-neutral pixels
  double min_median_luminance = 0.20;     // encoded luminance median, 0..1 (underexposure)
  double max_colourless_pct = 95.0;       // pixels with R = G = B (within 2/255): greyscale photo
};

struct QualityWarning {
  std::string code;     // "blurry", "clipped_highlights", "clipped_shadows", "glare",
                        // "colour_cast", "underexposed", "greyscale"
  std::string message;  // plain sentence with the measured value and the threshold
};

struct CaptureQuality {
  double focus_laplacian_var = 0;
  double clipped_highlights_pct = 0;
  double clipped_shadows_pct = 0;
  double glare_pct = 0;
  std::optional<double> colour_cast_rg;  // linear mean R/G of near-neutral pixels (1 = neutral)
  std::optional<double> colour_cast_bg;  // linear mean B/G of near-neutral pixels
  double median_luminance = 0;           // encoded, 0..1
  double colourless_pct = 0;  // unclipped pixels whose channels differ by at most 2/255, % of all
  std::vector<QualityWarning> warnings;
};

// 8-bit, long side at most kQualityWorkingSize (INTER_AREA); an 8-bit photo already that small is
// returned as is (shared, not copied).
cv::Mat QualityWorkingCopy(const cv::Mat& bgr);

CaptureQuality AssessCaptureQuality(const cv::Mat& bgr, const cv::Mat& mask = {},
                                    const QualityThresholds& thresholds = {});

// Judges the capture again once the region measured is known (`region`: CV_8U, non-zero =
// measured, of the photo's size or its aspect: it is resized to the working copy's), on one
// reduced copy of the photo, replacing `q`'s values and their
// warnings:
// - the colour cast is read over the bright near-neutral pixels outside the region (at least 1 %
//   of the whole photo must remain, or the cast is unknown): pale skin is near-neutral (S < 0.2)
//   and reddish, so on a close-up, where it is most of the photo, it was read as a warm cast;
// - clipped highlights, clipped shadows and glare are measured over the region with its small
//   holes (up to 0.5 % of it: glints and clipped specks, which the skin mask leaves out as too
//   bright or colourless; eyes, mouth and brows are larger): a studio portrait's white backdrop,
//   clipped and unsaturated, read as glare on every portrait, and an oily face's glints were lost
//   among it.
void JudgeAgainstRegion(const cv::Mat& bgr, const cv::Mat& region, CaptureQuality& q,
                        const QualityThresholds& thresholds = {});

}  // namespace skintrack::core
