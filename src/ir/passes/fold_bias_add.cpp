// A constant Add right after a Conv (per output channel) or a 2-D MatMul with a constant weight (per
// column) becomes that layer's bias: Conv gets b' = b + c, MatMul becomes Gemm(A, B, c). Exporters
// (CNTK, older torch) write biases this way; as a bias the constant is quantized with the layer
// (32 bits at fa + fw) instead of staying a float operand of an Add.
#include "ir/passes/passes.h"

namespace fxq::passes {
namespace {

// The constant operand of an Add whose other operand is `v`, or nullptr.
const Tensor* constant_operand(const Graph& g, const Node& add, const std::string& v) {
  if (add.op_type != "Add" || !add.domain.empty() || add.inputs.size() != 2) return nullptr;
  const std::string& other = add.inputs[0] == v ? add.inputs[1] : add.inputs[1] == v ? add.inputs[0] : v;
  if (other == v) return nullptr;
  const Tensor* c = g.initializer(other);
  return c && c->is_float() ? c : nullptr;
}

// True when `c`, right-aligned against a rank-`rank` output, varies only along `axis` with `n` values.
bool per_axis(const Tensor& c, int64_t rank, int64_t axis, int64_t n) {
  if (c.size() != n || c.rank() > rank) return false;
  for (int64_t d = 0; d < c.rank(); ++d) {
    const int64_t out_axis = rank - c.rank() + d;
    if (c.dim(static_cast<int>(d)) != (out_axis == axis ? n : 1)) return false;
  }
  return n == 1 || c.rank() >= rank - axis;
}

bool fold_into_conv(Graph& g, Node& conv, const Tensor& c) {
  const Tensor* w = conv.inputs.size() > 1 ? g.initializer(conv.inputs[1]) : nullptr;
  if (!w || !w->is_float() || !per_axis(c, w->rank(), 1, w->dim(0))) return false;
  const Tensor* b = conv.inputs.size() > 2 && !conv.inputs[2].empty() ? g.initializer(conv.inputs[2]) : nullptr;
  if (conv.inputs.size() > 2 && !conv.inputs[2].empty() && !b) return false;
  Tensor nb = Tensor::zeros({w->dim(0)});
  for (int64_t o = 0; o < w->dim(0); ++o) nb.f[o] = (b ? b->f[o] : 0.0f) + c.f[o];
  const std::string name = conv.name + "_bias_folded";
  g.initializers[name] = std::move(nb);
  conv.inputs.resize(3);
  conv.inputs[2] = name;
  return true;
}

bool fold_into_matmul(Graph& g, Node& mm, const Tensor& c) {
  const Tensor* w = mm.inputs.size() == 2 ? g.initializer(mm.inputs[1]) : nullptr;
  const ValueInfo* a = g.find_value(mm.inputs[0]);
  if (!w || !w->is_float() || w->rank() != 2 || !a || !a->has_shape || a->shape.size() != 2) return false;
  if (!per_axis(c, 2, 1, w->dim(1))) return false;
  const std::string name = mm.name + "_bias_folded";
  g.initializers[name] = Tensor::from_floats({w->dim(1)}, std::vector<float>(c.f.begin(), c.f.end()));
  mm.op_type = "Gemm";
  mm.inputs.push_back(name);
  return true;
}

}  // namespace

int fold_bias_add(Graph& g) {
  int folded = 0;
  auto uses = g.use_counts();
  auto producers = g.producers();
  std::vector<bool> drop(g.nodes.size(), false);
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& add = g.nodes[k];
    for (const auto& in : add.inputs) {
      auto p = producers.find(in);
      if (p == producers.end() || uses[in] != 1 || g.is_graph_output(in)) continue;
      Node& layer = g.nodes[p->second];
      const Tensor* c = constant_operand(g, add, in);
      if (!c || layer.outputs.size() != 1 || !layer.domain.empty()) continue;
      const bool ok = layer.op_type == "Conv" ? fold_into_conv(g, layer, *c)
                      : layer.op_type == "MatMul" ? fold_into_matmul(g, layer, *c) : false;
      if (!ok) continue;
      layer.outputs[0] = add.outputs[0];
      drop[k] = true;
      ++folded;
      break;
    }
  }
  g.remove_nodes(drop);
  return folded;
}

}  // namespace fxq::passes
