#pragma once
// Timeline charts with cairo: one panel per metric, value against days since baseline, with the
// baseline level and its ± MDC95 band, vertical treatment markers and shaded claim windows.
//
// Output format follows the file extension: .svg, .png or .pdf. Files are written through
// WriteViaTempFile, so a reader never sees a half-written chart. Errors: kUsage for an unknown
// extension, kBadInput for an empty chart list, kStorage when the file cannot be written.
// Thread-safety: reentrant (cairo surfaces are local to each call).

#include <cairo.h>
#include <filesystem>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace skintrack::report {

struct ChartWindow {
  double start_days = 0;  // days since baseline
  double end_days = 0;
  std::string label;      // e.g. "visible_6_8_weeks"
};

struct MetricChart {
  std::string title;            // e.g. "pores.count"
  std::string unit;             // axis label
  std::string origin_date;      // calendar date of day 0 ("2026-01-05"), shown under the axis
  std::vector<double> days;     // x of each point: days since baseline
  std::vector<double> values;   // y of each point, same length as days
  double baseline = 0;
  double mdc95 = 0;             // half-width of the shaded band around the baseline
  std::vector<double> treatment_days;
  std::vector<ChartWindow> windows;
};

struct ChartOptions {
  int width_px = 760;          // total width (SVG/PDF points or PNG pixels)
  int panel_height_px = 220;   // height of each metric panel
};

Status WriteChart(const std::vector<MetricChart>& charts, const std::filesystem::path& path,
                  const ChartOptions& options = {});

// Draws one metric panel into an existing cairo context, occupying (0, 0)-(width, height) in the
// current user space (translate/scale first to place it). Used by the reports to embed charts as
// vector graphics.
void DrawChartPanel(cairo_t* cr, const MetricChart& chart, double width, double height);

// Colours (RGB in [0, 1]) used for the band and the windows, so tests can find them in a PNG.
struct ChartPalette {
  static constexpr double kBand[3] = {0.80, 0.88, 0.97};
  static constexpr double kWindow[3] = {0.99, 0.91, 0.75};
};

}  // namespace skintrack::report
