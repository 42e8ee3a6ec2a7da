#include "report/chart.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "core/base/atomic_file.h"

namespace skintrack::report {
namespace {

constexpr double kMarginLeft = 70, kMarginRight = 20, kMarginTop = 28, kMarginBottom = 36;

// A "nice" tick step (1, 2 or 5 × 10^k) giving about `count` ticks over `span`.
double NiceStep(double span, int count) {
  if (!(span > 0)) return 1;
  const double raw = span / count;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double normalized = raw / magnitude;
  const double nice = normalized < 1.5 ? 1 : normalized < 3.5 ? 2 : normalized < 7.5 ? 5 : 10;
  return nice * magnitude;
}

std::string Format(double value) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4g", value);
  return buf;
}

void DrawPanel(cairo_t* cr, const MetricChart& chart, double top, double width, double height) {
  const double x0 = kMarginLeft, x1 = width - kMarginRight;
  const double y0 = top + kMarginTop, y1 = top + height - kMarginBottom;

  // Ranges: every point, the band and the treatments; windows are clipped to this range.
  double xmin = 0, xmax = 1;
  for (double d : chart.days) xmax = std::max(xmax, d);
  for (double d : chart.treatment_days) xmax = std::max(xmax, d);
  for (double d : chart.days) xmin = std::min(xmin, d);
  xmax += 0.05 * (xmax - xmin);
  double ymin = chart.baseline - chart.mdc95, ymax = chart.baseline + chart.mdc95;
  for (double v : chart.values) {
    ymin = std::min(ymin, v);
    ymax = std::max(ymax, v);
  }
  if (!(ymax > ymin)) {
    ymin -= 1;
    ymax += 1;
  }
  const double pad = 0.08 * (ymax - ymin);
  ymin -= pad;
  ymax += pad;
  auto X = [&](double d) { return x0 + (d - xmin) / (xmax - xmin) * (x1 - x0); };
  auto Y = [&](double v) { return y1 - (v - ymin) / (ymax - ymin) * (y1 - y0); };

  cairo_save(cr);
  cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
  cairo_clip(cr);
  // Claim windows.
  for (const ChartWindow& w : chart.windows) {
    const double a = std::max(xmin, w.start_days), b = std::min(xmax, w.end_days);
    if (b <= a) continue;
    cairo_set_source_rgb(cr, ChartPalette::kWindow[0], ChartPalette::kWindow[1], ChartPalette::kWindow[2]);
    cairo_rectangle(cr, X(a), y0, X(b) - X(a), y1 - y0);
    cairo_fill(cr);
  }
  // Baseline ± MDC band and the baseline line.
  cairo_set_source_rgb(cr, ChartPalette::kBand[0], ChartPalette::kBand[1], ChartPalette::kBand[2]);
  cairo_rectangle(cr, x0, Y(chart.baseline + chart.mdc95), x1 - x0,
                  Y(chart.baseline - chart.mdc95) - Y(chart.baseline + chart.mdc95));
  cairo_fill(cr);
  cairo_set_source_rgb(cr, 0.25, 0.40, 0.70);
  cairo_set_line_width(cr, 1);
  const double dash[] = {4, 3};
  cairo_set_dash(cr, dash, 2, 0);
  cairo_move_to(cr, x0, Y(chart.baseline));
  cairo_line_to(cr, x1, Y(chart.baseline));
  cairo_stroke(cr);
  cairo_set_dash(cr, nullptr, 0, 0);
  // Treatment markers.
  cairo_set_source_rgb(cr, 0.75, 0.15, 0.15);
  for (double d : chart.treatment_days) {
    cairo_move_to(cr, X(d), y0);
    cairo_line_to(cr, X(d), y1);
  }
  cairo_stroke(cr);
  // Window labels: each claim named once, at its first window, on the first text row where it does
  // not run into a label already placed (claims with overlapping windows stack instead of overlap).
  cairo_set_source_rgb(cr, 0.55, 0.40, 0.10);
  cairo_set_font_size(cr, 9);
  std::vector<std::string> labelled;
  std::vector<std::vector<std::pair<double, double>>> rows(3);
  for (const ChartWindow& w : chart.windows) {
    const double a = std::max(xmin, w.start_days), b = std::min(xmax, w.end_days);
    if (b <= a || std::find(labelled.begin(), labelled.end(), w.label) != labelled.end()) continue;
    labelled.push_back(w.label);
    cairo_text_extents_t extents;
    cairo_text_extents(cr, w.label.c_str(), &extents);
    const double left = X(a) + 2, right = left + extents.x_advance + 4;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const bool clash = std::any_of(rows[r].begin(), rows[r].end(), [&](const auto& span) {
        return left < span.second && span.first < right;
      });
      if (clash) continue;
      rows[r].emplace_back(left, right);
      cairo_move_to(cr, left, y0 + 10 + 10 * static_cast<double>(r));
      cairo_show_text(cr, w.label.c_str());
      break;
    }
  }
  // The series.
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cairo_set_line_width(cr, 1.5);
  for (std::size_t i = 0; i < chart.days.size(); ++i) {
    if (i == 0) {
      cairo_move_to(cr, X(chart.days[i]), Y(chart.values[i]));
    } else {
      cairo_line_to(cr, X(chart.days[i]), Y(chart.values[i]));
    }
  }
  cairo_stroke(cr);
  for (std::size_t i = 0; i < chart.days.size(); ++i) {
    cairo_arc(cr, X(chart.days[i]), Y(chart.values[i]), 3, 0, 2 * M_PI);
    cairo_fill(cr);
  }
  cairo_restore(cr);

  // Axes, ticks and labels.
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
  cairo_stroke(cr);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 10);
  const double xstep = NiceStep(xmax - xmin, 8);
  for (double t = std::ceil(xmin / xstep) * xstep; t <= xmax; t += xstep) {
    cairo_move_to(cr, X(t), y1);
    cairo_line_to(cr, X(t), y1 + 4);
    cairo_stroke(cr);
    cairo_move_to(cr, X(t) - 8, y1 + 15);
    cairo_show_text(cr, Format(t).c_str());
  }
  const double ystep = NiceStep(ymax - ymin, 5);
  for (double v = std::ceil(ymin / ystep) * ystep; v <= ymax; v += ystep) {
    cairo_move_to(cr, x0 - 4, Y(v));
    cairo_line_to(cr, x0, Y(v));
    cairo_stroke(cr);
    cairo_move_to(cr, 8, Y(v) + 3);
    cairo_show_text(cr, Format(v).c_str());
  }
  const std::string xlabel =
      "days since baseline" + (chart.origin_date.empty() ? "" : " (" + chart.origin_date + ")");
  cairo_move_to(cr, (x0 + x1) / 2 - 60, y1 + 30);
  cairo_show_text(cr, xlabel.c_str());
  cairo_set_font_size(cr, 12);
  const std::string title = chart.title + (chart.unit.empty() ? "" : " [" + chart.unit + "]") +
                            "   baseline " + Format(chart.baseline) + " \xC2\xB1 MDC " +
                            Format(chart.mdc95);
  cairo_move_to(cr, x0, top + 18);
  cairo_show_text(cr, title.c_str());
}

Status CairoStatus(cairo_status_t status, const std::filesystem::path& path) {
  if (status == CAIRO_STATUS_SUCCESS) return OkStatus();
  return StorageError("cannot write chart " + path.string() + ": " +
                      cairo_status_to_string(status));
}

}  // namespace

void DrawChartPanel(cairo_t* cr, const MetricChart& chart, double width, double height) {
  DrawPanel(cr, chart, 0, width, height);
}

Status WriteChart(const std::vector<MetricChart>& charts, const std::filesystem::path& path,
                  const ChartOptions& options) {
  if (charts.empty()) return BadInputError("nothing to chart: no metric has values");
  for (const MetricChart& c : charts) {
    if (c.days.size() != c.values.size()) return InternalError("chart days/values differ in length");
  }
  std::string ext = path.extension().string();
  for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (ext != ".svg" && ext != ".png" && ext != ".pdf") {
    return UsageError("chart file " + path.string() + " must end in .svg, .png or .pdf");
  }
  const double width = options.width_px;
  const double height = static_cast<double>(options.panel_height_px) * static_cast<double>(charts.size());
  return WriteViaTempFile(path, [&](const std::filesystem::path& temp) -> Status {
    cairo_surface_t* surface = nullptr;
    if (ext == ".svg") {
      surface = cairo_svg_surface_create(temp.c_str(), width, height);
    } else if (ext == ".pdf") {
      surface = cairo_pdf_surface_create(temp.c_str(), width, height);
    } else {
      surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, options.width_px,
                                           static_cast<int>(height));
    }
    cairo_t* cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    for (std::size_t i = 0; i < charts.size(); ++i) {
      DrawPanel(cr, charts[i], static_cast<double>(i) * options.panel_height_px, width,
                options.panel_height_px);
    }
    Status status = CairoStatus(cairo_status(cr), temp);
    cairo_destroy(cr);
    if (status.ok() && ext == ".png") {
      status = CairoStatus(cairo_surface_write_to_png(surface, temp.c_str()), temp);
    }
    cairo_surface_finish(surface);
    if (status.ok()) status = CairoStatus(cairo_surface_status(surface), temp);
    cairo_surface_destroy(surface);
    return status;
  });
}

}  // namespace skintrack::report
