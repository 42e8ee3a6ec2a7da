#pragma once
// Hair in a melanin map: brown and black hairs are thin lines of melanin.
//
// FindHairs: pixels that stand above the map's grey opening by a disc `width_px` across (what is
// narrower than the disc in some direction: hairs, fine lines of pigment network) by at least
// `min_excess`, in connected pieces spanning at least `length_px` (the specks that skin texture
// leaves in the same top-hat are shorter), widened by one pixel for the hair's blurred edge. The
// opening runs over the mask only (pixels outside it neither lower the erosion nor raise the
// dilation). Returns CV_8U 0/255 of the map's size, or an empty Mat when the disc is under 3 px:
// a hair is then finer than a pixel, and a smaller disc would take single-pixel texture for hair.
// Grey and white hairs carry no melanin and are not found. Thread-safety: reentrant.

#include <opencv2/core.hpp>

namespace skintrack::core {

struct HairOptions {
  bool find = true;            // false: no hair is sought
  double max_width_mm = 0.5;   // the opening's disc: hairs are 0.02-0.2 mm, wider once blurred;
                               // freckles and lentigines are 1 mm and more (default 0.5 mm)
  double min_excess = 0.5;     // melanin density above the opening (default 0.5)
  double min_length_mm = 1.0;  // default 1 mm
};

// melanin: CV_32F Tsumura c_m; mask: CV_8U of the same size (non-zero = skin).
cv::Mat FindHairs(const cv::Mat& melanin, const cv::Mat& mask, double width_px, double min_excess,
                  double length_px);

}  // namespace skintrack::core
