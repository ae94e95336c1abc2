#include "report/quant_report.h"

#include <cmath>

#include "common/sha256.h"
#include "io/atomic_file.h"
#include "quant/methods/method.h"

namespace fxq::quant {
namespace {

using json = nlohmann::json;

json format_json(const QFormat& f) { return {{"bits", f.bits}, {"frac", f.frac}, {"signed", f.is_signed}, {"step", f.step()}}; }

json trials_json(const std::vector<Trial>& t) {
  json a = json::array();
  for (const auto& x : t) a.push_back({{"frac", x.frac}, {"mse", x.mse}});
  return a;
}

double finite_or_zero(double v) { return std::isfinite(v) ? v : 0.0; }

json path_or_null(const std::string& p) { return p.empty() ? json(nullptr) : json(p); }
std::string files_sha256(const std::vector<std::string>& files) {
  std::string list;
  for (const auto& f : files) list += f + "\n";
  return sha256_hex(list);
}

json noise_json(const NoiseProfile& p) {
  json n = json::object();
  for (const auto& [b, v] : p.noise) n[std::to_string(b)] = finite_or_zero(v);
  return {{"gain", finite_or_zero(p.gain)}, {"added_mse", n}};
}

json gate_json(const QuantizeOptions& opt, const QuantizeOutcome& out) {
  const GateResult& gr = out.gate;
  json evaluated = json::array();
  for (const auto& e : gr.evaluated) {
    const PlanCost& c = e.cost;
    json j = {{"step", e.step}, {"role", e.role}, {"move", e.path.move},
              {"predicted_noise", finite_or_zero(e.path.predicted_noise)},
              {"loss_pp", e.result.loss_pp}, {"complete", e.result.complete}, {"images", e.result.images},
              {"passed", e.passed},
              {"quantized_metric_pct",
               e.result.complete && out.metric != Metric::kSqnr ? json(e.result.quant_pct) : json(nullptr)},
              {"weight_bits", c.weight_bits}, {"weight_memory_vs_all_8bit", c.all8_bits > 0 ? c.weight_bits / c.all8_bits : 0.0},
              {"bitops", c.bitops}, {"bitops_vs_all_8bit", c.all8_bitops > 0 ? c.bitops / c.all8_bitops : 0.0},
              {"bits", {{"weights", e.path.bits.weight}, {"activations", e.path.bits.activation}}},
              {"search_seconds", e.search_seconds}, {"eval_seconds", e.eval_seconds}};
    if (std::isfinite(e.result.sqnr_db)) j["sqnr_db"] = e.result.sqnr_db;
    if (out.accuracy.detection) {
      j["agreement_pct"] = 100 * e.result.boxes.f1();
      if (e.result.quant_map.images > 0) j["map50"] = 100 * e.result.quant_map.map50;
    }
    evaluated.push_back(std::move(j));
  }
  json layers = json::array(), points = json::array();
  for (const auto& l : gr.profile.layers) {
    json j = noise_json(l.noise);
    j["node"] = l.node;
    j["input_point"] = l.input_point;
    j["weights"] = l.weights;
    layers.push_back(std::move(j));
  }
  for (const auto& p : gr.profile.points) {
    json j = noise_json(p.noise);
    j["value"] = p.value;
    points.push_back(std::move(j));
  }
  std::vector<int> wc, ac;
  for (int b = 2; b <= opt.search.weight_bits; ++b) wc.push_back(b);
  for (int b = 2; b <= opt.search.act_bits; ++b) ac.push_back(b);
  const bool sqnr = out.metric == Metric::kSqnr;
  return {{"metric", metric_name(out.metric)},
          {"max_loss_pp", sqnr || opt.avg_wbits > 0 ? json(nullptr) : json(opt.max_loss)},
          {"min_sqnr_db", sqnr ? json(opt.min_sqnr) : json(nullptr)},
          {"budget_avg_wbits", opt.avg_wbits > 0 ? json(opt.avg_wbits) : json(nullptr)},
          {"objective", opt.avg_wbits > 0 ? std::string("memory") : opt.objective},
          {"met", gr.met}, {"chosen", gr.chosen}, {"max_evaluations", opt.max_evaluations},
          {"full_evaluations", gr.evaluated.size()}, {"path_length", gr.path.size()},
          {"candidates", {{"weight_bits", wc}, {"act_bits", ac}}},
          {"float_metric_pct", gr.evaluated.empty() || sqnr ? json(nullptr) : json(gr.evaluated.front().result.float_pct)},
          {"profile", {{"probe_images", gr.profile.probe_images}, {"seconds", gr.profile_seconds},
                       {"output_error", gr.profile.output_error},
                       {"layers", layers}, {"points", points}}},
          {"rounding_cache", {{"entries", gr.rounding_cache_entries}, {"hits", gr.rounding_cache_hits}}},
          {"evaluated", evaluated}};
}

json methods_json(const QuantizeOptions& opt) {
  json a = json::array();
  for (const QuantMethod* m : parse_methods(opt.search.methods)) a.push_back({{"name", m->name}, {"help", m->help}});
  return a;
}

}  // namespace

json build_report(const Graph& g, const QuantizeOptions& opt, const QuantizeOutcome& out) {
  std::string file_list;
  for (const auto& f : out.calib_files) file_list += f + "\n";
  std::map<std::string, const LayerStats*> ms;
  for (const auto& l : out.model_stats.layers) ms[l.name] = &l;

  json layers = json::array();
  for (const auto& r : out.search.layers) {
    json l = {{"name", r.node}, {"op", r.op}, {"weight", nullptr}, {"bias", nullptr}, {"output", nullptr},
              {"sqnr_db", finite_or_zero(r.sqnr_db)}, {"note", r.note}};
    const LayerStats* st = ms.count(r.node) ? ms[r.node] : nullptr;
    l["params"] = st ? st->params : 0;
    l["macs"] = st ? st->macs : 0;
    if (r.has_weight) {
      l["weight"] = format_json(r.weight);
      l["weight_bits"] = r.weight.bits;
      if (!r.weight_channel_frac.empty()) l["weight_channel_frac"] = r.weight_channel_frac;
      if (r.bias.bits > 0 && r.bias.bits == 32) l["bias"] = format_json(r.bias);
      l["trials"]["weight"] = trials_json(r.weight_trials);
    }
    if (r.has_output) {
      l["output"] = format_json(r.output);
      l["output_value"] = r.output_value;
      l["trials"]["output"] = trials_json(r.output_trials);
      auto s = out.stats.find(r.output_value);
      if (s != out.stats.end())
        l["observed"] = {{"method", s->second.method}, {"min", s->second.min}, {"max", s->second.max},
                         {"count", s->second.count}, {"nan", s->second.nan_count}, {"inf", s->second.inf_count},
                         {"range_max_abs", s->second.range_max_abs}, {"note", s->second.note}};
    }
    if (r.has_weight) {
      l["input"] = format_json(r.input);
      l["bitops"] = static_cast<double>(st ? st->macs : 0) * r.weight.bits * r.input.bits;
    }
    layers.push_back(std::move(l));
  }
  json float_nodes = json::array();
  for (const auto& [name, reason] : out.search.plan.float_nodes) float_nodes.push_back({{"name", name}, {"reason", reason}});

  const PlanCost& c = out.cost;
  json report = {
      {"schema_version", kReportSchemaVersion},
      {"fxq_version", FXQ_VERSION},
      {"model", {{"path", opt.model}, {"sha256", out.model_sha256}, {"opset", g.opset}, {"params", out.model_stats.params},
                 {"macs", out.model_stats.macs}}},
      {"calibration", {{"dir", opt.calib_dir}, {"count", out.calib_files.size() - out.calib_skipped},
                       {"skipped", out.calib_skipped}, {"files_sha256", sha256_hex(file_list)},
                       {"search_images", std::min(opt.search_images, out.calib_files.size())},
                       {"observer", opt.observer}}},
      {"preprocessing", opt.preprocessing.name},
      {"options", {{"weight_bits", opt.search.weight_bits}, {"act_bits", opt.search.act_bits},
                   {"upstream_aware", opt.search.upstream_aware}, {"frac_candidates", opt.search.frac_candidates},
                   {"act_frac_candidates", opt.search.act_frac_candidates},
                   {"rounding", "half_to_even"},
                   {"weight_granularity", opt.search.per_channel ? "per_channel" : "per_tensor"},
                   {"equalize", opt.equalize ? json{{"pairs", out.equalize.pairs}, {"channels_scaled", out.equalize.channels_scaled},
                                                    {"silu_prescales", out.equalize.silu_scales}}
                                             : json(nullptr)},
                   {"methods", methods_json(opt)}}},
      {"layers", layers},
      {"float_nodes", float_nodes},
      {"totals", {{"weight_bytes", {{"quantized", c.weight_bits / 8}, {"float32", c.float32_bits / 8}, {"all_8bit", c.all8_bits / 8}}},
                  {"weight_memory_vs_float32", c.float32_bits > 0 ? c.weight_bits / c.float32_bits : 0.0},
                  {"weight_memory_vs_all_8bit", c.all8_bits > 0 ? c.weight_bits / c.all8_bits : 0.0},
                  {"bitops", {{"quantized", c.bitops}, {"all_8bit", c.all8_bitops}, {"float32", c.float32_bitops}}},
                  {"bitops_vs_all_8bit", c.all8_bitops > 0 ? c.bitops / c.all8_bitops : 0.0},
                  {"bitops_vs_float32", c.float32_bitops > 0 ? c.bitops / c.float32_bitops : 0.0}}},
      {"phase_seconds", out.phase_seconds},
      {"outputs", {{"model", path_or_null(opt.out_path)}, {"report", path_or_null(opt.report_path)},
                   {"html", path_or_null(opt.html_path)}}},
  };
  if (out.gate_run || !out.eval_source.files.empty())
    report["evaluation"] = {{"source", out.eval_source.description}, {"images", out.eval_source.files.size()},
                            {"files_sha256", files_sha256(out.eval_source.files)},
                            {"split", opt.eval_split > 0 ? json(opt.eval_split) : json(nullptr)}};
  else
    report["evaluation"] = nullptr;
  report["gate"] = out.gate_run ? gate_json(opt, out) : json(nullptr);
  if (out.accuracy.measured && out.accuracy.detection) {
    const auto& a = out.accuracy;
    report["accuracy"] = {{"task", "detect"}, {"eval_dir", opt.eval_dir}, {"annotations", opt.annotations},
                          {"images", a.images},
                          {"float", {{"map50", 100 * a.float_map.map50}, {"map50_95", 100 * a.float_map.map50_95}}},
                          {"quantized", {{"map50", 100 * a.quant_map.map50}, {"map50_95", 100 * a.quant_map.map50_95}}},
                          {"loss_map50_pp", 100 * (a.float_map.map50 - a.quant_map.map50)},
                          {"loss_map50_95_pp", 100 * (a.float_map.map50_95 - a.quant_map.map50_95)},
                          {"objects", a.float_map.objects}};
    if (a.has_box_agreement) report["accuracy"]["agreement_pct"] = a.box_agreement_pct;
  } else if (out.accuracy.measured) {
    const auto& a = out.accuracy;
    report["accuracy"] = {{"eval_dir", opt.eval_dir}, {"images", a.float_topk.count},
                          {"float", {{"top1", a.float_topk.top1_pct()}, {"top5", a.float_topk.top5_pct()}}},
                          {"quantized", {{"top1", a.quant_topk.top1_pct()}, {"top5", a.quant_topk.top5_pct()}}},
                          {"loss_top1_pp", a.float_topk.top1_pct() - a.quant_topk.top1_pct()},
                          {"loss_top5_pp", a.float_topk.top5_pct() - a.quant_topk.top5_pct()}};
    if (out.gate_run) report["accuracy"]["agreement_pct"] = a.float_topk.count ? 100.0 * out.agreement / a.float_topk.count : 0.0;
  } else {
    report["accuracy"] = nullptr;
  }
  return report;
}

void write_report(const std::string& path, const Graph& g, const QuantizeOptions& opt, const QuantizeOutcome& out) {
  write_file_atomic(path, build_report(g, opt, out).dump(2) + "\n");
}

}  // namespace fxq::quant
