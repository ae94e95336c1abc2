// Simulating a plan in fxq's float engine (fake quantization): the reference that the exported QDQ
// model must reproduce in ONNX Runtime, and what the search and the accuracy gate evaluate.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "engine/executor.h"
#include "quant/plan.h"

namespace fxq::quant {

class SimulatedModel {
 public:
  // Copies `g` with plan.values, then plan.weights / plan.biases applied to its initializers.
  SimulatedModel(const Graph& g, QuantPlan plan);
  // Runs with plan.activations applied to graph inputs and node outputs (see plan.h).
  std::map<std::string, Tensor> run(std::map<std::string, Tensor> inputs) const;
  const Graph& graph() const { return graph_; }
  const QuantPlan& plan() const { return plan_; }
  const Executor& executor() const { return *exec_; }
  // Hooks that apply the plan's activation formats; usable with executor().run directly.
  const ExecHooks& hooks() const { return hooks_; }

 private:
  Graph graph_;
  QuantPlan plan_;
  std::unique_ptr<Executor> exec_;
  ExecHooks hooks_;
};

// Fake-quantizes a weight tensor per tensor, or per output channel (axis 0) when `channel_frac` is
// non-empty (one frac per channel, `fmt` giving bits and signedness).
void fake_quantize_weight(Tensor& w, const QFormat& fmt, const std::vector<int>& channel_frac = {});

}  // namespace fxq::quant
