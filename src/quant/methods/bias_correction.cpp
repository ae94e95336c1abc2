// bias-correction: the quantized layer's output, on the upstream-quantized calibration images, is
// off from the float layer's by a mean e_c per output channel (weight rounding and upstream error
// both shift it); subtracting e_c from the bias makes that mean zero (empirical bias correction,
// Nagel et al., "Data-Free Quantization", ICCV 2019, sec. 4.2, and Finkelstein et al. 2019):
//   b'_c = b_c - mean_{images, positions}( y~_c - y_c )            (docs/mixed-precision.md, M5)
// The corrected bias is then quantized like any bias (32 bits at the accumulator's frac), so the
// mean error that remains is below half a bias step. Layers without a bias are left as they are.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "quant/methods/method.h"

namespace fxq::quant {

void apply_bias_correction(LayerProblem& p) {
  if (!p.bias) {
    p.note += std::string(p.note.empty() ? "" : "; ") + "bias-correction: the layer has no bias, not corrected";
    return;
  }
  const std::vector<double> e = p.mean_error(p.wq, p.bias);
  if (static_cast<int64_t>(e.size()) != p.bias->size()) {
    p.note += std::string(p.note.empty() ? "" : "; ") + "bias-correction: the bias is broadcast, not one per channel: not corrected";
    return;
  }
  p.bias_value = *p.bias;
  double largest = 0;
  for (size_t c = 0; c < e.size() && c < p.bias_value.f.size(); ++c) {
    p.bias_value.f[c] = static_cast<float>(p.bias_value.f[c] - e[c]);
    largest = std::max(largest, std::abs(e[c]));
  }
  p.bias_changed = true;
  char buf[120];
  std::snprintf(buf, sizeof buf, "bias-correction: largest channel mean error %.3g removed", largest);
  p.note += std::string(p.note.empty() ? "" : "; ") + buf;
}

}  // namespace fxq::quant
