// The protocol adaround and gptq share (methods/method.h, fit_rounding): a rounding fitted to data has
// as many free choices as weights, and on few samples (a classifier's Gemm sees one row per image) it
// can fit the sample instead of the layer. So it is fitted to one half of the images and judged on the
// other, both ways, and kept only when it beats nearest rounding on the held-out halves; then it is
// fitted to all the images.
#include <cstdio>

#include "fixedpoint/qformat.h"
#include "quant/methods/method.h"

namespace fxq::quant {

void fit_rounding(LayerProblem& p, const char* name, const RoundingFit& fit) {
  apply_nearest(p);
  if (!p.rows.supported()) {
    p.note = std::string(name) + ": weight layout not supported, nearest rounding kept";
    return;
  }
  const LayerGram& gram = p.gram();
  const Tensor nearest = p.wq;
  const std::vector<double> steps = p.row_steps();
  const fixedpoint::QFormat f{p.bits, 0, true};
  const bool split = gram.halves[0][0].n > 0 && gram.halves[1][0].n > 0;
  if (split) {
    double fitted = 0, plain = 0;
    for (int h = 0; h < 2; ++h) {
      const LayerObjective on(p.rows, gram.halves[h], p.weight, p.mean_removed);
      const LayerObjective judge(p.rows, gram.halves[1 - h], p.weight, p.mean_removed);
      Tensor wq = nearest;
      fit(on, wq, steps, f.qmin(), f.qmax());
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
      std::snprintf(buf, sizeof buf, "%s: no better than nearest on held-out images (added output MSE %.4g vs %.4g), nearest kept",
                    name, fitted, plain);
      p.note = buf;
      return;
    }
    p.heldout_increment = fitted;
  }
  const LayerObjective objective(gram, p.weight, p.mean_removed);
  const double before = objective.increment(p.wq);
  const int64_t moved = fit(objective, p.wq, steps, f.qmin(), f.qmax());
  const double after = objective.increment(p.wq);
  char buf[200];
  std::snprintf(buf, sizeof buf, "%s: %lld weight moves, added output MSE %.4g -> %.4g (held out: %.4g)", name,
                static_cast<long long>(moved), before, after, p.heldout_increment);
  p.note = buf;
}

}  // namespace fxq::quant
