// PDF rendering of a ProgressReport with cairo: vector text and charts, photos embedded as their
// own (metadata-free) JPEG streams.
#include <cairo-pdf.h>
#include <cairo.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/base/atomic_file.h"
#include "report/progress_report.h"
#include "report/report_text.h"

namespace skintrack::report {
namespace {

constexpr double kMargin = 48;
constexpr const char* kFont = "DejaVu Sans";

struct Rgb {
  double r, g, b;
};
constexpr Rgb kInk{0.13, 0.15, 0.18};
constexpr Rgb kMuted{0.40, 0.43, 0.47};
constexpr Rgb kAccent{0.10, 0.36, 0.58};

class PdfPages {
 public:
  PdfPages(cairo_t* cr, double width, double height) : cr_(cr), width_(width), height_(height) {
    y_ = kMargin;
  }
  double content_width() const { return width_ - 2 * kMargin; }
  double y() const { return y_; }
  void Skip(double dy) { y_ += dy; }

  void NewPage() {
    Footer();
    cairo_show_page(cr_);
    ++page_;
    y_ = kMargin;
  }
  void Ensure(double needed) {
    if (y_ + needed > height_ - kMargin - 20) NewPage();
  }
  void SetFooter(std::string text) { footer_ = std::move(text); }
  void Finish() { Footer(); }

  void Text(const std::string& text, double size, bool bold, Rgb colour, double indent = 0) {
    cairo_select_font_face(cr_, kFont, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr_, size);
    cairo_set_source_rgb(cr_, colour.r, colour.g, colour.b);
    const double line_height = size * 1.35;
    for (const std::string& line : Wrap(text, content_width() - indent)) {
      Ensure(line_height);
      cairo_move_to(cr_, kMargin + indent, y_ + size);
      cairo_show_text(cr_, line.c_str());
      y_ += line_height;
    }
  }
  void Heading(const std::string& text, double size = 15) {
    Ensure(size * 3);
    Skip(size * 0.5);
    Text(text, size, true, kAccent);
    Skip(size * 0.2);
  }
  void Paragraph(const std::string& text, double size = 10.5) {
    Text(text, size, false, kInk);
    Skip(size * 0.5);
  }
  void Bullet(const std::string& text, double size = 10.5) {
    Ensure(size * 1.4);
    cairo_set_source_rgb(cr_, kAccent.r, kAccent.g, kAccent.b);
    cairo_arc(cr_, kMargin + 4, y_ + size * 0.62, 2.0, 0, 2 * M_PI);
    cairo_fill(cr_);
    Text(text, size, false, kInk, 14);
    Skip(size * 0.3);
  }
  void Rule() {
    Ensure(8);
    cairo_set_source_rgb(cr_, 0.82, 0.84, 0.87);
    cairo_set_line_width(cr_, 0.7);
    cairo_move_to(cr_, kMargin, y_ + 3);
    cairo_line_to(cr_, width_ - kMargin, y_ + 3);
    cairo_stroke(cr_);
    y_ += 8;
  }

  // Rows of cells with given relative column widths; the first row is a header.
  void Table(const std::vector<std::vector<std::string>>& rows, const std::vector<double>& weights,
             double size = 8.5) {
    double total = 0;
    for (double w : weights) total += w;
    const double row_height = size * 1.7;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      Ensure(row_height);
      if (r == 0) {
        cairo_set_source_rgb(cr_, 0.92, 0.94, 0.97);
        cairo_rectangle(cr_, kMargin, y_, content_width(), row_height);
        cairo_fill(cr_);
      }
      double x = kMargin + 3;
      cairo_select_font_face(cr_, kFont, CAIRO_FONT_SLANT_NORMAL,
                             r == 0 ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
      cairo_set_font_size(cr_, size);
      cairo_set_source_rgb(cr_, kInk.r, kInk.g, kInk.b);
      for (std::size_t c = 0; c < rows[r].size() && c < weights.size(); ++c) {
        const double w = content_width() * weights[c] / total;
        const std::string cell = Ellipsize(rows[r][c], w - 6);
        cairo_move_to(cr_, x, y_ + size * 1.2);
        cairo_show_text(cr_, cell.c_str());
        x += w;
      }
      y_ += row_height;
    }
    Skip(6);
  }

  void Chart(const MetricChart& chart, double height = 190) {
    Ensure(height + 6);
    cairo_save(cr_);
    cairo_translate(cr_, kMargin, y_);
    cairo_select_font_face(cr_, kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr_, 9);
    DrawChartPanel(cr_, chart, content_width(), height);
    cairo_restore(cr_);
    y_ += height + 6;
  }

  // Photos side by side, each scaled to the same height, with captions.
  void Photos(const std::vector<ReportPhoto>& photos, double max_height = 230) {
    if (photos.empty()) return;
    const double gap = 10;
    const double width_each =
        (content_width() - gap * static_cast<double>(photos.size() - 1)) / static_cast<double>(photos.size());
    double height = max_height;
    for (const ReportPhoto& p : photos) {
      if (p.width > 0) height = std::min(height, width_each * p.height / p.width);
    }
    Ensure(height + 40);
    double x = kMargin;
    for (const ReportPhoto& p : photos) {
      const double w = p.width > 0 ? height * p.width / p.height : width_each;
      DrawJpeg(p, x, y_, w, height);
      cairo_select_font_face(cr_, kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
      cairo_set_font_size(cr_, 9);
      cairo_set_source_rgb(cr_, kMuted.r, kMuted.g, kMuted.b);
      // Caption and date on two lines, each cut to the photo's width, so neighbours never overlap.
      cairo_move_to(cr_, x, y_ + height + 12);
      cairo_show_text(cr_, Ellipsize(p.caption, width_each).c_str());
      if (!p.date.empty()) {
        cairo_move_to(cr_, x, y_ + height + 23);
        cairo_show_text(cr_, Ellipsize(p.date, width_each).c_str());
      }
      x += width_each + gap;
    }
    y_ += height + 34;
  }

  // The treatment timeline: one marker per session along a line, coloured by kind.
  void SessionStrip(const std::vector<SessionInfo>& sessions) {
    if (sessions.empty()) return;
    const double height = 58;
    Ensure(height);
    const double x0 = kMargin + 10, x1 = width_ - kMargin - 10, line_y = y_ + 18;
    cairo_set_source_rgb(cr_, 0.75, 0.78, 0.82);
    cairo_set_line_width(cr_, 2);
    cairo_move_to(cr_, x0, line_y);
    cairo_line_to(cr_, x1, line_y);
    cairo_stroke(cr_);
    const std::size_t n = sessions.size();
    for (std::size_t i = 0; i < n; ++i) {
      const double x = n == 1 ? (x0 + x1) / 2 : x0 + (x1 - x0) * static_cast<double>(i) / static_cast<double>(n - 1);
      const Rgb colour = KindColour(sessions[i].kind);
      cairo_set_source_rgb(cr_, colour.r, colour.g, colour.b);
      cairo_arc(cr_, x, line_y, sessions[i].kind == compare::SessionKind::kTreatment ? 6 : 4.5, 0,
                2 * M_PI);
      cairo_fill(cr_);
      cairo_select_font_face(cr_, kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
      cairo_set_font_size(cr_, 6.5);
      cairo_set_source_rgb(cr_, kMuted.r, kMuted.g, kMuted.b);
      const std::string date = sessions[i].date.size() >= 10 ? sessions[i].date.substr(5, 5) : sessions[i].date;
      cairo_text_extents_t ext;
      cairo_text_extents(cr_, date.c_str(), &ext);
      cairo_move_to(cr_, x - ext.width / 2, line_y + (i % 2 == 0 ? 16 : 25));
      cairo_show_text(cr_, date.c_str());
    }
    y_ += height - 10;
    // Legend.
    double lx = kMargin;
    for (auto kind : {compare::SessionKind::kBaseline, compare::SessionKind::kTreatment,
                      compare::SessionKind::kFollowUp, compare::SessionKind::kPostTreatmentCheck}) {
      const Rgb c = KindColour(kind);
      cairo_set_source_rgb(cr_, c.r, c.g, c.b);
      cairo_arc(cr_, lx + 4, y_ + 4, 3.5, 0, 2 * M_PI);
      cairo_fill(cr_);
      cairo_set_source_rgb(cr_, kMuted.r, kMuted.g, kMuted.b);
      cairo_set_font_size(cr_, 8);
      const std::string name = KindLabel(kind);
      cairo_move_to(cr_, lx + 11, y_ + 7);
      cairo_show_text(cr_, name.c_str());
      cairo_text_extents_t ext;
      cairo_text_extents(cr_, name.c_str(), &ext);
      lx += ext.x_advance + 28;
    }
    y_ += 18;
  }

 private:
  static Rgb KindColour(compare::SessionKind kind) {
    switch (kind) {
      case compare::SessionKind::kBaseline: return {0.20, 0.45, 0.75};
      case compare::SessionKind::kRepeat: return {0.45, 0.62, 0.85};
      case compare::SessionKind::kTreatment: return {0.85, 0.35, 0.25};
      case compare::SessionKind::kFollowUp: return {0.20, 0.60, 0.35};
      case compare::SessionKind::kPostTreatmentCheck: return {0.85, 0.60, 0.15};
    }
    return {0.5, 0.5, 0.5};
  }

  std::vector<std::string> Wrap(const std::string& text, double width) {
    std::vector<std::string> lines;
    std::string line;
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = text.find(' ', start);
      if (end == std::string::npos) end = text.size();
      const std::string word = text.substr(start, end - start);
      const std::string candidate = line.empty() ? word : line + " " + word;
      cairo_text_extents_t ext;
      cairo_text_extents(cr_, candidate.c_str(), &ext);
      if (ext.x_advance > width && !line.empty()) {
        lines.push_back(line);
        line = word;
      } else {
        line = candidate;
      }
      start = end + 1;
    }
    if (!line.empty()) lines.push_back(line);
    return lines;
  }

  std::string Ellipsize(const std::string& text, double width) {
    cairo_text_extents_t ext;
    cairo_text_extents(cr_, text.c_str(), &ext);
    if (ext.x_advance <= width) return text;
    std::string cut = text;
    while (cut.size() > 1) {
      cut.pop_back();
      while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0) == 0x80) cut.pop_back();
      if (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0x80)) cut.pop_back();
      const std::string candidate = cut + "\xE2\x80\xA6";
      cairo_text_extents(cr_, candidate.c_str(), &ext);
      if (ext.x_advance <= width) return candidate;
    }
    return text.substr(0, 1);
  }

  void DrawJpeg(const ReportPhoto& photo, double x, double y, double w, double h) {
    const cv::Mat encoded(1, static_cast<int>(photo.jpeg.size()), CV_8U,
                          const_cast<char*>(photo.jpeg.data()));
    cv::Mat bgr = cv::imdecode(encoded, cv::IMREAD_COLOR);
    if (bgr.empty()) return;
    cv::Mat bgra;
    cv::cvtColor(bgr, bgra, cv::COLOR_BGR2BGRA);
    cairo_surface_t* image =
        cairo_image_surface_create(CAIRO_FORMAT_RGB24, bgra.cols, bgra.rows);
    cairo_surface_flush(image);
    unsigned char* data = cairo_image_surface_get_data(image);
    const int stride = cairo_image_surface_get_stride(image);
    for (int row = 0; row < bgra.rows; ++row) {
      std::memcpy(data + static_cast<std::ptrdiff_t>(row) * stride, bgra.ptr(row),
                  static_cast<std::size_t>(bgra.cols) * 4);
    }
    cairo_surface_mark_dirty(image);
    // Embed the JPEG stream itself rather than re-compressed pixels.
    auto* copy = new std::string(photo.jpeg);
    cairo_surface_set_mime_data(
        image, CAIRO_MIME_TYPE_JPEG, reinterpret_cast<const unsigned char*>(copy->data()),
        copy->size(), [](void* p) { delete static_cast<std::string*>(p); }, copy);
    cairo_save(cr_);
    cairo_rectangle(cr_, x, y, w, h);
    cairo_clip(cr_);
    cairo_translate(cr_, x, y);
    cairo_scale(cr_, w / bgra.cols, h / bgra.rows);
    cairo_set_source_surface(cr_, image, 0, 0);
    cairo_paint(cr_);
    cairo_restore(cr_);
    cairo_surface_destroy(image);
  }

  void Footer() {
    if (footer_.empty()) return;
    cairo_select_font_face(cr_, kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr_, 7.5);
    cairo_set_source_rgb(cr_, kMuted.r, kMuted.g, kMuted.b);
    const std::string text = footer_ + "   page " + std::to_string(page_);
    cairo_move_to(cr_, kMargin, height_ - kMargin / 2);
    cairo_show_text(cr_, text.c_str());
  }

  cairo_t* cr_;
  double width_, height_;
  double y_ = 0;
  int page_ = 1;
  std::string footer_;
};

void RenderReport(PdfPages& pages, const ProgressReport& report) {
  const bool practitioner = report.audience == Audience::kPractitioner;
  pages.SetFooter("skintrack " + report.tool_version + "  \xC2\xB7  " + report.subject_label +
                  "  \xC2\xB7  generated " + report.generated_on);
  pages.Text(practitioner ? "Treatment progress record" : "Your skin progress report", 22, true,
             kAccent);
  pages.Skip(4);
  pages.Text(report.subject_label + (report.period.empty() ? "" : "   \xC2\xB7   " + report.period),
             11, false, kMuted);
  pages.Skip(10);
  pages.Heading("Your visits");
  pages.SessionStrip(report.sessions);
  pages.Heading("Summary");
  for (const std::string& s : report.summary) pages.Bullet(s);
  pages.Paragraph(kHowToRead);

  if (!report.photos.empty()) {
    pages.Heading(report.nothing_to_compare ? "Your first visit" : "Before and after");
    pages.Photos(report.photos);
    if (!report.nothing_to_compare) pages.Paragraph(kPhotoNote, 9);
  }

  std::vector<const MetricSummary*> charted;
  for (const MetricSummary& m : report.metrics) {
    if (m.headline || practitioner) charted.push_back(&m);
  }
  if (!report.nothing_to_compare && !charted.empty()) {
    pages.NewPage();
    pages.Heading("Your measurements over time");
    pages.Paragraph(kChartNote, 9);
    for (const MetricSummary* m : charted) {
      pages.Chart(m->chart);
      if (!m->sentence.empty()) pages.Paragraph(m->sentence, 9.5);
    }
  }

  if (!report.claims.empty() && !report.nothing_to_compare) {
    pages.Heading("What the treatment promised, and what we measured");
    for (const ClaimLine& c : report.claims) {
      pages.Text(c.title + ": " + c.verdict, 10.5, true, kInk);
      pages.Text(c.reason, 9.5, false, kMuted, 10);
      if (practitioner) {
        for (const std::string& e : c.evidence) pages.Text(e, 8, false, kMuted, 20);
      }
      pages.Skip(4);
    }
  }

  pages.Heading("About these measurements");
  if (report.caveats.empty()) {
    pages.Paragraph("No capture-quality problems were found in the photos used here.");
  }
  for (const std::string& c : report.caveats) pages.Bullet(c, 9.5);

  if (practitioner) {
    pages.NewPage();
    pages.Heading("Metric table");
    std::vector<std::vector<std::string>> rows = {
        {"metric", "unit", "baseline", "latest", "change", "%", "MDC95", "MDC from", "verdict"}};
    for (const MetricSummary& m : report.metrics) {
      rows.push_back({m.key, m.unit, FormatValue(m.baseline), FormatValue(m.latest),
                      FormatValue(m.delta), m.delta_pct ? FormatValue(*m.delta_pct) : "-",
                      FormatValue(m.mdc95), m.mdc_source,
                      m.verdict});
    }
    pages.Table(rows, {3.2, 1.1, 1.1, 1.1, 1.1, 0.8, 1.0, 0.9, 1.8});
    pages.Heading("Sessions");
    std::vector<std::vector<std::string>> session_rows = {{"date", "session", "kind", "device", "needle depth"}};
    for (const SessionInfo& s : report.sessions) {
      session_rows.push_back({s.date, s.id, KindLabel(s.kind), s.device,
                              s.needle_depth_mm ? FormatValue(*s.needle_depth_mm) + " mm" : ""});
    }
    pages.Table(session_rows, {1.2, 2.4, 1.4, 1.4, 1.0});
    pages.Heading("Capture, calibration and alignment");
    std::vector<std::vector<std::string>> tech_rows = {{"item", "value"}};
    for (const auto& [k, v] : report.technical) tech_rows.push_back({k, v});
    pages.Table(tech_rows, {2.0, 4.0});
  }
  pages.Finish();
}

}  // namespace

Status WritePdfReport(const ProgressReport& report, const std::filesystem::path& path,
                      PaperSize paper) {
  const double width = paper == PaperSize::kA4 ? 595.276 : 612.0;
  const double height = paper == PaperSize::kA4 ? 841.890 : 792.0;
  return WriteViaTempFile(path, [&](const std::filesystem::path& temp) -> Status {
    cairo_surface_t* surface = cairo_pdf_surface_create(temp.c_str(), width, height);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, "skintrack progress report");
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "skintrack");
    cairo_t* cr = cairo_create(surface);
    PdfPages pages(cr, width, height);
    RenderReport(pages, report);
    const cairo_status_t status = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    const cairo_status_t surface_status = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    if (status != CAIRO_STATUS_SUCCESS || surface_status != CAIRO_STATUS_SUCCESS) {
      return StorageError("cannot write report " + path.filename().string() + ": " +
                          cairo_status_to_string(status != CAIRO_STATUS_SUCCESS ? status : surface_status));
    }
    return OkStatus();
  });
}

}  // namespace skintrack::report
