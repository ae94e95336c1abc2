// Conv+activation fusion for runs without hooks. A Conv whose output is read only by
//   - a Relu, Clip (constant bounds) or LeakyRelu,
//   - the Sigmoid and Mul of a SiLU x * Sigmoid(x), or
//   - an Add of a residual (a value that exists before the Conv runs, of the same shape by shape
//     inference), optionally followed by one Relu, Clip or LeakyRelu that alone reads the sum,
// applies that Add and activation to its output tiles while they are in cache (ops/epilogue.h), and the
// absorbed nodes are skipped. Results are bit-identical to the unfused graph. Runs with hooks
// (calibration, fake quantization) see every value, so the executor runs them unfused.
#pragma once
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ops/epilogue.h"

namespace fxq {

struct FusedActivation {
  size_t layer;                 // the Conv node
  std::vector<size_t> absorbed;  // the activation nodes it replaces
  std::string output;           // the value the fused node produces (the last absorbed node's output)
  std::string residual;         // the other operand of a fused Add, or empty
  Epilogue act;
};

struct FusionPlan {
  std::vector<int> head;        // per node: index into `fusions` when it is a fused layer, else -1
  std::vector<bool> absorbed;   // per node: skipped when running fused
  std::vector<FusedActivation> fusions;
};

FusionPlan plan_fusions(const Graph& g);

}  // namespace fxq
