#pragma once
// Internal to core_phantom: where the ColorChecker Classic 24 goes and what colours it has.

#include "core/base/result.h"
#include "core/phantom/phantom.h"
#include "core/phantom/scene.h"

namespace skintrack::core::phantom {

// Chart layout for the canonical image of `options` (bottom-right corner, 3 mm from the edges), or
// a layout with present = false when the chart is off. Patch colours come from the post-2014
// reference CIELAB D50 values through LinearSrgbFromLabD50; colours outside the sRGB gamut (the
// cyan patch) are clipped and flagged. kUsage when the chart does not fit in the image.
Result<ChartLayout> MakeChartLayout(const PhantomOptions& options);

}  // namespace skintrack::core::phantom
