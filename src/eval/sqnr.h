// Signal-to-quantization-noise ratio of a model's raw outputs, for any model (no decoder, no labels):
//   SQNR = 10 log10( sum x^2 / sum (x - q)^2 )  dB
// over every element of every output of every image, x the float model's value and q the quantized one's.
// Identical outputs give +inf; an all-zero float output with any noise gives -inf. Elements that are not
// finite in either model make the result NaN, so a broken model is never reported as good.
#pragma once
#include <vector>

#include "ir/tensor.h"

namespace fxq {

class SqnrAccumulator {
 public:
  // Shapes must match (a mismatch is a bug: both come from the same graph).
  void add(const Tensor& reference, const Tensor& test);
  double db() const;
  double signal() const { return signal_; }
  double noise() const { return noise_; }

 private:
  double signal_ = 0, noise_ = 0;
};

// One image's (or any list of) outputs, in the same order.
double output_sqnr_db(const std::vector<Tensor>& float_outputs, const std::vector<Tensor>& quant_outputs);

}  // namespace fxq
