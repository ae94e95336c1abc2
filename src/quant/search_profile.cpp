// The per-layer search (search.h), its profiling part: for the mixed-precision search, the error
// each layer's weights and each quantization point would add at every candidate bit-width, and the
// gain from each value to the model's outputs (docs/mixed-precision.md, M4 and M6).
#include <algorithm>
#include <cmath>
#include <limits>

#include "fixedpoint/integer_ops.h"
#include "quant/search_walk.h"

namespace fxq::quant::walk {

// In chunks that stay in L1 (the sample is 2 MB per vector), summed in element order as one loop would.
double PointSample::error(const QFormat* f, bool on_float) const {
  constexpr size_t kChunk = 2048;
  const std::vector<float>& src = on_float ? ref : x;
  float q[kChunk];
  double s = 0;
  for (size_t c0 = 0; c0 < src.size(); c0 += kChunk) {
    const size_t n = std::min(kChunk, src.size() - c0);
    std::copy_n(src.data() + c0, n, q);
    if (f) fixedpoint::fake_quantize(q, n, *f);
    const float* r = ref.data() + c0;
    for (size_t e = 0; e < n; ++e) s += (static_cast<double>(q[e]) - r[e]) * (static_cast<double>(q[e]) - r[e]);
  }
  return s;
}

PointSample sample_point(const std::vector<Tensor>& pre, const RefFn& ref, bool upstream_aware) {
  PointSample ps;
  size_t total = 0;
  for (const auto& t : pre) total += t.f.size();
  const size_t stride = std::max<size_t>(1, (total + PointSample::kPointSamples - 1) / PointSample::kPointSamples);
  size_t k = 0;
  for (size_t i = 0; i < pre.size(); ++i) {
    const Tensor& r = ref(i);
    const Tensor& x = upstream_aware ? pre[i] : r;
    for (size_t e = 0; e < x.f.size(); ++e, ++k)
      if (k % stride == 0) ps.x.push_back(x.f[e]), ps.ref.push_back(r.f[e]);
  }
  ps.scale = ps.x.empty() ? 1.0 : static_cast<double>(total) / static_cast<double>(ps.x.size());
  return ps;
}

// For every candidate bit-width: the grid (frac per tensor or per channel) whose nearest rounding
// adds the least output error (M1/M2), the selected rounding method on it, and the error it adds.
// Then the gain of the layer's output value, probed with nearest rounding at probe_weight_bits.
void Search::profile_layer(const Node& n, const Tensor& w, bool per_channel,
                           const std::function<const LayerGram&()>& gram) {
  const ProfileOptions& po = *extras_.profile_options;
  LayerProfile lp;
  lp.node = n.name;
  lp.weight_value = n.inputs[1];
  lp.output_value = n.outputs[0];
  lp.input_point = point_of_.at(n.inputs[0]);
  lp.weights = w.size();
  const WeightRows rows = weight_rows(n, w);
  if (!rows.supported()) {
    extras_.profile->layers.push_back(std::move(lp));  // no noise table: the search keeps it at the upper bound
    return;
  }
  const LayerObjective objective(gram(), w, mean_removed_);
  const int64_t channels = per_channel ? w.dim(0) : 1;
  std::map<int, std::vector<int>> nearest_fracs;
  for (int b : po.weight_bits) {
    const std::vector<int> f0 = no_clip_fracs(w, channels, b);
    std::vector<double> best_j(static_cast<size_t>(rows.rows), std::numeric_limits<double>::infinity());
    std::vector<int> best(static_cast<size_t>(rows.rows), 0);
    double best_total = std::numeric_limits<double>::infinity();
    for (int k = 0; k < opt_.frac_candidates; ++k) {
      const std::vector<int> fr = row_fracs(n, w, shifted(f0, k));
      const std::vector<double> j = objective.row_increments(round_nearest(w, rows, b, fr));
      double total = 0;
      for (double x : j) total += x;
      if (per_channel) {
        for (size_t r = 0; r < j.size(); ++r)
          if (j[r] < best_j[r]) best_j[r] = j[r], best[r] = fr[r];
      } else if (total < best_total) {
        best_total = total;
        best = fr;
      }
    }
    LayerProblem p = problem(n, w, nullptr, b, best, gram);
    round_weights(p);
    // A rounding fitted to these samples is judged on samples it was not fitted on (adaround's
    // held-out estimate): in-sample it looks better than it is, even better than float weights.
    const double added = std::isnan(p.heldout_increment) ? objective.increment(p.wq) : p.heldout_increment;
    lp.noise.noise[b] = std::max(0.0, added);
    nearest_fracs[b] = best;
  }
  // The gain: the layer's float output with probe-rounded weights, through the rest of the float model.
  const int pb = po.probe_weight_bits;
  const std::vector<int> pf = nearest_fracs.count(pb) ? nearest_fracs[pb] : row_fracs(n, w, no_clip_fracs(w, channels, pb));
  const Tensor wp = round_nearest(w, rows, pb, pf);
  std::vector<Tensor> perturbed;
  for (size_t i = 0; i < float_out_.size(); ++i) {
    auto in = inputs_of(n, fl_[i]);
    in[1] = &wp;
    perturbed.push_back(std::move(run_node(g_, n, in)[0]));
  }
  lp.noise.gain = gain_at(n.outputs[0], perturbed);
  extras_.profile->layers.push_back(std::move(lp));
}

// For every candidate bit-width, the added error of quantizing the point at its best frac; then the
// gain of v, probed by quantizing the float values at probe_act_bits.
void Search::profile_point(const std::string& v, const PointSample& ps, const RefFn& ref, bool is_signed, double max_abs) {
  const ProfileOptions& po = *extras_.profile_options;
  PointProfile pp;
  pp.value = v;
  const double n = static_cast<double>(std::max<size_t>(1, ps.x.size()));
  const double base = ps.error(nullptr);
  auto best_format = [&](int bits, bool on_float) {
    const int f0 = fixedpoint::choose_frac_for_range(max_abs, bits, is_signed);
    double best = std::numeric_limits<double>::infinity();
    QFormat chosen{bits, f0, is_signed};
    for (int c = 0; c < opt_.act_frac_candidates && f0 + c <= fixedpoint::kMaxFrac; ++c) {
      const QFormat f{bits, f0 + c, is_signed};
      const double err = ps.error(&f, on_float);
      if (err < best) best = err, chosen = f;
    }
    return std::make_pair(chosen, best);
  };
  for (int a : po.act_bits) pp.noise.noise[a] = std::max(0.0, (best_format(a, false).second - base) / n);
  const QFormat probe = best_format(po.probe_act_bits, true).first;
  std::vector<Tensor> perturbed;
  for (size_t i = 0; i < float_out_.size(); ++i) perturbed.push_back(fake_quantized(ref(i), probe));
  pp.noise.gain = gain_at(v, perturbed);
  extras_.profile->points.push_back(std::move(pp));
}

// Mean squared error of the model's outputs per unit of mean squared error injected at value v
// (the float values of v replaced by `perturbed` on the probe images), through the float model. With
// an OutputError (detectors), its error in place of the outputs' squared error, per output element.
double Search::gain_at(const std::string& v, const std::vector<Tensor>& perturbed) {
  auto known = gains_.find(v);
  if (known != gains_.end()) return known->second;
  double local = 0, local_n = 0, out = 0, out_n = 0;
  for (size_t i = 0; i < perturbed.size(); ++i) {
    local += sum_sq_diff(perturbed[i], fl_[i].at(v));
    local_n += static_cast<double>(perturbed[i].size());
    Store over;
    over[v] = perturbed[i];
    for (size_t k = static_cast<size_t>(current_ + 1); k < g_.nodes.size(); ++k) {
      const Node& n = g_.nodes[k];
      std::vector<const Tensor*> in;
      for (const auto& name : n.inputs) {
        if (name.empty()) { in.push_back(nullptr); continue; }
        auto o = over.find(name);
        in.push_back(o != over.end() ? &o->second : find(fl_[i], name));
      }
      auto res = run_node(g_, n, in);
      for (size_t o = 0; o < n.outputs.size(); ++o)
        if (!n.outputs[o].empty()) over[n.outputs[o]] = std::move(res[o]);
      for (const auto& name : n.inputs) {
        auto lu = last_use_.find(name);
        if (!name.empty() && lu != last_use_.end() && lu->second == k && !g_.is_graph_output(name)) over.erase(name);
      }
    }
    const OutputError* oe = extras_.profile_options->output_error.get();
    OutputRefs perturbed_outputs;
    for (const auto& [name, ref] : float_out_[i]) {
      auto o = over.find(name);
      if (!oe && o != over.end()) out += sum_sq_diff(o->second, ref);  // outputs not downstream of v are unchanged
      perturbed_outputs[name] = o != over.end() ? &o->second : &ref;
      out_n += static_cast<double>(ref.size());
    }
    if (oe) out += oe->error(i, perturbed_outputs);
  }
  const double local_mse = local / std::max(1.0, local_n), out_mse = out / std::max(1.0, out_n);
  const double gain = local_mse > 0 ? out_mse / local_mse : 0.0;
  gains_[v] = gain;
  return gain;
}

}  // namespace fxq::quant::walk
