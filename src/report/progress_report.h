#pragma once
// Progress reports for patients and practitioners (docs/REPORTS.md).
//
// Two steps: BuildProgressReport turns a subject's timeline, noise estimates, claim results and
// prepared photos into a ProgressReport (plain data: sentences, tables, charts), and the writers
// render it as a PDF (cairo, vector text and charts, embedded JPEG photos, A4 or Letter) or as one
// self-contained HTML file (inline SVG charts, base64 JPEG photos, no external request).
//
// Honesty rules built in: every change is stated against its MDC95 ("changes smaller than 6%
// cannot be told apart from measurement noise"); a change within noise is called "no detectable
// change"; a worsening is said plainly; a subject with only a baseline gets a report saying there is
// nothing to compare yet.
//
// Privacy: the report carries the pseudonymous subject code unless `identify` is set with a display
// name; photos must be metadata-free JPEG bytes (see photos.h); no file path appears anywhere.
// Errors: writers return kStorage when the file cannot be written (atomic: temp file + rename).
// Thread-safety: reentrant.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compare/claims.h"
#include "compare/timeline.h"
#include "core/base/result.h"
#include "report/chart.h"

namespace skintrack::report {

enum class Audience { kPatient, kPractitioner };
enum class PaperSize { kA4, kLetter };

struct ReportPhoto {
  std::string caption;  // "First visit", "Latest visit (aligned)"
  std::string date;     // "2026-03-01"
  std::string jpeg;     // JPEG bytes without any metadata
  int width = 0;
  int height = 0;
};

// Per-session facts for the treatment timeline.
struct SessionInfo {
  std::string id;
  std::string date;  // "YYYY-MM-DD"
  compare::SessionKind kind = compare::SessionKind::kFollowUp;
  std::string device;
  std::optional<double> needle_depth_mm;
};

struct ReportInputs {
  Audience audience = Audience::kPatient;
  std::string subject_label;  // pseudonymous code, or the display name with --identify
  compare::SubjectTimeline timeline;
  compare::NoiseByMetric noise;
  std::vector<compare::ClaimSpec> claims;
  std::vector<SessionInfo> sessions;
  std::vector<ReportPhoto> photos;
  std::vector<std::string> caveats;  // capture-quality and calibration caveats, plain language
  std::vector<std::pair<std::string, std::string>> technical;  // practitioner key/value facts
  std::string generated_on;  // "YYYY-MM-DD"
  std::string tool_version;
};

struct MetricSummary {
  std::string key;    // "texture.roughness_rq"
  std::string title;  // "Skin texture (roughness)"
  std::string unit;
  bool headline = false;
  double baseline = 0;
  double latest = 0;
  std::string latest_date;
  double delta = 0;
  std::optional<double> delta_pct;
  double mdc95 = 0;
  bool mdc_from_repeats = false;
  std::string mdc_source = "default";  // "repeats", "default" or "few repeats" (compare::MdcFor)
  std::string verdict;   // "improved", "no detectable change", "worsened", "changed"
  std::string sentence;  // plain language
  MetricChart chart;
};

struct ClaimLine {
  std::string title;
  std::string verdict;  // "supported", "not supported", "not testable"
  std::string reason;
  std::vector<std::string> evidence;  // practitioner detail lines
};

struct ProgressReport {
  Audience audience = Audience::kPatient;
  std::string subject_label;
  std::string period;  // "2026-01-05 to 2026-07-20"
  std::string generated_on;
  std::string tool_version;
  bool nothing_to_compare = false;
  std::vector<SessionInfo> sessions;
  std::vector<std::string> summary;  // headline sentences for the cover
  std::vector<ReportPhoto> photos;
  std::vector<MetricSummary> metrics;  // headline metrics first
  std::vector<ClaimLine> claims;
  std::vector<std::string> caveats;
  std::vector<std::pair<std::string, std::string>> technical;
};

ProgressReport BuildProgressReport(const ReportInputs& inputs);

// The chart of one metric timeline: points by days since baseline, baseline ± MDC band, treatment
// markers, and the windows of the claims that name this metric.
MetricChart ChartFromTimeline(const compare::MetricTimeline& timeline, const std::string& origin_date,
                              const std::vector<double>& treatment_days,
                              const std::vector<compare::ClaimSpec>& claims);

Status WritePdfReport(const ProgressReport& report, const std::filesystem::path& path,
                      PaperSize paper = PaperSize::kA4);
Status WriteHtmlReport(const ProgressReport& report, const std::filesystem::path& path);

// The chart rendered as an SVG document in memory (for HTML).
std::string ChartToSvg(const MetricChart& chart, double width, double height);

}  // namespace skintrack::report
