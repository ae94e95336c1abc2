// Relu: y = max(x, 0).
#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  unary_float_fast(a, [](float x) { return x > 0.0f ? x : 0.0f; });
}
}  // namespace

extern const OpDef kOp_Relu{"Relu", "max(x, 0)", run, nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/true}};

}  // namespace fxq
