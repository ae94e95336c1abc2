#include "quant/plan.h"

#include "common/error.h"

namespace fxq::quant {

void apply_values(const QuantPlan& plan, Graph& g) {
  for (const auto& [name, t] : plan.values) {
    auto it = g.initializers.find(name);
    FXQ_CHECK(it != g.initializers.end(), "plan replaces '" + name + "' that the graph lacks");
    FXQ_CHECK(it->second.shape == t.shape && it->second.dtype == t.dtype, "plan value '" + name + "' changes its shape");
    it->second = t;
  }
}

}  // namespace fxq::quant
