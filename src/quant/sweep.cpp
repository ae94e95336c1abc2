#include "quant/sweep.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/sha256.h"
#include "io/atomic_file.h"
#include "report/svg_plot.h"

namespace fxq::quant {
namespace {

using json = nlohmann::json;

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// A whole decimal integer in [2, 16], or -1.
int bits_value(const std::string& s) {
  if (s.empty() || s.size() > 2 || !std::all_of(s.begin(), s.end(), ::isdigit)) return -1;
  const int v = std::stoi(s);
  return v >= 2 && v <= 16 ? v : -1;
}

std::string format_avg(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", x);
  return b;
}

double read_number(const json& j, std::initializer_list<const char*> path) {
  const json* p = &j;
  for (const char* k : path) {
    if (!p->is_object() || !p->contains(k)) return 0;
    p = &(*p)[k];
  }
  return p->is_number() ? p->get<double>() : 0;
}

// Everything that shapes a point's result, so that a resumed sweep never reuses a point made with
// other settings. Output paths are excluded (they are the point's identity already).
// "adaround,bias-correction": the weight methods as --method takes them.
std::string method_list(const QuantizeOptions& q) {
  std::string methods;
  for (const auto& m : q.search.methods) methods += (methods.empty() ? "" : ",") + m;
  return methods;
}

json point_key(const SweepOptions& opt, const SweepBudget& b, const std::string& model_sha) {
  const QuantizeOptions& q = opt.base;
  return {{"model_sha256", model_sha},
          {"budget", b.label},
          {"wbits", b.wbits},
          {"abits", b.abits},
          {"avg_wbits", b.avg_wbits},
          {"calib", q.calib_dir},
          {"calib_limit", q.calib_limit},
          {"search_images", q.search_images},
          {"observer", q.observer},
          {"eval", q.eval_dir},
          {"eval_split", q.eval_split},
          {"labels", q.labels},
          {"preprocessing", q.preprocessing.name + "|" + q.preprocessing.source},
          {"per_channel", q.search.per_channel},
          {"equalize", q.equalize},
          {"upstream_aware", q.search.upstream_aware},
          {"methods", method_list(q)},
          {"profile_images", q.profile_images},
          {"profile_error", q.profile_error},
          {"qdq_style", static_cast<int>(q.qdq_style)}};
}

// A row from a point's JSON report (written by run_quantize).
SweepRow row_from_report(const SweepBudget& b, const json& r) {
  SweepRow row;
  row.budget = b;
  row.float_top1 = read_number(r, {"accuracy", "float", "top1"});
  row.quant_top1 = read_number(r, {"accuracy", "quantized", "top1"});
  row.loss_pp = read_number(r, {"accuracy", "loss_top1_pp"});
  row.images = static_cast<size_t>(read_number(r, {"accuracy", "images"}));
  row.weight_bytes = read_number(r, {"totals", "weight_bytes", "quantized"});
  row.float32_weight_bytes = read_number(r, {"totals", "weight_bytes", "float32"});
  row.all8_weight_bytes = read_number(r, {"totals", "weight_bytes", "all_8bit"});
  row.bitops = read_number(r, {"totals", "bitops", "quantized"});
  row.float32_bitops = read_number(r, {"totals", "bitops", "float32"});
  row.all8_bitops = read_number(r, {"totals", "bitops", "all_8bit"});
  if (r.contains("phase_seconds") && r["phase_seconds"].is_object())
    for (const auto& [k, v] : r["phase_seconds"].items())
      if (v.is_number()) row.seconds += v.get<double>();
  return row;
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

std::vector<SweepBudget> parse_budgets(const std::string& list, int wbits_upper, int abits_upper) {
  std::vector<SweepBudget> out;
  std::set<std::string> seen;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const std::string t = trim(item);
    SweepBudget b;
    if (const int n = bits_value(t); n > 0) {
      b.wbits = b.abits = n;
    } else if (t.size() >= 4 && (t[0] == 'w' || t[0] == 'W') && t.find_first_of("aA") != std::string::npos) {
      const size_t a = t.find_first_of("aA");
      b.wbits = bits_value(t.substr(1, a - 1));
      b.abits = bits_value(t.substr(a + 1));
      if (b.wbits < 0 || b.abits < 0) fail(ExitCode::kUsage, "--budgets: '" + t + "': wNaM needs bit-widths 2..16 (e.g. w4a8)");
    } else if (t.rfind("avg", 0) == 0) {
      const std::string v = t.substr(3);
      char* end = nullptr;
      const double x = v.empty() ? NAN : std::strtod(v.c_str(), &end);
      if (v.empty() || !end || *end != '\0' || !std::isfinite(x) || x < 2 || x > wbits_upper)
        fail(ExitCode::kUsage, "--budgets: '" + t + "': avgX needs an average weight bit-width between 2 and --wbits (" +
                                   std::to_string(wbits_upper) + "), e.g. avg4.5");
      b.avg_wbits = x;
      b.wbits = wbits_upper;
      b.abits = abits_upper;
      b.label = "avg" + format_avg(x);
    } else {
      fail(ExitCode::kUsage, "--budgets: '" + t + "' is not a budget: use N (uniform WNAN, 2..16), wNaM, or avgX (e.g. 4,6,w4a8,avg4.5)");
    }
    if (b.label.empty()) b.label = "w" + std::to_string(b.wbits) + "a" + std::to_string(b.abits);
    if (seen.insert(b.label).second) out.push_back(b);
  }
  if (out.empty()) fail(ExitCode::kUsage, "--budgets: no budget given (e.g. --budgets 4,5,6,8)");
  return out;
}

void mark_pareto(std::vector<SweepRow>& rows) {
  auto front = [&](auto size_of, bool SweepRow::*flag) {
    for (auto& r : rows) {
      bool dominated = false;
      for (const auto& o : rows) {
        if (&o == &r) continue;
        const bool no_worse = size_of(o) <= size_of(r) && o.loss_pp <= r.loss_pp;
        const bool better = size_of(o) < size_of(r) || o.loss_pp < r.loss_pp;
        if (no_worse && better) dominated = true;
      }
      r.*flag = !dominated;
    }
  };
  front([](const SweepRow& r) { return r.weight_bytes; }, &SweepRow::pareto_memory);
  front([](const SweepRow& r) { return r.bitops; }, &SweepRow::pareto_bitops);
}

SweepOutcome run_sweep(const SweepOptions& opt, const std::function<void(const std::string&)>& warn,
                       const std::function<void(size_t, size_t, const SweepBudget&)>& on_start,
                       const std::function<void(size_t, size_t, const SweepRow&)>& on_point) {
  SweepOutcome out;
  if (opt.base.labels.empty())
    fail(ExitCode::kUsage, "fxq sweep needs labelled evaluation images: --eval DIR --labels FILE (or --eval-split F --labels FILE)");
  out.model_sha256 = sha256_file(opt.base.model);
  std::vector<SweepBudget> budgets = opt.budgets;
  if (std::none_of(budgets.begin(), budgets.end(), [](const SweepBudget& b) { return b.avg_wbits == 0 && b.wbits == 8 && b.abits == 8; })) {
    SweepBudget ref;
    ref.label = "w8a8";
    ref.reference = true;
    budgets.push_back(ref);
  }
  const std::string points = opt.out_dir + "/points";
  ensure_directory(points);
  for (size_t i = 0; i < budgets.size(); ++i) {
    const SweepBudget& b = budgets[i];
    const std::string stem = points + "/" + b.label;
    const json key = point_key(opt, b, out.model_sha256);
    if (on_start) on_start(i, budgets.size(), b);
    SweepRow row;
    bool resumed = false;
    if (std::filesystem::exists(stem + ".key.json") && std::filesystem::exists(stem + ".json") &&
        std::filesystem::exists(stem + ".fxq.onnx")) {
      try {
        if (json::parse(read_text(stem + ".key.json")) == key) {
          row = row_from_report(b, json::parse(read_text(stem + ".json")));
          resumed = true;
        }
      } catch (const json::exception&) {
        warn(stem + ".key.json: unreadable; the point is run again");
      }
    }
    if (!resumed) {
      QuantizeOptions q = opt.base;
      q.search.weight_bits = b.wbits;
      q.search.act_bits = b.abits;
      q.avg_wbits = b.avg_wbits;
      q.max_loss = -1;
      q.out_path = stem + ".fxq.onnx";
      q.report_path = stem + ".json";
      q.html_path.clear();
      q.quiet = opt.quiet;
      // The key goes last, after the point's model and report: a point interrupted before its key
      // exists is run again.
      std::filesystem::remove(stem + ".key.json");
      const auto t0 = std::chrono::steady_clock::now();
      QuantizeOutcome r = run_quantize(q, warn);
      row = row_from_report(b, r.report);
      row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      write_file_atomic(stem + ".key.json", key.dump(2) + "\n");
    }
    row.model = stem + ".fxq.onnx";
    row.report = stem + ".json";
    row.resumed = resumed;
    out.rows.push_back(row);
    if (on_point) on_point(i, budgets.size(), out.rows.back());
  }
  mark_pareto(out.rows);
  return out;
}

std::string sweep_csv(const std::vector<SweepRow>& rows) {
  std::string s =
      "budget,kind,wbits,abits,avg_wbits,float_top1,quantized_top1,loss_pp,weight_bytes,weight_memory_vs_all_8bit,"
      "weight_memory_vs_float32,bitops,bitops_vs_all_8bit,pareto_memory,pareto_bitops,seconds,images,model\n";
  char b[512];
  for (const auto& r : rows) {
    std::snprintf(b, sizeof b, "%s,%s,%d,%d,%g,%.2f,%.2f,%.2f,%.0f,%.4f,%.4f,%.6g,%.4f,%d,%d,%.1f,%zu,%s\n",
                  r.budget.label.c_str(),
                  r.budget.reference ? "reference" : (r.budget.avg_wbits > 0 ? "mixed" : "uniform"), r.budget.wbits,
                  r.budget.abits, r.budget.avg_wbits, r.float_top1, r.quant_top1, r.loss_pp, r.weight_bytes,
                  r.all8_weight_bytes > 0 ? r.weight_bytes / r.all8_weight_bytes : 0.0,
                  r.float32_weight_bytes > 0 ? r.weight_bytes / r.float32_weight_bytes : 0.0, r.bitops,
                  r.all8_bitops > 0 ? r.bitops / r.all8_bitops : 0.0, r.pareto_memory ? 1 : 0, r.pareto_bitops ? 1 : 0,
                  r.seconds, r.images, r.model.c_str());
    s += b;
  }
  return s;
}

json sweep_json(const SweepOptions& opt, const SweepOutcome& out) {
  json rows = json::array();
  for (const auto& r : out.rows)
    rows.push_back({{"budget", r.budget.label},
                    {"kind", r.budget.reference ? "reference" : (r.budget.avg_wbits > 0 ? "mixed" : "uniform")},
                    {"wbits", r.budget.wbits},
                    {"abits", r.budget.abits},
                    {"avg_wbits", r.budget.avg_wbits > 0 ? json(r.budget.avg_wbits) : json(nullptr)},
                    {"float_top1", r.float_top1},
                    {"quantized_top1", r.quant_top1},
                    {"loss_pp", r.loss_pp},
                    {"weight_bytes", r.weight_bytes},
                    {"weight_memory_vs_all_8bit", r.all8_weight_bytes > 0 ? r.weight_bytes / r.all8_weight_bytes : 0.0},
                    {"bitops", r.bitops},
                    {"bitops_vs_all_8bit", r.all8_bitops > 0 ? r.bitops / r.all8_bitops : 0.0},
                    {"pareto_memory", r.pareto_memory},
                    {"pareto_bitops", r.pareto_bitops},
                    {"seconds", r.seconds},
                    {"resumed", r.resumed},
                    {"images", r.images},
                    {"model", r.model},
                    {"report", r.report}});
  const SweepRow* any = out.rows.empty() ? nullptr : &out.rows.front();
  return {{"model", {{"path", opt.base.model}, {"sha256", out.model_sha256}}},
          {"calibration", opt.base.calib_dir},
          {"evaluation", opt.base.eval_dir.empty() ? json(nullptr) : json(opt.base.eval_dir)},
          {"eval_split", opt.base.eval_split > 0 ? json(opt.base.eval_split) : json(nullptr)},
          {"preprocessing", opt.base.preprocessing.name},
          {"per_channel", opt.base.search.per_channel},
          {"equalize", opt.base.equalize},
          {"methods", method_list(opt.base)},
          {"metric", "top1"},
          {"float", {{"top1", any ? any->float_top1 : 0.0},
                     {"weight_bytes", any ? any->float32_weight_bytes : 0.0},
                     {"bitops", any ? any->float32_bitops : 0.0}}},
          {"points", rows}};
}

std::string sweep_plot_svg(const std::vector<SweepRow>& rows, bool bitops_axis) {
  report::ScatterPlot p;
  p.title = bitops_axis ? "Top-1 loss vs bit-ops per image" : "Top-1 loss vs weight memory";
  p.x_label = bitops_axis ? "bit-ops per image (G, log scale)" : "weight memory (kB, log scale)";
  p.y_label = "top-1 loss (pp)";
  p.x_log = true;
  const double scale = bitops_axis ? 1e-9 : 1e-3;
  if (!rows.empty()) {
    const double f = bitops_axis ? rows.front().float32_bitops : rows.front().float32_weight_bytes;
    if (f > 0) p.references.push_back({f * scale, 0.0, "float"});
  }
  for (const auto& r : rows) {
    const double x = (bitops_axis ? r.bitops : r.weight_bytes) * scale;
    if (r.budget.reference) p.references.push_back({x, r.loss_pp, "all 8-bit"});
    else p.points.push_back({x, r.loss_pp, r.budget.label, bitops_axis ? r.pareto_bitops : r.pareto_memory});
    if (!r.budget.reference && r.budget.wbits == 8 && r.budget.abits == 8 && r.budget.avg_wbits == 0)
      p.references.push_back({x, r.loss_pp, "all 8-bit"});
  }
  return report::standalone_svg(report::scatter_plot_svg(p));
}

json sweep_report_entries(const std::vector<SweepRow>& rows) {
  json a = json::array();
  for (const auto& r : rows) {
    json e = {{"label", r.budget.label},
              {"weight_bytes", r.weight_bytes},
              {"bitops", r.bitops},
              {"loss_pp", r.loss_pp},
              {"quantized_top1", r.quant_top1},
              {"pareto", r.pareto_memory},
              {"pareto_bitops", r.pareto_bitops},
              {"model", r.model}};
    if (r.budget.wbits == 8 && r.budget.abits == 8 && r.budget.avg_wbits == 0) e["reference"] = "all_8bit";
    a.push_back(std::move(e));
  }
  return a;
}

json sweep_page_report(const SweepOutcome& out) {
  FXQ_CHECK(!out.rows.empty(), "sweep_page_report: no rows");
  const SweepRow* base = &out.rows.front();
  for (const auto& r : out.rows)
    if (r.budget.wbits == 8 && r.budget.abits == 8 && r.budget.avg_wbits == 0) base = &r;
  json r;
  try {
    r = json::parse(read_text(base->report));
  } catch (const json::exception& e) {
    fail_input(base->report + ": not a readable JSON report (" + e.what() + ")");
  }
  r["sweep"] = sweep_report_entries(out.rows);
  return r;
}

}  // namespace fxq::quant
