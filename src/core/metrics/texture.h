#pragma once
// Texture: band-pass roughness of flat-field luminance, in relative units.
//
// Method: c = Y/Ȳ − 1 (flat field, analysis_frame.h, σ = flat_field_sigma_mm); the fine-texture
// band is the difference of Gaussians b = G(σ_fine)*c − G(σ_coarse)*c with σ in mm, which keeps
// spatial wavelengths of roughly 2π·σ_fine .. 2π·σ_coarse (default 0.5 to 3 mm) and removes sensor
// noise below and shading above. Over the skin mask eroded by 2·σ_coarse; where hair lies on the
// skin (AnalysisFrame::hair), the flat field and both smoothings are taken over the skin between
// the hairs (normalised convolution) and the band is measured 2·σ_fine clear of them:
//   roughness_rq = √(mean b²) · 100,  roughness_ra = mean |b| · 100
// (ISO 4287 Rq/Ra definitions applied to relative luminance; unit "% of local luminance"). These
// are optical roughness proxies, not heights; with a height map see core/surface for Sa/Sq in µm.
// When the chart measured the capture's blur σ_b (frame.blur_px), the fine Gaussian applied is
// max(0.5 px, 0.7·σ_fine, √(σ_fine² − σ_b²)): the lens has already done the rest, so a sharp and a
// soft capture of the same skin measure the same band (label "capture_blur"); the floors keep
// sensor noise, which the lens does not blur, out of it. A blur wider than σ_fine cannot be undone:
// warning "texture_capture_blurred" (roughness then reads low).
// Pixel noise (sensor noise, added after the lens) is taken out in quadrature: its SD is read from
// the flat field's second differences over the measured skin (robust, as white noise), times the
// band's white-noise gain √Σ(g_fine − g_coarse)², gives n, and roughness_rq = √(Rq² − n²);
// roughness_ra is scaled by the same factor. Label "pixel_noise_rq" = n·100; warning
// "texture_noise_dominated" when n exceeds 0.6 of the band's Rq before the correction. At most
// 0.9 of the band's Rq is taken out (n is an upper bound: pixel-scale texture counts in it), so a
// pattern at the pixel scale keeps its order of roughness.
// Map "texture_bandpass": |b|·100. Errors: kInternal if OpenCV fails. Thread-safety: reentrant.

#include "core/base/result.h"
#include "core/metrics/metric_types.h"

namespace skintrack::core {

struct TextureOptions {
  double fine_sigma_mm = 0.08;      // lower edge of the band (default 0.08 mm)
  double coarse_sigma_mm = 0.5;     // upper edge of the band (default 0.5 mm)
  double flat_field_sigma_mm = 2.0; // default 2 mm
};

Result<MetricGroup> MeasureTexture(const AnalysisFrame& frame, const TextureOptions& options = {});

}  // namespace skintrack::core
