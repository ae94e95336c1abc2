// Identity: copy the input.
#include "ops/op.h"

namespace fxq {
namespace {
void run(KernelArgs& a) { a.output(0) = a.take_input0(); }
}  // namespace

extern const OpDef kOp_Identity{"Identity", "copy the input", run, nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/false}};

}  // namespace fxq
