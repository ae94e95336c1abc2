#include "report/html_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <vector>

#include "common/error.h"
#include "common/progress.h"
#include "report/report_text.h"
#include "report/summary.h"
#include "report/svg_plot.h"

namespace fxq::report {
namespace {

using json = nlohmann::json;

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// Everything the page needs to look right, inline: no font, stylesheet or image is fetched.
const char* kStyle = R"(
body { font-family: sans-serif; margin: 24px; color: #222; background: #fafafa; }
h1 { font-size: 22px; margin: 0 0 4px 0; }
h2 { font-size: 17px; margin: 28px 0 8px 0; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.sub { color: #555; font-size: 13px; margin-bottom: 16px; word-break: break-all; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 10px 14px; min-width: 200px; flex: 1; }
.card .k { font-size: 12px; color: #666; text-transform: uppercase; letter-spacing: 0.04em; }
.card .v { font-size: 24px; font-weight: bold; margin: 4px 0; }
.card .d { font-size: 12px; color: #444; line-height: 1.5; }
.chart { overflow-x: auto; background: #fff; border: 1px solid #ddd; border-radius: 6px; margin: 8px 0; }
table { border-collapse: collapse; background: #fff; font-size: 12px; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #eef1f5; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.fmt { font-family: monospace; white-space: nowrap; }
td.note { color: #666; max-width: 320px; }
tr:nth-child(even) td { background: #f7f8fa; }
.scroll { overflow-x: auto; max-width: 100%; }
table.meta td:first-child { color: #555; white-space: nowrap; }
.legend { font-size: 12px; color: #555; margin: 4px 0; }
)";

std::string esc(const std::string& s) { return xml_escape(s); }

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string pct_of(double value, double ref) { return ref > 0 ? fmt("%.1f %%", 100.0 * value / ref) : "-"; }

// `details` is HTML (already escaped by the caller).
std::string card(const std::string& key, const std::string& value, const std::string& details) {
  return "<div class=\"card\"><div class=\"k\">" + esc(key) + "</div><div class=\"v\">" + esc(value) +
         "</div><div class=\"d\">" + details + "</div></div>\n";
}

std::string cards(const json& r) {
  std::string s = "<div class=\"cards\">\n";
  const json* a = find(r, {"accuracy"});
  if (a && a->is_object() && text(*a, {"task"}) == "detect") {
    s += card("quantized mAP@0.5", fmt("%.2f %%", number(*a, {"quantized", "map50"})),
              "float " + fmt("%.2f %%", number(*a, {"float", "map50"})) + ", loss <b>" +
                  fmt("%+.2f", number(*a, {"loss_map50_pp"})) + " pp</b><br>mAP@0.5:0.95 " +
                  fmt("%.2f", number(*a, {"float", "map50_95"})) + " &rarr; " +
                  fmt("%.2f %%", number(*a, {"quantized", "map50_95"})) + "<br>" + std::to_string(integer(*a, {"images"})) +
                  " images of " + esc(text(*a, {"eval_dir"})));
  } else if (a && a->is_object()) {
    const double loss = number(*a, {"loss_top1_pp"});
    s += card("quantized top-1", fmt("%.2f %%", number(*a, {"quantized", "top1"})),
              "float " + fmt("%.2f %%", number(*a, {"float", "top1"})) + ", loss <b>" + fmt("%+.2f", loss) +
                  " pp</b><br>top-5 " + fmt("%.2f", number(*a, {"float", "top5"})) + " &rarr; " +
                  fmt("%.2f %%", number(*a, {"quantized", "top5"})) + "<br>" + std::to_string(integer(*a, {"images"})) +
                  " images of " + esc(text(*a, {"eval_dir"})));
  } else {
    s += card("accuracy", "not measured", "run with --eval DIR --labels FILE to compare float and quantized top-1");
  }
  const double wq = number(r, {"totals", "weight_bytes", "quantized"}), wf = number(r, {"totals", "weight_bytes", "float32"}),
               w8 = number(r, {"totals", "weight_bytes", "all_8bit"});
  s += card("weight memory", bytes(wq),
            pct_of(wq, wf) + " of float32 (" + esc(bytes(wf)) + ")<br>" + pct_of(wq, w8) + " of all-8-bit (" +
                esc(bytes(w8)) + ")<br>biases counted at 32 bits");
  const double bq = number(r, {"totals", "bitops", "quantized"}), bf = number(r, {"totals", "bitops", "float32"}),
               b8 = number(r, {"totals", "bitops", "all_8bit"});
  s += card("bit-ops per image", si(bq),
            (bf > 0 ? pct_of(bq, bf) + " of float32 (32&times;32 bits, " + esc(si(bf)) + ")<br>" : std::string()) +
                pct_of(bq, b8) + " of all-8-bit (" + esc(si(b8)) + ")<br>weight bits &times; input bits &times; MACs");
  const std::string groups = bit_groups(r);
  const json* fl = find(r, {"float_nodes"});
  const size_t n_float = fl && fl->is_array() ? fl->size() : 0;
  const json* layers = find(r, {"layers"});
  s += card("bit-widths", groups.empty() ? "-" : groups,
            std::to_string(layers && layers->is_array() ? layers->size() : 0) + " quantized layers and points; " +
                std::to_string(n_float) + (n_float == 1 ? " node" : " nodes") + " left in float<br>W: weight bits, " +
                "A: bits of the layer's input");
  return s + "</div>\n";
}

std::string charts(const json& layers) {
  BarChart bits;
  bits.title = "Bit-widths per layer";
  bits.y_label = "bits";
  Series w{"weights", "#3b6ea8", {}}, o{"output activations", "#e08a2c", {}};
  BarChart sq;
  sq.title = "SQNR per layer (output vs float, on the search images)";
  sq.y_label = "SQNR (dB)";
  Series q{"SQNR dB", "#4a9a5b", {}};
  for (const auto& l : layers) {
    bits.categories.push_back(text(l, {"name"}));
    w.values.push_back(find(l, {"weight", "bits"}) ? number(l, {"weight", "bits"}) : kNaN);
    o.values.push_back(find(l, {"output", "bits"}) ? number(l, {"output", "bits"}) : kNaN);
    q.values.push_back(find(l, {"sqnr_db"}) ? number(l, {"sqnr_db"}) : kNaN);
  }
  sq.categories = bits.categories;
  bits.min_width = sq.min_width = 960;
  bits.series = {w, o};
  bits.y_max = 8;  // keeps the 8-bit line in view, so narrower layers read as narrower
  sq.series = {q};
  return "<h2>Bit-widths per layer</h2>\n<div class=\"chart\">" + bar_chart_svg(bits) +
         "</div>\n<h2>SQNR per layer</h2>\n<div class=\"legend\">Signal-to-quantization-noise ratio of each layer's "
         "output in the quantized model (with every upstream error) against the float model: higher is better; "
         "each bit adds about 6 dB.</div>\n<div class=\"chart\">" +
         bar_chart_svg(sq) + "</div>\n";
}

std::string num_cell(const std::string& s) { return "<td class=\"num\">" + esc(s) + "</td>"; }

std::string layer_table(const json& layers) {
  std::ostringstream o;
  o << "<h2>Layers</h2>\n<div class=\"legend\">Q(b,f): b-bit signed integers q holding q&middot;2<sup>-f</sup>; "
       "Q(b,f,u): unsigned; Q(b,f0..f1): one frac per output channel. Bias at 32 bits, frac = input frac + weight "
       "frac. Bit-ops = weight bits &times; input bits &times; MACs.</div>\n"
    << "<div class=\"scroll\"><table id=\"layers\">\n<thead><tr><th class=\"num\">#</th><th>layer</th><th>op</th>"
       "<th>weight</th><th>bias</th><th>input</th><th>output</th><th class=\"num\">SQNR dB</th>"
       "<th class=\"num\">params</th><th class=\"num\">MACs</th><th class=\"num\">bit-ops</th><th>note</th></tr></thead>\n"
       "<tbody>\n";
  size_t k = 0;
  for (const auto& l : layers) {
    const json* ch = find(l, {"weight_channel_frac"});
    o << "<tr class=\"layer\">" << num_cell(std::to_string(k++)) << "<td>" << esc(text(l, {"name"})) << "</td><td>"
      << esc(text(l, {"op"})) << "</td>";
    for (const char* f : {"weight", "bias", "input", "output"}) {
      const json* v = find(l, {f});
      o << "<td class=\"fmt\">" << esc(format_text(v ? *v : json(nullptr), std::string(f) == "weight" && ch ? *ch : json(nullptr)))
        << "</td>";
    }
    o << num_cell(find(l, {"sqnr_db"}) ? fmt("%.1f", number(l, {"sqnr_db"})) : "-")
      << num_cell(with_commas(integer(l, {"params"}))) << num_cell(with_commas(integer(l, {"macs"})))
      << num_cell(find(l, {"bitops"}) ? si(number(l, {"bitops"})) : "-") << "<td class=\"note\">"
      << esc(text(l, {"note"})) << "</td></tr>\n";
  }
  o << "</tbody></table></div>\n";
  return o.str();
}

std::string float_nodes(const json& r) {
  const json* f = find(r, {"float_nodes"});
  if (!f || !f->is_array() || f->empty()) return "<h2>Nodes left in float</h2>\n<p>None: every layer is quantized.</p>\n";
  std::string s = "<h2>Nodes left in float</h2>\n<table id=\"float-nodes\"><thead><tr><th>node</th><th>reason</th></tr></thead><tbody>\n";
  for (const auto& n : *f) s += "<tr><td>" + esc(text(n, {"name"})) + "</td><td>" + esc(text(n, {"reason"})) + "</td></tr>\n";
  return s + "</tbody></table>\n";
}

std::string sweep_section(const json& r) {
  const json* sw = find(r, {"sweep"});
  if (!sw || !sw->is_array() || sw->empty()) return "";
  ScatterPlot p;
  p.title = "Accuracy loss vs weight memory";
  p.x_label = "weight memory (kB, log scale)";
  p.y_label = "top-1 loss (pp)";
  p.x_log = true;
  const double wf = number(r, {"totals", "weight_bytes", "float32"});
  if (wf > 0) p.references.push_back({wf / 1e3, 0.0, "float"});
  // The same against bit-ops, when the entries carry their bit-ops front (fxq sweep writes it).
  ScatterPlot pb = p;
  pb.title = "Accuracy loss vs bit-ops";
  pb.x_label = "bit-ops per image (G, log scale)";
  pb.references.clear();
  const double bf = number(r, {"totals", "bitops", "float32"});
  if (bf > 0) pb.references.push_back({bf / 1e9, 0.0, "float"});
  bool bitops_front = false;
  std::string rows;
  for (const auto& e : *sw) {
    const double kb = number(e, {"weight_bytes"}) / 1e3, loss = number(e, {"loss_pp"});
    const double gb = number(e, {"bitops"}) / 1e9;
    const std::string ref = text(e, {"reference"});
    bitops_front = bitops_front || find(e, {"pareto_bitops"});
    if (ref == "all_8bit") p.references.push_back({kb, loss, "all 8-bit"}), pb.references.push_back({gb, loss, "all 8-bit"});
    else {
      p.points.push_back({kb, loss, text(e, {"label"}), boolean(e, {"pareto"})});
      pb.points.push_back({gb, loss, text(e, {"label"}), boolean(e, {"pareto_bitops"})});
    }
    rows += "<tr class=\"sweep\"><td>" + esc(text(e, {"label"})) + (ref.empty() ? "" : " (reference)") + "</td>" +
            num_cell(bytes(number(e, {"weight_bytes"}))) + num_cell(pct_of(number(e, {"weight_bytes"}), wf)) +
            num_cell(si(number(e, {"bitops"}))) + num_cell(fmt("%+.2f", loss)) +
            num_cell(find(e, {"quantized_top1"}) ? fmt("%.2f %%", number(e, {"quantized_top1"})) : "-") + "<td>" +
            (boolean(e, {"pareto"}) ? "yes" : "") + "</td></tr>\n";
  }
  return "<h2>Sweep: accuracy vs size</h2>\n<div class=\"legend\">Each configuration tried: lower and further left is "
         "better; the red line joins the Pareto front (nothing else is both smaller and more accurate).</div>\n"
         "<div class=\"chart\">" +
         scatter_plot_svg(p) + (bitops_front ? "</div>\n<div class=\"chart\">" + scatter_plot_svg(pb) : std::string()) +
         "</div>\n<table id=\"sweep\"><thead><tr><th>configuration</th><th class=\"num\">weight memory</th>"
         "<th class=\"num\">of float32</th><th class=\"num\">bit-ops</th><th class=\"num\">loss pp</th>"
         "<th class=\"num\">quantized top-1</th><th>Pareto</th></tr></thead><tbody>\n" +
         rows + "</tbody></table>\n";
}

std::string meta_row(const std::string& k, const std::string& v_html) {
  return "<tr><td>" + esc(k) + "</td><td>" + v_html + "</td></tr>\n";
}

std::string settings(const json& r) {
  std::string s = "<h2>Run</h2>\n<table class=\"meta\">\n";
  s += meta_row("model", esc(text(r, {"model", "path"})) + "<br>sha256 " + esc(text(r, {"model", "sha256"})) + ", opset " +
                             std::to_string(integer(r, {"model", "opset"})) + ", " +
                             with_commas(integer(r, {"model", "params"})) + " params, " +
                             esc(si(number(r, {"model", "macs"}))) + " MACs per image");
  s += meta_row("calibration", std::to_string(integer(r, {"calibration", "count"})) + " images of " +
                                   esc(text(r, {"calibration", "dir"})) + " (" +
                                   std::to_string(integer(r, {"calibration", "skipped"})) + " skipped), " +
                                   std::to_string(integer(r, {"calibration", "search_images"})) +
                                   " in the search; observer " + esc(text(r, {"calibration", "observer"})));
  s += meta_row("preprocessing", esc(text(r, {"preprocessing"})));
  s += meta_row("options", "weights " + std::to_string(integer(r, {"options", "weight_bits"})) + "-bit, activations " +
                               std::to_string(integer(r, {"options", "act_bits"})) + "-bit, " +
                               esc(text(r, {"options", "weight_granularity"})) + " weight fracs, " +
                               (boolean(r, {"options", "upstream_aware"}) ? "upstream-aware" : "per-layer-independent") +
                               " search, rounding " + esc(text(r, {"options", "rounding"})));
  std::string phases;
  if (const json* p = find(r, {"phase_seconds"})) {
    // The known phases in the order they run, then any other a newer fxq records.
    std::vector<std::string> order = {"calibrate", "search", "evaluate", "export"};
    for (auto it = p->begin(); it != p->end(); ++it)
      if (std::find(order.begin(), order.end(), it.key()) == order.end()) order.push_back(it.key());
    for (const auto& k : order)
      if (const json* t = find(*p, {k.c_str()}); t && t->is_number())
        phases += (phases.empty() ? "" : ", ") + esc(k) + " " + format_duration(t->get<double>());
  }
  if (!phases.empty()) s += meta_row("time", phases);
  std::string outs;
  for (const char* k : {"model", "report", "html"})
    if (const json* p = find(r, {"outputs", k}); p && p->is_string()) outs += (outs.empty() ? "" : "<br>") + esc(p->get<std::string>());
  if (!outs.empty()) s += meta_row("outputs", outs);
  s += meta_row("made by", "fxq " + esc(text(r, {"fxq_version"})) + " from its JSON report (schema version " +
                               std::to_string(integer(r, {"schema_version"})) + ", docs/report.schema.json)");
  return s + "</table>\n";
}

}  // namespace

std::string format_text(const json& f, const json& channel_fracs) {
  if (!f.is_object()) return "-";
  std::string frac = std::to_string(integer(f, {"frac"}));
  if (channel_fracs.is_array() && !channel_fracs.empty()) {
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (const auto& c : channel_fracs)
      if (c.is_number_integer()) lo = std::min<int64_t>(lo, c.get<int64_t>()), hi = std::max<int64_t>(hi, c.get<int64_t>());
    if (lo <= hi) frac = lo == hi ? std::to_string(lo) : std::to_string(lo) + ".." + std::to_string(hi);
  }
  const json* sg = find(f, {"signed"});
  const bool is_signed = !sg || !sg->is_boolean() || sg->get<bool>();
  return "Q(" + std::to_string(integer(f, {"bits"})) + "," + frac + (is_signed ? "" : ",u") + ")";
}

std::string html_report(const json& r) {
  FXQ_CHECK(r.is_object(), "html_report: the report is not a JSON object");
  std::string model = text(r, {"model", "path"});
  const std::string name = model.substr(model.find_last_of('/') == std::string::npos ? 0 : model.find_last_of('/') + 1);
  const json* layers = find(r, {"layers"});
  const json empty = json::array();
  const json& ls = layers && layers->is_array() ? *layers : empty;
  std::string s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>fxq report: " + esc(name) +
                  "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  s += "<h1>fxq quantize: " + esc(name) + "</h1>\n<div class=\"sub\">" + esc(model) + " &mdash; fixed-point (power-of-two) "
       "quantization, " + esc(text(r, {"preprocessing"})) + " preprocessing</div>\n";
  s += cards(r);
  s += sweep_section(r);
  s += charts(ls);
  s += layer_table(ls);
  s += float_nodes(r);
  s += settings(r);
  return s + "</body>\n</html>\n";
}

}  // namespace fxq::report
