// YOLOX (anchor-free, with objectness), as exported with the head's decode left out: ONE output
// [1, N, 5 + C], N = the cells of all levels, level by level, row-major within a level. Per row:
// dx, dy, log w, log h, objectness, C class scores. cx = (dx + gx) * s, cy = (dy + gy) * s,
// w = exp(log w) * s, h = exp(log h) * s, score_c = objectness * class_c (MANIFEST.md, yolox_nano.onnx).
#include <cmath>

#include "detect/grid.h"

namespace fxq::detect {
namespace {

void decode_yolox(const DecodeInput& in, std::vector<Detection>* out) {
  const std::vector<Level> levels = grid_levels(in);
  const int64_t n = total_cells(levels), C = in.cfg.num_classes, row = 5 + C;
  const Tensor* t = nullptr;
  for (const Tensor* o : in.outputs.tensors)
    if (has_shape(*o, {1, n, row})) t = o;
  if (!t) layout_mismatch(in, "one output [1," + std::to_string(n) + "," + std::to_string(row) + "]");
  const ScoreActivation act = in.cfg.score_activation;
  int64_t first = 0;
  for (const Level& l : levels) {
    const CellView v = rows_view(*t, first);
    const double s = l.stride;
    for (int64_t k = 0; k < l.cells(); ++k) {
      const int gx = static_cast<int>(k % l.gw), gy = static_cast<int>(k / l.gw);
      const double obj = activate(act, v.at(k, 4));
      const double cx = (v.at(k, 0) + gx) * s, cy = (v.at(k, 1) + gy) * s;
      const Box b = box_from_center(cx, cy, std::exp(v.at(k, 2)) * s, std::exp(v.at(k, 3)) * s);
      for (int c = 0; c < C; ++c) add_candidate(in, b, obj * activate(act, v.at(k, 5 + c)), c, out);
    }
    first += l.cells();
  }
}

void check_yolox(const DetectConfig& c) {
  field_not_used(!c.anchors.empty(), "anchors", c);
  field_not_used(c.has_box_encoding, "box_encoding", c);
  field_not_used(c.has_anchor_point, "anchor_point", c);
  field_not_used(c.score_activation == ScoreActivation::kSoftmax, "score_activation \"softmax\"", c);
}

}  // namespace

extern const LayoutDef kLayout_yolox{
    "yolox", "YOLOX: one [1, N, 5+C] output (dx, dy, log w, log h, objectness, classes per grid cell)", decode_yolox,
    check_yolox};

}  // namespace fxq::detect
