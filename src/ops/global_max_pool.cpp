// GlobalMaxPool: the maximum of each [N, C] plane over all spatial dims, kept as size-1 dims.
#include <limits>

#include "ops/op.h"
#include "ops/spatial.h"

namespace fxq {
namespace {

void run(KernelArgs& a) {
  reduce_planes(a, a.float_input(0), a.output(0), [](const float* v, int64_t n) {
    float m = std::numeric_limits<float>::lowest();
    for (int64_t k = 0; k < n; ++k)
      if (v[k] > m) m = v[k];
    return m;
  });
}

}  // namespace

extern const OpDef kOp_GlobalMaxPool{"GlobalMaxPool", "maximum over all spatial dims per channel", run, nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/false}};

}  // namespace fxq
