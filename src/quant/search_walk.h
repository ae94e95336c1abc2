// The walk of the per-layer search (search.h), shared by its three files: search.cpp (the float and
// the quantized model node by node: layers, quantization points), search_methods.cpp (the weight
// methods on a layer's chosen grid) and search_profile.cpp (the mixed-precision profile). Internal to
// src/quant: nothing outside it includes this header.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "ops/op.h"
#include "quant/layer_gram.h"
#include "quant/methods/method.h"
#include "quant/search.h"

namespace fxq::quant::walk {

using Store = std::unordered_map<std::string, Tensor>;
using RefFn = std::function<const Tensor&(size_t image)>;  // a value of the float model, per search image

std::vector<Tensor> run_node(const Graph& g, const Node& n, const std::vector<const Tensor*>& in);
double sum_sq_diff(const Tensor& a, const Tensor& b);
// Adds the squared error of each output channel (axis 1 for rank > 2, the last axis for [M, N]).
void add_channel_errors(const Tensor& y, const Tensor& ref, int64_t channels, std::vector<double>& err);
Tensor fake_quantized(const Tensor& t, const QFormat& f);

// An evenly strided sample of a quantization point's values over the search images (at most
// kPointSamples): formats are judged by mean squared errors, which the sample estimates closely at a
// fraction of the cost of quantizing every value of every image once per candidate.
struct PointSample {
  static constexpr size_t kPointSamples = size_t{1} << 19;
  std::vector<float> x, ref;  // on the quantized path (the float path when not upstream-aware), float model
  double scale = 1;           // total values / sampled values
  // Sum of squared differences to ref of x fake-quantized at *f (x itself when f is null; ref itself
  // quantized when on_float).
  double error(const QFormat* f, bool on_float = false) const;
};
PointSample sample_point(const std::vector<Tensor>& pre, const RefFn& ref, bool upstream_aware);

class Search {
 public:
  Search(const Graph& g, const std::vector<std::map<std::string, Tensor>>& images, const SearchOptions& opt,
         const std::map<std::string, double>& max_abs, const SearchExtras& extras);
  SearchResult run(const std::function<void(size_t, size_t)>& progress);

 private:
  // search.cpp: the walk.
  const Tensor* find(const Store& s, const std::string& v) const;
  std::vector<const Tensor*> inputs_of(const Node& n, const Store& s) const;
  const Node* fused_activation(const std::string& v) const;
  const Node* silu_mul(const std::string& v, const Node** prescale = nullptr, const Node** sigmoid = nullptr) const;
  bool is_silu_prescale(const Node& n) const;
  Tensor apply_activation(const Node& act, const Tensor& x) const;
  bool keeps_grid(const Node& n, const OpDef& d) const;
  void visit(const Node& n);
  void requantize(const Node& n);
  void run_quantized(const Node& n);
  void visit_layer(const Node& n, const Tensor& w);
  std::vector<const Tensor*> activation_inputs(const Node& act, const Tensor& x) const;
  void choose_output(const std::string& v, std::vector<Tensor>& pre, const RefFn& ref, LayerResult& r);
  void release(size_t k);

  // search_methods.cpp: the weight methods on a layer's grid.
  static std::vector<int> no_clip_fracs(const Tensor& w, int64_t channels, int bits);
  static bool has_zero_channel(const Tensor& w, int64_t channels);
  static std::vector<int> shifted(const std::vector<int>& f0, int k);
  static std::vector<int> row_fracs(const Node& n, const Tensor& w, const std::vector<int>& chosen);
  LayerGram compute_gram(const Node& n, const Tensor& w) const;
  LayerProblem problem(const Node& n, const Tensor& w, const Tensor* bias, int bits, std::vector<int> fracs,
                       std::function<const LayerGram&()> gram);
  void apply_methods(LayerProblem& p);
  void round_weights(LayerProblem& p);
  std::string rounding_key(const LayerProblem& p, const QuantMethod& m) const;
  std::vector<double> mean_output_error(const Node& n, const Tensor& wq, const Tensor* b) const;

  // search_profile.cpp: the mixed-precision profile.
  bool profiling() const { return extras_.profile && extras_.profile_options; }
  void profile_layer(const Node& n, const Tensor& w, bool per_channel, const std::function<const LayerGram&()>& gram);
  void profile_point(const std::string& v, const PointSample& ps, const RefFn& ref, bool is_signed, double max_abs);
  double gain_at(const std::string& v, const std::vector<Tensor>& perturbed);

  const Graph& g_;
  SearchOptions opt_;
  const std::map<std::string, double>& max_abs_;
  SearchExtras extras_;
  std::vector<const QuantMethod*> methods_;  // the rounding method first, then the corrections
  bool mean_removed_ = false;
  bool centring_ = false;  // zero-centred selected
  std::vector<Store> fl_, qz_;
  std::ptrdiff_t current_ = -1;                           // index of the node being visited (-1: graph inputs)
  std::vector<std::map<std::string, Tensor>> float_out_;  // float outputs of the probe images (profiling)
  std::map<std::string, double> gains_;                   // value -> measured gain (profiling)
  std::map<std::string, std::string> point_of_;           // value -> the quantization point whose grid it is on
  std::map<std::string, size_t> last_use_;
  std::map<std::string, std::vector<const Node*>> readers_;
  std::map<std::string, QFormat> fmt_;     // format of each value on the quantized path
  std::map<std::string, size_t> pending_;  // fused activation node -> its layer's row
  SearchResult res_;
};

}  // namespace fxq::quant::walk
