// Self-contained HTML rendering of a ProgressReport: inline CSS, inline SVG charts (cairo SVG
// surface into memory), photos as base64 data URIs. The page makes no external request.
#include <cairo-svg.h>
#include <cairo.h>

#include <sstream>

#include "core/base/atomic_file.h"
#include "report/progress_report.h"
#include "report/report_text.h"

namespace skintrack::report {
namespace {

std::string Escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Base64(const std::string& bytes) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kTable[(v >> 18) & 63];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += kTable[v & 63];
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kTable[(v >> 18) & 63];
    out += kTable[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kTable[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

cairo_status_t AppendToString(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

constexpr const char* kStyle = R"(
body{font-family:"DejaVu Sans",Verdana,sans-serif;color:#21262e;max-width:860px;margin:24px auto;padding:0 16px;line-height:1.45}
h1{color:#1a5c94;margin-bottom:4px}h2{color:#1a5c94;border-bottom:1px solid #d5d9de;padding-bottom:3px;margin-top:28px}
.muted{color:#666d77}.photos{display:flex;gap:12px}.photos figure{margin:0;flex:1}.photos img{width:100%;height:auto;border-radius:3px}
figcaption{font-size:13px;color:#666d77}table{border-collapse:collapse;font-size:12px;width:100%}
th,td{border-bottom:1px solid #e2e5e9;padding:4px 6px;text-align:left}th{background:#ebf0f7}
.verdict-supported{color:#1d7a3c;font-weight:bold}.verdict-not{color:#a8321e;font-weight:bold}.verdict-untestable{color:#8a6d1d;font-weight:bold}
.sessions{display:flex;flex-wrap:wrap;gap:6px;font-size:12px}.sessions span{border-radius:10px;padding:2px 8px;background:#eef1f5}
.sessions .treatment{background:#f6d9d3}.sessions .baseline{background:#d5e3f3}.sessions .follow-up{background:#d6eddc}
.chart svg{width:100%;height:auto}
)";

std::string VerdictClass(const std::string& verdict) {
  if (verdict == "supported") return "verdict-supported";
  if (verdict == "not supported") return "verdict-not";
  return "verdict-untestable";
}

}  // namespace

std::string ChartToSvg(const MetricChart& chart, double width, double height) {
  std::string svg;
  cairo_surface_t* surface = cairo_svg_surface_create_for_stream(AppendToString, &svg, width, height);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 11);
  DrawChartPanel(cr, chart, width, height);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  cairo_surface_destroy(surface);
  // Drop the XML declaration so the SVG can sit inline in HTML.
  const auto start = svg.find("<svg");
  return start == std::string::npos ? svg : svg.substr(start);
}

Status WriteHtmlReport(const ProgressReport& report, const std::filesystem::path& path) {
  const bool practitioner = report.audience == Audience::kPractitioner;
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       << "<title>" << (practitioner ? "Treatment progress record" : "Skin progress report")
       << "</title><style>" << kStyle << "</style></head><body>\n";
  html << "<h1>" << (practitioner ? "Treatment progress record" : "Your skin progress report")
       << "</h1>\n<p class=\"muted\">" << Escape(report.subject_label);
  if (!report.period.empty()) html << " &middot; " << Escape(report.period);
  html << "</p>\n<h2>Your visits</h2>\n<div class=\"sessions\">";
  for (const SessionInfo& s : report.sessions) {
    html << "<span class=\"" << compare::SessionKindName(s.kind) << "\">" << Escape(s.date) << " "
         << Escape(KindLabel(s.kind)) << "</span>";
  }
  html << "</div>\n<h2>Summary</h2>\n<ul>";
  for (const std::string& s : report.summary) html << "<li>" << Escape(s) << "</li>";
  html << "</ul>\n<p class=\"muted\">" << Escape(kHowToRead) << "</p>\n";

  if (!report.photos.empty()) {
    html << "<h2>" << (report.nothing_to_compare ? "Your first visit" : "Before and after")
         << "</h2>\n<div class=\"photos\">";
    for (const ReportPhoto& p : report.photos) {
      html << "<figure><img alt=\"" << Escape(p.caption) << "\" src=\"data:image/jpeg;base64,"
           << Base64(p.jpeg) << "\"><figcaption>" << Escape(p.caption)
           << (p.date.empty() ? "" : ", " + Escape(p.date)) << "</figcaption></figure>";
    }
    html << "</div>\n";
    if (!report.nothing_to_compare) html << "<p class=\"muted\">" << Escape(kPhotoNote) << "</p>\n";
  }

  if (!report.nothing_to_compare) {
    html << "<h2>Your measurements over time</h2>\n<p class=\"muted\">" << Escape(kChartNote)
         << "</p>\n";
    for (const MetricSummary& m : report.metrics) {
      if (!m.headline && !practitioner) continue;
      html << "<div class=\"chart\">" << ChartToSvg(m.chart, 760, 220) << "</div>\n";
      if (!m.sentence.empty()) html << "<p>" << Escape(m.sentence) << "</p>\n";
    }
    if (!report.claims.empty()) {
      html << "<h2>What the treatment promised, and what we measured</h2>\n<ul>";
      for (const ClaimLine& c : report.claims) {
        html << "<li><b>" << Escape(c.title) << ":</b> <span class=\"" << VerdictClass(c.verdict)
             << "\">" << Escape(c.verdict) << "</span><br><span class=\"muted\">"
             << Escape(c.reason) << "</span>";
        if (practitioner && !c.evidence.empty()) {
          html << "<ul>";
          for (const std::string& e : c.evidence) html << "<li class=\"muted\">" << Escape(e) << "</li>";
          html << "</ul>";
        }
        html << "</li>";
      }
      html << "</ul>\n";
    }
  }
  html << "<h2>About these measurements</h2>\n<ul>";
  if (report.caveats.empty()) html << "<li>No capture-quality problems were found in the photos used here.</li>";
  for (const std::string& c : report.caveats) html << "<li>" << Escape(c) << "</li>";
  html << "</ul>\n";

  if (practitioner) {
    html << "<h2>Metric table</h2>\n<table><tr><th>metric</th><th>unit</th><th>baseline</th>"
         << "<th>latest</th><th>change</th><th>%</th><th>MDC95</th><th>MDC from</th><th>verdict</th></tr>";
    for (const MetricSummary& m : report.metrics) {
      html << "<tr><td>" << Escape(m.key) << "</td><td>" << Escape(m.unit) << "</td><td>"
           << FormatValue(m.baseline) << "</td><td>" << FormatValue(m.latest) << "</td><td>"
           << FormatValue(m.delta) << "</td><td>" << (m.delta_pct ? FormatValue(*m.delta_pct) : "-")
           << "</td><td>" << FormatValue(m.mdc95) << "</td><td>"
           << Escape(m.mdc_source) << "</td><td>" << Escape(m.verdict)
           << "</td></tr>";
    }
    html << "</table>\n<h2>Sessions</h2>\n<table><tr><th>date</th><th>session</th><th>kind</th>"
         << "<th>device</th><th>needle depth</th></tr>";
    for (const SessionInfo& s : report.sessions) {
      html << "<tr><td>" << Escape(s.date) << "</td><td>" << Escape(s.id) << "</td><td>"
           << Escape(KindLabel(s.kind)) << "</td><td>" << Escape(s.device) << "</td><td>"
           << (s.needle_depth_mm ? FormatValue(*s.needle_depth_mm) + " mm" : "") << "</td></tr>";
    }
    html << "</table>\n<h2>Capture, calibration and alignment</h2>\n<table>";
    for (const auto& [k, v] : report.technical) {
      html << "<tr><th>" << Escape(k) << "</th><td>" << Escape(v) << "</td></tr>";
    }
    html << "</table>\n";
  }
  html << "<p class=\"muted\">Generated " << Escape(report.generated_on) << " by skintrack "
       << Escape(report.tool_version) << ".</p>\n</body></html>\n";
  return WriteFileAtomic(path, html.str());
}

}  // namespace skintrack::report
