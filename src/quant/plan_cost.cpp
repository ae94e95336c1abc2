#include "quant/plan_cost.h"

namespace fxq::quant {

PlanCost plan_cost(const Graph& g, const SearchResult& s, const ModelStats& ms) {
  PlanCost c;
  std::map<std::string, int64_t> macs;
  for (const auto& l : ms.layers) macs[l.name] = l.macs;
  for (const auto& r : s.layers) {
    const Node* n = g.find_node(r.node);
    if (!r.has_weight || !n) continue;
    const int64_t nw = g.initializer(n->inputs[1])->size();
    const int64_t nb = n->inputs.size() > 2 && !n->inputs[2].empty() ? g.initializer(n->inputs[2])->size() : 0;
    c.weight_bits += static_cast<double>(nw) * r.weight.bits + 32.0 * nb;
    c.all8_bits += 8.0 * nw + 32.0 * nb;
    c.float32_bits += 32.0 * (nw + nb);
    c.bitops += static_cast<double>(macs[r.node]) * r.weight.bits * r.input.bits;
    c.all8_bitops += 64.0 * static_cast<double>(macs[r.node]);
    c.float32_bitops += 1024.0 * static_cast<double>(macs[r.node]);
  }
  return c;
}

}  // namespace fxq::quant
