// The float engine: runs a Graph node by node with the registered kernels, releasing each
// intermediate tensor after its last reader. Hooks let calibration observe every value and fake
// quantization replace it; with no hooks nothing extra runs, and Conv+activation pairs run fused
// (engine/fusion.h; bit-identical results).
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/fusion.h"
#include "ir/graph.h"
#include "ops/op.h"

namespace fxq {

struct ExecHooks {
  // Called with every value a node produces, right after the node ran; may modify it in place.
  std::function<void(const Node& node, const std::string& value, Tensor& t)> on_value;
  // Called after each node with its index in graph.nodes and the seconds its kernel took (profiling);
  // the clock is only read when this is set.
  std::function<void(size_t node_index, double seconds)> on_node_time;
};

class Executor {
 public:
  // Checks that every op is supported: an unknown op is Error kUnsupported naming op type, node, file.
  explicit Executor(const Graph& graph);

  // The graph must outlive the Executor; its initializers may change value between runs, but not be
  // added or removed (see initializer_inputs_).
  // Runs the graph. `inputs` maps graph-input names to tensors; a missing input, a wrong dtype or a
  // shape that contradicts the model's static dims is Error kBadInput. Returns every graph output.
  std::map<std::string, Tensor> run(std::map<std::string, Tensor> inputs, const ExecHooks* hooks = nullptr) const;

  const Graph& graph() const { return graph_; }

 private:
  void check_inputs(const std::map<std::string, Tensor>& inputs) const;

  const Graph& graph_;
  std::vector<const OpDef*> ops_;                 // per node
  std::vector<std::vector<std::string>> release_;  // per node: values whose last reader it is
  std::vector<bool> donates_;                      // per node: its input 0 is released by it and read once (KernelArgs::donor)
  FusionPlan fusion_;                              // used by runs without on_value hooks
  // Per node input: the graph's initializer of that name, resolved once (a std::map lookup per input per
  // run was 1 % of YOLOX-Nano's time). Valid while initializers are neither added nor removed; their
  // values may change (fake quantization, bias correction do that in place). A run that finds a different
  // initializer count looks every name up instead.
  std::vector<std::vector<const Tensor*>> initializer_inputs_;
  size_t initializer_count_ = 0;
};

// Names the ops in `graph` that fxq does not support ("Foo (node 'n1'), Bar (node 'n7')"), or "".
std::string unsupported_ops(const Graph& graph);

}  // namespace fxq
