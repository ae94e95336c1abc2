// Weight quantization methods: how a layer's weights are put on the grid the search chose for them
// (bits, and a frac per tensor or per output channel), and how its bias is then corrected. One file
// per method; THE table is method_table.cpp (parsing, --help, the report and the tests read it), so
// adding a method is one file and one line there. Formulas and references: docs/mixed-precision.md.
//
// A run applies exactly one rounding method (nearest unless another is named), then every selected
// correction, in table order; zero-centred (a centring) first shifts the weights by their mean. All of them are post-training and keep power-of-two formats: rounding
// methods only choose, for each weight, one of the grid values of its format; corrections only
// change the float bias before it is quantized (32 bits at frac = input frac + weight frac).
#pragma once
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "quant/layer_gram.h"

namespace fxq::quant {

struct LayerProblem {
  LayerProblem(const Node& n, const Tensor& w, const Tensor* b) : node(n), weight(w), bias(b) {}
  const Node& node;
  const Tensor& weight;              // float weights
  const Tensor* bias = nullptr;      // float bias, or nullptr
  WeightRows rows;                   // output channels (rows.supported() false: only nearest applies)
  int bits = 8;                      // weight bit-width (signed)
  std::vector<int> row_frac;         // frac of each row (all equal per tensor); rows.rows entries
  bool mean_removed = false;         // a selected correction removes each channel's mean output error
  float weight_offset = 0;           // zero-centred: `weight` is W - offset; the layer uses offset + wq
  // Input statistics of the layer (upstream-quantized and float inputs), computed on first use.
  std::function<const LayerGram&()> gram;
  // Mean over the search images and positions of (output with wq and `bias` on the quantized inputs)
  // minus (float output), per output channel, before the layer's activation.
  std::function<std::vector<double>(const Tensor& wq, const Tensor* bias)> mean_error;

  Tensor wq;                         // out: the quantized weights (float values on the grid)
  // out: for a rounding fitted to the data, the added output error per element (M1/M2) it gives on
  // samples it was not fitted on (2-fold over the images); NaN when the method fits nothing.
  double heldout_increment = std::numeric_limits<double>::quiet_NaN();
  Tensor bias_value;                 // out: the corrected float bias when bias_changed
  bool bias_changed = false;
  std::string note;                  // what the methods did, for the report

  std::vector<double> row_steps() const;  // 2^-row_frac[r]
};

// kCentring (zero-centred) changes what is quantized before the grid is chosen; the search applies it.
enum class MethodKind { kCentring, kRounding, kCorrection };

struct QuantMethod {
  const char* name;
  MethodKind kind;
  bool removes_mean_error;  // corrections that zero each channel's mean output error (rounding then fits the centred error)
  const char* help;
  void (*apply)(LayerProblem&);
};

const std::vector<QuantMethod>& quant_methods();  // THE table
std::string method_names();                        // "nearest, adaround, bias-correction"
// "adaround,bias-correction" -> the methods in table order, the rounding one first (nearest when none
// is named). Unknown names, two rounding methods or an empty list: Error kUsage naming them.
std::vector<const QuantMethod*> parse_methods(const std::vector<std::string>& names);
std::vector<std::string> split_method_list(const std::string& comma_separated);

// Per-method entry points (one file each).
void apply_nearest(LayerProblem& p);
void apply_adaround(LayerProblem& p);
void apply_gptq(LayerProblem& p);
void apply_bias_correction(LayerProblem& p);
void apply_zero_centred(LayerProblem& p);  // records what visit_layer did

// zero-centred: the mean of w rounded to an 8-bit power-of-two grid, or 0 when it is below one step of
// the grid w itself would get at `bits` (then centring changes nothing worth an extra add).
float zero_centred_offset(const Tensor& w, int bits);

// The fitted roundings' protocol (fitted_rounding.cpp): nearest rounding first; then `fit` (which
// changes wq, on the grid of steps[r] within [qmin, qmax], and returns how many weights it moved) fitted
// on one half of the images and judged on the other, both ways; kept, refitted on all images, only when
// it beats nearest there. Sets p.wq, p.heldout_increment and p.note ("<name>: ...").
using RoundingFit = std::function<int64_t(const LayerObjective& objective, Tensor& wq, const std::vector<double>& steps,
                                          int64_t qmin, int64_t qmax)>;
void fit_rounding(LayerProblem& p, const char* name, const RoundingFit& fit);

// gptq's sequential rounding with error feedback alone (methods/gptq.cpp steps 1-2, A damped by
// `damp` x its mean diagonal), written into wq; rows whose group has no input signal are left as they are.
void gptq_sequential_round(const LayerObjective& objective, Tensor& wq, const std::vector<double>& steps, int64_t qmin,
                           int64_t qmax, double damp);

// Nearest rounding (round half to even, saturating) of every row at its own frac.
Tensor round_nearest(const Tensor& w, const WeightRows& rows, int bits, const std::vector<int>& row_frac);

}  // namespace fxq::quant
