// GlobalAveragePool: the mean of each [N, C] plane over all spatial dims, kept as size-1 dims.
#include "ops/op.h"
#include "ops/spatial.h"

namespace fxq {
namespace {

void run(KernelArgs& a) {
  reduce_planes(a, a.float_input(0), a.output(0), [](const float* v, int64_t n) {
    double sum = 0.0;
    for (int64_t k = 0; k < n; ++k) sum += v[k];
    return static_cast<float>(sum / static_cast<double>(n));
  });
}

}  // namespace

extern const OpDef kOp_GlobalAveragePool{"GlobalAveragePool", "mean over all spatial dims per channel", run,
                                         nullptr};

}  // namespace fxq
