#include "detect/grid.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.h"

namespace fxq::detect {

std::vector<Level> grid_levels(const DecodeInput& in) {
  std::vector<Level> levels;
  for (int s : in.cfg.strides) levels.push_back({s, (in.input_w + s - 1) / s, (in.input_h + s - 1) / s});
  return levels;
}

int64_t total_cells(const std::vector<Level>& levels) {
  int64_t n = 0;
  for (const auto& l : levels) n += l.cells();
  return n;
}

CellView nchw_view(const Tensor& t) {
  const int64_t hw = t.dim(2) * t.dim(3);
  return {t.f.data(), 1, hw};
}

CellView rows_view(const Tensor& t, int64_t first_row) {
  const int64_t ch = t.dim(2);
  return {t.f.data() + first_row * ch, ch, 1};
}

CellView columns_view(const Tensor& t, int64_t first_row) { return {t.f.data() + first_row, 1, t.dim(2)}; }

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

double activate(ScoreActivation a, double v) { return a == ScoreActivation::kNone ? v : sigmoid(v); }

double dfl_expectation(const CellView& v, int64_t cell, int64_t first, int bins) {
  // max-shifted softmax, then sum_j j * e_j / z term by term (eval_ort.js decodeNanodet's order).
  double m = -std::numeric_limits<double>::infinity();
  for (int j = 0; j < bins; ++j) m = std::max(m, v.at(cell, first + j));
  double e[64], z = 0;  // bins <= 64 (check_detect_config / the decoders ensure it)
  for (int j = 0; j < bins; ++j) {
    e[j] = std::exp(v.at(cell, first + j) - m);
    z += e[j];
  }
  double r = 0;
  for (int j = 0; j < bins; ++j) r += j * e[j] / z;
  return r;
}

double anchor_coordinate(AnchorPoint p, int g, int stride) {
  switch (p) {
    case AnchorPoint::kCorner: return static_cast<double>(g) * stride;
    case AnchorPoint::kCenter: return (g + 0.5) * stride;
    case AnchorPoint::kCenterPixel: return static_cast<double>(g) * stride + 0.5 * (stride - 1);
  }
  return 0;
}

bool has_shape(const Tensor& t, const Shape& s) { return t.shape == s; }

std::string strides_str(const std::vector<int>& strides) {
  std::string r;
  for (int s : strides) r += (r.empty() ? "" : "/") + std::to_string(s);
  return r;
}

void layout_mismatch(const DecodeInput& in, const std::string& expected) {
  fail_input("layout '" + in.cfg.layout + "' expects " + expected + " for a " + std::to_string(in.input_w) + "x" +
             std::to_string(in.input_h) + " input with strides " + strides_str(in.cfg.strides) + " and " +
             std::to_string(in.cfg.num_classes) + " classes, but the model's outputs are " + in.outputs.describe());
}

}  // namespace fxq::detect
