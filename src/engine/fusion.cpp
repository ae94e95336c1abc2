#include "engine/fusion.h"

#include <limits>
#include <map>

namespace fxq {
namespace {

bool is_op(const Node& n, const char* type) { return n.domain.empty() && n.op_type == type; }

// A scalar float constant from optional input k of node n, or `def` when absent; false if not constant.
bool constant_scalar(const Graph& g, const Node& n, size_t k, float def, float* out) {
  if (k >= n.inputs.size() || n.inputs[k].empty()) {
    *out = def;
    return true;
  }
  const Tensor* t = g.initializer(n.inputs[k]);
  if (!t || !t->is_float() || t->size() != 1) return false;
  *out = t->f[0];
  return true;
}

// The epilogue equivalent to activation node `a` applied to its input 0, if it has one.
bool activation_of(const Graph& g, const Node& a, Epilogue* e) {
  if (is_op(a, "Relu")) {
    e->kind = Epilogue::kRelu;
    return true;
  }
  if (is_op(a, "LeakyRelu")) {
    e->kind = Epilogue::kLeakyRelu;
    e->alpha = a.attr_float("alpha", 0.01f);
    return true;
  }
  if (is_op(a, "Clip")) {
    e->kind = Epilogue::kClip;
    const float lo = std::numeric_limits<float>::lowest(), hi = std::numeric_limits<float>::max();
    if (g.opset < 11) {
      e->lo = a.attr_float("min", lo);
      e->hi = a.attr_float("max", hi);
      return true;
    }
    return constant_scalar(g, a, 1, lo, &e->lo) && constant_scalar(g, a, 2, hi, &e->hi);
  }
  return false;
}

// Known, equal shapes (a dynamic dim only against the same dynamic dim): an Add of the two needs no
// broadcasting.
bool same_static_shape(const Graph& g, const std::string& a, const std::string& b) {
  const ValueInfo *va = g.find_value(a), *vb = g.find_value(b);
  if (!va || !vb || !va->has_shape || !vb->has_shape || va->shape != vb->shape || va->shape.empty()) return false;
  for (size_t d = 0; d < va->shape.size(); ++d) {
    if (va->shape[d] >= 0) continue;
    const std::string* pa = d < va->dim_params.size() ? &va->dim_params[d] : nullptr;
    const std::string* pb = d < vb->dim_params.size() ? &vb->dim_params[d] : nullptr;
    if (!pa || !pb || pa->empty() || *pa != *pb) return false;
  }
  return true;
}

}  // namespace

FusionPlan plan_fusions(const Graph& g) {
  FusionPlan p;
  p.head.assign(g.nodes.size(), -1);
  p.absorbed.assign(g.nodes.size(), false);
  std::map<std::string, std::vector<size_t>> readers;
  for (size_t k = 0; k < g.nodes.size(); ++k)
    for (const auto& in : g.nodes[k].inputs)
      if (!in.empty()) readers[in].push_back(k);
  auto only_readers = [&](const std::string& v) -> const std::vector<size_t>& { return readers[v]; };
  std::map<std::string, size_t> producer;
  for (size_t k = 0; k < g.nodes.size(); ++k)
    for (const auto& out : g.nodes[k].outputs)
      if (!out.empty()) producer[out] = k;
  // Whether value v exists before node k runs (an absorbed node's output exists from its layer's index
  // on, which is before the absorbed node's own).
  auto ready_before = [&](const std::string& v, size_t k) {
    auto it = producer.find(v);
    return it == producer.end() ? (g.is_initializer(v) || g.find_value(v) != nullptr) : it->second < k;
  };

  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& conv = g.nodes[k];
    if (!is_op(conv, "Conv") || conv.outputs.size() != 1 || conv.outputs[0].empty()) continue;
    const std::string& v = conv.outputs[0];
    if (g.is_graph_output(v)) continue;
    const std::vector<size_t>& r = only_readers(v);
    FusedActivation f;
    f.layer = k;
    if (r.size() == 1 && !g.nodes[r[0]].inputs.empty() && g.nodes[r[0]].inputs[0] == v &&
        g.nodes[r[0]].inputs.size() >= 1 && activation_of(g, g.nodes[r[0]], &f.act)) {
      f.absorbed = {r[0]};
      f.output = g.nodes[r[0]].outputs.at(0);
    } else if (r.size() == 1 && is_op(g.nodes[r[0]], "Add") && g.nodes[r[0]].inputs.size() == 2 &&
               g.nodes[r[0]].outputs.size() == 1) {  // residual Add, then maybe an activation
      const Node& add = g.nodes[r[0]];
      const std::string& res = add.inputs[0] == v ? add.inputs[1] : add.inputs[0];
      const std::string& sum = add.outputs[0];
      if (res.empty() || res == v || !ready_before(res, k) || !same_static_shape(g, v, res) ||
          !same_static_shape(g, v, sum))
        continue;
      f.residual = res;
      f.absorbed = {r[0]};
      f.output = sum;
      const std::vector<size_t>& ra = only_readers(sum);
      Epilogue act;
      if (!g.is_graph_output(sum) && ra.size() == 1 && !g.nodes[ra[0]].inputs.empty() &&
          g.nodes[ra[0]].inputs[0] == sum && activation_of(g, g.nodes[ra[0]], &act)) {
        f.act = act;
        f.absorbed.push_back(ra[0]);
        f.output = g.nodes[ra[0]].outputs.at(0);
      }
    } else if (r.size() == 2) {  // SiLU: Mul(v, Sigmoid(v)) in either operand order
      size_t sig = r[0], mul = r[1];
      if (!is_op(g.nodes[sig], "Sigmoid")) std::swap(sig, mul);
      const Node &s = g.nodes[sig], &m = g.nodes[mul];
      if (!is_op(s, "Sigmoid") || !is_op(m, "Mul") || s.outputs.empty() || g.is_graph_output(s.outputs[0])) continue;
      const std::string& sv = s.outputs[0];
      const bool operands = m.inputs.size() == 2 && ((m.inputs[0] == v && m.inputs[1] == sv) ||
                                                     (m.inputs[0] == sv && m.inputs[1] == v));
      if (!operands || only_readers(sv).size() != 1) continue;
      f.act.kind = Epilogue::kSiLU;
      f.absorbed = {sig, mul};
      f.output = m.outputs.at(0);
    } else {
      continue;
    }
    p.head[k] = static_cast<int>(p.fusions.size());
    for (size_t a : f.absorbed) p.absorbed[a] = true;
    p.fusions.push_back(std::move(f));
  }
  return p;
}

}  // namespace fxq
