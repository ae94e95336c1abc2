// LogSoftmax: y = x - max - log(sum(exp(x - max))). From opset 13 along one axis (default -1);
// before opset 13 over the input coerced to 2-D at `axis` (default 1), i.e. over all dims from axis on.
#include <algorithm>
#include <cmath>

#include "ops/op.h"
#include "ops/softmax_axis.h"

namespace fxq {
namespace {

void run(KernelArgs& a) {
  const Tensor& x = a.float_input(0);
  const SoftmaxAxis ax(a, x);
  const int64_t outer = ax.outer, inner = ax.inner, len = ax.len;
  Tensor& y = a.output(0);
  y = Tensor::zeros(x.shape);
  if (x.size() == 0) return;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * len * inner + i;
      float m = x.f[base];
      for (int64_t k = 1; k < len; ++k) m = std::max(m, x.f[base + k * inner]);
      double sum = 0.0;
      for (int64_t k = 0; k < len; ++k) sum += std::exp(x.f[base + k * inner] - m);
      const float log_sum = static_cast<float>(std::log(sum));
      for (int64_t k = 0; k < len; ++k) y.f[base + k * inner] = x.f[base + k * inner] - m - log_sum;
    }
}

}  // namespace

extern const OpDef kOp_LogSoftmax{"LogSoftmax", "x - max - log(sum(exp(x - max))) along an axis (2-D coercion before opset 13)",
                                  run, nullptr};

}  // namespace fxq
