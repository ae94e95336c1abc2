// The per-layer fixed-point format search of seed 004, upstream-aware.
//
// Nodes are visited in topological order over all search images at once, carrying two copies of
// every live value: the float model's (the reference) and the quantized model's so far. For a layer
// (Conv/Gemm/MatMul with a constant weight) each candidate weight frac is judged by the MSE of the
// layer's output — computed from the *quantized* inputs, i.e. with every upstream layer's error —
// against the float model's output of that layer (after its fused activation, if any). Each
// quantization point (graph inputs, layer outputs, requantizing ops) then gets the activation frac
// whose fake-quantized values are closest (MSE) to the float reference. With upstream_aware = false,
// candidates are judged on float inputs instead (the per-layer-independent baseline).
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "quant/plan.h"

namespace fxq::quant {

struct SearchOptions {
  int weight_bits = 8;
  int act_bits = 8;
  bool upstream_aware = true;
  bool per_channel = false;  // one weight frac per output channel (Conv, Gemm with transB) instead of per tensor
  int frac_candidates = 4;      // weight fracs tried from the no-clipping frac upward (finer steps, more clipping)
  int act_frac_candidates = 8;  // the same for activations (cheap: no layer re-runs)
};

struct Trial {
  int frac;  // the frac tried (per tensor), or the offset from each channel's no-clipping frac (per channel)
  double mse;
};

// One row per node that got a format (a weight or an output format).
struct LayerResult {
  std::string node, op;
  bool has_weight = false, has_output = false;
  QFormat weight, bias, output;
  QFormat input;                        // format of a layer's input (input 0) on the quantized path
  std::vector<int> weight_channel_frac;  // per-channel weight fracs (weight.frac is their minimum), or empty
  std::string output_value;
  std::vector<Trial> weight_trials, output_trials;
  double float_min = 0, float_max = 0;  // of the output value on the search images (float model)
  double sqnr_db = 0;                   // output of the quantized model so far vs float, on the search images
  std::string note;                     // degenerate statistics and other policy decisions
};

struct SearchResult {
  QuantPlan plan;
  std::vector<LayerResult> layers;
  // The grid every value lies on in the quantized model: plan.activations plus the values that
  // inherit their input's format (Relu, MaxPool, Reshape, ... after a quantized value).
  std::map<std::string, QFormat> value_formats;
};

// `images`: the search set, one feed (graph-input name -> tensor) per image. `max_abs`: optional
// |x| bounds per value from a calibration pass over more images (the no-clipping frac starts there).
SearchResult search_plan(const Graph& g, const std::vector<std::map<std::string, Tensor>>& images,
                         const SearchOptions& opt, const std::map<std::string, double>& max_abs = {},
                         const std::function<void(size_t done, size_t total)>& progress = {});

}  // namespace fxq::quant
