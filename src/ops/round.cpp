// Round: y = x rounded to the nearest integer, halves to even (2.5 -> 2, -1.5 -> -2), as ONNX.
#include <cmath>

#include "ops/unary.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  unary_float(a, [](double x) {
    const double lo = std::floor(x), frac = x - lo;  // NaN and inf give a NaN frac and stay NaN, inf
    if (frac != 0.5) return frac < 0.5 ? lo : lo + 1;
    return std::fmod(lo, 2.0) == 0 ? lo : lo + 1;
  });
}
}  // namespace

extern const OpDef kOp_Round{"Round", "round half to even", run, nullptr};

}  // namespace fxq
