#include "report/summary.h"

#include <algorithm>
#include <cstdlib>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <vector>

#include "common/error.h"
#include "common/progress.h"
#include "report/report_text.h"

namespace fxq::report {
namespace {

using json = nlohmann::json;

const size_t kMaxListedRows = 13;  // the whole per-layer table fits when a model has at most this many rows

// "74.8 % less than float32 (295.9 kB)": the saving against a reference, or the excess.
std::string versus(double value, double ref, const std::string& ref_name, const std::string& ref_text) {
  if (!(ref > 0)) return "";
  const double pct = 100.0 * (ref - value) / ref;
  char b[64];
  if (std::abs(pct) < 0.05) return "same as " + ref_name + " (" + ref_text + ")";
  std::snprintf(b, sizeof b, "%.1f %% %s than ", std::abs(pct), pct > 0 ? "less" : "more");
  return b + ref_name + " (" + ref_text + ")";
}

// Pads to `width` columns, counting UTF-8 characters (a shortened name starts with a 3-byte "…").
std::string pad(const std::string& s, size_t width) {
  size_t cols = 0;
  for (unsigned char c : s) cols += (c & 0xC0) != 0x80;
  return s + std::string(width > cols ? width - cols : 0, ' ');
}

std::string pct(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f %%", v);
  return b;
}

std::string fixed1(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

std::string accuracy_line(const json& r) {
  const json* a = find(r, {"accuracy"});
  if (!a || !a->is_object())
    return "not measured (add --eval DIR --labels FILE, or --annotations COCO.json for a detector, to compare float and quantized)";
  std::ostringstream o;
  if (text(*a, {"task"}) == "detect") {
    o << "mAP@0.5 float " << pct(number(*a, {"float", "map50"})) << " -> quantized " << pct(number(*a, {"quantized", "map50"}))
      << " (loss " << std::showpos << std::fixed;
    o.precision(2);
    o << number(*a, {"loss_map50_pp"}) << std::noshowpos << " pp); mAP@0.5:0.95 " << pct(number(*a, {"float", "map50_95"}))
      << " -> " << pct(number(*a, {"quantized", "map50_95"}));
    if (find(*a, {"agreement_pct"})) o << "; box agreement " << pct(number(*a, {"agreement_pct"}));
    o << "; " << integer(*a, {"images"}) << " images of " << text(*a, {"eval_dir"});
    return o.str();
  }
  o << "top-1 float " << pct(number(*a, {"float", "top1"})) << " -> quantized " << pct(number(*a, {"quantized", "top1"}))
    << " (loss " << std::showpos << std::fixed;
  o.precision(2);
  o << number(*a, {"loss_top1_pp"}) << std::noshowpos << " pp); top-5 " << pct(number(*a, {"float", "top5"})) << " -> "
    << pct(number(*a, {"quantized", "top5"})) << "; " << integer(*a, {"images"}) << " images of " << text(*a, {"eval_dir"});
  return o.str();
}

std::string bits_line(const json& r) {
  std::string line = bit_groups(r);
  line = line.empty() ? "no layer with weights" : line + " (W weight bits, A input bits)";
  std::map<int64_t, int> outs;
  if (const json* layers = find(r, {"layers"}); layers && layers->is_array())
    for (const auto& l : *layers)
      if (find(l, {"output", "bits"})) ++outs[integer(l, {"output", "bits"})];
  std::string o;
  for (auto it = outs.rbegin(); it != outs.rend(); ++it)
    o += (o.empty() ? "" : ", ") + std::to_string(it->first) + "-bit x" + std::to_string(it->second);
  if (!o.empty()) line += "; outputs " + o;
  const std::string gran = text(r, {"options", "weight_granularity"});
  if (!gran.empty()) line += "; weights " + std::string(gran == "per_channel" ? "per channel" : "per tensor");
  if (const json* e = find(r, {"options", "equalize"}); e && e->is_object())
    line += "; equalized " + std::to_string(integer(*e, {"pairs"})) + " conv pairs";
  return line;
}

std::string bits_or_dash(const json& l, const char* key) {
  return find(l, {key, "bits"}) ? std::to_string(integer(l, {key, "bits"})) : "-";
}

// One line per row of the report's layer list (small models only).
std::vector<std::string> layer_table(const json& layers) {
  size_t name_w = 5, op_w = 2;
  for (const auto& l : layers) {
    name_w = std::max(name_w, std::min<size_t>(32, text(l, {"name"}).size()));
    op_w = std::max(op_w, std::min<size_t>(20, text(l, {"op"}).size()));
  }
  auto row = [&](const std::string& name, const std::string& op, const std::string& w, const std::string& in,
                 const std::string& out, const std::string& sqnr) {
    char b[64];
    std::snprintf(b, sizeof b, "  %3s %3s %4s  %7s", w.c_str(), in.c_str(), out.c_str(), sqnr.c_str());
    return "    " + pad(shorten(name, name_w), name_w) + "  " + pad(shorten(op, op_w), op_w) + b;
  };
  std::vector<std::string> lines{row("layer", "op", "W", "in", "out", "SQNR dB")};
  for (const auto& l : layers)
    lines.push_back(row(text(l, {"name"}), text(l, {"op"}), bits_or_dash(l, "weight"), bits_or_dash(l, "input"),
                        bits_or_dash(l, "output"), fixed1(number(l, {"sqnr_db"}))));
  return lines;
}

std::string sqnr_line(const json& layers) {
  std::vector<std::pair<double, std::string>> v;
  for (const auto& l : layers)
    if (const json* q = find(l, {"sqnr_db"}); q && q->is_number()) v.emplace_back(q->get<double>(), text(l, {"name"}));
  if (v.empty()) return "";
  std::sort(v.begin(), v.end());
  std::string s = "lowest ";
  for (size_t k = 0; k < std::min<size_t>(3, v.size()); ++k)
    s += (k ? ", " : "") + fixed1(v[k].first) + " dB " + shorten(v[k].second, 32);
  const size_t n = v.size();
  const double median = n % 2 ? v[n / 2].first : (v[n / 2 - 1].first + v[n / 2].first) / 2;
  return s + "; median " + fixed1(median) + " dB (each output vs float, search images)";
}

std::string float_nodes_line(const json& r) {
  const json* f = find(r, {"float_nodes"});
  if (!f || !f->is_array() || f->empty()) return "none";
  std::string s = std::to_string(f->size()) + (f->size() == 1 ? " node: " : " nodes: ");
  for (size_t k = 0; k < std::min<size_t>(2, f->size()); ++k)
    s += (k ? "; " : "") + text((*f)[k], {"name"}) + " (" + text((*f)[k], {"reason"}) + ")";
  if (f->size() > 2) s += "; ... (all in the report)";
  return s;
}

std::string weights_line(const json& r) {
  const double q = number(r, {"totals", "weight_bytes", "quantized"});
  const double f = number(r, {"totals", "weight_bytes", "float32"}), a8 = number(r, {"totals", "weight_bytes", "all_8bit"});
  return bytes(q) + ": " + versus(q, f, "float32", bytes(f)) + ", " + versus(q, a8, "all-8-bit", bytes(a8));
}

std::string bitops_line(const json& r) {
  const double q = number(r, {"totals", "bitops", "quantized"});
  const double f = number(r, {"totals", "bitops", "float32"}), a8 = number(r, {"totals", "bitops", "all_8bit"});
  std::string s = si(q) + " per image:";
  if (f > 0) s += " " + versus(q, f, "float32", si(f)) + ",";
  return s + " " + versus(q, a8, "all-8-bit", si(a8));
}

std::string time_line(const json& r) {
  const json* p = find(r, {"phase_seconds"});
  if (!p) return "";
  std::string s;
  double total = 0;
  for (const char* phase : {"calibrate", "evaluate float", "gate", "search", "evaluate", "export"})
    if (p->contains(phase)) {
      const double t = number(*p, {phase});
      total += t;
      s += (s.empty() ? "" : ", ") + std::string(phase) + " " + format_duration(t);
    }
  return s.empty() ? s : s + " (total " + format_duration(total) + ")";
}

// The accuracy gate: met or not, the chosen plan's loss against the limit, and what the search cost.
std::string gate_line(const json& r) {
  const json* g = find(r, {"gate"});
  if (!g || !g->is_object()) return "";
  const json* ev = find(*g, {"evaluated"});
  const int64_t chosen = integer(*g, {"chosen"});
  if (!ev || !ev->is_array() || chosen < 0 || chosen >= static_cast<int64_t>(ev->size())) return "";
  const json& e = (*ev)[static_cast<size_t>(chosen)];
  char b[320];
  const json* budget = find(*g, {"budget_avg_wbits"});
  if (budget && budget->is_number()) {
    std::snprintf(b, sizeof b, "budget of %.2f average weight bits: %s loss %.2f pp on %lld images; step %lld of a "
                  "%lld-step path", budget->get<double>(), text(*g, {"metric"}).c_str(), number(e, {"loss_pp"}),
                  static_cast<long long>(integer(e, {"images"})), static_cast<long long>(integer(e, {"step"})),
                  static_cast<long long>(integer(*g, {"path_length"})));
    return b;
  }
  if (text(*g, {"metric"}) == "sqnr") {
    std::snprintf(b, sizeof b, "%s: output SQNR %.2f dB (limit >= %.2f dB) on %lld images; plan %lld of %lld evaluated, step "
                  "%lld of a %lld-step path, objective %s",
                  boolean(*g, {"met"}) ? "met" : "NOT met", number(e, {"sqnr_db"}), number(*g, {"min_sqnr_db"}),
                  static_cast<long long>(integer(e, {"images"})), static_cast<long long>(chosen + 1),
                  static_cast<long long>(ev->size()), static_cast<long long>(integer(e, {"step"})),
                  static_cast<long long>(integer(*g, {"path_length"})), text(*g, {"objective"}).c_str());
    return b;
  }
  std::snprintf(b, sizeof b, "%s: %s loss %.2f pp (limit %.2f pp) on %lld images; plan %lld of %lld evaluated, step %lld of a "
                "%lld-step path, objective %s",
                boolean(*g, {"met"}) ? "met" : "NOT met", text(*g, {"metric"}).c_str(), number(e, {"loss_pp"}),
                number(*g, {"max_loss_pp"}), static_cast<long long>(integer(e, {"images"})),
                static_cast<long long>(chosen + 1), static_cast<long long>(ev->size()),
                static_cast<long long>(integer(e, {"step"})), static_cast<long long>(integer(*g, {"path_length"})),
                text(*g, {"objective"}).c_str());
  return b;
}

// The profile's ranking (docs/mixed-precision.md, M4): the layers whose weights add the most output error
// at the smallest profiled weight bit-width (gain x added MSE), as a share of the total: where bits go.
std::string sensitive_line(const json& r) {
  const json* layers = find(r, {"gate", "profile", "layers"});
  if (!layers || !layers->is_array() || layers->empty()) return "";
  std::vector<std::pair<double, std::string>> v;
  double total = 0;
  std::string bits;
  for (const auto& l : *layers) {
    const json* added = find(l, {"added_mse"});
    if (!added || !added->is_object() || added->empty()) continue;
    int low = 99;
    for (const auto& [k, x] : added->items()) low = std::min(low, std::atoi(k.c_str()));
    bits = std::to_string(low);
    const double e = number(l, {"gain"}) * number(*added, {bits.c_str()});
    if (!(e >= 0) || !std::isfinite(e)) continue;
    v.emplace_back(e, text(l, {"node"}));
    total += e;
  }
  if (v.empty() || !(total > 0)) return "";
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string s;
  for (size_t k = 0; k < std::min<size_t>(3, v.size()); ++k)
    s += (k ? ", " : "") + shorten(v[k].second, 32) + " " + fixed1(100 * v[k].first / total) + " %";
  return s + " of the predicted output error at " + bits + "-bit weights (the gate's profile)";
}

}  // namespace

std::string bit_groups(const json& report) {
  std::map<std::string, int> groups;
  if (const json* layers = find(report, {"layers"}); layers && layers->is_array())
    for (const auto& l : *layers)
      if (find(l, {"weight", "bits"}))
        ++groups["W" + std::to_string(integer(l, {"weight", "bits"})) + "A" +
                 (find(l, {"input", "bits"}) ? std::to_string(integer(l, {"input", "bits"})) : "?")];
  std::vector<std::pair<int, std::string>> sorted;
  for (const auto& [name, n] : groups) sorted.emplace_back(-n, name);
  std::sort(sorted.begin(), sorted.end());
  std::string s;
  for (const auto& [n, name] : sorted) s += (s.empty() ? "" : ", ") + name + " x" + std::to_string(-n);
  return s;
}

std::string format_summary(const json& r) {
  FXQ_CHECK(r.is_object(), "format_summary: the report is not a JSON object");
  std::vector<std::pair<std::string, std::string>> lines;  // (field, text); field "" continues the table
  auto add = [&](const std::string& field, const std::string& value) {
    if (!value.empty()) lines.emplace_back(field, value);
  };
  std::string head = "fxq quantize  " + text(r, {"model", "path"});
  if (find(r, {"model", "params"}))
    head += "  (" + with_commas(integer(r, {"model", "params"})) + " params, " + si(number(r, {"model", "macs"})) +
            " MACs per image)";

  const std::string observer = text(r, {"calibration", "observer"});
  add("calibration", std::to_string(integer(r, {"calibration", "count"})) + " images of " + text(r, {"calibration", "dir"}) +
                         ", " + std::to_string(integer(r, {"calibration", "search_images"})) + " in the search (" +
                         (boolean(r, {"options", "upstream_aware"}) ? "upstream-aware" : "NOT upstream-aware") + ")" +
                         (observer.empty() ? "" : ", " + observer + " ranges"));
  add("accuracy", accuracy_line(r));
  add("gate", gate_line(r));
  const json* layers = find(r, {"layers"});
  if (layers && !layers->is_array()) layers = nullptr;
  // Large models (no per-layer table): where the gate's profile says the bits matter most.
  if (!layers || layers->size() > kMaxListedRows) add("sensitive", sensitive_line(r));
  add("bits", bits_line(r));
  if (layers && !layers->empty() && layers->size() <= kMaxListedRows)
    for (const auto& l : layer_table(*layers)) lines.emplace_back("", l);
  add("weights", weights_line(r));
  add("bit-ops", bitops_line(r));
  if (layers && layers->size() > kMaxListedRows) add("SQNR", sqnr_line(*layers));
  add("in float", float_nodes_line(r));
  add("time", time_line(r));
  bool first = true;
  for (const auto& [key, what] : {std::pair<const char*, const char*>{"model", "QDQ ONNX"}, {"report", "JSON report"},
                                  {"html", "HTML report"}}) {
    const json* p = find(r, {"outputs", key});
    if (p && p->is_string()) {
      lines.emplace_back(first ? "wrote" : " ", p->get<std::string>() + "  (" + what + ")");
      first = false;
    }
  }

  std::string s = head + "\n";
  for (const auto& [field, value] : lines) {
    if (field.empty()) {
      s += value + "\n";
      continue;
    }
    char b[32];
    std::snprintf(b, sizeof b, "  %-12s ", field == " " ? "" : field.c_str());
    s += b + value + "\n";
  }
  return s;
}

}  // namespace fxq::report
