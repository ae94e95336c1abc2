// The per-layer search (search.h): the walk over the float and the quantized model. The weight
// methods are applied in search_methods.cpp, the mixed-precision profile measured in search_profile.cpp.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "common/error.h"
#include "engine/executor.h"
#include "fixedpoint/integer_ops.h"
#include "ops/registry.h"
#include "quant/search_walk.h"

namespace fxq::quant {
namespace walk {

std::vector<Tensor> run_node(const Graph& g, const Node& n, const std::vector<const Tensor*>& in) {
  const OpDef* def = find_op(n.op_type);
  FXQ_CHECK(def, "unsupported op reached the search: " + n.op_type);
  std::vector<Tensor> out(n.outputs.size());
  KernelArgs args{n, g.opset, in, out};
  try {
    def->run(args);
  } catch (const Error& e) {
    throw e.with_context(g.path);
  }
  return out;
}

double sum_sq_diff(const Tensor& a, const Tensor& b) {
  double s = 0;
  for (size_t k = 0; k < a.f.size(); ++k) {
    const double d = static_cast<double>(a.f[k]) - b.f[k];
    s += d * d;
  }
  return s;
}

// Adds the squared error of each output channel: channel of element k = (k / inner) % channels, where
// the channel axis is 1 for rank > 2 (NCHW) and the last axis for [M, N].
void add_channel_errors(const Tensor& y, const Tensor& ref, int64_t channels, std::vector<double>& err) {
  if (channels == 1) {
    err[0] += sum_sq_diff(y, ref);
    return;
  }
  // One run of `inner` values per (image, channel), added to that channel's sum in element order
  // (the same additions as one loop over every element, without a division and a size() per element).
  const int64_t n = y.size();
  const int64_t inner = y.rank() > 2 ? n / (y.dim(0) * y.dim(1)) : 1;
  const float* yf = y.f.data();
  const float* rf = ref.f.data();
  for (int64_t k0 = 0, run = 0; k0 < n; k0 += inner, ++run) {
    double acc = err[static_cast<size_t>(run % channels)];
    for (int64_t k = k0; k < k0 + inner; ++k) {
      const double d = static_cast<double>(yf[k]) - rf[k];
      acc += d * d;
    }
    err[static_cast<size_t>(run % channels)] = acc;
  }
}

Tensor fake_quantized(const Tensor& t, const QFormat& f) {
  Tensor r = t;
  fixedpoint::fake_quantize(r.f.data(), r.f.size(), f);
  return r;
}

Search::Search(const Graph& g, const std::vector<std::map<std::string, Tensor>>& images, const SearchOptions& opt,
               const std::map<std::string, double>& max_abs, const SearchExtras& extras)
    : g_(g), opt_(opt), max_abs_(max_abs), extras_(extras), fl_(images.size()), qz_(images.size()) {
  for (size_t i = 0; i < images.size(); ++i)
    for (const auto& [name, t] : images[i]) fl_[i][name] = t;
  for (size_t k = 0; k < g.nodes.size(); ++k)
    for (const auto& in : g.nodes[k].inputs)
      if (!in.empty()) last_use_[in] = k;
  for (const auto& n : g.nodes)
    for (const auto& in : n.inputs) readers_[in].push_back(&n);
  methods_ = parse_methods(opt.methods);
  for (const QuantMethod* m : methods_) mean_removed_ |= m->removes_mean_error;
  for (const QuantMethod* m : methods_) centring_ |= m->kind == MethodKind::kCentring;
  if (extras_.profile && extras_.profile_options) {
    // The float model's outputs on the probe images: the reference every injected error is measured against.
    Executor exec(g);
    const size_t n = std::min(images.size(), std::max<size_t>(1, extras_.profile_options->probe_images));
    for (size_t i = 0; i < n; ++i) float_out_.push_back(exec.run(images[i]));
    extras_.profile->probe_images = n;
    if (const auto& oe = extras_.profile_options->output_error) {
      for (size_t i = 0; i < n; ++i) {
        OutputRefs refs;
        for (const auto& [name, t] : float_out_[i]) refs[name] = &t;
        oe->set_reference(i, refs);
      }
      extras_.profile->output_error = oe->name();
    }
  }
}

SearchResult Search::run(const std::function<void(size_t, size_t)>& progress) {
  for (const auto& vi : g_.inputs) {
    if (vi.dtype != DType::kFloat32) {
      for (size_t i = 0; i < fl_.size(); ++i) qz_[i][vi.name] = fl_[i][vi.name];
      continue;
    }
    LayerResult r;
    r.node = vi.name;
    r.op = "(graph input)";
    std::vector<Tensor> pre(fl_.size());
    for (size_t i = 0; i < fl_.size(); ++i) pre[i] = fl_[i][vi.name];
    current_ = -1;
    choose_output(vi.name, pre, [&](size_t i) -> const Tensor& { return fl_[i][vi.name]; }, r);
    res_.layers.push_back(std::move(r));
  }
  for (size_t k = 0; k < g_.nodes.size(); ++k) {
    current_ = static_cast<std::ptrdiff_t>(k);
    visit(g_.nodes[k]);
    release(k);
    if (progress) progress(k + 1, g_.nodes.size());
  }
  res_.value_formats = fmt_;
  return std::move(res_);
}

const Tensor* Search::find(const Store& s, const std::string& v) const {
  if (const Tensor* t = g_.initializer(v)) return t;
  auto it = s.find(v);
  FXQ_CHECK(it != s.end(), "value '" + v + "' missing in the search");
  return &it->second;
}

std::vector<const Tensor*> Search::inputs_of(const Node& n, const Store& s) const {
  std::vector<const Tensor*> in;
  for (const auto& v : n.inputs) in.push_back(v.empty() ? nullptr : find(s, v));
  return in;
}

// The node reading `v` if it is v's only reader, is fusable, and v is not a graph output; or the Mul
// of a SiLU written out as v * Sigmoid(v) (silu_mul).
const Node* Search::fused_activation(const std::string& v) const {
  if (const Node* m = silu_mul(v)) return m;
  auto it = readers_.find(v);
  if (g_.is_graph_output(v) || it == readers_.end() || it->second.size() != 1) return nullptr;
  const OpDef* d = find_op(it->second[0]->op_type);
  return d && d->quant.fusable ? it->second[0] : nullptr;
}

// SiLU as exported by PyTorch (YOLOX, YOLOv5/v8: s = Sigmoid(v), y = Mul(v, s)): v is read by exactly
// that Sigmoid and that Mul, and s only by the Mul. The layer's output point is y, and v (the
// pre-activation, e.g. -120..18 in YOLOX's stem where the SiLU then maps the negatives to ~0) is no
// quantization point: on a fixed-point target, v is the layer's accumulator, s comes from a table
// indexed by it, and y = v * s. s keeps its own point (8-bit unsigned, the table's output), which also
// keeps the QDQ model exact: a float sigmoid differs between engines by an ulp, and only a rounding
// right after it (rarely crossing a step) hides that; a float v * sigmoid(v) rounded at y's step would
// flip whole steps of y (ONNX Runtime vs fxq). Returns the Mul, or nullptr.
// After --equalize (ir/passes/equalize.cpp) the SiLU reads u * Sigmoid(S * u), S a per-channel
// power-of-two constant: the Mul by S is part of the activation (a shift of the accumulator before the
// table), no quantization point; *prescale is set to it (nullptr for a plain SiLU).
const Node* Search::silu_mul(const std::string& v, const Node** prescale, const Node** sigmoid) const {
  auto it = readers_.find(v);
  if (v.empty() || g_.is_graph_output(v) || it == readers_.end() || it->second.size() != 2) return nullptr;
  auto only_reader = [&](const std::string& x) -> const Node* {
    auto r = readers_.find(x);
    return g_.is_graph_output(x) || r == readers_.end() || r->second.size() != 1 ? nullptr : r->second[0];
  };
  const Node* sig = nullptr;
  const Node* pre = nullptr;
  const Node* mul = nullptr;
  for (const Node* r : it->second) {
    if (r->op_type == "Sigmoid" && r->inputs.size() == 1) {
      sig = r;
    } else if (r->op_type == "Mul" && r->inputs.size() == 2 && r->outputs.size() == 1 &&
               g_.is_initializer(r->inputs[r->inputs[0] == v ? 1 : 0]) && only_reader(r->outputs[0]) &&
               only_reader(r->outputs[0])->op_type == "Sigmoid") {
      pre = r;
      sig = only_reader(r->outputs[0]);
    } else if (r->op_type == "Mul" && r->inputs.size() == 2) {
      mul = r;
    }
  }
  if (!sig || !mul || sig->outputs.empty() || only_reader(sig->outputs[0]) != mul) return nullptr;
  const std::string& s = sig->outputs[0];
  const bool pair = (mul->inputs[0] == v && mul->inputs[1] == s) || (mul->inputs[0] == s && mul->inputs[1] == v);
  if (!pair) return nullptr;
  if (prescale) *prescale = pre;
  if (sigmoid) *sigmoid = sig;
  return mul;
}

// True for the Mul by S of an equalized SiLU (silu_mul).
bool Search::is_silu_prescale(const Node& n) const {
  if (n.op_type != "Mul" || n.inputs.size() != 2) return false;
  for (const auto& v : n.inputs) {
    const Node* pre = nullptr;
    if (silu_mul(v, &pre) && pre == &n) return true;
  }
  return false;
}

// The fused activation `act` applied to a layer output x (a SiLU: x * sigmoid(x), in the graph's order;
// for choosing the layer's weight grid, the sigmoid in float).
Tensor Search::apply_activation(const Node& act, const Tensor& x) const {
  if (act.op_type == "Mul" && act.inputs.size() == 2) {
    for (const auto& v : act.inputs) {
      const Node* pre = nullptr;
      const Node* sig = nullptr;
      if (silu_mul(v, &pre, &sig) != &act) continue;
      Tensor arg;
      if (pre) arg = std::move(run_node(g_, *pre, {pre->inputs[0] == v ? &x : g_.initializer(pre->inputs[0]),
                                                  pre->inputs[0] == v ? g_.initializer(pre->inputs[1]) : &x})[0]);
      const Tensor s = std::move(run_node(g_, *sig, {pre ? &arg : &x})[0]);
      const bool x_first = act.inputs[0] == v;
      return std::move(run_node(g_, act, {x_first ? &x : &s, x_first ? &s : &x})[0]);
    }
  }
  return std::move(run_node(g_, act, activation_inputs(act, x))[0]);
}

bool Search::keeps_grid(const Node& n, const OpDef& d) const {
  if (!d.quant.keeps_format || n.inputs.empty() || !fmt_.count(n.inputs[0])) return false;
  if (n.op_type != "Clip") return true;
  // Clip keeps the grid only when its bounds lie on it.
  const QFormat& f = fmt_.at(n.inputs[0]);
  for (size_t k = 1; k < n.inputs.size(); ++k) {
    const Tensor* b = n.inputs[k].empty() ? nullptr : g_.initializer(n.inputs[k]);
    if (!n.inputs[k].empty() && (!b || !b->is_float())) return false;
    if (b && fixedpoint::fake_quantize(b->f[0], f) != b->f[0]) return false;
  }
  return n.inputs.size() > 1 || (!n.has_attr("min") && !n.has_attr("max"));
}

void Search::visit(const Node& n) {
  const OpDef* d = find_op(n.op_type);
  FXQ_CHECK(d, "unsupported op " + n.op_type);
  // The float model.
  for (auto& s : fl_) {
    auto out = run_node(g_, n, inputs_of(n, s));
    for (size_t o = 0; o < n.outputs.size(); ++o)
      if (!n.outputs[o].empty()) s[n.outputs[o]] = std::move(out[o]);
  }
  if (is_silu_prescale(n)) {  // part of the SiLU after it: float, as the layer's accumulator it scales
    run_quantized(n);
    return;
  }
  const Tensor* w = d->quant.layer && n.inputs.size() > 1 ? g_.initializer(n.inputs[1]) : nullptr;
  const bool float_out = !n.outputs.empty() && fl_.size() && fl_[0].at(n.outputs[0]).is_float();
  if (w && w->is_float() && fmt_.count(n.inputs[0])) {
    visit_layer(n, *w);
  } else if (d->quant.layer && float_out) {
    res_.plan.float_nodes.emplace_back(
        n.name, w ? "its input is not quantized" : "its weight (input 1) is not a constant initializer: weights stay float");
    requantize(n);
  } else if (keeps_grid(n, *d)) {
    run_quantized(n);
    for (const auto& o : n.outputs)
      if (!o.empty()) {
        fmt_[o] = fmt_.at(n.inputs[0]);
        point_of_[o] = point_of_.at(n.inputs[0]);
      }
  } else if (const Node* act = float_out ? fused_activation(n.outputs[0]) : nullptr) {
    // A requantizing op (e.g. a residual Add) whose only reader is an activation: quantized after
    // the activation, as layers are (unsigned after a ReLU: one more bit for the main path).
    run_quantized(n);
    LayerResult r;
    r.node = n.name;
    r.op = n.op_type;
    pending_[act->name] = res_.layers.size();
    res_.layers.push_back(std::move(r));
  } else if (float_out) {
    requantize(n);
  } else {
    run_quantized(n);
  }
}

// Runs `n` on the quantized path and gives its output a format of its own. A fused activation
// completes its layer's row instead of starting one.
void Search::requantize(const Node& n) {
  run_quantized(n);
  auto p = pending_.find(n.name);
  LayerResult fresh;
  LayerResult& r = p != pending_.end() ? res_.layers[p->second] : fresh;
  if (p == pending_.end()) {
    r.node = n.name;
    r.op = n.op_type;
  } else {
    r.op += "+" + std::string(n.op_type == "Mul" && n.inputs.size() == 2 && (silu_mul(n.inputs[0]) == &n || silu_mul(n.inputs[1]) == &n)
                                  ? "SiLU" : n.op_type);
  }
  std::vector<Tensor> pre;
  for (auto& s : qz_) pre.push_back(s.at(n.outputs[0]));
  choose_output(n.outputs[0], pre, [&](size_t i) -> const Tensor& { return fl_[i].at(n.outputs[0]); }, r);
  if (p == pending_.end()) res_.layers.push_back(std::move(fresh));
}

void Search::run_quantized(const Node& n) {
  for (auto& s : qz_) {
    auto out = run_node(g_, n, inputs_of(n, s));
    for (size_t o = 0; o < n.outputs.size(); ++o)
      if (!n.outputs[o].empty()) s[n.outputs[o]] = std::move(out[o]);
  }
}

void Search::visit_layer(const Node& n, const Tensor& w_model) {
  // zero-centred (methods/zero_centred.cpp): the grid and the rounding are for W - mu; the layer runs
  // with mu + Q(W - mu). Everything below that quantizes works on `w`; what runs the layer adds mu back.
  const float mu = centring_ ? zero_centred_offset(w_model, layer_weight_bits(opt_, n.name)) : 0.0f;
  Tensor w_centred;
  if (mu != 0.0f) {
    w_centred = w_model;
    for (float& v : w_centred.f) v -= mu;
  }
  const Tensor& w = mu != 0.0f ? w_centred : w_model;
  auto uncentred = [mu](Tensor q) {
    if (mu != 0.0f)
      for (float& v : q.f) v += mu;
    return q;
  };
  LayerResult r;
  r.node = n.name;
  r.op = n.op_type;
  r.has_weight = true;
  r.input = fmt_.at(n.inputs[0]);
  r.input_point = point_of_.at(n.inputs[0]);
  r.weight_value = n.inputs[1];
  const int bits = layer_weight_bits(opt_, n.name);
  const std::string& out = n.outputs[0];
  const Node* act = fused_activation(out);
  const bool has_bias = n.inputs.size() > 2 && !n.inputs[2].empty();
  // Target: the float model's output after the fused activation.
  std::vector<Tensor> target;
  for (auto& s : fl_) target.push_back(act ? apply_activation(*act, s.at(out)) : s.at(out));

  // Weight rows per output channel: Conv weights [Cout, ...]; Gemm with transB weights [N, K].
  const bool per_channel = opt_.per_channel && (n.op_type == "Conv" || (n.op_type == "Gemm" && n.attr_int("transB", 0)));
  const int64_t channels = per_channel ? w.dim(0) : 1, row = w.size() / channels;
  const std::vector<int> f0 = no_clip_fracs(w, channels, bits);
  if (has_zero_channel(w, channels))
    r.note = "all weights (of a channel) are zero: frac set by the default policy";
  auto quantized_weight = [&](const std::vector<int>& fracs) {
    Tensor wq = w;
    for (int64_t c = 0; c < channels; ++c)
      fixedpoint::fake_quantize(wq.f.data() + c * row, static_cast<size_t>(row), QFormat{bits, fracs[c], true});
    return wq;
  };
  // Candidate k puts every channel at f0 + k; a channel's output depends only on its own row, so the
  // per-channel choice takes, channel by channel, the k with the smallest error.
  std::vector<std::vector<double>> err(static_cast<size_t>(opt_.frac_candidates), std::vector<double>(channels, 0.0));
  int tried = 0;
  for (int k = 0; k < opt_.frac_candidates; ++k, ++tried) {
    std::vector<int> fracs = shifted(f0, k);
    Tensor wq = uncentred(quantized_weight(fracs));
    for (size_t i = 0; i < qz_.size(); ++i) {
      auto in = inputs_of(n, opt_.upstream_aware ? qz_[i] : fl_[i]);
      in[1] = &wq;
      Tensor y = std::move(run_node(g_, n, in)[0]);
      if (act) y = apply_activation(*act, y);
      add_channel_errors(y, target[i], channels, err[k]);
    }
    double total = 0;
    for (double e : err[k]) total += e;
    r.weight_trials.push_back({per_channel ? k : fracs[0], total / static_cast<double>(qz_.size())});
  }
  std::vector<int> chosen(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) {
    int best = 0;
    for (int k = 1; k < tried; ++k)
      if (err[k][c] < err[best][c]) best = k;
    chosen[c] = std::min(f0[c] + best, fixedpoint::kMaxFrac);
  }
  int bias_frac_limit = fixedpoint::kMaxFrac;  // per channel: the bias's grid within 24 bits of every accumulator
  if (per_channel) {
    // The accumulator of channel c sits at fa_in + fw_c. The float engines (fxq's simulation, ONNX
    // Runtime on the QDQ model) add its products and its bias exactly, in any order, only while every
    // value fits float32's 24-bit mantissa on that grid; the largest is about the channel's own output
    // range and bias. A channel of tiny weights (BN-folded, ~1e-5 or even ~1e-19: NanoDet, YOLOX) would
    // get fw_c of 20..70 next to a bias near 1 and break that (ORT and the simulation then differ by whole
    // output steps; an int32 accumulator could not even hold the bias). So fw_c is capped at what its own
    // accumulator allows: such weights are far below the output's step, and the channel's output is its
    // bias either way. Never below the coarsest channel.
    std::vector<double> acc(static_cast<size_t>(channels), 0.0);
    if (const Tensor* b = has_bias ? g_.initializer(n.inputs[2]) : nullptr; b && b->is_float() && b->size() == channels)
      for (int64_t c = 0; c < channels; ++c) acc[c] = std::abs(static_cast<double>(b->f[c]));
    for (const auto& s : fl_) {
      const Tensor& y = s.at(out);
      if (y.shape.size() < 2 || y.shape[1] != channels) continue;
      int64_t inner = 1;
      for (size_t d = 2; d < y.shape.size(); ++d) inner *= y.shape[d];
      for (int64_t e = 0; e < y.size(); ++e) {
        const double v = std::abs(static_cast<double>(y.f[e]));
        double& a = acc[static_cast<size_t>((e / inner) % channels)];
        if (std::isfinite(v) && v > a) a = v;
      }
    }
    const int coarsest = *std::min_element(chosen.begin(), chosen.end());
    // One bias format serves every channel: at the finest channel's frac it would give a coarse channel's
    // accumulator bits far below its own grid, so it is held within 24 bits of the largest accumulator.
    const double largest = *std::max_element(acc.begin(), acc.end());
    if (largest > 0) bias_frac_limit = fixedpoint::choose_frac_for_range(largest, 24, true);
    for (int64_t c = 0; c < channels; ++c)
      if (acc[c] > 0) {
        const int cap = std::max(fixedpoint::choose_frac_for_range(acc[c], 24, true) - fmt_.at(n.inputs[0]).frac, coarsest);
        chosen[c] = std::min(chosen[c], cap);
      }
  }
  r.weight = QFormat{bits, *std::min_element(chosen.begin(), chosen.end()), true};
  if (per_channel) {
    r.weight_channel_frac = chosen;
    res_.plan.weight_channel_frac[n.inputs[1]] = chosen;
  }
  res_.plan.weights[n.inputs[1]] = r.weight;

  // The methods put the weights on the chosen grid and correct the bias.
  const Tensor* bias = has_bias ? g_.initializer(n.inputs[2]) : nullptr;
  std::unique_ptr<LayerGram> gram;
  auto get_gram = [&]() -> const LayerGram& {
    if (!gram) gram = std::make_unique<LayerGram>(compute_gram(n, w_model));
    return *gram;
  };
  LayerProblem p = problem(n, w, bias, bits, row_fracs(n, w, chosen), get_gram);
  p.weight_offset = mu;
  if (mu != 0.0f)
    p.mean_error = [this, &n, &uncentred](const Tensor& wq, const Tensor* b) { return mean_output_error(n, uncentred(wq), b); };
  apply_methods(p);
  if (methods_.front()->apply != &apply_nearest || mu != 0.0f) res_.plan.values[n.inputs[1]] = p.wq;
  if (mu != 0.0f) res_.plan.weight_offsets[n.inputs[1]] = mu;
  if (p.bias_changed) res_.plan.values[n.inputs[2]] = p.bias_value;
  if (!p.note.empty()) r.note += (r.note.empty() ? "" : "; ") + p.note;
  Tensor bias_q;
  if (has_bias) {
    // The accumulator of channel c sits at fa_in + fw_c; one bias format at the finest of them, but never
    // finer than the bias's own range allows at 32 bits: per channel, a nearly dead channel (weights
    // ~1e-19, BN-folded: NanoDet, YOLOX) gets a frac near 70, and a bias at fa_in + 70 would saturate
    // every channel's bias to ~1e-12. A coarser bias grid is still exact on every accumulator's grid.
    const Tensor& b_used = p.bias_changed ? p.bias_value : *bias;
    double max_b = 0;
    for (float v : b_used.f) max_b = std::max(max_b, static_cast<double>(std::abs(v)));
    const int fit = fixedpoint::choose_frac_for_range(max_b, 32, true);
    r.bias = QFormat{32, std::min({fmt_.at(n.inputs[0]).frac + *std::max_element(chosen.begin(), chosen.end()), fit,
                                   std::max(bias_frac_limit, fmt_.at(n.inputs[0]).frac + *std::min_element(chosen.begin(), chosen.end()))}),
                     true};
    bias_q = fake_quantized(b_used, r.bias);
    res_.plan.biases[n.inputs[2]] = r.bias;
  }
  // The profile judges the model's own (uncentred) weights at every candidate bit-width.
  if (profiling()) profile_layer(n, w_model, per_channel, get_gram);
  const Tensor w_used = uncentred(p.wq);
  for (auto& s : qz_) {
    auto in = inputs_of(n, s);
    in[1] = &w_used;
    if (has_bias) in[2] = &bias_q;
    s[out] = std::move(run_node(g_, n, in)[0]);
  }
  if (!act) {
    std::vector<Tensor> pre;
    for (auto& s : qz_) pre.push_back(s.at(out));
    choose_output(out, pre, [&](size_t i) -> const Tensor& { return target[i]; }, r);
  } else {
    pending_[act->name] = res_.layers.size();  // the activation's output format joins this row
  }
  res_.layers.push_back(std::move(r));
}

// Inputs of a fusable activation node with its data input replaced by `x`.
std::vector<const Tensor*> Search::activation_inputs(const Node& act, const Tensor& x) const {
  std::vector<const Tensor*> in;
  for (size_t k = 0; k < act.inputs.size(); ++k)
    in.push_back(k == 0 ? &x : act.inputs[k].empty() ? nullptr : g_.initializer(act.inputs[k]));
  return in;
}

// Chooses the format of quantization point `v` from its pre-quantization values on the quantized
// path (`pre`, or the float values when not upstream-aware) against the float reference.
void Search::choose_output(const std::string& v, std::vector<Tensor>& pre, const RefFn& ref, LayerResult& r) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  bool finite = true;
  for (size_t i = 0; i < pre.size(); ++i)
    for (float x : ref(i).f) {
      if (!std::isfinite(x)) { finite = false; continue; }
      lo = std::min(lo, static_cast<double>(x));
      hi = std::max(hi, static_cast<double>(x));
    }
  if (!finite) r.note += (r.note.empty() ? "" : "; ") + std::string("NaN/Inf in the float values (ignored)");
  if (!(lo <= hi)) lo = hi = 0;
  r.float_min = lo;
  r.float_max = hi;
  const bool is_signed = lo < 0;
  double max_abs = std::max(std::abs(lo), std::abs(hi));
  auto it = max_abs_.find(v);
  if (it != max_abs_.end() && std::isfinite(it->second)) max_abs = std::max(max_abs, it->second);
  if (max_abs == 0) r.note += (r.note.empty() ? "" : "; ") + std::string("all values zero: frac set by the default policy");
  const int bits = point_act_bits(opt_, v);
  const int f0 = fixedpoint::choose_frac_for_range(max_abs, bits, is_signed);
  double best = std::numeric_limits<double>::infinity();
  const PointSample ps = sample_point(pre, ref, opt_.upstream_aware);
  if (profiling()) profile_point(v, ps, ref, is_signed, max_abs);
  for (int c = 0; c < opt_.act_frac_candidates && f0 + c <= fixedpoint::kMaxFrac; ++c) {
    const QFormat f{bits, f0 + c, is_signed};
    const double err = ps.error(&f) * ps.scale;
    r.output_trials.push_back({f.frac, err / static_cast<double>(pre.size())});
    if (err < best) { best = err; r.output = f; }
  }
  r.has_output = true;
  r.output_value = v;
  res_.plan.activations[v] = r.output;
  fmt_[v] = r.output;
  point_of_[v] = v;
  double signal = 0, noise = 0;
  for (size_t i = 0; i < pre.size(); ++i) {
    Tensor q = fake_quantized(pre[i], r.output);
    noise += sum_sq_diff(q, ref(i));
    for (float x : ref(i).f) signal += static_cast<double>(x) * x;
    qz_[i][v] = std::move(q);
  }
  r.sqnr_db = noise > 0 ? 10 * std::log10(signal / noise) : 999.0;
}

void Search::release(size_t k) {
  for (const auto& in : g_.nodes[k].inputs) {
    auto it = last_use_.find(in);
    if (in.empty() || it == last_use_.end() || it->second != k) continue;
    for (auto& s : fl_) s.erase(in);
    for (auto& s : qz_) s.erase(in);
  }
}

}  // namespace walk

int layer_weight_bits(const SearchOptions& o, const std::string& node) {
  auto it = o.layer_weight_bits.find(node);
  return it == o.layer_weight_bits.end() ? o.weight_bits : it->second;
}

int point_act_bits(const SearchOptions& o, const std::string& value) {
  auto it = o.point_act_bits.find(value);
  return it == o.point_act_bits.end() ? o.act_bits : it->second;
}

const RoundingCache::Entry* RoundingCache::find(const std::string& key) const {
  auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  ++hits_;
  return &it->second;
}

void RoundingCache::put(const std::string& key, Entry e) { map_[key] = std::move(e); }

SearchResult search_plan(const Graph& g, const std::vector<std::map<std::string, Tensor>>& images,
                         const SearchOptions& opt, const std::map<std::string, double>& max_abs,
                         const std::function<void(size_t, size_t)>& progress, const SearchExtras& extras) {
  if (images.empty()) fail_input(g.path + ": the search needs at least one calibration image");
  return walk::Search(g, images, opt, max_abs, extras).run(progress);
}

}  // namespace fxq::quant
