// adaround: for each weight, the grid value just below or just above it, chosen to minimise the
// layer's output error on its inputs as they arrive on the quantized path,
//   min over w_q of  sum_j (x~_j . w_q - x_j . w)^2      (docs/mixed-precision.md, M1)
// which is AdaRound's layer-wise objective (Nagel et al., ICML 2020) with upstream-quantized inputs
// x~ against the float layer's output. AdaRound relaxes the up/down choice with a rectified sigmoid
// and runs Adam over the calibration data; here the objective is an exact quadratic in the rounding
// (layer_gram.h), so greedy coordinate descent from nearest rounding solves it in milliseconds per
// layer and, move by move, never increases it: the result is never worse than nearest on it.
// With bias correction selected, the centred objective (M2) is minimised: the mean error is removed
// by the bias afterwards, so only the rest counts.
#include <cstdio>

#include "fixedpoint/qformat.h"
#include "quant/methods/method.h"

namespace fxq::quant {

void apply_adaround(LayerProblem& p) {
  apply_nearest(p);
  if (!p.rows.supported()) {
    p.note = "adaround: weight layout not supported, nearest rounding kept";
    return;
  }
  const LayerGram& gram = p.gram();
  const Tensor nearest = p.wq;
  const std::vector<double> steps = p.row_steps();
  const fixedpoint::QFormat f{p.bits, 0, true};
  // Fitted to one half of the images, judged on the other, both ways: the fit has as many free
  // choices as weights, and on few samples (a classifier's Gemm sees one row per image) it can
  // fit the sample instead of the layer. Kept only when it beats nearest on the held-out halves.
  const bool split = gram.halves[0][0].n > 0 && gram.halves[1][0].n > 0;
  if (split) {
    double fitted = 0, plain = 0;
    for (int h = 0; h < 2; ++h) {
      const LayerObjective fit(p.rows, gram.halves[h], p.weight, p.mean_removed);
      const LayerObjective judge(p.rows, gram.halves[1 - h], p.weight, p.mean_removed);
      Tensor wq = nearest;
      fit.refine(wq, steps, f.qmin(), f.qmax());
      const double weight = static_cast<double>(gram.halves[1 - h][0].n);
      fitted += weight * judge.increment(wq);
      plain += weight * judge.increment(nearest);
    }
    const double n = static_cast<double>(gram.halves[0][0].n + gram.halves[1][0].n);
    fitted /= n;
    plain /= n;
    if (!(fitted < plain)) {
      p.heldout_increment = plain;
      char buf[200];
      std::snprintf(buf, sizeof buf, "adaround: no better than nearest on held-out images (added output MSE %.4g vs %.4g), nearest kept",
                    fitted, plain);
      p.note = buf;
      return;
    }
    p.heldout_increment = fitted;
  }
  const LayerObjective objective(gram, p.weight, p.mean_removed);
  const double before = objective.increment(p.wq);
  const int64_t moved = objective.refine(p.wq, steps, f.qmin(), f.qmax());
  const double after = objective.increment(p.wq);
  char buf[200];
  std::snprintf(buf, sizeof buf, "adaround: %lld weight moves, added output MSE %.4g -> %.4g (held out: %.4g)",
                static_cast<long long>(moved), before, after, p.heldout_increment);
  p.note = buf;
}

}  // namespace fxq::quant
