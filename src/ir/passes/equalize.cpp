// Cross-layer equalization (Nagel et al., "Data-Free Quantization Through Weight Equalization and Bias
// Correction", ICCV 2019), with power-of-two scales. For two convolutions in a row,
//   y = W2 * act(W1 x + b1),
// output channel c of the first and input channel c of the second can trade a factor s_c > 0:
//   W1'[c] = W1[c] / s_c,  b1'[c] = b1[c] / s_c,  W2'[:, c] = W2[:, c] * s_c,
// which is exact when act(s z) = s act(z): no activation, Relu, LeakyRelu, then any MaxPools. The choice
//   s_c = sqrt(r1_c / r2_c),  r1_c = max|W1[c]|,  r2_c = max|W2[:, c]|
// makes both ranges sqrt(r1_c r2_c), so one per-tensor grid fits every channel of both layers (a
// depthwise conv whose channels span 360x in range loses its small channels on a per-tensor grid).
// Pairs are equalized in turn, sweeping until no scale changes (a conv can end one pair and start
// the next).
//
// SiLU (v * Sigmoid(v), as PyTorch exports it) is not homogeneous, but it stays exact when the sigmoid
// keeps seeing the original pre-activation: with u = v / s,
//   SiLU(v) = s * u * Sigmoid(s u),
// so the pass writes u * Sigmoid(S * u) with S the per-channel product of every scale applied (one
// Mul by a [1, C, 1, 1] constant before the Sigmoid) and folds the leading s into W2. Every scale is a
// power of two, so S * u is exact in float and, on a fixed-point target, a per-channel shift of the
// accumulator before the sigmoid's table: no multiplier is added. Clip (Relu6) has fixed bounds and is
// left alone.
#include <cmath>
#include <map>
#include <set>

#include "ir/passes/passes.h"

namespace fxq::passes {
namespace {

enum class Link { kDirect, kHomogeneous, kSiLU };

struct Pair {
  size_t conv1 = 0, conv2 = 0;
  Link link = Link::kDirect;
  size_t sigmoid = 0;  // kSiLU: the Sigmoid node
  bool depthwise = false;  // the second conv is depthwise: its output channel c is input channel c
};

bool is(const Node& n, const char* op) { return n.op_type == op && n.domain.empty(); }

// A float weight initializer of `conv` read by nothing else, or nullptr.
Tensor* own_weight(Graph& g, const Node& conv, size_t input, const std::map<std::string, int>& uses) {
  if (conv.inputs.size() <= input || conv.inputs[input].empty()) return nullptr;
  auto it = g.initializers.find(conv.inputs[input]);
  if (it == g.initializers.end() || !it->second.is_float() || uses.at(conv.inputs[input]) != 1) return nullptr;
  return &it->second;
}

}  // namespace

EqualizeSummary equalize_layers(Graph& g) {
  EqualizeSummary summary;
  const auto uses = g.use_counts();
  std::map<std::string, std::vector<size_t>> readers;
  for (size_t k = 0; k < g.nodes.size(); ++k)
    for (const auto& in : g.nodes[k].inputs)
      if (!in.empty()) readers[in].push_back(k);
  auto only = [&](const std::string& v) -> const std::vector<size_t>& {
    static const std::vector<size_t> none;
    auto it = readers.find(v);
    return it == readers.end() || g.is_graph_output(v) ? none : it->second;
  };

  std::vector<Pair> pairs;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& c1 = g.nodes[k];
    if (!is(c1, "Conv") || c1.outputs.size() != 1) continue;
    const Tensor* w1 = own_weight(g, c1, 1, uses);
    if (!w1 || w1->rank() < 3) continue;
    if (c1.inputs.size() > 2 && !c1.inputs[2].empty() && !own_weight(g, c1, 2, uses)) continue;
    const std::string& v = c1.outputs[0];
    const auto& r = only(v);
    Pair p;
    p.conv1 = k;
    std::string a;  // the value the second conv reads
    if (r.size() == 1 && (is(g.nodes[r[0]], "Conv") || is(g.nodes[r[0]], "MaxPool"))) {
      p.link = Link::kDirect;
      a = v;
    } else if (r.size() == 1 && (is(g.nodes[r[0]], "Relu") || is(g.nodes[r[0]], "LeakyRelu")) && g.nodes[r[0]].outputs.size() == 1) {
      p.link = Link::kHomogeneous;
      a = g.nodes[r[0]].outputs[0];
    } else if (r.size() == 2) {
      size_t sig = r[0], mul = r[1];
      if (!is(g.nodes[sig], "Sigmoid")) std::swap(sig, mul);
      const Node &s = g.nodes[sig], &m = g.nodes[mul];
      if (!is(s, "Sigmoid") || !is(m, "Mul") || s.outputs.size() != 1 || m.inputs.size() != 2) continue;
      const std::string& sv = s.outputs[0];
      const bool operands = (m.inputs[0] == v && m.inputs[1] == sv) || (m.inputs[0] == sv && m.inputs[1] == v);
      if (!operands || only(sv).size() != 1) continue;
      p.link = Link::kSiLU;
      p.sigmoid = sig;
      a = m.outputs.at(0);
    } else {
      continue;
    }
    if (a != v || !is(g.nodes[r[0]], "Conv")) {
      // MaxPool commutes with a positive per-channel factor too (max(x / s) = max(x) / s): follow
      // any chain of them (NanoDet's and MNIST's Conv -> Relu -> MaxPool -> Conv).
      const std::vector<size_t>* ra = &only(a);
      while (ra->size() == 1 && is(g.nodes[(*ra)[0]], "MaxPool") && g.nodes[(*ra)[0]].outputs.size() == 1) {
        a = g.nodes[(*ra)[0]].outputs[0];
        ra = &only(a);
      }
      if (ra->size() != 1 || !is(g.nodes[(*ra)[0]], "Conv")) continue;
      p.conv2 = (*ra)[0];
    } else {
      p.conv2 = r[0];
    }
    const Node& c2 = g.nodes[p.conv2];
    if (c2.inputs.empty() || c2.inputs[0] != a) continue;
    const Tensor* w2 = own_weight(g, c2, 1, uses);
    if (!w2 || w2->rank() != w1->rank()) continue;
    const int64_t ch = w1->dim(0), group = c2.attr_int("group", 1);
    const bool depthwise = group == ch && w2->dim(0) == ch && w2->dim(1) == 1;
    if (!(group == 1 && w2->dim(1) == ch) && !depthwise) continue;
    p.depthwise = depthwise;
    pairs.push_back(p);
  }

  std::map<size_t, std::vector<int>> exponent;  // per first conv: log2 of the scale applied per channel
  for (int sweep = 0; sweep < 32; ++sweep) {
    bool changed = false;
    for (const Pair& p : pairs) {
      Node& c1 = g.nodes[p.conv1];
      Tensor& w1 = g.initializers.at(c1.inputs[1]);
      Tensor* b1 = c1.inputs.size() > 2 && !c1.inputs[2].empty() ? &g.initializers.at(c1.inputs[2]) : nullptr;
      Tensor& w2 = g.initializers.at(g.nodes[p.conv2].inputs[1]);
      const int64_t ch = w1.dim(0), per1 = w1.size() / ch;
      const bool depthwise = p.depthwise;
      const int64_t cout2 = w2.dim(0), per2 = w2.size() / (cout2 * w2.dim(1));
      std::vector<double> r1(static_cast<size_t>(ch), 0.0), r2(static_cast<size_t>(ch), 0.0);
      for (int64_t c = 0; c < ch; ++c)
        for (int64_t k = 0; k < per1; ++k) r1[c] = std::max(r1[c], std::abs(static_cast<double>(w1.f[c * per1 + k])));
      for (int64_t o = 0; o < cout2; ++o)
        for (int64_t i = 0; i < w2.dim(1); ++i)
          for (int64_t k = 0; k < per2; ++k) {
            const int64_t c = depthwise ? o : i;
            r2[c] = std::max(r2[c], std::abs(static_cast<double>(w2.f[(o * w2.dim(1) + i) * per2 + k])));
          }
      auto& e = exponent[p.conv1];
      e.resize(static_cast<size_t>(ch), 0);
      std::vector<float> up(static_cast<size_t>(ch), 1.0f);
      bool any = false;
      for (int64_t c = 0; c < ch; ++c) {
        if (!(r1[c] > 0) || !(r2[c] > 0)) continue;
        // Rounded half to even: a ratio exactly between two powers of two does not flip back and forth.
        const int k = static_cast<int>(std::nearbyint(0.5 * std::log2(r1[c] / r2[c])));
        if (k == 0 || std::abs(e[c] + k) > 24) continue;
        e[c] += k;
        up[c] = std::ldexp(1.0f, k);
        any = true;
      }
      if (!any) continue;
      changed = true;
      for (int64_t c = 0; c < ch; ++c) {
        for (int64_t j = 0; j < per1; ++j) w1.f[c * per1 + j] /= up[c];
        if (b1) b1->f[c] /= up[c];
      }
      for (int64_t o = 0; o < cout2; ++o)
        for (int64_t i = 0; i < w2.dim(1); ++i) {
          const float m = up[depthwise ? o : i];
          for (int64_t j = 0; j < per2; ++j) w2.f[(o * w2.dim(1) + i) * per2 + j] *= m;
        }
    }
    if (!changed) break;
  }

  // SiLU pairs: the sigmoid sees S * u, the original pre-activation.
  std::vector<Node> added;
  for (const Pair& p : pairs) {
    const std::vector<int>& e = exponent[p.conv1];
    bool any = false;
    for (int x : e) any = any || x != 0;
    if (!any) continue;
    ++summary.pairs;
    for (int x : e) summary.channels_scaled += x != 0;
    if (p.link != Link::kSiLU) continue;
    const Node& c1 = g.nodes[p.conv1];
    std::vector<float> s(e.size());
    for (size_t c = 0; c < e.size(); ++c) s[c] = std::ldexp(1.0f, e[c]);
    Shape shape(static_cast<size_t>(std::max(g.initializers.at(c1.inputs[1]).rank(), 2)), 1);
    shape[1] = static_cast<int64_t>(s.size());
    Node mul;
    mul.name = c1.name + "_equalize";
    mul.op_type = "Mul";
    const std::string scale = mul.name + "_scale";
    g.initializers[scale] = Tensor::from_floats(shape, std::move(s));
    mul.inputs = {c1.outputs[0], scale};
    mul.outputs = {c1.outputs[0] + "_equalized"};
    g.nodes[p.sigmoid].inputs[0] = mul.outputs[0];
    added.push_back(std::move(mul));
    ++summary.silu_scales;
  }
  for (auto& n : added) g.nodes.push_back(std::move(n));
  if (!added.empty()) g.topo_sort();
  return summary;
}

std::string EqualizeSummary::str() const {
  return "equalized " + std::to_string(pairs) + " conv pairs (" + std::to_string(channels_scaled) + " channels rescaled, " +
         std::to_string(silu_scales) + " SiLU pre-scales)";
}

}  // namespace fxq::passes
