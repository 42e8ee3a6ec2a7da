#include "core/phantom/timeline.h"

#include <cmath>
#include <cstdio>

#include "core/phantom/random.h"

namespace skintrack::core::phantom {
namespace {

// Days from civil date (proleptic Gregorian), after H. Hinnant's public-domain derivation.
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void CivilFromDays(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

constexpr double kHour = 1.0 / 24.0;
constexpr double kRemodellingDays = 21.0;
constexpr double kErythemaPeak = 0.5;
constexpr double kErythemaTauDays = 20.0 / 24.0;

enum : std::uint64_t { kStreamCapture = 100, kStreamNoise = 101 };

}  // namespace

std::optional<std::int64_t> ParseIsoDate(const std::string& text) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) {
    return std::nullopt;
  }
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1900 || y > 9999) return std::nullopt;
  const std::int64_t days = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  if (FormatIsoDate(days) != text) return std::nullopt;  // e.g. 2026-02-30
  return days;
}

std::string FormatIsoDate(std::int64_t days) {
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(days, y, m, d);
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buffer;
}

std::vector<double> TreatmentDays(const PhantomOptions& o) {
  std::vector<double> days;
  for (int k = 0; k < o.treatment_sessions; ++k) {
    days.push_back(k * o.treatment_interval_days + 10 * kHour);
  }
  return days;
}

std::vector<Visit> MakeVisits(const PhantomOptions& o) {
  std::vector<Visit> visits;
  const auto add = [&](std::string session, std::string kind, double day, bool show_time) {
    Visit v;
    v.index = static_cast<int>(visits.size());
    v.session = std::move(session);
    v.kind = std::move(kind);
    v.day = day;
    v.show_time = show_time;
    for (double t : TreatmentDays(o)) v.treatments_before += t < day ? 1 : 0;
    visits.push_back(v);
  };
  add("baseline", "baseline", 9 * kHour, false);
  add("baseline_r1", "repeat", 9 * kHour + 5.0 / 1440, false);
  add("baseline_r2", "repeat", 9 * kHour + 10.0 / 1440, false);
  const int k = o.treatment_sessions;
  for (int i = 2; i <= k; ++i) {
    add("tx" + std::to_string(i), "treatment", (i - 1) * o.treatment_interval_days + 9 * kHour,
        false);
  }
  const double last = TreatmentDays(o).back();
  const std::string tag = "post_tx" + std::to_string(k);
  add(tag + "_1h", "post_treatment_check", last + 1 * kHour, true);
  add(tag + "_24h", "post_treatment_check", last + 24 * kHour, true);
  add(tag + "_72h", "post_treatment_check", last + 72 * kHour, true);
  add("fu_7w", "followup", std::floor(last) + 49 + 9 * kHour, false);
  add("fu_12m", "followup", std::floor(last) + 365 + 9 * kHour, false);
  return visits;
}

std::string VisitDate(const PhantomOptions& o, const Visit& v) {
  const std::int64_t start = ParseIsoDate(o.start_date).value_or(0);
  const double whole = std::floor(v.day);
  std::string date = FormatIsoDate(start + static_cast<std::int64_t>(whole));
  if (v.show_time) {
    const int minutes = static_cast<int>(std::lround((v.day - whole) * 1440));
    char buffer[16];
    std::snprintf(buffer, sizeof(buffer), "T%02d:%02d", minutes / 60, minutes % 60);
    date += buffer;
  }
  return date;
}

SkinState StateAt(const PhantomOptions& o, PhantomResponse response, const Visit& visit) {
  SkinState state;
  if (response == PhantomResponse::kControl) return state;
  const double effect = response == PhantomResponse::kResponder ? o.effect : 0.1 * o.effect;
  const auto treatments = TreatmentDays(o);
  const double k = static_cast<double>(treatments.size());
  for (double t : treatments) {
    if (t >= visit.day) continue;
    const double dt = visit.day - t;
    state.improvement += effect / k * (1.0 - std::exp(-dt / kRemodellingDays));
    state.post_treatment_hemoglobin += kErythemaPeak * std::exp(-dt / kErythemaTauDays);
  }
  return state;
}

CaptureParams CaptureFor(const PhantomOptions& o, int subject_index, const Visit& visit) {
  CaptureParams c;
  const std::uint64_t subject = static_cast<std::uint64_t>(subject_index);
  const std::uint64_t index = static_cast<std::uint64_t>(visit.index);
  c.noise_seed = DeriveSeed(o.seed, {subject, kStreamNoise, index});
  c.jpeg_quality = o.jpeg_quality;
  c.shot_gain = 3e-4;
  c.read_sigma = 2e-3;
  c.blur_sigma_px = 0.5;
  if (visit.index == 0 || !o.capture.enabled) return c;
  PhantomRng rng(DeriveSeed(o.seed, {subject, kStreamCapture, index}));
  const auto& v = o.capture;
  const auto sym = [&](double range) { return rng.Uniform(-range, range); };
  c.rotation_deg = sym(v.max_rotation_deg);
  c.scale = 1.0 + sym(v.max_scale_change);
  c.translation_x_px = sym(v.max_translation_frac) * o.width_px;
  c.translation_y_px = sym(v.max_translation_frac) * o.height_px;
  if (v.perspective) {
    c.perspective_x = 2.0 * sym(v.max_perspective_frac);
    c.perspective_y = 2.0 * sym(v.max_perspective_frac);
  }
  c.exposure_gain = std::pow(2.0, sym(v.max_exposure_ev));
  c.white_balance_rgb = {1.0 + sym(v.max_white_balance_change), 1.0,
                         1.0 + sym(v.max_white_balance_change)};
  c.blur_sigma_px = rng.Uniform(v.blur_sigma_min_px, v.blur_sigma_max_px);
  c.shot_gain = 3e-4 * rng.Uniform(0.8, 1.25);
  c.light_azimuth_deg += sym(v.max_light_azimuth_change_deg);
  c.light_elevation_deg += sym(v.max_light_elevation_change_deg);
  return c;
}

}  // namespace skintrack::core::phantom
