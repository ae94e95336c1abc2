#include "quant/simulate.h"

#include "common/error.h"

namespace fxq::quant {

void fake_quantize_weight(Tensor& w, const QFormat& fmt, const std::vector<int>& channel_frac) {
  FXQ_CHECK(w.is_float(), "only float weights can be quantized");
  if (channel_frac.empty()) {
    fixedpoint::fake_quantize(w.f.data(), w.f.size(), fmt);
    return;
  }
  const int64_t channels = w.dim(0), per = w.size() / channels;
  FXQ_CHECK(static_cast<int64_t>(channel_frac.size()) == channels, "one frac per output channel");
  for (int64_t c = 0; c < channels; ++c) {
    QFormat f = fmt;
    f.frac = channel_frac[static_cast<size_t>(c)];
    fixedpoint::fake_quantize(w.f.data() + c * per, static_cast<size_t>(per), f);
  }
}

SimulatedModel::SimulatedModel(const Graph& g, QuantPlan plan) : graph_(g), plan_(std::move(plan)) {
  apply_values(plan_, graph_);
  for (const auto& [name, fmt] : plan_.weights) {
    auto it = graph_.initializers.find(name);
    FXQ_CHECK(it != graph_.initializers.end(), "plan names weight '" + name + "' that the graph lacks");
    auto ch = plan_.weight_channel_frac.find(name);
    fake_quantize_weight(it->second, fmt, ch == plan_.weight_channel_frac.end() ? std::vector<int>{} : ch->second);
    auto off = plan_.weight_offsets.find(name);
    if (off != plan_.weight_offsets.end())
      for (float& v : it->second.f) v += off->second;  // one float add, as the exported Add node
  }
  for (const auto& [name, fmt] : plan_.biases) {
    auto it = graph_.initializers.find(name);
    FXQ_CHECK(it != graph_.initializers.end(), "plan names bias '" + name + "' that the graph lacks");
    fixedpoint::fake_quantize(it->second.f.data(), it->second.f.size(), fmt);
  }
  exec_ = std::make_unique<Executor>(graph_);
  const auto* acts = &plan_.activations;
  hooks_.on_value = [acts](const Node&, const std::string& value, Tensor& t) {
    auto it = acts->find(value);
    if (it != acts->end() && t.is_float()) fixedpoint::fake_quantize(t.f.data(), t.f.size(), it->second);
  };
}

std::map<std::string, Tensor> SimulatedModel::run(std::map<std::string, Tensor> inputs) const {
  for (auto& [name, t] : inputs) {
    auto it = plan_.activations.find(name);
    if (it != plan_.activations.end() && t.is_float()) fixedpoint::fake_quantize(t.f.data(), t.f.size(), it->second);
  }
  return exec_->run(std::move(inputs), &hooks_);
}

}  // namespace fxq::quant
