#pragma once
// Wording and small formatting helpers shared by the PDF and HTML report writers, so both say the
// same thing in the same words.

#include <cstdio>
#include <string>

#include "compare/timeline.h"

namespace skintrack::report {

inline constexpr const char* kHowToRead =
    "Every measurement has some noise: two photos taken minutes apart never give exactly the same "
    "number. For each measure we state the smallest change that can be told apart from that noise "
    "(the minimal detectable change, MDC95). Changes smaller than that are reported as "
    "\"no detectable change\", whichever way they point.";

inline constexpr const char* kPhotoNote =
    "The later photo has been aligned to the first one so the same skin is shown in the same place. "
    "Differences in lighting between visits can change how photos look; the measurements correct "
    "for this where a colour chart was in the picture.";

inline constexpr const char* kChartNote =
    "Dots are your visits; the blue band is your first-visit level plus and minus the measurement "
    "noise; red lines mark treatment sessions; shaded areas are the periods in which the treatment "
    "claims an effect should be visible.";

inline std::string FormatValue(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.4g", value);
  return buffer;
}

inline std::string KindLabel(compare::SessionKind kind) {
  switch (kind) {
    case compare::SessionKind::kBaseline: return "first visit";
    case compare::SessionKind::kRepeat: return "repeat photo";
    case compare::SessionKind::kTreatment: return "treatment";
    case compare::SessionKind::kFollowUp: return "follow-up";
    case compare::SessionKind::kPostTreatmentCheck: return "check after treatment";
  }
  return "visit";
}

}  // namespace skintrack::report
