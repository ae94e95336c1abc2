#include <algorithm>

#include "common/error.h"
#include "ir/passes/passes.h"
#include "ops/registry.h"

namespace fxq::passes {
namespace {

// Shape of a value whose every dim is known statically, or nullptr.
const ValueInfo* static_shape(const Graph& g, const std::string& v) {
  const ValueInfo* vi = g.find_value(v);
  if (!vi || !vi->has_shape) return nullptr;
  for (int64_t d : vi->shape)
    if (d < 0) return nullptr;
  return vi;
}

// Shape(x) for a statically shaped x, honouring opset-15 start/end.
bool fold_shape(Graph& g, const Node& n) {
  const ValueInfo* vi = static_shape(g, n.inputs[0]);
  if (!vi) return false;
  const int64_t r = static_cast<int64_t>(vi->shape.size());
  auto clampi = [r](int64_t a) { return std::min(std::max(a < 0 ? a + r : a, int64_t{0}), r); };
  const int64_t start = clampi(n.attr_int("start", 0)), end = clampi(n.attr_int("end", r));
  std::vector<int64_t> dims;
  for (int64_t k = start; k < end; ++k) dims.push_back(vi->shape[static_cast<size_t>(k)]);
  const int64_t count = static_cast<int64_t>(dims.size());
  g.initializers[n.outputs[0]] = Tensor::from_ints({count}, std::move(dims));
  return true;
}

bool fold_node(Graph& g, const Node& n) {
  if (!n.domain.empty()) return false;
  if (n.op_type == "Shape") return !n.inputs.empty() && fold_shape(g, n);
  const OpDef* def = find_op(n.op_type);
  if (!def) return false;
  std::vector<const Tensor*> in;
  for (const auto& v : n.inputs) {
    if (v.empty()) { in.push_back(nullptr); continue; }
    const Tensor* t = g.initializer(v);
    if (!t) return false;
    in.push_back(t);
  }
  if (n.op_type != "Constant" && in.empty()) return false;
  std::vector<Tensor> out(n.outputs.size());
  KernelArgs args{n, g.opset, in, out};
  try {
    def->run(args);
  } catch (const Error& e) {
    throw e.with_context(g.path);
  }
  for (size_t k = 0; k < n.outputs.size(); ++k)
    if (!n.outputs[k].empty()) g.initializers[n.outputs[k]] = std::move(out[k]);
  return true;
}

}  // namespace

int fold_constants(Graph& g) {
  int folded = 0;
  std::vector<Node> kept;
  for (auto& n : g.nodes) {
    bool outputs_are_graph_outputs = false;
    for (const auto& o : n.outputs) outputs_are_graph_outputs |= g.is_graph_output(o);
    if (!outputs_are_graph_outputs && fold_node(g, n)) {
      ++folded;
      continue;
    }
    kept.push_back(std::move(n));
  }
  g.nodes = std::move(kept);
  return folded;
}

}  // namespace fxq::passes
