// Size: the input's element count as an int64 scalar.
#include "ops/op.h"

namespace fxq {
namespace {
void run(KernelArgs& a) { a.output(0) = Tensor::from_ints({}, {a.input(0).size()}); }
}  // namespace

extern const OpDef kOp_Size{"Size", "the input's element count as int64", run, nullptr};

}  // namespace fxq
