// The one table of supported ops (ops/op_list.h), looked up by ONNX op type.
#pragma once
#include <string>
#include <vector>

#include "ops/op.h"

namespace fxq {

const std::vector<const OpDef*>& all_ops();       // sorted by type
const OpDef* find_op(const std::string& op_type);  // nullptr if unsupported

}  // namespace fxq
