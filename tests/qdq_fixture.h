// Test fixture for the QDQ exporter: the plan simulation (fxq's SimulatedModel), a simple plan
// builder, and running ONNX Runtime (tests/ort/run_ort.js) on a model.
#pragma once
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "data/image_folder.h"
#include "data/image_stream.h"
#include "data/preprocess_config.h"
#include "engine/executor.h"
#include "fixedpoint/qformat.h"
#include "io/npy.h"
#include "quant/plan.h"
#include "quant/simulate.h"
#include "test_support.h"

namespace fxq::test {

using fixedpoint::QFormat;
using Tensors = std::map<std::string, Tensor>;

// The plan's meaning (quant/plan.h): fxq's simulation, the reference the exported model must match.
inline Tensors simulate(const Graph& g, const quant::QuantPlan& plan, Tensors inputs) {
  return quant::SimulatedModel(g, plan).run(std::move(inputs));
}

// The largest frac whose range covers max_abs (bits, signedness given).
inline QFormat format_for(double max_abs, int bits, bool is_signed) {
  QFormat f{bits, 0, is_signed};
  if (max_abs <= 0 || !std::isfinite(max_abs)) return QFormat{bits, bits - 1, is_signed};
  f.frac = static_cast<int>(std::floor(std::log2(static_cast<double>(f.qmax()) / max_abs)));
  while (f.max_value() < max_abs) --f.frac;
  return f;
}

inline float max_abs_of(const Tensor& t) {
  float m = 0;
  for (float v : t.f) m = std::max(m, std::fabs(v));
  return m;
}

struct PlanSpec {
  int act_bits = 8, weight_bits = 8;
  bool unsigned_after_relu = true;
  int per_channel_convs = 0;  // the first N Convs get per-channel weight fracs
};

// A plan in the brief's recipe: weights of Conv/Gemm/MatMul at the frac from max|w|; activations at
// graph inputs, Conv/Gemm/MatMul inputs, Conv and Relu outputs, at the frac from a float run's max|x|
// (unsigned after Relu); biases at 32 bits and frac_in + frac_w.
inline quant::QuantPlan make_plan(const Graph& g, const std::vector<Tensors>& calib, const PlanSpec& spec = {}) {
  std::map<std::string, float> range;
  ExecHooks hooks;
  hooks.on_value = [&](const Node&, const std::string& v, Tensor& t) {
    if (t.is_float()) range[v] = std::max(range[v], max_abs_of(t));
  };
  Executor exec(g);
  for (const auto& in : calib) {
    for (const auto& [name, t] : in) range[name] = std::max(range[name], max_abs_of(t));
    exec.run(in, &hooks);
  }
  std::set<std::string> relu_outputs;
  for (const auto& n : g.nodes)
    if (n.op_type == "Relu") relu_outputs.insert(n.outputs[0]);
  quant::QuantPlan plan;
  auto add_act = [&](const std::string& v) {
    if (g.is_initializer(v) || !range.count(v)) return;
    const bool u = spec.unsigned_after_relu && relu_outputs.count(v);
    plan.activations[v] = format_for(range[v], spec.act_bits, !u);
  };
  for (const auto& vi : g.inputs) add_act(vi.name);
  int convs = 0;
  for (const auto& n : g.nodes) {
    const bool mac = n.op_type == "Conv" || n.op_type == "Gemm" || n.op_type == "MatMul";
    if (mac) add_act(n.inputs[0]);
    if (n.op_type == "Conv" || n.op_type == "Relu") add_act(n.outputs[0]);
    if (!mac || n.inputs.size() < 2 || !g.is_initializer(n.inputs[1])) continue;
    const Tensor& w = *g.initializer(n.inputs[1]);
    const QFormat fw = format_for(max_abs_of(w), spec.weight_bits, true);
    plan.weights[n.inputs[1]] = fw;
    if (n.op_type == "Conv" && convs++ < spec.per_channel_convs) {
      std::vector<int>& fr = plan.weight_channel_frac[n.inputs[1]];
      const size_t per = w.f.size() / static_cast<size_t>(w.dim(0));
      for (int64_t c = 0; c < w.dim(0); ++c) {
        float m = 0;
        for (size_t k = 0; k < per; ++k) m = std::max(m, std::fabs(w.f[c * per + k]));
        fr.push_back(format_for(m, spec.weight_bits, true).frac);
      }
    }
    auto in = plan.activations.find(n.inputs[0]);
    if (n.inputs.size() > 2 && !n.inputs[2].empty() && g.is_initializer(n.inputs[2]) && in != plan.activations.end())
      plan.biases[n.inputs[2]] = QFormat{32, in->second.frac + fw.frac, true};
  }
  return plan;
}

inline std::string ort_script() {
  const std::string src = FXQ_SOURCE_DIR;
  INFO("ONNX Runtime is expected in " << src << "/node_modules (run: npm ci --ignore-scripts)");
  REQUIRE(std::filesystem::exists(src + "/node_modules/onnxruntime-node/package.json"));
  return src + "/tests/ort/run_ort.js";
}

// Runs `model` in ONNX Runtime on each input set; returns the outputs in graph-output order.
inline std::vector<std::vector<Tensor>> run_ort(const std::string& model, const std::vector<Tensors>& inputs,
                                                const std::string& opt = "all") {
  const std::string cases = temp_dir("qdq-ort");
  for (size_t k = 0; k < inputs.size(); ++k) {
    const std::string dir = cases + "/case_" + std::to_string(1000 + k);
    std::filesystem::create_directories(dir + "/inputs");
    for (const auto& [name, t] : inputs[k]) write_npy(dir + "/inputs/" + name + ".npy", t);
  }
  const auto r = run_command("node " + ort_script() + " " + model + " " + cases + " --opt " + opt);
  INFO("ONNX Runtime on " << model << ": " << r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<std::vector<Tensor>> outs(inputs.size());
  for (size_t k = 0; k < inputs.size(); ++k) {
    const std::string dir = cases + "/case_" + std::to_string(1000 + k) + "/ort/";
    for (int o = 0; std::filesystem::exists(dir + std::to_string(o) + ".npy"); ++o)
      outs[k].push_back(read_npy(dir + std::to_string(o) + ".npy"));
  }
  std::filesystem::remove_all(cases);
  return outs;
}

// The first n images of a shared image folder (every k-th, to spread over classes), preprocessed.
inline std::vector<Tensors> shared_images(const std::string& folder, const std::string& preset, size_t n,
                                          const std::string& input_name) {
  auto all = data::list_images(shared_data() + "/" + folder);
  REQUIRE(all.size() >= n);
  std::vector<data::ImageEntry> chosen;
  for (size_t k = 0; k < n; ++k) chosen.push_back(all[k * all.size() / n]);
  data::ImageStream stream(chosen, {}, data::load_preset(preset), 4, [](const std::string& w) { FAIL(w); });
  std::vector<data::Sample> batch;
  std::vector<Tensors> out;
  while (stream.next(batch))
    for (auto& s : batch) out.push_back({{input_name, std::move(s.tensor)}});
  REQUIRE(out.size() == n);
  return out;
}

struct Agreement {
  double max_steps = 0;    // max |ort - sim| / step over quantized outputs
  double max_rel = 0;      // max |ort - sim| / max(1, |sim|) over float outputs
  size_t elements = 0, off_grid = 0;  // elements compared; elements differing at all
  size_t outside = 0;                 // elements beyond the tolerance (one step, or 1e-4 relative)
};

// ORT vs simulation: every element of a planned output within one step of its format; other outputs
// within 1e-4 * max(1, |sim|).
inline Agreement compare(const Graph& g, const quant::QuantPlan& plan, const std::vector<Tensors>& sim,
                         const std::vector<std::vector<Tensor>>& ort) {
  Agreement a;
  REQUIRE(sim.size() == ort.size());
  for (size_t k = 0; k < sim.size(); ++k) {
    REQUIRE(ort[k].size() == g.outputs.size());
    for (size_t o = 0; o < g.outputs.size(); ++o) {
      const Tensor& s = sim[k].at(g.outputs[o].name);
      const Tensor& r = ort[k][o];
      INFO("case " << k << " output " << g.outputs[o].name);
      REQUIRE(s.shape == r.shape);
      auto it = plan.activations.find(g.outputs[o].name);
      for (size_t e = 0; e < s.f.size(); ++e) {
        const double d = std::fabs(static_cast<double>(s.f[e]) - r.f[e]);
        ++a.elements;
        a.off_grid += d != 0;
        if (it != plan.activations.end()) {
          a.max_steps = std::max(a.max_steps, d / it->second.step());
          a.outside += d > it->second.step();
        } else {
          const double rel = d / std::max(1.0, std::fabs(static_cast<double>(s.f[e])));
          a.max_rel = std::max(a.max_rel, rel);
          a.outside += rel > 1e-4;
        }
      }
    }
  }
  return a;
}

}  // namespace fxq::test
