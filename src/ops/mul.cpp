// Mul: z = x * y with numpy broadcasting; float or integer (same dtype, integers wrap).
#include "ops/broadcast.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  a.output(0) = binary_numeric(
      a, a.input(0), a.input(1), [](double p, double q) { return p * q; },
      [](int64_t p, int64_t q) { return static_cast<int64_t>(static_cast<uint64_t>(p) * static_cast<uint64_t>(q)); });
}
}  // namespace

extern const OpDef kOp_Mul{"Mul", "x * y (broadcast; float or integer)", run, nullptr};

}  // namespace fxq
