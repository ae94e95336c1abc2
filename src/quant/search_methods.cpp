// The per-layer search (search.h), its weight-method part: the candidate grids of a layer, and the
// methods (quant/methods/) that put its weights on the chosen grid and correct its bias, with the
// rounding cache of a run.
#include <algorithm>
#include <cmath>

#include "fixedpoint/integer_ops.h"
#include "quant/search_walk.h"

namespace fxq::quant::walk {

// Per channel (or for the whole tensor when channels == 1) the largest frac whose range covers max|w|.
std::vector<int> Search::no_clip_fracs(const Tensor& w, int64_t channels, int bits) {
  const int64_t row = w.size() / channels;
  std::vector<int> f0(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) {
    double max_w = 0;
    for (int64_t k = 0; k < row; ++k) max_w = std::max(max_w, static_cast<double>(std::abs(w.f[c * row + k])));
    f0[c] = fixedpoint::choose_frac_for_range(max_w, bits, true);
  }
  return f0;
}

bool Search::has_zero_channel(const Tensor& w, int64_t channels) {
  const int64_t row = w.size() / channels;
  for (int64_t c = 0; c < channels; ++c) {
    bool zero = true;
    for (int64_t k = 0; k < row && zero; ++k) zero = w.f[c * row + k] == 0.0f;
    if (zero) return true;
  }
  return false;
}

std::vector<int> Search::shifted(const std::vector<int>& f0, int k) {
  std::vector<int> f(f0);
  for (auto& x : f) x = std::min(x + k, fixedpoint::kMaxFrac);
  return f;
}

// One frac per row of weight_rows(): the per-channel fracs (rows = axis 0) or the tensor's frac.
std::vector<int> Search::row_fracs(const Node& n, const Tensor& w, const std::vector<int>& chosen) {
  const WeightRows rows = weight_rows(n, w);
  if (chosen.size() > 1) return chosen;
  return std::vector<int>(static_cast<size_t>(std::max<int64_t>(1, rows.rows)), chosen[0]);
}

LayerGram Search::compute_gram(const Node& n, const Tensor& w) const {
  std::vector<const Tensor*> xq, xf;
  for (size_t i = 0; i < qz_.size(); ++i) {
    xq.push_back(find(opt_.upstream_aware ? qz_[i] : fl_[i], n.inputs[0]));
    xf.push_back(find(fl_[i], n.inputs[0]));
  }
  return layer_gram(g_, n, w, xq, xf, gram_samples_for(weight_rows(n, w).k));
}

LayerProblem Search::problem(const Node& n, const Tensor& w, const Tensor* bias, int bits, std::vector<int> fracs,
                             std::function<const LayerGram&()> gram) {
  LayerProblem p{n, w, bias};
  p.rows = weight_rows(n, w);
  p.bits = bits;
  p.row_frac = std::move(fracs);
  p.mean_removed = mean_removed_;
  p.gram = std::move(gram);
  p.mean_error = [this, &n](const Tensor& wq, const Tensor* b) { return mean_output_error(n, wq, b); };
  return p;
}

// The rounding method (through the cache), then every correction.
void Search::apply_methods(LayerProblem& p) {
  round_weights(p);
  for (size_t m = 1; m < methods_.size(); ++m) methods_[m]->apply(p);
}

void Search::round_weights(LayerProblem& p) {
  const QuantMethod* rounding = methods_.front();
  if (rounding->apply == &apply_nearest || !extras_.cache) {
    rounding->apply(p);
    return;
  }
  const std::string key = rounding_key(p, *rounding);
  if (const RoundingCache::Entry* e = extras_.cache->find(key)) {
    p.wq = e->wq;
    p.heldout_increment = e->heldout_increment;
    p.note = e->note + " (fitted in an earlier search of this run)";
    return;
  }
  rounding->apply(p);
  extras_.cache->put(key, {p.wq, p.heldout_increment, p.note});
}

std::string Search::rounding_key(const LayerProblem& p, const QuantMethod& m) const {
  std::string key = p.node.name + "|" + m.name + (mean_removed_ ? "|centred|" : "|") + std::to_string(p.bits) + "|";
  for (int f : p.row_frac) key += std::to_string(f) + ",";
  return key;
}

// Per output channel: mean of (output with wq, b on the quantized inputs) - (float output), before
// the activation, over every image and position.
std::vector<double> Search::mean_output_error(const Node& n, const Tensor& wq, const Tensor* b) const {
  std::vector<double> sum;
  int64_t per_channel = 0;
  for (size_t i = 0; i < qz_.size(); ++i) {
    auto in = inputs_of(n, opt_.upstream_aware ? qz_[i] : fl_[i]);
    in[1] = &wq;
    if (in.size() > 2 && in[2]) in[2] = b;
    const Tensor y = std::move(run_node(g_, n, in)[0]);
    const Tensor& ref = fl_[i].at(n.outputs[0]);
    const int axis = n.op_type == "Conv" ? 1 : y.rank() - 1;
    const int64_t channels = y.dim(axis);
    int64_t inner = 1;
    for (int d = axis + 1; d < y.rank(); ++d) inner *= y.dim(d);
    sum.resize(static_cast<size_t>(channels), 0.0);
    for (int64_t k = 0; k < y.size(); ++k) sum[static_cast<size_t>((k / inner) % channels)] += static_cast<double>(y.f[k]) - ref.f[k];
    per_channel += y.size() / channels;
  }
  for (double& v : sum) v /= static_cast<double>(std::max<int64_t>(1, per_channel));
  return sum;
}

}  // namespace fxq::quant::walk
