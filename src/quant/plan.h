// A quantization plan: the fixed-point format of every quantized tensor of a (prepared) graph.
// The search writes it; the simulation (fake quantization in fxq's engine) and the QDQ exporter read
// it, and must agree: ONNX Runtime running the exported model equals fxq's simulation of the plan.
//
// Meaning, for a graph after fxq's passes (BN folded):
//  - activations[v] = F: every reader of value v (a graph input or a node output) reads
//    fake_quantize(v, F) instead of v; if v is a graph output, the output is fake_quantize(v, F).
//  - weights[w] = F: initializer w is replaced by fake_quantize(w, F) (per tensor), or, when
//    weight_channel_frac[w] is non-empty, channel c along axis 0 uses frac weight_channel_frac[w][c].
//  - biases[b] = F: initializer b (a Conv/Gemm bias) is replaced by fake_quantize(b, F); F is 32-bit
//    signed at frac = frac(input activation) + frac(weight), so the integer pipeline adds it exactly.
//  - values[t] = T: initializer t (a weight or a bias) holds T instead of the model's value *before*
//    its format above applies. Weight rounding methods other than nearest (src/quant/methods/) put
//    the rounded weights here (already on the grid, so applying the format changes nothing), bias
//    correction its corrected bias. The simulation and the exporter both read it (apply_values).
//  - weight_offsets[w] = m: after its format (and values) applied, every element of weight w gets + m
//    (zero-centred, src/quant/methods/zero_centred.cpp: values[w] holds W - m on the grid). m is on an
//    8-bit power-of-two grid; the exporter writes an Add of m after the weight's DequantizeLinear.
//  - float_nodes: nodes left in float, each with its reason (listed in the report, never silent).
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "fixedpoint/qformat.h"
#include "ir/graph.h"

namespace fxq::quant {

using fixedpoint::QFormat;

struct QuantPlan {
  std::map<std::string, QFormat> activations;
  std::map<std::string, QFormat> weights;
  std::map<std::string, std::vector<int>> weight_channel_frac;  // optional per-output-channel fracs
  std::map<std::string, QFormat> biases;
  std::map<std::string, Tensor> values;  // replaced initializer values (see above)
  std::map<std::string, float> weight_offsets;  // zero-centred weights (see above)
  std::vector<std::pair<std::string, std::string>> float_nodes;  // node name, reason
};

// Replaces the initializers named in plan.values in `g` (same shape required: internal error otherwise).
void apply_values(const QuantPlan& plan, Graph& g);

}  // namespace fxq::quant
