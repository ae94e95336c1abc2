#include "ops/registry.h"

#include <algorithm>

namespace fxq {

#define FXQ_OP(T) extern const OpDef kOp_##T;
#include "ops/op_list.h"
#undef FXQ_OP

const std::vector<const OpDef*>& all_ops() {
  static const std::vector<const OpDef*> table = [] {
    std::vector<const OpDef*> t = {
#define FXQ_OP(T) &kOp_##T,
#include "ops/op_list.h"
#undef FXQ_OP
    };
    std::sort(t.begin(), t.end(), [](const OpDef* a, const OpDef* b) { return std::string(a->type) < b->type; });
    return t;
  }();
  return table;
}

const OpDef* find_op(const std::string& op_type) {
  for (const OpDef* d : all_ops())
    if (op_type == d->type) return d;
  return nullptr;
}

}  // namespace fxq
