// THE table of weight quantization methods: parsing (parse_methods), --help, the report and the tests
// read it.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/error.h"
#include "fixedpoint/qformat.h"
#include "quant/methods/method.h"

namespace fxq::quant {

const std::vector<QuantMethod>& quant_methods() {
  static const std::vector<QuantMethod> table = {
      {"nearest", MethodKind::kRounding, false, "round every weight to the nearest grid value (half to even)",
       &apply_nearest},
      {"adaround", MethodKind::kRounding, false,
       "round each weight down or up so that the layer's output on its upstream-quantized inputs stays closest "
       "to the float output (AdaRound's objective, solved by greedy coordinate descent)",
       &apply_adaround},
      {"gptq", MethodKind::kRounding, false,
       "round the weights of each channel one input at a time, the ones not yet rounded updated to make up for the "
       "error so far (GPTQ's sequential solution of adaround's objective: a weight may move several grid steps), "
       "then a descent over neighbouring grid values; stronger than adaround at 4-6 bits",
       &apply_gptq},
      {"bias-correction", MethodKind::kCorrection, true,
       "subtract from the bias the mean output error of each channel measured on the upstream-quantized "
       "calibration images (empirical bias correction)",
       &apply_bias_correction},
      {"zero-centred", MethodKind::kCentring, false,
       "subtract each layer's weight mean (on an 8-bit power-of-two grid) before choosing the grid and rounding, "
       "and add it back exactly (one Add after the weight's DequantizeLinear; seed 001). With nearest or "
       "bias-correction",
       &apply_zero_centred},
  };
  return table;
}

std::string method_names() {
  std::string names;
  for (const auto& m : quant_methods()) names += (names.empty() ? "" : ", ") + std::string(m.name);
  return names;
}

std::vector<std::string> split_method_list(const std::string& comma_separated) {
  std::vector<std::string> out;
  std::stringstream ss(comma_separated);
  std::string tok;
  while (std::getline(ss, tok, ',')) out.push_back(tok);
  return out;
}

std::vector<const QuantMethod*> parse_methods(const std::vector<std::string>& names) {
  if (names.empty()) fail(ExitCode::kUsage, "--method needs at least one name (known: " + method_names() + ")");
  std::vector<const QuantMethod*> picked;
  for (const auto& name : names) {
    auto it = std::find_if(quant_methods().begin(), quant_methods().end(), [&](const QuantMethod& m) { return name == m.name; });
    if (it == quant_methods().end())
      fail(ExitCode::kUsage, "unknown method '" + name + "' (known: " + method_names() + ")");
    if (std::find(picked.begin(), picked.end(), &*it) == picked.end()) picked.push_back(&*it);
  }
  const auto rounding = std::count_if(picked.begin(), picked.end(), [](const QuantMethod* m) { return m->kind == MethodKind::kRounding; });
  if (rounding > 1) fail(ExitCode::kUsage, "--method names more than one rounding method (choose one of them)");
  if (rounding == 0) picked.push_back(&quant_methods().front());  // nearest
  const bool centring = std::any_of(picked.begin(), picked.end(), [](const QuantMethod* m) { return m->kind == MethodKind::kCentring; });
  const auto fitted = std::find_if(picked.begin(), picked.end(), [](const QuantMethod* m) {
    return m->kind == MethodKind::kRounding && m->apply != &apply_nearest;
  });
  if (centring && fitted != picked.end())
    fail(ExitCode::kUsage, std::string("--method zero-centred does not combine with ") + (*fitted)->name +
                               " (its objective is fitted to the uncentred layer); use it with nearest or bias-correction");
  // Table order, the rounding method first, then the corrections, then the centring (the search applies it).
  auto rank = [](MethodKind k) { return k == MethodKind::kRounding ? 0 : k == MethodKind::kCorrection ? 1 : 2; };
  std::sort(picked.begin(), picked.end(), [&](const QuantMethod* a, const QuantMethod* b) {
    if (a->kind != b->kind) return rank(a->kind) < rank(b->kind);
    return a < b;
  });
  return picked;
}

std::vector<double> LayerProblem::row_steps() const {
  std::vector<double> s;
  for (int f : row_frac) s.push_back(std::ldexp(1.0, -f));
  return s;
}

Tensor round_nearest(const Tensor& w, const WeightRows& rows, int bits, const std::vector<int>& row_frac) {
  Tensor q = w;
  if (!rows.supported()) {
    fixedpoint::fake_quantize(q.f.data(), q.f.size(), fixedpoint::QFormat{bits, row_frac.empty() ? 0 : row_frac[0], true});
    return q;
  }
  for (int64_t r = 0; r < rows.rows; ++r) {
    const fixedpoint::QFormat f{bits, row_frac[static_cast<size_t>(r)], true};
    if (!rows.transposed) {
      fixedpoint::fake_quantize(q.f.data() + r * rows.k, static_cast<size_t>(rows.k), f);
      continue;
    }
    for (int64_t j = 0; j < rows.k; ++j) {
      float& v = q.f[rows.index(r, j)];
      v = fixedpoint::fake_quantize(v, f);
    }
  }
  return q;
}

}  // namespace fxq::quant
