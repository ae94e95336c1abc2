// Conv/Gemm followed by inference BatchNormalization: with s = scale / sqrt(var + eps),
//   W'[o] = W[o] * s[o],  b'[o] = (b[o] - mean[o]) * s[o] + B[o]      (computed in double)
#include <cmath>

#include "ir/passes/passes.h"

namespace fxq::passes {
namespace {

struct BnParams {
  std::vector<double> s, shift;  // y = x * s + shift
};

bool bn_params(const Graph& g, const Node& bn, int64_t channels, BnParams* p) {
  if (bn.inputs.size() < 5) return false;
  const Tensor* t[4];
  for (int k = 0; k < 4; ++k) {
    t[k] = g.initializer(bn.inputs[static_cast<size_t>(k) + 1]);
    if (!t[k] || !t[k]->is_float() || t[k]->size() != channels) return false;
  }
  const double eps = bn.attr_float("epsilon", 1e-5f);
  p->s.resize(static_cast<size_t>(channels));
  p->shift.resize(static_cast<size_t>(channels));
  for (size_t c = 0; c < static_cast<size_t>(channels); ++c) {
    const double s = t[0]->f[c] / std::sqrt(static_cast<double>(t[3]->f[c]) + eps);
    p->s[c] = s;
    p->shift[c] = t[1]->f[c] - t[2]->f[c] * s;
  }
  return true;
}

// Folds into a Conv: weight [Cout, ...], optional bias [Cout].
bool fold_into_conv(Graph& g, Node& conv, const Node& bn) {
  const Tensor* w = conv.inputs.size() > 1 ? g.initializer(conv.inputs[1]) : nullptr;
  if (!w || !w->is_float() || w->rank() < 3) return false;
  const int64_t cout = w->dim(0);
  BnParams p;
  if (!bn_params(g, bn, cout, &p)) return false;
  const Tensor* b = conv.inputs.size() > 2 && !conv.inputs[2].empty() ? g.initializer(conv.inputs[2]) : nullptr;
  if (conv.inputs.size() > 2 && !conv.inputs[2].empty() && (!b || b->size() != cout)) return false;
  Tensor nw = *w;
  const int64_t per = w->size() / cout;
  Tensor nb = Tensor::zeros({cout});
  for (int64_t o = 0; o < cout; ++o) {
    for (int64_t k = 0; k < per; ++k) nw.f[o * per + k] = static_cast<float>(w->f[o * per + k] * p.s[o]);
    nb.f[o] = static_cast<float>((b ? b->f[o] : 0.0) * p.s[o] + p.shift[o]);
  }
  const std::string wname = conv.inputs[1] + "_bnfold", bname = bn.outputs[0] + "_bias_bnfold";
  g.initializers[wname] = std::move(nw);
  g.initializers[bname] = std::move(nb);
  conv.inputs.resize(3);
  conv.inputs[1] = wname;
  conv.inputs[2] = bname;
  return true;
}

// Folds into a Gemm whose output columns are BN's channels: B is [K,N] (or [N,K] with transB).
bool fold_into_gemm(Graph& g, Node& gemm, const Node& bn) {
  const Tensor* w = gemm.inputs.size() > 1 ? g.initializer(gemm.inputs[1]) : nullptr;
  if (!w || !w->is_float() || w->rank() != 2) return false;
  const bool trans_b = gemm.attr_int("transB", 0) != 0;
  const int64_t n = trans_b ? w->dim(0) : w->dim(1), kdim = trans_b ? w->dim(1) : w->dim(0);
  BnParams p;
  if (!bn_params(g, bn, n, &p)) return false;
  const Tensor* c = gemm.inputs.size() > 2 && !gemm.inputs[2].empty() ? g.initializer(gemm.inputs[2]) : nullptr;
  if (gemm.inputs.size() > 2 && !gemm.inputs[2].empty() && (!c || c->size() != n || c->shape.back() != n)) return false;
  const double alpha = gemm.attr_float("alpha", 1.0f), beta = gemm.attr_float("beta", 1.0f);
  Tensor nw = *w;
  for (int64_t j = 0; j < n; ++j)
    for (int64_t k = 0; k < kdim; ++k) {
      const int64_t idx = trans_b ? j * kdim + k : k * n + j;
      nw.f[idx] = static_cast<float>(w->f[idx] * alpha * p.s[j]);
    }
  Tensor nc = Tensor::zeros({n});
  for (int64_t j = 0; j < n; ++j) nc.f[j] = static_cast<float>((c ? beta * c->f[j] : 0.0) * p.s[j] + p.shift[j]);
  const std::string wname = gemm.inputs[1] + "_bnfold", cname = bn.outputs[0] + "_bias_bnfold";
  g.initializers[wname] = std::move(nw);
  g.initializers[cname] = std::move(nc);
  gemm.inputs.resize(3);
  gemm.inputs[1] = wname;
  gemm.inputs[2] = cname;
  Attribute one;
  one.kind = Attribute::Kind::kFloat;
  one.f = 1.0f;
  gemm.attrs["alpha"] = one;
  gemm.attrs["beta"] = one;
  return true;
}

}  // namespace

int fold_batchnorm(Graph& g) {
  int folded = 0;
  auto uses = g.use_counts();
  auto producers = g.producers();
  std::vector<bool> drop(g.nodes.size(), false);
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& bn = g.nodes[k];
    if (bn.op_type != "BatchNormalization" || !bn.domain.empty() || bn.inputs.empty()) continue;
    bool extra_outputs = false;
    for (size_t o = 1; o < bn.outputs.size(); ++o) extra_outputs |= !bn.outputs[o].empty();
    auto it = producers.find(bn.inputs[0]);
    if (extra_outputs || it == producers.end() || uses[bn.inputs[0]] != 1) continue;
    Node& prev = g.nodes[it->second];
    if (prev.outputs.size() != 1 || !prev.domain.empty()) continue;
    const bool ok = prev.op_type == "Conv" ? fold_into_conv(g, prev, bn)
                    : prev.op_type == "Gemm" ? fold_into_gemm(g, prev, bn) : false;
    if (!ok) continue;
    prev.outputs[0] = bn.outputs[0];
    drop[k] = true;
    ++folded;
  }
  g.remove_nodes(drop);
  return folded;
}

}  // namespace fxq::passes
