#include "eval/sqnr.h"

#include <cmath>
#include <limits>

#include "common/error.h"

namespace fxq {

void SqnrAccumulator::add(const Tensor& reference, const Tensor& test) {
  FXQ_CHECK(reference.shape == test.shape && reference.is_float() && test.is_float(),
            "SQNR: outputs of different shapes or types");
  for (size_t k = 0; k < reference.f.size(); ++k) {
    const double x = reference.f[k], d = x - static_cast<double>(test.f[k]);
    signal_ += x * x;
    noise_ += d * d;
  }
}

double SqnrAccumulator::db() const {
  if (std::isnan(signal_) || std::isnan(noise_) || std::isinf(signal_) || std::isinf(noise_))
    return std::numeric_limits<double>::quiet_NaN();
  if (noise_ == 0) return std::numeric_limits<double>::infinity();
  if (signal_ == 0) return -std::numeric_limits<double>::infinity();
  return 10 * std::log10(signal_ / noise_);
}

double output_sqnr_db(const std::vector<Tensor>& float_outputs, const std::vector<Tensor>& quant_outputs) {
  FXQ_CHECK(float_outputs.size() == quant_outputs.size(), "SQNR: different numbers of outputs");
  SqnrAccumulator acc;
  for (size_t k = 0; k < float_outputs.size(); ++k) acc.add(float_outputs[k], quant_outputs[k]);
  return acc.db();
}

}  // namespace fxq
