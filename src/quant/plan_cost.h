// What a plan costs: weight memory and bit-ops, against float32 and all-8-bit.
#pragma once
#include "engine/model_stats.h"
#include "ir/graph.h"
#include "quant/search.h"

namespace fxq::quant {

// Totals of a plan: weight memory (weights at their bit-widths, biases at 32 bits) against float32
// and against all-8-bit weights; bit-ops (weight bits x input activation bits x MACs) against 8x8
// and against float32 counted the same way (32x32: a multiplier's operand widths, not FLOP cost).
struct PlanCost {
  double weight_bits = 0, float32_bits = 0, all8_bits = 0;
  double bitops = 0, all8_bitops = 0, float32_bitops = 0;
};
PlanCost plan_cost(const Graph& g, const SearchResult& s, const ModelStats& ms);

}  // namespace fxq::quant
