// Div: z = x / y with numpy broadcasting. Floats follow IEEE (x/0 = ±inf or NaN); integers truncate
// toward zero as ONNX Runtime does (-7/2 = -3), and an integer division by zero is a bad-input error.
#include "ops/broadcast.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  a.output(0) = binary_numeric(
      a, a.input(0), a.input(1), [](double p, double q) { return p / q; },
      [&](int64_t p, int64_t q) -> int64_t {
        if (q == 0) a.fail_input("integer division by zero");
        if (q == -1) return static_cast<int64_t>(0 - static_cast<uint64_t>(p));  // INT64_MIN / -1 wraps
        return p / q;
      });
}
}  // namespace

extern const OpDef kOp_Div{"Div", "x / y (broadcast; integers truncate toward zero)", run, nullptr};

}  // namespace fxq
