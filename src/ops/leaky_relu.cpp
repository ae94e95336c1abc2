// LeakyRelu: y = x for x >= 0, alpha * x otherwise (alpha 0.01).
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const float alpha = a.node.attr_float("alpha", 0.01f);
  unary_float_fast(a, [=](float x) { return x >= 0 ? x : alpha * x; });
}
}  // namespace

extern const OpDef kOp_LeakyRelu{"LeakyRelu", "x >= 0 ? x : alpha * x", run, nullptr, {/*layer=*/false, /*keeps_format=*/false, /*fusable=*/true}};

}  // namespace fxq
