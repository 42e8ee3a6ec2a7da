#pragma once
// Internal to core_phantom: the ground-truth JSON pieces (schema skintrack.phantom-truth/1,
// docs/PHANTOM.md).

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "core/phantom/phantom.h"
#include "core/phantom/scene.h"

namespace skintrack::core::phantom {

inline constexpr const char* kTruthSchema = "skintrack.phantom-truth/1";

// Per-subject constants: tone, canonical frame, chart, texture band, noise fields.
nlohmann::json SubjectTruth(const Scene& scene);

// One capture: state, capture set-up and transforms, summary in physical units, and every feature
// in the canonical frame and in image pixels.
nlohmann::json CaptureTruth(const Scene& scene, const VisitFeatures& features,
                            const CaptureParams& capture, const cv::Matx33d& image_from_canonical);

// The options as JSON (recorded in the truth so a series can be regenerated).
nlohmann::json OptionsToJson(const PhantomOptions& options);

// RMS of the relative luminance produced by the fine texture alone (albedo and micro-relief under
// the capture's light), measured on a central window of at most 512 x 512 canonical pixels.
double TextureLuminanceRq(const Scene& scene, const VisitFeatures& features,
                          const cv::Vec3d& light);

}  // namespace skintrack::core::phantom
