#include "ir/passes/passes.h"

namespace fxq::passes {

PassSummary run_default_passes(Graph& g) {
  PassSummary s;
  s.identities = remove_identities(g);
  s.constants = fold_constants(g);
  s.batchnorms = fold_batchnorm(g);
  s.bias_adds = fold_bias_add(g);
  s.dead = remove_dead(g);
  return s;
}

std::string PassSummary::str() const {
  return "folded " + std::to_string(constants) + " constant nodes, " + std::to_string(batchnorms) + " BatchNorms and " +
         std::to_string(bias_adds) + " bias Adds; removed " + std::to_string(identities) + " Identity/Dropout and " + std::to_string(dead) +
         " dead nodes";
}

}  // namespace fxq::passes
