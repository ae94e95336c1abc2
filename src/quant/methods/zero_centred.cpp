// zero-centred: seed 001 (Kim & Kim, "Zero-Centered Fixed-Point Quantization ... for Object
// Detectors", IEEE Access 2021): subtract the mean of a layer's weights before quantizing them, so the
// grid is spent on their spread around the mean rather than on the mean itself, and add the mean back.
//   mu~  = mean(W) on an 8-bit power-of-two grid (its own frac: exactly representable)
//   W~   = mu~ + Q(W - mu~)           Q: the layer's grid (bits, frac chosen for W - mu~), any rounding
// The mean comes back exactly: the QDQ model stores Q(W - mu~) as integers with its scale, and one
// Add of the scalar mu~ after the DequantizeLinear (a single float add, the same in ONNX Runtime and
// in fxq's simulation). On a fixed-point target it is y = s_w * sum(q x) + mu~ * sum(x): one extra
// accumulation of the inputs per output, no multiplier beyond shifts. It helps where a layer's weights
// sit off zero by a good part of their range (the grid is then symmetric around the wrong point); it
// changes nothing when the mean rounds to 0 on its grid (a typical BN-folded conv) and is then not
// applied. The search (visit_layer) centres the weights before choosing their grid; this entry only
// records it in the layer's note.
#include <cmath>
#include <cstdio>

#include "fixedpoint/integer_ops.h"
#include "quant/methods/method.h"

namespace fxq::quant {

float zero_centred_offset(const Tensor& w, int bits) {
  if (w.f.empty()) return 0.0f;
  double sum = 0, max_abs = 0;
  for (float v : w.f) sum += v, max_abs = std::max(max_abs, static_cast<double>(std::abs(v)));
  const double mean = sum / static_cast<double>(w.f.size());
  // Worth a shift only when the mean is at least one step of the grid the weights would get.
  const fixedpoint::QFormat grid{bits, fixedpoint::choose_frac_for_range(max_abs, bits, true), true};
  if (!(std::abs(mean) >= grid.step())) return 0.0f;
  const fixedpoint::QFormat f{8, fixedpoint::choose_frac_for_range(std::abs(mean), 8, true), true};
  return fixedpoint::fake_quantize(static_cast<float>(mean), f);
}

void apply_zero_centred(LayerProblem& p) {
  char buf[96];
  if (p.weight_offset == 0.0f) std::snprintf(buf, sizeof buf, "zero-centred: the mean rounds to 0, not applied");
  else std::snprintf(buf, sizeof buf, "zero-centred: mean %.6g subtracted before quantizing, added back", p.weight_offset);
  p.note += std::string(p.note.empty() ? "" : "; ") + buf;
}

}  // namespace fxq::quant
