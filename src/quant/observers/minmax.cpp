// minmax: streaming finite min/max; recommends covering max(|min|, |max|). O(1) memory.
#include "quant/observers/observer.h"

namespace fxq::quant {
namespace {

class MinMaxObserver : public Observer {
 public:
  void observe(const float* data, size_t n) override {
    range_.add(data, n);
  }
  TensorStats finish() const override {
    TensorStats s;
    range_.fill(s, "minmax");
    return s;
  }
  size_t memory_bytes() const override { return 0; }

 private:
  FiniteRange range_;
};

}  // namespace

std::unique_ptr<Observer> make_minmax_observer() { return std::make_unique<MinMaxObserver>(); }

}  // namespace fxq::quant
