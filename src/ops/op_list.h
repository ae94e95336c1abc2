// The one table of supported ops: one line per op, FXQ_OP(<ONNX op type>). The op itself lives in
// src/ops/<name>.cpp and defines `extern const OpDef kOp_<type>`. `fxq ops` and the tests that loop
// over every op read this table. (While ops are being written in parallel the lines are split across
// op_list_*.inc fragments; they are merged here once all exist.)
#include "ops/op_list_core.inc"
#include "ops/op_list_nn.inc"
#include "ops/op_list_elementwise.inc"
#include "ops/op_list_shape.inc"
