// Mixed precision: from the profile of the upper-bound plan (search.h, SearchProfile), a path of
// bit-width assignments from every layer and quantization point at its largest candidate down to
// every one at its smallest, each step the move that saves the most cost (weight memory or bit-ops)
// per unit of predicted output error (docs/mixed-precision.md, M6-M8). The gate (gate.h) then
// bisects along this path with real evaluations.
//
// Predicted output error of an assignment (M6), with the profile's per-value noise tables and gains:
//   N = sum_layers gain_l * noise_l(wbits_l) + sum_points gain_v * noise_v(abits_v)
// Cost (M7): memory = sum_layers (weights_l * wbits_l + 32 * biases_l);
//            bit-ops = sum_layers MACs_l * wbits_l * abits(input point of l).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "engine/model_stats.h"
#include "ir/graph.h"
#include "quant/search.h"

namespace fxq::quant {

// kBalanced: weight memory and bit-ops, each relative to its upper-bound total, summed (M7b in
// docs/mixed-precision.md): for users who need both smaller and cheaper.
enum class Objective { kMemory, kBitops, kBalanced };
const char* objective_name(Objective o);
Objective parse_objective(const std::string& name);  // "memory" | "bitops" | "balanced"; Error kUsage otherwise

struct BitAssignment {
  std::map<std::string, int> weight;      // layer node -> weight bits
  std::map<std::string, int> activation;  // quantization point -> bits
};

struct PathStep {
  BitAssignment bits;
  double predicted_noise = 0;  // N of (M6)
  double weight_bits = 0;      // memory of (M7), biases included
  double bitops = 0;           // bit-ops of (M7)
  std::string move;            // "conv1 w 8->4", "relu2 a 8->6", or "upper bound"
};

// The greedy path (M8). Layers without a noise table stay at the upper bound; with the memory
// objective activations stay at the upper bound (they cost no weight memory).
std::vector<PathStep> greedy_path(const Graph& g, const SearchProfile& profile, const ModelStats& stats,
                                  Objective objective, const std::vector<int>& weight_candidates,
                                  const std::vector<int>& act_candidates);

// The candidate bit-widths below an upper bound: lowest..upper (lowest 2).
std::vector<int> candidate_bits(int upper, int lowest = 2);

// Search options that build the plan of an assignment.
SearchOptions with_bits(SearchOptions base, const BitAssignment& bits);

}  // namespace fxq::quant
