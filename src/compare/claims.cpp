#include "compare/claims.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include <toml++/toml.h>

#include "core/base/check.h"

namespace skintrack::compare {
namespace {

constexpr double kDaysPerMonth = 30.4375;
// Upper bound of any [low, high] pair in a claim spec (hours, days, weeks, months or sessions).
constexpr double kMaxRangeValue = 1e6;
// Upper bound of a protocol's session count.
constexpr int kMaxSessions = 1000;

// Compiled-in presets (docs/CLAIMS.md). Primary metrics, one per concern, keep the number of
// metrics small: "any of many metrics passes" would turn noise into support.
constexpr std::string_view kPresetToml = R"toml(
[[claim]]
id = "visible_6_8_weeks"
title = "Results visible 6-8 weeks after the final session"
kind = "change"
metrics = ["texture.roughness_rq", "pores.density_per_cm2", "pores.count", "wrinkles.length_mm_per_cm2", "scars.area_pct"]
event = "final_treatment"
window_weeks = [6, 8]
direction = "improve"
min_mdc = 1.0
combine = "any"

[[claim]]
id = "lasting_12_18_months"
title = "Improvement lasts 12-18 months after the final session"
kind = "lasting"
metrics = ["texture.roughness_rq", "pores.density_per_cm2", "pores.count", "wrinkles.length_mm_per_cm2", "scars.area_pct"]
event = "final_treatment"
window_months = [12, 18]
direction = "improve"
min_mdc = 1.0
combine = "any"

[[claim]]
id = "lasting_6_12_months"
title = "Improvement lasts 6-12 months after the final session"
kind = "lasting"
metrics = ["texture.roughness_rq", "pores.density_per_cm2", "pores.count", "wrinkles.length_mm_per_cm2", "scars.area_pct"]
event = "final_treatment"
window_months = [6, 12]
direction = "improve"
min_mdc = 1.0
combine = "any"

[[claim]]
id = "redness_resolves_24_48_h"
title = "Post-treatment redness back to the pre-treatment level within 24-48 hours"
kind = "recovery"
metrics = ["redness.a_star_mean", "redness.erythema_index_mean"]
event = "each_treatment"
window_hours = [24, 48]
combine = "all"

[[claim]]
id = "protocol_3_6_sessions"
title = "Protocol: 3-6 sessions 4-6 weeks apart"
kind = "protocol"
sessions = [3, 6]
interval_weeks = [4, 6]

[[claim]]
id = "no_pigment_darkening"
title = "No pigment darkening (post-inflammatory hyperpigmentation) at any follow-up"
kind = "no_worsening"
metrics = ["pigmentation.melanin_index_mean", "pigmentation.melanin_mean"]
event = "first_treatment"
window_days = [0, 100000]
min_mdc = 1.5
combine = "all"

[[claim]]
id = "visible_after_first_session"
title = "Results visible after the first session"
kind = "change"
metrics = ["texture.roughness_rq", "pores.density_per_cm2", "pores.count", "wrinkles.length_mm_per_cm2", "scars.area_pct"]
event = "first_treatment"
window_days = [7, 42]
direction = "improve"
min_mdc = 1.0
combine = "any"
)toml";

std::string Where(std::string_view source, const toml::source_region& region) {
  return std::string(source) + ":" + std::to_string(region.begin.line) + ": ";
}

std::string Fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
  return buf;
}

std::string Number(double value) {
  // Whole numbers print without decimals ("42"), others with up to 3 significant decimals.
  if (std::fabs(value - std::round(value)) < 1e-9) return Fixed(value, 0);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.3g", value);
  return buf;
}

class TableReader {
 public:
  TableReader(const toml::table& table, std::string_view source) : table_(table), source_(source) {}

  Error Problem(std::string_view key, const std::string& problem) const {
    const toml::node* node = table_.get(key);
    const auto& region = node != nullptr ? node->source() : table_.source();
    return BadInputError(Where(source_, region) + problem);
  }

  Result<std::optional<std::string>> String(std::string_view key) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) return std::optional<std::string>();
    if (!node->is_string()) return Problem(key, "'" + std::string(key) + "' must be a string");
    return std::optional<std::string>(**node->as_string());
  }

  Result<std::optional<double>> Number(std::string_view key) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) return std::optional<double>();
    if (auto v = node->value<double>()) return std::optional<double>(*v);
    return Problem(key, "'" + std::string(key) + "' must be a number");
  }

  // A [low, high] pair of numbers with low <= high.
  Result<std::optional<std::pair<double, double>>> Range(std::string_view key) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) return std::optional<std::pair<double, double>>();
    const toml::array* arr = node->as_array();
    if (arr == nullptr || arr->size() != 2 || !(*arr)[0].value<double>() ||
        !(*arr)[1].value<double>()) {
      return Problem(key, "'" + std::string(key) + "' must be a pair of numbers like [6, 8]");
    }
    const double lo = *(*arr)[0].value<double>(), hi = *(*arr)[1].value<double>();
    // Written so that NaN fails too; the ceiling keeps every later conversion (to days, to a
    // session count) finite and in range.
    if (!(lo >= 0 && lo <= hi && hi <= kMaxRangeValue)) {
      return Problem(key, "'" + std::string(key) +
                              "' must be [low, high] with 0 <= low <= high <= 1000000");
    }
    return std::optional<std::pair<double, double>>(std::make_pair(lo, hi));
  }

 private:
  const toml::table& table_;
  std::string_view source_;
};

Result<ClaimSpec> ParseOneClaim(const toml::table& table, std::string_view source) {
  static const std::set<std::string> kKeys = {
      "id",      "title",       "kind",          "metrics",        "event",       "window_days",
      "window_weeks", "window_months", "window_hours", "direction", "min_mdc",     "min_pct",
      "combine", "multiplicity", "sessions",    "interval_weeks", "interval_days"};
  TableReader reader(table, source);
  for (const auto& [key, node] : table) {
    if (kKeys.count(std::string(key.str())) == 0) {
      return BadInputError(Where(source, node.source()) + "unknown key '" + std::string(key.str()) +
                           "' in [[claim]]");
    }
  }
  ClaimSpec c;
  c.line = static_cast<int>(table.source().begin.line);
  SKT_ASSIGN_OR_RETURN(auto id, reader.String("id"));
  if (!id || id->empty()) {
    return BadInputError(Where(source, table.source()) + "[[claim]] needs an id = \"...\"");
  }
  c.id = *id;
  SKT_ASSIGN_OR_RETURN(auto title, reader.String("title"));
  c.title = title ? *title : c.id;

  SKT_ASSIGN_OR_RETURN(auto kind, reader.String("kind"));
  const std::string k = kind ? *kind : "change";
  if (k == "change") {
    c.kind = ClaimKind::kChange;
  } else if (k == "lasting") {
    c.kind = ClaimKind::kLasting;
  } else if (k == "recovery") {
    c.kind = ClaimKind::kRecovery;
  } else if (k == "protocol") {
    c.kind = ClaimKind::kProtocol;
  } else if (k == "no_worsening") {
    c.kind = ClaimKind::kNoWorsening;
  } else {
    return reader.Problem("kind", "unknown claim kind '" + k +
                                      "'; use change, lasting, recovery, protocol or no_worsening");
  }
  c.combine_all = c.kind == ClaimKind::kRecovery || c.kind == ClaimKind::kNoWorsening;

  if (c.kind == ClaimKind::kProtocol) {
    SKT_ASSIGN_OR_RETURN(auto sessions, reader.Range("sessions"));
    if (sessions) {
      if (std::floor(sessions->first) != sessions->first ||
          std::floor(sessions->second) != sessions->second || sessions->second > kMaxSessions) {
        return reader.Problem("sessions", "'sessions' must be whole numbers of sessions up to " +
                                              std::to_string(kMaxSessions) + ", like [3, 6]");
      }
      c.min_sessions = static_cast<int>(sessions->first);
      c.max_sessions = static_cast<int>(sessions->second);
    }
    SKT_ASSIGN_OR_RETURN(auto weeks, reader.Range("interval_weeks"));
    SKT_ASSIGN_OR_RETURN(auto days, reader.Range("interval_days"));
    if (weeks) {
      c.min_interval_days = weeks->first * 7;
      c.max_interval_days = weeks->second * 7;
    } else if (days) {
      c.min_interval_days = days->first;
      c.max_interval_days = days->second;
    }
    c.event = ClaimEvent::kEachTreatment;
    return c;
  }

  const toml::node* metrics = table.get("metrics");
  if (metrics == nullptr) {
    return BadInputError(Where(source, table.source()) + "claim '" + c.id +
                         "' needs metrics = [\"group.key\" or \"group\", ...]");
  }
  std::vector<std::pair<std::string, toml::source_region>> refs;
  if (metrics->is_string()) {
    refs.emplace_back(**metrics->as_string(), metrics->source());
  } else if (const toml::array* arr = metrics->as_array()) {
    for (const toml::node& item : *arr) {
      if (!item.is_string()) return reader.Problem("metrics", "metrics must be strings");
      refs.emplace_back(**item.as_string(), item.source());
    }
  } else {
    return reader.Problem("metrics", "metrics must be a string or a list of strings");
  }
  if (refs.empty()) return reader.Problem("metrics", "metrics must not be empty");
  for (const auto& [ref, region] : refs) {
    const std::vector<std::string> keys = ExpandMetricReference(ref);
    if (keys.empty()) {
      return BadInputError(Where(source, region.begin.line ? region : metrics->source()) +
                           "unknown metric '" + ref +
                           "'; use a group (redness, pigmentation, pores, texture, wrinkles, "
                           "scars) or a key such as pores.count (docs/METRICS.md)");
    }
    for (const std::string& key : keys) {
      if (std::find(c.metrics.begin(), c.metrics.end(), key) == c.metrics.end()) {
        c.metrics.push_back(key);
      }
    }
  }

  SKT_ASSIGN_OR_RETURN(auto event, reader.String("event"));
  const std::string e = event ? *event : "final_treatment";
  if (e == "baseline") {
    c.event = ClaimEvent::kBaseline;
  } else if (e == "first_treatment") {
    c.event = ClaimEvent::kFirstTreatment;
  } else if (e == "final_treatment") {
    c.event = ClaimEvent::kFinalTreatment;
  } else if (e == "each_treatment") {
    c.event = ClaimEvent::kEachTreatment;
  } else {
    return reader.Problem("event", "unknown event '" + e +
                                       "'; use baseline, first_treatment, final_treatment or "
                                       "each_treatment");
  }

  int windows = 0;
  struct Unit {
    const char* key;
    double days;
    bool hours;
  };
  for (const Unit& unit : {Unit{"window_days", 1, false}, Unit{"window_weeks", 7, false},
                           Unit{"window_months", kDaysPerMonth, false},
                           Unit{"window_hours", 1, true}}) {
    SKT_ASSIGN_OR_RETURN(auto range, reader.Range(unit.key));
    if (!range) continue;
    ++windows;
    c.window_start = range->first * unit.days;
    c.window_end = range->second * unit.days;
    c.window_in_hours = unit.hours;
  }
  if (windows != 1) {
    return BadInputError(Where(source, table.source()) + "claim '" + c.id +
                         "' needs exactly one of window_days, window_weeks, window_months, "
                         "window_hours");
  }

  SKT_ASSIGN_OR_RETURN(auto direction, reader.String("direction"));
  const std::string d = direction ? *direction : "improve";
  if (d == "improve") {
    c.direction = ClaimDirection::kImprove;
  } else if (d == "decrease") {
    c.direction = ClaimDirection::kDecrease;
  } else if (d == "increase") {
    c.direction = ClaimDirection::kIncrease;
  } else {
    return reader.Problem("direction",
                          "unknown direction '" + d + "'; use improve, decrease or increase");
  }
  SKT_ASSIGN_OR_RETURN(auto min_mdc, reader.Number("min_mdc"));
  if (min_mdc) {
    if (*min_mdc < 0) return reader.Problem("min_mdc", "min_mdc must be >= 0");
    c.min_mdc = *min_mdc;
  }
  SKT_ASSIGN_OR_RETURN(auto min_pct, reader.Number("min_pct"));
  if (min_pct) {
    if (*min_pct < 0) return reader.Problem("min_pct", "min_pct must be >= 0");
    c.min_pct = *min_pct;
  }
  SKT_ASSIGN_OR_RETURN(auto combine, reader.String("combine"));
  if (combine) {
    if (*combine != "any" && *combine != "all") {
      return reader.Problem("combine", "combine must be \"any\" or \"all\"");
    }
    c.combine_all = *combine == "all";
  }  SKT_ASSIGN_OR_RETURN(auto multiplicity, reader.String("multiplicity"));
  if (multiplicity) {
    if (*multiplicity != "bonferroni" && *multiplicity != "none") {
      return reader.Problem("multiplicity", "multiplicity must be \"bonferroni\" or \"none\"");
    }
    c.bonferroni = *multiplicity == "bonferroni";
  }

  return c;
}

// ---- evaluation ----

struct Context {
  std::vector<SessionScores> sorted;
  const SessionScores* baseline = nullptr;
  std::vector<const SessionScores*> treatments;
};

std::optional<double> SessionValue(const SessionScores& s, const std::string& metric) {
  auto it = s.values.find(metric);
  if (it == s.values.end() || it->second.empty()) return std::nullopt;
  return Mean(it->second);
}

bool InWindow(const ClaimSpec& claim, std::int64_t event_s, const SessionScores& s) {
  if (s.time_s <= event_s) return false;
  if (claim.window_in_hours) {
    const double hours = static_cast<double>(s.time_s - event_s) / 3600.0;
    return hours >= claim.window_start && hours <= claim.window_end;
  }
  const double days = static_cast<double>(CalendarDaysBetween(event_s, s.time_s));
  return days >= claim.window_start && days <= claim.window_end;
}

// Change in the claimed direction (positive = as claimed).
double ClaimedChange(const ClaimSpec& claim, double delta, Direction direction) {
  switch (claim.direction) {
    case ClaimDirection::kImprove:
      return ImprovementOf(delta, direction);
    case ClaimDirection::kDecrease:
      return -delta;
    case ClaimDirection::kIncrease:
      return delta;
  }
  return delta;
}

std::vector<std::int64_t> EventTimes(const ClaimSpec& claim, const Context& ctx) {
  std::vector<std::int64_t> times;
  switch (claim.event) {
    case ClaimEvent::kBaseline:
      if (ctx.baseline != nullptr) times.push_back(ctx.baseline->time_s);
      break;
    case ClaimEvent::kFirstTreatment:
      if (!ctx.treatments.empty()) times.push_back(ctx.treatments.front()->time_s);
      break;
    case ClaimEvent::kFinalTreatment:
      if (!ctx.treatments.empty()) times.push_back(ctx.treatments.back()->time_s);
      break;
    case ClaimEvent::kEachTreatment:
      for (const SessionScores* t : ctx.treatments) times.push_back(t->time_s);
      break;
  }
  return times;
}

std::string EventText(ClaimEvent event) {
  switch (event) {
    case ClaimEvent::kBaseline:
      return "the baseline";
    case ClaimEvent::kFirstTreatment:
      return "the first treatment";
    case ClaimEvent::kFinalTreatment:
      return "the final treatment";
    case ClaimEvent::kEachTreatment:
      return "a treatment";
  }
  return "the event";
}

// "1 day", "35 days".
std::string DaysText(long long days) {
  return std::to_string(days) + (days == 1 || days == -1 ? " day" : " days");
}

std::string PctText(const std::optional<double>& pct) {
  if (!pct) return "";
  return " (" + std::string(*pct >= 0 ? "+" : "") + Fixed(*pct, 1) + " %)";
}

std::optional<double> PercentOf(double delta, double reference) {
  if (reference == 0) return std::nullopt;
  return 100.0 * delta / std::fabs(reference);
}

void EvaluateProtocol(const ClaimSpec& claim, const Context& ctx, ClaimResult& out) {
  const int n = static_cast<int>(ctx.treatments.size());
  if (n == 0) {
    out.verdict = ClaimVerdict::kNotTestable;
    out.reason = "no treatment session recorded";
    return;
  }
  std::vector<std::string> problems;
  if (n < claim.min_sessions || n > claim.max_sessions) {
    problems.push_back(std::to_string(n) + " treatment sessions (protocol: " +
                       std::to_string(claim.min_sessions) + "-" +
                       std::to_string(claim.max_sessions) + ")");
  }
  for (int i = 1; i < n; ++i) {
    const auto gap = CalendarDaysBetween(ctx.treatments[static_cast<std::size_t>(i - 1)]->time_s,
                                         ctx.treatments[static_cast<std::size_t>(i)]->time_s);
    ClaimEvidence ev;
    ev.session_id = ctx.treatments[static_cast<std::size_t>(i)]->id;
    ev.days_after_event = gap;
    ev.passes = static_cast<double>(gap) >= claim.min_interval_days &&
                static_cast<double>(gap) <= claim.max_interval_days;
    ev.note = DaysText(gap) + " after the previous treatment";
    if (!ev.passes) {
      problems.push_back("gap of " + std::to_string(gap) + " days before " + ev.session_id +
                         " (protocol: " + Number(claim.min_interval_days) + "-" +
                         Number(claim.max_interval_days) + " days)");
    }
    out.evidence.push_back(ev);
  }
  if (problems.empty()) {
    out.verdict = ClaimVerdict::kSupported;
    out.reason = std::to_string(n) + " treatment sessions, every gap within " +
                 Number(claim.min_interval_days) + "-" + Number(claim.max_interval_days) + " days";
  } else {
    out.verdict = ClaimVerdict::kNotSupported;
    out.reason = problems.front();
    for (std::size_t i = 1; i < problems.size(); ++i) out.reason += "; " + problems[i];
  }
}

}  // namespace

const char* ClaimKindName(ClaimKind kind) {
  switch (kind) {
    case ClaimKind::kChange:
      return "change";
    case ClaimKind::kLasting:
      return "lasting";
    case ClaimKind::kRecovery:
      return "recovery";
    case ClaimKind::kProtocol:
      return "protocol";
    case ClaimKind::kNoWorsening:
      return "no_worsening";
  }
  return "change";
}

const char* ClaimEventName(ClaimEvent event) {
  switch (event) {
    case ClaimEvent::kBaseline:
      return "baseline";
    case ClaimEvent::kFirstTreatment:
      return "first_treatment";
    case ClaimEvent::kFinalTreatment:
      return "final_treatment";
    case ClaimEvent::kEachTreatment:
      return "each_treatment";
  }
  return "final_treatment";
}

const char* ClaimVerdictName(ClaimVerdict verdict) {
  switch (verdict) {
    case ClaimVerdict::kSupported:
      return "supported";
    case ClaimVerdict::kNotSupported:
      return "not supported";
    case ClaimVerdict::kNotTestable:
      return "not testable";
  }
  return "not testable";
}

const char* ItaClass(double ita_deg) {
  if (ita_deg > 55) return "very light";
  if (ita_deg > 41) return "light";
  if (ita_deg > 28) return "intermediate";
  if (ita_deg > 10) return "tan";
  if (ita_deg > -30) return "brown";
  return "dark";
}

std::string ClaimSpec::WindowText() const {
  if (kind == ClaimKind::kProtocol) {
    return std::to_string(min_sessions) + "-" + std::to_string(max_sessions) + " sessions " +
           Number(min_interval_days) + "-" + Number(max_interval_days) + " days apart";
  }
  const std::string unit = window_in_hours ? " hours" : " days";
  std::string range;
  if (window_end >= 36500) {
    range = "any time from " + Number(window_start) + unit;
  } else {
    range = Number(window_start) + "-" + Number(window_end) + unit;
  }
  return range + " after " + EventText(event);
}

Result<std::vector<ClaimSpec>> ParseClaimSpec(std::string_view toml_text,
                                              std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    return BadInputError(Where(source_name, e.source()) + std::string(e.description()));
  }
  for (const auto& [key, node] : root) {
    if (key.str() != "claim") {
      return BadInputError(Where(source_name, node.source()) + "unknown top-level key '" +
                           std::string(key.str()) + "'; claims go in [[claim]] tables");
    }
  }
  const toml::array* claims = root["claim"].as_array();
  if (claims == nullptr || claims->empty()) {
    return BadInputError(std::string(source_name) +
                         ":1: no [[claim]] tables found (docs/CLAIMS.md shows the format)");
  }
  std::vector<ClaimSpec> specs;
  std::set<std::string> ids;
  for (const toml::node& node : *claims) {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      return BadInputError(Where(source_name, node.source()) + "'claim' must be [[claim]] tables");
    }
    SKT_ASSIGN_OR_RETURN(ClaimSpec spec, ParseOneClaim(*table, source_name));
    if (!ids.insert(spec.id).second) {
      return BadInputError(std::string(source_name) + ":" + std::to_string(spec.line) +
                           ": duplicate claim id '" + spec.id + "'");
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

std::string_view PresetClaimsToml() { return kPresetToml; }

const std::vector<ClaimSpec>& PresetClaims() {
  static const std::vector<ClaimSpec> presets = [] {
    auto parsed = ParseClaimSpec(kPresetToml, "presets");
    SKT_CHECK(parsed.ok()) << parsed.error().message;
    std::vector<ClaimSpec> specs = std::move(parsed).value();
    for (ClaimSpec& spec : specs) spec.line = 0;
    return specs;
  }();
  return presets;
}

namespace {

ClaimResult JudgeClaim(const ClaimSpec& claim, const SubjectTimeline& subject,
                       const NoiseByMetric& noise) {
  ClaimResult out;
  out.claim_id = claim.id;
  out.title = claim.title;
  out.subject = subject.subject;
  Context ctx;
  ctx.sorted = SortedSessions(subject);
  ctx.baseline = FindBaseline(ctx.sorted);
  for (const SessionScores& s : ctx.sorted) {
    if (s.IsTreatment()) ctx.treatments.push_back(&s);
  }
  const std::vector<double> ita = BaselineRepeats(ctx.sorted, "pigmentation.ita_deg");
  if (!ita.empty()) out.ita_class = ItaClass(Mean(ita));

  if (claim.kind == ClaimKind::kProtocol) {
    EvaluateProtocol(claim, ctx, out);
    return out;
  }
  if (ctx.baseline == nullptr) {
    out.reason = "no sessions recorded";
    return out;
  }
  const std::vector<std::int64_t> events = EventTimes(claim, ctx);
  if (events.empty()) {
    out.reason = claim.event == ClaimEvent::kBaseline ? "no baseline session"
                                                      : "no treatment session recorded";
    return out;
  }
  // Metrics that have a baseline value for this subject.
  std::vector<std::string> metrics;
  for (const std::string& m : claim.metrics) {
    if (!BaselineRepeats(ctx.sorted, m).empty()) metrics.push_back(m);
  }
  if (metrics.empty()) {
    out.reason = "no baseline score for any of the claim's metrics";
    return out;
  }

  // Family-wise threshold for "any of these metrics improved" (see ClaimSpec::bonferroni):
  // z(1 − 0.025/m) / z(0.975) times min_mdc, e.g. ×1.31 for 5 metrics.
  double threshold = claim.min_mdc;
  const bool any_of_change = (claim.kind == ClaimKind::kChange || claim.kind == ClaimKind::kLasting) &&
                             !claim.combine_all;
  if (any_of_change && claim.bonferroni && metrics.size() > 1) {
    const double m = static_cast<double>(metrics.size());
    threshold *= NormalQuantile(1.0 - 0.025 / m) / NormalQuantile(0.975);
  }
  out.threshold_mdc = threshold;

  std::vector<std::string> passed, failed;
  bool any_window_session = false;
  for (const std::string& metric : metrics) {
    const MetricInfo info = MetricInfoOrDefault(metric);
    const double baseline = Mean(BaselineRepeats(ctx.sorted, metric));
    const double mdc = MdcFor(noise, metric, baseline, PerFeatureOf(ctx.sorted, metric)).mdc95;
    bool tested = false;
    bool metric_passes = true;
    double change_sum = 0;
    int change_count = 0;
    double worst_claimed = std::numeric_limits<double>::infinity();
    double worst_delta = 0;

    for (std::int64_t event_s : events) {
      std::vector<const SessionScores*> window;
      for (const SessionScores& s : ctx.sorted) {
        // Acute erythema right after needling raises every absorbance-based pigment reading for a
        // few days; pigment darkening (PIH) is judged at treatment and follow-up visits instead.
        if (claim.kind == ClaimKind::kNoWorsening && s.kind == SessionKind::kPostTreatmentCheck) {
          continue;
        }
        if (InWindow(claim, event_s, s) && SessionValue(s, metric)) window.push_back(&s);
      }
      if (window.empty()) continue;
      any_window_session = true;
      tested = true;

      if (claim.kind == ClaimKind::kChange) {
        std::vector<double> values;
        std::string ids;
        for (const SessionScores* s : window) {
          values.push_back(*SessionValue(*s, metric));
          ids += (ids.empty() ? "" : ",") + s->id;
        }
        ClaimEvidence ev;
        ev.metric = metric;
        ev.session_id = ids;
        ev.days_after_event = CalendarDaysBetween(event_s, window.front()->time_s);
        ev.value = Mean(values);
        ev.reference = baseline;
        ev.delta = ev.value - baseline;
        ev.delta_pct = PercentOf(ev.delta, baseline);
        ev.mdc95 = mdc;
        const double claimed = ClaimedChange(claim, ev.delta, info.improvement);
        ev.size_mdc = claimed / mdc;
        const double pct = ev.delta_pct ? ClaimedChange(claim, *ev.delta_pct, info.improvement) : 0;
        ev.passes = claimed > threshold * mdc && (claim.min_pct <= 0 || pct >= claim.min_pct);
        metric_passes = metric_passes && ev.passes;
        change_sum += ev.delta;
        ++change_count;
        out.evidence.push_back(ev);
      } else if (claim.kind == ClaimKind::kLasting || claim.kind == ClaimKind::kNoWorsening) {
        for (const SessionScores* s : window) {
          ClaimEvidence ev;
          ev.metric = metric;
          ev.session_id = s->id;
          ev.days_after_event = CalendarDaysBetween(event_s, s->time_s);
          ev.value = *SessionValue(*s, metric);
          ev.reference = baseline;
          ev.delta = ev.value - baseline;
          ev.delta_pct = PercentOf(ev.delta, baseline);
          ev.mdc95 = mdc;
          if (claim.kind == ClaimKind::kLasting) {
            const double claimed = ClaimedChange(claim, ev.delta, info.improvement);
            ev.size_mdc = claimed / mdc;
            const double pct =
                ev.delta_pct ? ClaimedChange(claim, *ev.delta_pct, info.improvement) : 0;
            ev.passes =
                claimed > threshold * mdc && (claim.min_pct <= 0 || pct >= claim.min_pct);
            change_sum += ev.delta;
            ++change_count;
          } else {
            // Worsening beyond min_mdc·MDC95 in the metric's own direction breaks the claim.
            const double improvement = ImprovementOf(ev.delta, info.improvement);
            ev.size_mdc = improvement / mdc;
            ev.passes = improvement >= -claim.min_mdc * mdc;
            if (improvement < worst_claimed) {
              worst_claimed = improvement;
              worst_delta = ev.delta;
            }
          }
          metric_passes = metric_passes && ev.passes;
          out.evidence.push_back(ev);
        }
      } else {  // recovery: the last session in the window against the pre-treatment level
        const SessionScores* treatment = nullptr;
        for (const SessionScores* t : ctx.treatments) {
          if (t->time_s == event_s) treatment = t;
        }
        std::optional<double> reference;
        for (const SessionScores& s : ctx.sorted) {
          if (s.time_s > event_s) break;
          if (auto v = SessionValue(s, metric)) reference = v;
        }
        if (treatment != nullptr && SessionValue(*treatment, metric)) {
          reference = SessionValue(*treatment, metric);
        }
        if (!reference) continue;
        const SessionScores* last = window.back();
        ClaimEvidence ev;
        ev.metric = metric;
        ev.session_id = last->id;
        ev.days_after_event = CalendarDaysBetween(event_s, last->time_s);
        ev.value = *SessionValue(*last, metric);
        ev.reference = *reference;
        ev.delta = ev.value - *reference;
        ev.delta_pct = PercentOf(ev.delta, *reference);
        ev.mdc95 = mdc;
        const double improvement = ImprovementOf(ev.delta, info.improvement);
        ev.size_mdc = improvement / mdc;
        ev.passes = improvement >= -claim.min_mdc * mdc;
        ev.note = Fixed(static_cast<double>(last->time_s - event_s) / 3600.0, 0) +
                  " h after the treatment";
        change_sum += ev.delta;
        ++change_count;
        out.evidence.push_back(ev);
      }
    }
    if (!tested) continue;
    if (claim.kind == ClaimKind::kRecovery && change_count > 0) {
      // Judged on the mean residual over the treatments: one comparison per subject instead of one
      // per treatment keeps the false-alarm rate of an "every treatment" rule near 2.5 %.
      const double mean_delta = change_sum / change_count;
      metric_passes = ImprovementOf(mean_delta, info.improvement) >= -claim.min_mdc * mdc;
    }
    out.passes_by_metric[metric] = metric_passes;
    if (claim.kind == ClaimKind::kNoWorsening) {
      out.change_by_metric[metric] = worst_delta;
    } else if (change_count > 0) {
      out.change_by_metric[metric] = change_sum / change_count;
    }
    (metric_passes ? passed : failed).push_back(metric);
  }

  if (!any_window_session || out.passes_by_metric.empty()) {
    out.verdict = ClaimVerdict::kNotTestable;
    out.reason = "no scored session " + claim.WindowText();
    if (claim.kind == ClaimKind::kRecovery) {
      out.reason = "no post-treatment check " + claim.WindowText();
    } else if (claim.kind == ClaimKind::kNoWorsening) {
      out.reason = "no follow-up after " + EventText(claim.event);
    }
    return out;
  }
  const bool supported = claim.combine_all ? failed.empty() : !passed.empty();
  out.verdict = supported ? ClaimVerdict::kSupported : ClaimVerdict::kNotSupported;

  // The reason names the strongest evidence for the verdict. A change that any one metric may
  // show and that none showed is told by the change that came closest: the metric that worsened
  // most says nothing about whether the claimed improvement happened.
  const bool closest = !supported && !claim.combine_all && passed.empty() &&
                       (claim.kind == ClaimKind::kChange || claim.kind == ClaimKind::kLasting);
  const ClaimEvidence* key = nullptr;
  for (const ClaimEvidence& ev : out.evidence) {
    const bool wanted = supported ? ev.passes : !ev.passes;
    if (!wanted) continue;
    if (key == nullptr ||
        (supported || closest ? ev.size_mdc > key->size_mdc : ev.size_mdc < key->size_mdc)) {
      key = &ev;
    }
  }
  if (key == nullptr) key = &out.evidence.front();
  const std::string size = Fixed(key->size_mdc, 2) + " MDC" + PctText(key->delta_pct);
  const std::string where =
      " (" + key->session_id + ", " + DaysText(key->days_after_event) + " after " +
      EventText(claim.event) + ")";
  switch (claim.kind) {
    case ClaimKind::kChange:
    case ClaimKind::kLasting:
      out.reason = supported ? key->metric + " improved by " + size + where
                             : (claim.kind == ClaimKind::kLasting && !passed.empty()
                                    ? "not every session in the window kept the change: "
                                    : "no change of at least " + Fixed(threshold, 2) +
                                          " MDC in the claimed direction; the closest: ") +
                                   key->metric + " " + size + where;
      break;
    case ClaimKind::kRecovery:
      out.reason = supported ? "every measured metric back within " + Number(claim.min_mdc) +
                                   " MDC of the pre-treatment level on average over " +
                                   std::to_string(events.size()) + " treatments"
                             : key->metric + " still " + Fixed(-key->size_mdc, 2) +
                                   " MDC worse than before the treatment" + where;
      break;
    case ClaimKind::kNoWorsening:
      out.reason = supported ? "no session worsened beyond " + Number(claim.min_mdc) + " MDC"
                             : key->metric + " worsened by " + Fixed(-key->size_mdc, 2) +
                                   " MDC" + PctText(key->delta_pct) + where;
      break;
    case ClaimKind::kProtocol:
      break;
  }
  return out;
}

// "pores.count, pores.area_pct left out (pores_below_resolution in session s1)": the claim's
// metrics whose values some captures' warnings left out of the subject's timeline; empty if none.
std::string LeftOutNote(const ClaimSpec& claim, const SubjectTimeline& subject) {
  std::map<std::string, std::vector<std::string>> metrics_by_text;
  for (const std::string& metric : claim.metrics) {
    const std::string text = LeftOutText(subject, metric);
    if (!text.empty()) metrics_by_text[text].push_back(metric);
  }
  std::string note;
  for (const auto& [text, metrics] : metrics_by_text) {
    if (!note.empty()) note += "; ";
    for (std::size_t i = 0; i < metrics.size(); ++i) note += (i ? ", " : "") + metrics[i];
    note += " left out (" + text + ")";
  }
  return note;
}

}  // namespace

ClaimResult EvaluateClaim(const ClaimSpec& claim, const SubjectTimeline& subject,
                          const NoiseByMetric& noise) {
  ClaimResult out = JudgeClaim(claim, subject, noise);
  // Values left out for the photo's resolution are named, whatever the verdict: a claim judged on
  // texture alone, or not testable, says which of its metrics could not be measured.
  if (claim.kind != ClaimKind::kProtocol) {
    const std::string note = LeftOutNote(claim, subject);
    if (!note.empty()) out.reason += (out.reason.empty() ? "" : "; ") + note;
  }
  return out;
}

}  // namespace skintrack::compare
