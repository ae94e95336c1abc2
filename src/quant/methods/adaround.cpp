// adaround: for each weight, the grid value just below or just above it, chosen to minimise the
// layer's output error on its inputs as they arrive on the quantized path,
//   min over w_q of  sum_j (x~_j . w_q - x_j . w)^2      (docs/mixed-precision.md, M1)
// which is AdaRound's layer-wise objective (Nagel et al., ICML 2020) with upstream-quantized inputs
// x~ against the float layer's output. AdaRound relaxes the up/down choice with a rectified sigmoid
// and runs Adam over the calibration data; here the objective is an exact quadratic in the rounding
// (layer_gram.h), so greedy coordinate descent from nearest rounding solves it in milliseconds per
// layer and, move by move, never increases it: the result is never worse than nearest on it.
// With bias correction selected, the centred objective (M2) is minimised: the mean error is removed
// by the bias afterwards, so only the rest counts. Fitted and checked on held-out images by
// fit_rounding (fitted_rounding.cpp).
#include "quant/methods/method.h"

namespace fxq::quant {

void apply_adaround(LayerProblem& p) {
  fit_rounding(p, "adaround", [](const LayerObjective& objective, Tensor& wq, const std::vector<double>& steps, int64_t qmin,
                                 int64_t qmax) { return objective.refine(wq, steps, qmin, qmax); });
}

}  // namespace fxq::quant
