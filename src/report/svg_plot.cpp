#include "report/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "report/report_text.h"

namespace fxq::report {
namespace {

const char* kFont = "font-family=\"sans-serif\"";
const char* kAxisColor = "#444";
const char* kGridColor = "#e3e3e3";

std::string num(double v) {  // coordinates: one decimal is finer than a pixel
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

// A linear (or, with log, logarithmic) map from [d0, d1] to [p0, p1] (pixels; p1 < p0 for the y axis).
struct Scale {
  double d0, d1, p0, p1;
  bool log = false;
  double operator()(double v) const {
    if (log) return p0 + (std::log10(v) - std::log10(d0)) / (std::log10(d1) - std::log10(d0)) * (p1 - p0);
    return p0 + (v - d0) / (d1 - d0) * (p1 - p0);
  }
};

void text(std::ostringstream& o, double x, double y, const std::string& s, const std::string& extra = "") {
  o << "<text x=\"" << num(x) << "\" y=\"" << num(y) << "\" " << kFont << " " << extra << ">" << xml_escape(s)
    << "</text>\n";
}

// Horizontal grid lines and labels for the y ticks; the axis title rotated along the left edge.
void y_axis(std::ostringstream& o, const Scale& y, const std::vector<double>& ticks, double left, double right,
            const std::string& label) {
  for (double t : ticks) {
    o << "<line x1=\"" << num(left) << "\" y1=\"" << num(y(t)) << "\" x2=\"" << num(right) << "\" y2=\"" << num(y(t))
      << "\" stroke=\"" << kGridColor << "\"/>\n";
    text(o, left - 6, y(t) + 4, format_number(t), "font-size=\"11\" text-anchor=\"end\" fill=\"#333\"");
  }
  const double mid = (y.p0 + y.p1) / 2;
  text(o, 14, mid, label,
       "font-size=\"12\" text-anchor=\"middle\" fill=\"#333\" transform=\"rotate(-90 14 " + num(mid) + ")\"");
}

void open_svg(std::ostringstream& o, double w, double h, const std::string& title) {
  o << "<svg width=\"" << num(w) << "\" height=\"" << num(h) << "\" viewBox=\"0 0 "
    << num(w) << " " << num(h) << "\" role=\"img\" aria-label=\"" << xml_escape(title) << "\">\n";
  o << "<rect x=\"0\" y=\"0\" width=\"" << num(w) << "\" height=\"" << num(h) << "\" fill=\"#fff\"/>\n";
  text(o, w / 2, 20, title, "font-size=\"14\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#222\"");
}

// Point labels placed where they overlap no label already placed (nor a marker), trying eight spots
// around the point; text widths are estimated (6.5 px per character at 11 px), which is enough to
// keep neighbouring sweep points readable.
class LabelPlacer {
 public:
  LabelPlacer(double left, double top, double right, double bottom) : l_(left), t_(top), r_(right), b_(bottom) {}
  void add_marker(double cx, double cy) { boxes_.push_back({cx - 6, cy - 6, cx + 6, cy + 6}); }
  // Returns the text's start (x, baseline y).
  std::pair<double, double> place(double cx, double cy, const std::string& label) {
    const double w = 6.5 * static_cast<double>(label.size()), h = 12;
    const double spots[][2] = {{8, -8}, {8, 14}, {-8 - w, -8}, {-8 - w, 14}, {-w / 2, -12}, {-w / 2, 20}, {12, 4}, {-12 - w, 4}};
    for (const auto& s : spots) {
      const Box b{cx + s[0], cy + s[1] - h + 2, cx + s[0] + w, cy + s[1] + 2};
      if (b.x0 < l_ || b.x1 > r_ || b.y0 < t_ || b.y1 > b_) continue;
      if (std::none_of(boxes_.begin(), boxes_.end(), [&](const Box& o) { return o.overlaps(b); })) {
        boxes_.push_back(b);
        return {b.x0, cy + s[1]};
      }
    }
    return {cx + spots[0][0], cy + spots[0][1]};  // nowhere free: the default spot
  }

 private:
  struct Box {
    double x0, y0, x1, y1;
    bool overlaps(const Box& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
  };
  double l_, t_, r_, b_;
  std::vector<Box> boxes_;
};

void legend_entry(std::ostringstream& o, double x, double y, const std::string& marker, const std::string& name) {
  o << marker;
  text(o, x + 14, y + 4, name, "font-size=\"11\" fill=\"#333\"");
}

}  // namespace

std::string xml_escape(const std::string& s) {
  std::string r;
  r.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': r += "&amp;"; break;
      case '<': r += "&lt;"; break;
      case '>': r += "&gt;"; break;
      case '"': r += "&quot;"; break;
      case '\'': r += "&#39;"; break;
      default: r += c;
    }
  }
  return r;
}

std::string format_number(double v) {
  if (std::abs(v) < 1e-12) v = 0;  // never "-0" nor "1e-17" for a tick that should be zero
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) lo -= 0.5, hi += 0.5;
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  const double first = std::floor(lo / step + 1e-9), last = std::ceil(hi / step - 1e-9);
  std::vector<double> t;
  for (double k = first; k <= last; ++k) t.push_back(k * step);
  if (t.size() < 2) t.push_back(t.back() + step);
  return t;
}

std::vector<double> log_ticks(double lo, double hi) {
  if (!(lo > 0) || !std::isfinite(lo)) lo = 1;
  if (!(hi > lo) || !std::isfinite(hi)) hi = lo * 10;
  std::vector<double> all;
  for (int k = static_cast<int>(std::floor(std::log10(lo))); k <= static_cast<int>(std::ceil(std::log10(hi))); ++k)
    for (double m : {1.0, 2.0, 5.0}) all.push_back(m * std::pow(10.0, k));
  const double eps = 1e-9;
  size_t first = 0, last = all.size() - 1;
  while (first + 1 < all.size() && all[first + 1] <= lo * (1 + eps)) ++first;  // the largest tick <= lo
  while (last > first + 1 && all[last - 1] >= hi * (1 - eps)) --last;          // the smallest tick >= hi
  return std::vector<double>(all.begin() + static_cast<std::ptrdiff_t>(first),
                             all.begin() + static_cast<std::ptrdiff_t>(last) + 1);
}

std::string bar_chart_svg(const BarChart& c) {
  const size_t n = c.categories.size(), ns = std::max<size_t>(1, c.series.size());
  const double ml = 64, mr = 16, mt = 48, mb = 120;
  // Each category gets at least 5 px per bar plus a gap, so hundreds of layers widen the chart
  // (the page scrolls it) instead of collapsing the bars to nothing.
  const double group_min = 5.0 * ns + 4;
  const double plot_w = std::max(c.min_width - ml - mr, group_min * std::max<size_t>(1, n));
  const double w = ml + plot_w + mr, h = c.height;
  const double group = plot_w / std::max<size_t>(1, n);
  const double bar = std::min(22.0, 0.8 * group / ns);

  double lo = 0, hi = 0;
  for (const auto& s : c.series)
    for (double v : s.values)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (std::isfinite(c.y_min)) lo = std::min(lo, c.y_min);
  if (std::isfinite(c.y_max)) hi = std::max(hi, c.y_max);
  const auto ticks = nice_ticks(lo, hi, 5);
  const Scale y{ticks.front(), ticks.back(), h - mb, mt};

  std::ostringstream o;
  open_svg(o, w, h, c.title);
  y_axis(o, y, ticks, ml, ml + plot_w, c.y_label);
  for (size_t s = 0; s < c.series.size(); ++s) {
    const auto& ser = c.series[s];
    for (size_t k = 0; k < n && k < ser.values.size(); ++k) {
      const double v = ser.values[k];
      if (!std::isfinite(v)) continue;
      const double x = ml + group * k + (group - bar * ns) / 2 + bar * s;
      const double top = y(std::max(v, 0.0)), bottom = y(std::min(v, 0.0));
      o << "<rect x=\"" << num(x) << "\" y=\"" << num(top) << "\" width=\"" << num(std::max(1.0, bar - 1))
        << "\" height=\"" << num(std::max(0.5, bottom - top)) << "\" fill=\"" << xml_escape(ser.color) << "\"><title>"
        << xml_escape(c.categories[k] + ": " + ser.name + " " + format_number(v)) << "</title></rect>\n";
    }
  }
  o << "<line x1=\"" << num(ml) << "\" y1=\"" << num(y(0)) << "\" x2=\"" << num(ml + plot_w) << "\" y2=\"" << num(y(0))
    << "\" stroke=\"" << kAxisColor << "\"/>\n";
  o << "<line x1=\"" << num(ml) << "\" y1=\"" << num(mt) << "\" x2=\"" << num(ml) << "\" y2=\"" << num(h - mb)
    << "\" stroke=\"" << kAxisColor << "\"/>\n";
  // Category labels, rotated; when they would overlap only every k-th is written (all have tooltips).
  const size_t every = std::max<size_t>(1, static_cast<size_t>(std::ceil(13.0 / group)));
  for (size_t k = 0; k < n; k += every) {
    const double x = ml + group * (k + 0.5), yy = h - mb + 12;
    o << "<text x=\"" << num(x) << "\" y=\"" << num(yy) << "\" " << kFont
      << " font-size=\"10\" text-anchor=\"end\" fill=\"#333\" transform=\"rotate(-50 " << num(x) << " " << num(yy)
      << ")\">" << xml_escape(shorten(c.categories[k], 22)) << "<title>" << xml_escape(c.categories[k])
      << "</title></text>\n";
  }
  double lx = ml;
  for (const auto& ser : c.series) {
    legend_entry(o, lx, 34,
                 "<rect x=\"" + num(lx) + "\" y=\"28\" width=\"10\" height=\"10\" fill=\"" + xml_escape(ser.color) + "\"/>\n",
                 ser.name);
    lx += 24 + 7.0 * ser.name.size();
  }
  o << "</svg>\n";
  return o.str();
}

std::string scatter_plot_svg(const ScatterPlot& p) {
  const double ml = 70, mr = 110, mt = 48, mb = 56;  // the right margin leaves room for point labels
  const double w = p.width, h = p.height;
  const bool from_zero = p.x_from_zero && !p.x_log;
  auto shown = [&](double xv) { return std::isfinite(xv) && (!p.x_log || xv > 0); };
  double x0 = from_zero ? 0 : INFINITY, x1 = from_zero ? 0 : -INFINITY, y0 = 0, y1 = 0;
  auto take = [&](double x, double yv) {
    if (!shown(x) || !std::isfinite(yv)) return;
    x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, yv), y1 = std::max(y1, yv);
  };
  for (const auto& q : p.points) take(q.x, q.y);
  for (const auto& r : p.references) take(r.x, r.y);
  if (!std::isfinite(x0)) x0 = p.x_log ? 1 : 0, x1 = p.x_log ? 10 : 1;
  const auto xt = p.x_log ? log_ticks(x0, x1) : nice_ticks(x0, x1, 6), yt = nice_ticks(y0, y1, 5);
  const Scale x{xt.front(), xt.back(), ml, w - mr, p.x_log}, y{yt.front(), yt.back(), h - mb, mt};

  std::ostringstream o;
  open_svg(o, w, h, p.title);
  y_axis(o, y, yt, ml, w - mr, p.y_label);
  for (double t : xt) {
    o << "<line x1=\"" << num(x(t)) << "\" y1=\"" << num(mt) << "\" x2=\"" << num(x(t)) << "\" y2=\"" << num(h - mb)
      << "\" stroke=\"" << kGridColor << "\"/>\n";
    text(o, x(t), h - mb + 16, format_number(t), "font-size=\"11\" text-anchor=\"middle\" fill=\"#333\"");
  }
  text(o, (ml + w - mr) / 2, h - 14, p.x_label, "font-size=\"12\" text-anchor=\"middle\" fill=\"#333\"");
  o << "<rect x=\"" << num(ml) << "\" y=\"" << num(mt) << "\" width=\"" << num(w - mr - ml) << "\" height=\""
    << num(h - mb - mt) << "\" fill=\"none\" stroke=\"" << kAxisColor << "\"/>\n";

  std::vector<PlotPoint> front;
  for (const auto& q : p.points)
    if (q.pareto && shown(q.x)) front.push_back(q);
  std::sort(front.begin(), front.end(), [](const PlotPoint& a, const PlotPoint& b) { return a.x < b.x; });
  if (front.size() > 1) {
    o << "<polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"1.5\" points=\"";
    for (const auto& q : front) o << num(x(q.x)) << "," << num(y(q.y)) << " ";
    o << "\"/>\n";
  }
  // Markers first, so no label covers any of them; then the labels, references first.
  LabelPlacer placer(ml + 2, mt + 2, w - 4, h - mb - 2);
  for (const auto& q : p.points)
    if (shown(q.x) && std::isfinite(q.y)) placer.add_marker(x(q.x), y(q.y));
  for (const auto& r : p.references)
    if (shown(r.x) && std::isfinite(r.y)) placer.add_marker(x(r.x), y(r.y));
  for (const auto& r : p.references) {
    if (!shown(r.x) || !std::isfinite(r.y)) continue;
    const double cx = x(r.x), cy = y(r.y);
    o << "<polygon points=\"" << num(cx) << "," << num(cy - 7) << " " << num(cx + 7) << "," << num(cy) << " " << num(cx)
      << "," << num(cy + 7) << " " << num(cx - 7) << "," << num(cy) << "\" fill=\"#2c7fb8\"><title>"
      << xml_escape(r.label + ": " + p.x_label + " " + format_number(r.x) + ", " + p.y_label + " " + format_number(r.y))
      << "</title></polygon>\n";
    const auto [tx, ty] = placer.place(cx, cy, r.label);
    text(o, tx, ty, r.label, "font-size=\"11\" font-weight=\"bold\" fill=\"#2c7fb8\"");
  }
  for (const auto& q : p.points) {
    if (!shown(q.x) || !std::isfinite(q.y)) continue;
    const std::string tip = q.label + ": " + p.x_label + " " + format_number(q.x) + ", " + p.y_label + " " +
                            format_number(q.y) + (q.pareto ? " (Pareto front)" : "");
    o << "<circle cx=\"" << num(x(q.x)) << "\" cy=\"" << num(y(q.y)) << "\" r=\"5\" "
      << (q.pareto ? "fill=\"#c0392b\" stroke=\"#c0392b\"" : "fill=\"#fff\" stroke=\"#777\" stroke-width=\"1.5\"")
      << "><title>" << xml_escape(tip) << "</title></circle>\n";
    const auto [tx, ty] = placer.place(x(q.x), y(q.y), q.label);
    text(o, tx, ty, q.label, "font-size=\"11\" fill=\"#333\"");
  }
  if (p.points.empty() && p.references.empty())
    text(o, (ml + w - mr) / 2, (mt + h - mb) / 2, "no points", "font-size=\"13\" text-anchor=\"middle\" fill=\"#888\"");
  const double lx = w - mr + 10;
  legend_entry(o, lx, mt + 8, "<circle cx=\"" + num(lx + 5) + "\" cy=\"" + num(mt + 8) + "\" r=\"5\" fill=\"#c0392b\"/>\n",
               "Pareto front");
  legend_entry(o, lx, mt + 26,
               "<circle cx=\"" + num(lx + 5) + "\" cy=\"" + num(mt + 26) + "\" r=\"5\" fill=\"#fff\" stroke=\"#777\"/>\n",
               "other");
  legend_entry(o, lx, mt + 44,
               "<polygon points=\"" + num(lx + 5) + "," + num(mt + 38) + " " + num(lx + 11) + "," + num(mt + 44) + " " +
                   num(lx + 5) + "," + num(mt + 50) + " " + num(lx - 1) + "," + num(mt + 44) + "\" fill=\"#2c7fb8\"/>\n",
               "reference");
  o << "</svg>\n";
  return o.str();
}

std::string standalone_svg(const std::string& inline_svg) {
  const std::string open = "<svg ";
  if (inline_svg.compare(0, open.size(), open) != 0) return inline_svg;
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" " +
         inline_svg.substr(open.size());
}

}  // namespace fxq::report
