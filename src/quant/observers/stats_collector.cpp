#include "quant/observers/stats_collector.h"

namespace fxq::quant {

StatsCollector::StatsCollector(const std::string& method, const std::vector<std::string>& values) {
  for (const auto& v : values)
    if (!observers_.count(v)) observers_[v] = make_observer(method);
  if (values.empty()) make_observer(method);  // still reject an unknown method
}

void StatsCollector::on_value(const std::string& value, const Tensor& t) {
  if (!t.is_float()) return;
  auto it = observers_.find(value);
  if (it == observers_.end()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  it->second->observe(t.f.data(), t.f.size());
}

ExecHooks StatsCollector::hooks() {
  ExecHooks h;
  h.on_value = [this](const Node&, const std::string& value, Tensor& t) { on_value(value, t); };
  return h;
}

std::map<std::string, TensorStats> StatsCollector::finish() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::map<std::string, TensorStats> out;
  for (const auto& [name, obs] : observers_) out[name] = obs->finish();
  return out;
}

size_t StatsCollector::memory_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t total = 0;
  for (const auto& [name, obs] : observers_) total += obs->memory_bytes();
  return total;
}

}  // namespace fxq::quant
