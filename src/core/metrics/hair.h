#pragma once
// Hair lying on the skin: thin lines, much darker than the skin beside them. Brown hair is a line
// of melanin; black hair is dark in every channel and reads as shadow in the Tsumura
// decomposition, so it is sought in the luminance density as well (AnalysisFrameOptions::hair).
//
// FindHairs, on a density map (melanin, or −ln Y): pixels that stand above the map's grey opening
// by a disc `width_px` across (what is narrower than the disc in some direction: hairs, fine lines
// of pigment network) by at least `min_excess`, in connected pieces spanning at least `length_px`
// (the specks that skin texture leaves in the same top-hat are shorter), widened by one pixel for
// the hair's blurred edge. The opening runs over the mask only (pixels outside it neither lower the
// erosion nor raise the dilation). Returns CV_8U 0/255 of the map's size, or an empty Mat when the
// disc is under 3 px: a hair is then finer than a pixel, and a smaller disc would take single-pixel
// texture for hair. Grey and white hairs, lighter than the skin, are not found this way: they are
// colourless, and where they lie thick (a mat of white hair), FindColourlessArea takes the area
// out of the skin measured. Thread-safety: reentrant.

#include <opencv2/core.hpp>

namespace skintrack::core {

struct HairOptions {
  bool find = true;  // false: no hair is sought
  // Brown hair in the colour frame's melanin: narrower than max_width_mm (hairs are 0.02-0.2 mm,
  // wider once blurred; freckles and lentigines are 1 mm and more), at least min_excess above
  // the opening (defaults 0.5 mm, 0.5 density).
  double max_width_mm = 0.5;
  double min_excess = 0.5;
  // Any dark hair (black hair reads as shadow, not melanin) in the luminance density −ln Y of the
  // analysis frame: narrower than max_dark_width_mm, at least min_darkness above the opening
  // (0.5: 39 % darker than the skin beside it). Grooves are 0.15 mm and wider and rarely that
  // dark at once; phantom wrinkles (0.3-0.8 mm) are never taken (defaults 0.25 mm, 0.5).
  double max_dark_width_mm = 0.25;
  double min_darkness = 0.5;
  double min_length_mm = 1.0;  // pieces spanning less are texture, pores or specks (default 1 mm)
  // White and grey hair, glare and white objects (FindColourlessArea): colour averaged over
  // colourless_sigma_mm whose chroma is under max_chroma_share of the skin's (the
  // skin_chroma_percentile-th percentile of the region's), and the skin where such pixels cover
  // at least mat_min_density within mat_sigma_mm (a mat of hair, with the skin showing between
  // the hairs). Not sought when the skin's own chroma is under min_skin_chroma (defaults 0.25 mm,
  // 0.25, 75, 1 mm, 0.2, 0.1).
  bool exclude_colourless = true;
  double colourless_sigma_mm = 0.25;
  double max_chroma_share = 0.25;
  double skin_chroma_percentile = 75;
  double mat_sigma_mm = 1.0;
  double mat_min_density = 0.2;
  double min_skin_chroma = 0.1;
};

// values: CV_32F density (Tsumura c_m, or −ln Y); mask: CV_8U of the same size (non-zero = skin).
cv::Mat FindHairs(const cv::Mat& values, const cv::Mat& mask, double width_px, double min_excess,
                  double length_px);

// The pixels within `radius_px` of hair (a CV_8U 0/255 mask, e.g. AnalysisFrame::hair): its
// dilation by a disc 2·radius_px + 1 across. Where a measure keeps clear of hair.
cv::Mat NearHair(const cv::Mat& hair, int radius_px);

// The parts of `mask` with no skin colour: white or grey hair (which FindHairs, looking for hair
// darker than the skin, does not find), glare, or a white object taken for skin. Skin is never
// neutral: haemoglobin and melanin absorb blue and green more than red. Colour is averaged over
// the mask by a masked Gaussian (options.colourless_sigma_mm) and taken in log chromaticity
// (ln R/G, ln B/G), where neutral is the origin; its length is the chroma. The skin's chroma is
// its upper quartile over the mask (options.skin_chroma_percentile): the skin's as long as skin
// is a quarter of the region or more, where a median would be the hair's once hair covers half. A
// pixel whose chroma is under options.max_chroma_share of the skin's is colourless: of any hue, so
// yellowish or brown skin beside pink skin is not. In a mat of white hair the skin shows between
// the hairs, so the skin where colourless pixels cover at least options.mat_min_density of the mask
// within options.mat_sigma_mm goes with them. `share` is the colourless pixels' share of the mask,
// `area` (CV_8U 0/255, inside the mask) what is to be left out. Nothing is found when the skin's
// chroma is under options.min_skin_chroma (a greyscale photo, or a cast that greys the skin).
// `rgb_linear` CV_32FC3 (R,G,B); `mask` CV_8U; `px_per_mm` the scale of both.
struct ColourlessArea {
  cv::Mat area;
  double share = 0;
};
ColourlessArea FindColourlessArea(const cv::Mat& rgb_linear, const cv::Mat& mask, double px_per_mm,
                                  const HairOptions& options = {});

}  // namespace skintrack::core
