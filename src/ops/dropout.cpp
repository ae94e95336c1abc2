// Dropout at inference: output 0 is the input; the optional mask output is all true. Training mode
// (opset 12+ input 2 set to true) is unsupported.
#include "ops/op.h"

namespace fxq {
namespace {
void run(KernelArgs& a) {
  const Tensor& x = a.input(0);
  if (a.has_input(2) && a.input(2).size() > 0 && a.input(2).int_at(0) != 0)
    a.fail_unsupported("training_mode=true is not supported (inference only)");
  a.output(0) = x;
  if (a.num_outputs() > 1)
    a.output(1) = Tensor::from_ints(x.shape, std::vector<int64_t>(static_cast<size_t>(x.size()), 1), DType::kBool);
}
}  // namespace

extern const OpDef kOp_Dropout{"Dropout", "identity at inference (mask all true)", run, nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/false}};

}  // namespace fxq
