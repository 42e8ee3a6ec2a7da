#include "core/phantom/phantom.h"

#include <cmath>
#include <string>

#include "core/phantom/render.h"
#include "core/phantom/scene.h"
#include "core/phantom/timeline.h"
#include "core/phantom/truth.h"

namespace skintrack::core {

std::string_view SkinToneName(SkinTone tone) {
  switch (tone) {
    case SkinTone::kVeryLight:
      return "very_light";
    case SkinTone::kLight:
      return "light";
    case SkinTone::kIntermediate:
      return "intermediate";
    case SkinTone::kTan:
      return "tan";
    case SkinTone::kBrown:
      return "brown";
    case SkinTone::kDark:
      return "dark";
  }
  return "light";
}

Result<SkinTone> ParseSkinTone(std::string_view name) {
  for (SkinTone tone : {SkinTone::kVeryLight, SkinTone::kLight, SkinTone::kIntermediate,
                        SkinTone::kTan, SkinTone::kBrown, SkinTone::kDark}) {
    if (SkinToneName(tone) == name) return tone;
  }
  return UsageError("unknown skin tone '" + std::string(name) +
                    "'; use very_light, light, intermediate, tan, brown or dark");
}

ToneChromophores BaseChromophoresForTone(SkinTone tone) {
  // Least-squares fits (grid 0.05) of the flat-skin CIELAB D50 to typical values of each ITA class
  // (target L*, a*, b*: very light 72/10/13, light 66/12/17, intermediate 61/12/18, tan 56/13/20,
  // brown 45/13/20, dark 33/11/14), melanin kept increasing with darkness. Resulting ITA°:
  // 60, 44, 32, 16, -14, -46 (docs/PHANTOM.md).
  switch (tone) {
    case SkinTone::kVeryLight:
      return {0.50, 1.05, 0.00};
    case SkinTone::kLight:
      return {0.75, 1.35, -0.05};
    case SkinTone::kIntermediate:
      return {0.85, 1.45, 0.05};
    case SkinTone::kTan:
      return {1.05, 1.70, 0.05};
    case SkinTone::kBrown:
      return {1.30, 1.95, 0.30};
    case SkinTone::kDark:
      return {1.60, 2.00, 0.90};
  }
  return {0.75, 1.35, -0.05};
}

std::string_view PhantomResponseName(PhantomResponse response) {
  switch (response) {
    case PhantomResponse::kResponder:
      return "responder";
    case PhantomResponse::kNonResponder:
      return "non_responder";
    case PhantomResponse::kControl:
      return "control";
  }
  return "responder";
}

Result<PhantomResponse> ParsePhantomResponse(std::string_view name) {
  for (PhantomResponse r :
       {PhantomResponse::kResponder, PhantomResponse::kNonResponder, PhantomResponse::kControl}) {
    if (PhantomResponseName(r) == name) return r;
  }
  if (name == "non-responder") return PhantomResponse::kNonResponder;
  return UsageError("unknown subject kind '" + std::string(name) +
                    "'; use responder, non_responder or control");
}

Status PhantomOptions::Check() const {
  const auto bad = [](const std::string& what) { return Status(UsageError("phantom: " + what)); };
  if (width_px < 64 || height_px < 64 || width_px > 20000 || height_px > 20000) {
    return bad("--size must be between 64x64 and 20000x20000 pixels");
  }
  if (!(px_per_mm >= 1 && px_per_mm <= 200)) return bad("--px-per-mm must be in [1, 200]");
  if (!(effect >= 0 && effect <= 0.9)) return bad("--effect must be in [0, 0.9]");
  if (subjects.empty() || subjects.size() > 99) return bad("give 1 to 99 subjects");
  if (treatment_sessions < 1 || treatment_sessions > 6) return bad("--sessions must be 1..6");
  if (treatment_interval_days < 28 || treatment_interval_days > 42) {
    return bad("the treatment interval must be 28..42 days (4-6 weeks)");
  }
  if (!phantom::ParseIsoDate(start_date)) {
    return bad("start date '" + start_date + "' is not an ISO date YYYY-MM-DD");
  }
  if (jpeg_quality < 1 || jpeg_quality > 100) return bad("--jpeg-quality must be 1..100");
  if (ps_lights < 4 || ps_lights > 8) return bad("photometric stereo needs 4..8 lights");
  if (ps_size_px < 64) return bad("the photometric-stereo crop must be at least 64 px");
  const auto& f = features;
  if (!(f.pore_density_per_cm2 >= 0 && f.pore_density_per_cm2 <= 400)) {
    return bad("pore density must be in [0, 400] per cm2");
  }
  if (!(f.pore_diameter_min_mm > 0 && f.pore_diameter_max_mm >= f.pore_diameter_min_mm &&
        f.pore_diameter_max_mm <= 3)) {
    return bad("pore diameters must satisfy 0 < min <= max <= 3 mm");
  }
  if (f.redness_patches < 0 || f.pigment_spots < 0 || f.wrinkles < 0 || f.scars < 0 ||
      f.redness_patches > 50 || f.pigment_spots > 50 || f.wrinkles > 50 || f.scars > 50) {
    return bad("feature counts must be in 0..50");
  }
  if (!(f.texture_albedo_rms >= 0 && f.texture_albedo_rms <= 0.5 && f.texture_height_sq_um >= 0 &&
        f.texture_height_sq_um <= 200 && f.mottling_rms >= 0 && f.mottling_rms <= 0.5)) {
    return bad("texture amplitudes out of range");
  }
  if (!(f.texture_band_min_mm > 0 && f.texture_band_max_mm >= f.texture_band_min_mm)) {
    return bad("texture band must satisfy 0 < min <= max");
  }
  const auto& c = capture;
  if (!(c.max_rotation_deg >= 0 && c.max_rotation_deg <= 10 && c.max_scale_change >= 0 &&
        c.max_scale_change <= 0.1 && c.max_translation_frac >= 0 && c.max_translation_frac <= 0.05 &&
        c.max_perspective_frac >= 0 && c.max_perspective_frac <= 0.03)) {
    return bad("capture geometry variation out of range (rotation <= 10 deg, scale <= 0.1, "
               "translation <= 0.05, perspective <= 0.03)");
  }
  if (!(c.blur_sigma_min_px >= 0 && c.blur_sigma_max_px >= c.blur_sigma_min_px &&
        c.blur_sigma_max_px <= 5)) {
    return bad("blur range must satisfy 0 <= min <= max <= 5 px");
  }
  return OkStatus();
}

Result<RenderedSkin> RenderSkin(const PhantomOptions& options, const CaptureParams& capture,
                                const SkinState& state, int subject_index) {
  SKT_RETURN_IF_ERROR(options.Check());
  if (subject_index < 0 || subject_index >= static_cast<int>(options.subjects.size())) {
    return UsageError("phantom: subject index " + std::to_string(subject_index) + " out of range");
  }
  try {
    SKT_ASSIGN_OR_RETURN(const phantom::Scene scene, phantom::MakeScene(options, subject_index));
    const phantom::VisitFeatures features = phantom::ApplyState(scene, state);
    SKT_ASSIGN_OR_RETURN(phantom::CaptureRender render,
                         phantom::RenderCapture(scene, features, capture));
    RenderedSkin out;
    out.rgb_linear = render.rgb_linear;
    out.bgr = render.bgr;
    phantom::Lighting lighting;
    lighting.light = phantom::LightDirection(capture.light_azimuth_deg, capture.light_elevation_deg);
    out.height_mm = phantom::RenderCanonical(scene, features,
                                             cv::Rect(0, 0, options.width_px, options.height_px),
                                             lighting)
                        .height_mm;
    out.truth = phantom::CaptureTruth(scene, features, capture, render.image_from_canonical);
    out.truth["subject"] = phantom::SubjectTruth(scene);
    return out;
  } catch (const cv::Exception& e) {
    return InternalError(std::string("phantom: OpenCV failed: ") + e.what());
  }
}

}  // namespace skintrack::core
