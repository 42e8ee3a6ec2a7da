#pragma once
// Octaves for multi-scale filters (as in SIFT, Lowe 2004): a filter whose scale is several pixels
// wide loses nothing when it runs on a copy of the image area-averaged by a power of two, at a
// quarter of the pixels per octave and with a kernel half as wide. Used by the dark-blob detector
// (pores, scars) and the wrinkle ridge filter; ExpandByFactor brings a reduced result back.
//
// A block average by `factor` blurs by a variance of (1 − 1/factor²)/12 reduced pixels² (the
// box's variance less that of the input's own pixel), which a Gaussian blurred from the copy
// leaves out (`base_variance`). Reduced pixel i covers input pixels [i·factor, (i+1)·factor): its
// centre is at (i + ½)·factor − ½. Only whole blocks are kept (the last partial block of columns or
// rows is dropped), so every reduced pixel is an exact block mean.
// Thread-safety: reentrant.

#include <opencv2/core.hpp>

namespace skintrack::core {

struct Octave {
  int factor = 0;        // input pixels per reduced pixel (1: the input itself); 0: none yet
  cv::Mat values;        // CV_32F, block means
  cv::Mat mask;          // CV_8U, 255 where at least half of the block is in the mask
  double base_variance = 0;  // reduced px² of blur the block average already applied
};

// values CV_32F, mask CV_8U of the same size; factor ≥ 1.
Octave MakeOctave(const cv::Mat& values, const cv::Mat& mask, int factor);

// An image of any type reduced to the means of whole blocks of factor × factor pixels (the last
// partial block of columns or rows dropped); the image itself for factor 1.
cv::Mat ReduceByFactor(const cv::Mat& image, int factor);

// A CV_8U mask reduced as MakeOctave reduces it.
cv::Mat ReduceMask(const cv::Mat& mask, int factor);

// The largest power of two that leaves `sigma_px` at least `min_sigma_px` wide when reduced and the
// reduced image at least 32 pixels across; 1 when min_sigma_px ≤ 0.
int OctaveFactor(double sigma_px, double min_sigma_px, cv::Size size);

// A CV_32F image reduced by `factor` (as MakeOctave, whole blocks) brought back to `size`:
// bilinear between block centres over the covered area; the uncovered last columns and rows, and
// the half block at each edge, repeat the edge.
cv::Mat ExpandByFactor(const cv::Mat& reduced, int factor, cv::Size size);

}  // namespace skintrack::core
