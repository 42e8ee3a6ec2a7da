#pragma once
// Limits on the captures skintrack analyses, shared by every command and parser that checks them,
// so that `score`, `compare`, `batch`, `import`, `surface` and the manifest and lights files accept
// the same images and scales and say so in the same words.
// Thread-safety: constants and pure functions.

#include <string>

namespace skintrack::core {

// Shortest side, in pixels, of an image skintrack scores or registers. The skin mask is found on a
// reduced copy and every metric filters over several pixels, so a thinner image gives no
// measurement, only rounding to empty images; registration refuses the same size for the same
// reason ("too small to register").
inline constexpr int kMinImageSidePx = 32;

// Plausible physical scales of a capture, in pixels per mm. A face photo is 1-10 px/mm and
// dermoscopy up to about 200; outside [0.1, 1000] the value is a typing slip or a wrong unit
// (px/cm, px/inch), and the size filters of every metric would select nothing or everything.
inline constexpr double kMinPxPerMm = 0.1;
inline constexpr double kMaxPxPerMm = 1000.0;

// True for a finite scale within [kMinPxPerMm, kMaxPxPerMm] (false for NaN).
inline bool IsPlausiblePxPerMm(double px_per_mm) {
  return px_per_mm >= kMinPxPerMm && px_per_mm <= kMaxPxPerMm;
}

// The range as messages state it: "0.1 and 1000 px/mm" ("must be between ...").
inline std::string PxPerMmRangeText() { return "0.1 and 1000 px/mm"; }

}  // namespace skintrack::core
