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
//
// Bit-widths may differ per layer and per quantization point (mixed precision: layer_weight_bits,
// point_act_bits). Once a layer's grid is chosen, the weight methods (quant/methods/) put its
// weights on it and correct its bias. On request the walk also profiles the model for the
// mixed-precision search (SearchProfile; docs/mixed-precision.md): for every candidate bit-width,
// the mean squared error each layer's weights and each quantization point would add, and how much
// of an error injected there reaches the model's outputs.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "quant/output_error.h"
#include "quant/plan.h"

namespace fxq::quant {

struct SearchOptions {
  int weight_bits = 8;
  int act_bits = 8;
  bool upstream_aware = true;
  bool per_channel = false;  // one weight frac per output channel (Conv, Gemm with transB) instead of per tensor
  int frac_candidates = 4;      // weight fracs tried from the no-clipping frac upward (finer steps, more clipping)
  int act_frac_candidates = 8;  // the same for activations (cheap: no layer re-runs)
  std::map<std::string, int> layer_weight_bits;  // node name -> weight bits (mixed precision); others: weight_bits
  std::map<std::string, int> point_act_bits;     // quantization point (value name) -> bits; others: act_bits
  std::vector<std::string> methods = {"nearest"};  // weight methods (quant/methods/method.h)
};

int layer_weight_bits(const SearchOptions& o, const std::string& node);
int point_act_bits(const SearchOptions& o, const std::string& value);

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
  std::string weight_value;             // the weight initializer (layers)
  std::string input_point;              // the quantization point whose format the layer's input carries
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

// The mixed-precision profile. noise[b]: the mean squared error per element that bit-width b adds
// (weights: at the layer's output before its activation, from eq. M1/M2 with the selected rounding
// method; points: at the value itself), on top of the error already there. gain: the mean squared
// error of the model's outputs per unit of mean squared error injected at that value (measured by
// injecting a probe error into the float model and running the rest of it).
struct NoiseProfile {
  std::map<int, double> noise;
  double gain = 0;
};
struct LayerProfile {
  std::string node, weight_value, output_value, input_point;
  int64_t weights = 0;
  NoiseProfile noise;
};
struct PointProfile {
  std::string value;
  NoiseProfile noise;
};
struct SearchProfile {
  std::vector<LayerProfile> layers;
  std::vector<PointProfile> points;
  size_t probe_images = 0;
  std::string output_error = "elements";  // OutputError::name(), or "elements"
};
struct ProfileOptions {
  std::vector<int> weight_bits, act_bits;  // the candidate bit-widths
  size_t probe_images = 16;                // images the gains are measured on
  int probe_weight_bits = 4, probe_act_bits = 5;  // the probe errors: these bit-widths, nearest rounding
  std::shared_ptr<OutputError> output_error;      // what a gain measures at the outputs; null: every element
};

// Rounded weights of the rounding methods, reused across searches of one run: key = node, bits,
// fracs, method. The rounding was fitted on the inputs of the search that first needed it.
class RoundingCache {
 public:
  struct Entry {
    Tensor wq;
    double heldout_increment;  // LayerProblem::heldout_increment
    std::string note;
  };
  const Entry* find(const std::string& key) const;
  void put(const std::string& key, Entry e);
  size_t hits() const { return hits_; }
  size_t size() const { return map_.size(); }

 private:
  std::map<std::string, Entry> map_;
  mutable size_t hits_ = 0;
};

struct SearchExtras {
  RoundingCache* cache = nullptr;         // optional
  const ProfileOptions* profile_options = nullptr;
  SearchProfile* profile = nullptr;       // filled when both are given
};

// `images`: the search set, one feed (graph-input name -> tensor) per image. `max_abs`: optional
// |x| bounds per value from a calibration pass over more images (the no-clipping frac starts there).
SearchResult search_plan(const Graph& g, const std::vector<std::map<std::string, Tensor>>& images,
                         const SearchOptions& opt, const std::map<std::string, double>& max_abs = {},
                         const std::function<void(size_t done, size_t total)>& progress = {},
                         const SearchExtras& extras = {});

}  // namespace fxq::quant
