// Graph passes run after loading, before the engine. Each returns how many nodes it changed so the
// CLI can report it. None changes what the graph computes beyond float rounding.
#pragma once
#include <string>
#include <vector>

#include "ir/graph.h"

namespace fxq::passes {

// Identity and inference-mode Dropout: readers are rewired to the input; the node is removed.
int remove_identities(Graph& g);
// Nodes whose inputs are all constant (initializers, Constant nodes, Shape of a statically shaped
// value) are evaluated once with their kernel and replaced by initializers.
int fold_constants(Graph& g);
// BatchNormalization right after a Conv (or Gemm) whose output nothing else reads is folded into
// that layer's weights and bias.
int fold_batchnorm(Graph& g);
// A constant Add after a Conv (per output channel) or a 2-D MatMul with a constant weight becomes
// the layer's bias (MatMul turns into Gemm).
int fold_bias_add(Graph& g);
// Nodes whose outputs nothing reads, and initializers no node reads, are dropped.
int remove_dead(Graph& g);

// Cross-layer equalization with power-of-two scales (equalize.cpp): Conv -> [Relu | LeakyRelu | SiLU |
// nothing] -> Conv pairs trade per-channel factors so both weight tensors fit one per-tensor grid. The
// float model computes the same (a SiLU gets a per-channel power-of-two Mul before its Sigmoid). Not in
// the default pipeline: fxq quantize --equalize runs it.
struct EqualizeSummary {
  int pairs = 0, channels_scaled = 0, silu_scales = 0;
  std::string str() const;  // "equalized 62 conv pairs (1234 channels rescaled, 42 SiLU pre-scales)"
};
EqualizeSummary equalize_layers(Graph& g);

struct PassSummary {
  int identities = 0, constants = 0, batchnorms = 0, bias_adds = 0, dead = 0;
  std::string str() const;  // "folded 3 constants, 2 BatchNorms; removed 1 Identity/Dropout, 0 dead nodes"
};
// The default pipeline, in order: identities, constants, BatchNorm, bias Adds, dead code.
PassSummary run_default_passes(Graph& g);

}  // namespace fxq::passes
