// NanoDet / GFL / FCOS-style heads (anchor-free, no objectness): per level, class scores [1, cells, C] and
// box distributions [1, cells, 4 * B] (sides l, t, r, b, each B = reg_max + 1 bins, B read from the
// shape), as the shared nanodet_m_416.onnx emits them (output order free: tensors are picked by shape);
// or ONE [1, N, C + 4 * B] output, classes first (NanoDet-Plus exports). Should C equal 4 * B, the first of a
// level's two same-shaped tensors in output order is taken as the class scores (the shared model's order). Per side: softmax over the bins,
// the expected bin index times the stride is the distance from the cell's anchor point (anchor_point).
// Box = (ax - l, ay - t, ax + r, ay + b) clipped to the input canvas, as the NanoDet demos do.
#include <algorithm>

#include "common/error.h"
#include "detect/grid.h"

namespace fxq::detect {
namespace {

constexpr int kMaxBins = 64;

struct LevelTensors {
  CellView cls, reg;
  int bins = 0;
};

bool bins_ok(int64_t channels) { return channels % 4 == 0 && channels / 4 >= 2 && channels / 4 <= kMaxBins; }

// Separate class/distribution tensors per level, picked by shape in output order; empty if they are not all there.
std::vector<LevelTensors> find_separate(const DecodeInput& in, const std::vector<Level>& levels) {
  const auto& ts = in.outputs.tensors;
  std::vector<bool> used(ts.size(), false);
  std::vector<LevelTensors> r;
  for (const Level& l : levels) {
    int cls = -1, reg = -1;
    for (size_t k = 0; k < ts.size() && cls < 0; ++k)
      if (!used[k] && has_shape(*ts[k], {1, l.cells(), in.cfg.num_classes})) cls = static_cast<int>(k);
    if (cls < 0) return {};
    used[static_cast<size_t>(cls)] = true;
    for (size_t k = 0; k < ts.size() && reg < 0; ++k)
      if (!used[k] && ts[k]->rank() == 3 && ts[k]->dim(0) == 1 && ts[k]->dim(1) == l.cells() && bins_ok(ts[k]->dim(2)))
        reg = static_cast<int>(k);
    if (reg < 0) return {};
    used[static_cast<size_t>(reg)] = true;
    const Tensor& c = *ts[static_cast<size_t>(cls)];
    const Tensor& g = *ts[static_cast<size_t>(reg)];
    r.push_back({rows_view(c, 0), rows_view(g, 0), static_cast<int>(g.dim(2) / 4)});
  }
  return r;
}

// One [1, N, C + 4B] tensor, classes first; empty if there is none.
std::vector<LevelTensors> find_merged(const DecodeInput& in, const std::vector<Level>& levels) {
  const int64_t n = total_cells(levels), C = in.cfg.num_classes;
  for (const Tensor* t : in.outputs.tensors) {
    if (t->rank() != 3 || t->dim(0) != 1 || t->dim(1) != n || !(t->dim(2) > C && bins_ok(t->dim(2) - C))) continue;
    std::vector<LevelTensors> r;
    int64_t first = 0;
    for (const Level& l : levels) {
      CellView reg = rows_view(*t, first);
      reg.data += C;
      r.push_back({rows_view(*t, first), reg, static_cast<int>((t->dim(2) - C) / 4)});
      first += l.cells();
    }
    return r;
  }
  return {};
}

void decode_nanodet(const DecodeInput& in, std::vector<Detection>* out) {
  const std::vector<Level> levels = grid_levels(in);
  std::vector<LevelTensors> lt = find_separate(in, levels);
  if (lt.empty()) lt = find_merged(in, levels);
  if (lt.empty()) {
    std::string cells;
    for (const Level& l : levels) cells += (cells.empty() ? "" : "/") + std::to_string(l.cells());
    layout_mismatch(in, "per level [1,cells," + std::to_string(in.cfg.num_classes) + "] class scores and [1,cells,4*B] " +
                            "distributions (cells " + cells + ", B = 2.." + std::to_string(kMaxBins) + "), or one [1," +
                            std::to_string(total_cells(levels)) + "," + std::to_string(in.cfg.num_classes) + "+4*B]");
  }
  const ScoreActivation act = in.cfg.score_activation;
  const double W = in.input_w, H = in.input_h;
  for (size_t li = 0; li < levels.size(); ++li) {
    const Level& l = levels[li];
    const LevelTensors& v = lt[li];
    for (int64_t k = 0; k < l.cells(); ++k) {
      const double ax = anchor_coordinate(in.cfg.anchor_point, static_cast<int>(k % l.gw), l.stride);
      const double ay = anchor_coordinate(in.cfg.anchor_point, static_cast<int>(k / l.gw), l.stride);
      bool have_box = false;  // the distributions are only decoded for cells with a candidate (most have none)
      Box b;
      for (int c = 0; c < in.cfg.num_classes; ++c) {
        const double score = activate(act, v.cls.at(k, c));
        if (!(score > in.cfg.score_threshold)) continue;
        if (!have_box) {
          double d[4];
          for (int side = 0; side < 4; ++side) d[side] = dfl_expectation(v.reg, k, side * v.bins, v.bins) * l.stride;
          b = {std::max(0.0, ax - d[0]), std::max(0.0, ay - d[1]), std::min(W, ax + d[2]), std::min(H, ay + d[3])};
          have_box = true;
        }
        out->push_back({b, score, c});
      }
    }
  }
}

void check_nanodet(const DetectConfig& c) {
  field_not_used(!c.anchors.empty(), "anchors", c);
  field_not_used(c.has_box_encoding, "box_encoding", c);
  field_not_used(c.score_activation == ScoreActivation::kSoftmax, "score_activation \"softmax\"", c);
}

}  // namespace

extern const LayoutDef kLayout_nanodet{
    "nanodet",
    "NanoDet/GFL: per level [1, cells, C] class scores and [1, cells, 4*B] distance distributions (or one "
    "[1, N, C+4*B])",
    decode_nanodet, check_nanodet};

}  // namespace fxq::detect
