// Equal: bool x == y (broadcast; inputs of one dtype: float, integer or bool). NaN equals nothing.
#include "ops/broadcast.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  a.output(0) = binary_compare(a, a.input(0), a.input(1), [](auto p, auto q) { return p == q; });
}
}  // namespace

extern const OpDef kOp_Equal{"Equal", "x == y as bool (broadcast)", run, nullptr};

}  // namespace fxq
