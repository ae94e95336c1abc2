// StatsCollector: one observer (of one method) per tracked value name, fed by the executor's hooks,
// one image batch after another. Memory per tensor is the observer's bound: it does not grow with the
// number of images. Thread-safe (a mutex), so a parallel engine may call on_value concurrently.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/executor.h"
#include "ir/tensor.h"
#include "quant/observers/observer.h"

namespace fxq::quant {

class StatsCollector {
 public:
  // Unknown method: Error kUsage (from make_observer). Duplicate names are tracked once.
  StatsCollector(const std::string& method, const std::vector<std::string>& values);

  // Observes t if `value` is tracked and t is float; anything else is ignored.
  void on_value(const std::string& value, const Tensor& t);
  // Hooks for Executor::run that call on_value for every node output. Graph inputs are not passed to
  // hooks by the executor: feed them with on_value yourself. The collector must outlive the hooks.
  ExecHooks hooks();

  // Stats of every tracked value (never-observed ones too: count 0, note "no values observed").
  std::map<std::string, TensorStats> finish() const;
  size_t memory_bytes() const;  // sum over observers

 private:
  std::map<std::string, std::unique_ptr<Observer>> observers_;
  mutable std::mutex mutex_;
};

}  // namespace fxq::quant
