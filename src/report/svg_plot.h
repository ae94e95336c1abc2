// Small SVG charts for the HTML report (and, later, `fxq sweep`): a grouped bar chart (one bar per
// series in each category) and a scatter plot with a Pareto front and labelled reference points.
// Plain inline SVG: no script, no external resource (fonts are the reader's sans-serif), every text
// escaped; each bar and point carries a <title>, which browsers show as a tooltip, so exact values
// stay readable when the axis is crowded.
#pragma once
#include <limits>
#include <string>
#include <vector>

namespace fxq::report {

// One bar per category; a NaN value draws no bar (e.g. a layer without weights).
struct Series {
  std::string name, color;  // color: any SVG paint, e.g. "#3b6ea8"
  std::vector<double> values;
};

struct BarChart {
  std::string title, y_label;
  std::vector<std::string> categories;  // x axis, one group of bars each (long names are shortened on the axis)
  std::vector<Series> series;
  // The y range always includes 0 and the data; set these to fix an end (NaN: from the data).
  double y_min = std::numeric_limits<double>::quiet_NaN();
  double y_max = std::numeric_limits<double>::quiet_NaN();
  int height = 320;
  int min_width = 640;  // grows with the number of categories
};
std::string bar_chart_svg(const BarChart& c);

struct PlotPoint {
  double x = 0, y = 0;
  std::string label;    // written beside the point
  bool pareto = false;  // on the front: filled and joined by a line in x order
};
struct RefPoint {
  double x = 0, y = 0;
  std::string label;  // e.g. "float", "all 8-bit": a diamond with its label
};
struct ScatterPlot {
  std::string title, x_label, y_label;
  std::vector<PlotPoint> points;
  std::vector<RefPoint> references;
  bool x_from_zero = true;  // start the x axis at 0 (sizes), else at the data
  // A logarithmic x axis (ticks 1, 2, 5 x 10^k; x values must be > 0, others are left out): sizes
  // from 2-bit to float32 span 16x, which a linear axis squeezes into its left edge.
  bool x_log = false;
  int width = 720, height = 420;
};
std::string scatter_plot_svg(const ScatterPlot& p);

// The charts above are written for inline use in HTML5, which needs no namespace (and so the page
// holds no URL at all); this makes one a standalone .svg file (XML declaration and SVG namespace).
std::string standalone_svg(const std::string& inline_svg);

// Axis ticks covering [lo, hi] at a step of 1, 2 or 5 x 10^k, about `target` of them (at least 2).
// The first tick is <= lo and the last >= hi; lo == hi gets a unit range around it.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);
// Ticks 1, 2, 5 x 10^k from the largest one <= lo to the smallest one >= hi (lo, hi > 0).
std::vector<double> log_ticks(double lo, double hi);
// A tick label: at most 4 significant digits, no trailing zeros, never "-0".
std::string format_number(double v);
// &, <, >, " and ' as entities: safe in element text and in attribute values.
std::string xml_escape(const std::string& s);

}  // namespace fxq::report
