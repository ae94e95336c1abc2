// nearest: every weight to the nearest value of its grid, ties to even (docs/fixed-point.md eq. 2);
// what the seed's search does and the baseline of every other method.
#include "quant/methods/method.h"

namespace fxq::quant {

void apply_nearest(LayerProblem& p) { p.wq = round_nearest(p.weight, p.rows, p.bits, p.row_frac); }

}  // namespace fxq::quant
