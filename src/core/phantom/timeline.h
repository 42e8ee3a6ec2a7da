#pragma once
// Internal to core_phantom: the visit schedule of a treatment course and the skin state and
// capture set-up at each visit (docs/PHANTOM.md, "Timeline").
//
// Visits (K treatments, interval D days, times of day fixed):
//   baseline (day 0, 09:00) + 2 repeats (09:05, 09:10); treatment 1 at 10:00 on day 0;
//   tx2..txK at 09:00 on day (k-1)·D, photographed before that treatment (kind "treatment");
//   post_txK_1h / _24h / _72h after the final treatment (kind "post_treatment_check");
//   fu_7w (49 days after the final treatment) and fu_12m (365 days) (kind "followup").
// Improvement: each treatment adds 1/K of the subject's effect, developing as 1 - exp(-t/21 days)
// (collagen remodelling over weeks). Post-treatment erythema: haemoglobin +0.5 right after each
// treatment, decaying with a 20 h time constant (back within 0.03 at 72 h).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/phantom/phantom.h"
#include "core/phantom/scene.h"

namespace skintrack::core::phantom {

// Days since 1970-01-01 of an ISO date "YYYY-MM-DD"; nullopt when malformed or impossible.
std::optional<std::int64_t> ParseIsoDate(const std::string& text);
// ISO date of a day number.
std::string FormatIsoDate(std::int64_t days);

struct Visit {
  int index = 0;
  std::string session;  // "baseline", "baseline_r1", "tx2", "post_tx3_24h", "fu_7w", ...
  std::string kind;     // baseline, repeat, treatment, post_treatment_check, followup
  double day = 0;       // days since baseline midnight (fractional: time of day)
  bool show_time = false;  // the manifest date carries HH:MM
  int treatments_before = 0;  // treatments already given at the time of the photo
};

std::vector<Visit> MakeVisits(const PhantomOptions& options);
// Times (days since baseline midnight) of the treatments.
std::vector<double> TreatmentDays(const PhantomOptions& options);

// "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM".
std::string VisitDate(const PhantomOptions& options, const Visit& visit);

SkinState StateAt(const PhantomOptions& options, PhantomResponse response, const Visit& visit);

// The capture set-up of a visit: the baseline uses the nominal set-up (identity geometry); every
// other visit draws its variation from (seed, subject, visit).
CaptureParams CaptureFor(const PhantomOptions& options, int subject_index, const Visit& visit);

}  // namespace skintrack::core::phantom
