// What the decoders share: the grid of each output level, a strided view of one level's values, the
// score activations and the DFL expectation. Each helper computes in double in the reference's order of
// operations (shared/data/tools/eval_ort.js), so fxq ranks candidates as the reference does.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "detect/decoder.h"

namespace fxq::detect {

struct Level {
  int stride = 0, gw = 0, gh = 0;  // grid = ceil(input / stride) cells per side
  int64_t cells() const { return static_cast<int64_t>(gw) * gh; }
};
std::vector<Level> grid_levels(const DecodeInput& in);
int64_t total_cells(const std::vector<Level>& levels);

// Values of one level as a [cells x channels] matrix inside a tensor:
// value(cell k, channel c) = data[k * cell_step + c * channel_step]. Cells are row-major (k = gy * gw + gx).
struct CellView {
  const float* data = nullptr;
  int64_t cell_step = 0, channel_step = 0;
  double at(int64_t cell, int64_t channel) const {
    return static_cast<double>(data[cell * cell_step + channel * channel_step]);
  }
};
// [1, channels, gh, gw] (a head's conv output).
CellView nchw_view(const Tensor& t);
// [1, rows, channels] starting at row `first_row`.
CellView rows_view(const Tensor& t, int64_t first_row);
// [1, channels, rows] (transposed, as Ultralytics exports) starting at row `first_row`.
CellView columns_view(const Tensor& t, int64_t first_row);

double sigmoid(double x);
// v as the config says the tensor holds it: a probability (kNone) or a logit (kSigmoid, kSoftmax's objectness).
double activate(ScoreActivation a, double v);

// Distribution focal loss (GFL, NanoDet, YOLOv8): softmax over `bins` logits starting at channel `first`,
// then the expected bin index sum_j j * p_j (in bins; multiply by the stride for pixels).
double dfl_expectation(const CellView& v, int64_t cell, int64_t first, int bins);

// Where grid cell g (along one axis) measures distances from, in input pixels.
double anchor_coordinate(AnchorPoint p, int g, int stride);

// Shape test helpers.
bool has_shape(const Tensor& t, const Shape& s);
// fail_input("layout '<name>' expects <expected> for a WxH input with strides .. and C classes; the model gives ...").
[[noreturn]] void layout_mismatch(const DecodeInput& in, const std::string& expected);
std::string strides_str(const std::vector<int>& strides);

// Appends a candidate if score > threshold.
inline void add_candidate(const DecodeInput& in, const Box& b, double score, int cls, std::vector<Detection>* out) {
  if (score > in.cfg.score_threshold) out->push_back({b, score, cls});
}

}  // namespace fxq::detect
