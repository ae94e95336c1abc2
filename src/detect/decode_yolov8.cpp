// YOLOv8-style heads (anchor-free, no objectness, distribution focal loss): per level the raw head output
// [1, 4*B + C, gh, gw] (box distributions first: sides l, t, r, b of B bins each; then C class scores), or
// all levels in ONE tensor [1, 4*B + C, N] (Ultralytics' export orientation) or [1, N, 4*B + C]. B is read
// from the shape. Distances = expected bin * stride from the cell's anchor point (default cell centre).
// When B = 1 (a one-tensor output of 4 + C channels) the 4 values are already cx, cy, w, h in input pixels,
// as Ultralytics' default ONNX export writes them.
#include "common/error.h"
#include "detect/grid.h"

namespace fxq::detect {
namespace {

constexpr int kMaxBins = 64;

struct LevelView {
  CellView v;
  int bins = 0;  // 1: decoded cx, cy, w, h
};

bool box_channels_ok(int64_t channels, int64_t C, bool allow_decoded) {
  const int64_t box = channels - C;
  return box > 0 && box % 4 == 0 && box / 4 <= kMaxBins && (box / 4 >= 2 || allow_decoded);
}

std::vector<LevelView> find_per_level(const DecodeInput& in, const std::vector<Level>& levels) {
  const auto& ts = in.outputs.tensors;
  const int64_t C = in.cfg.num_classes;
  std::vector<bool> used(ts.size(), false);
  std::vector<LevelView> r;
  for (const Level& l : levels) {
    int found = -1;
    for (size_t k = 0; k < ts.size() && found < 0; ++k) {
      const Tensor& t = *ts[k];
      if (!used[k] && t.rank() == 4 && t.dim(0) == 1 && t.dim(2) == l.gh && t.dim(3) == l.gw &&
          box_channels_ok(t.dim(1), C, false))
        found = static_cast<int>(k);
    }
    if (found < 0) return {};
    used[static_cast<size_t>(found)] = true;
    const Tensor& t = *ts[static_cast<size_t>(found)];
    r.push_back({nchw_view(t), static_cast<int>((t.dim(1) - C) / 4)});
  }
  return r;
}

std::vector<LevelView> find_concatenated(const DecodeInput& in, const std::vector<Level>& levels) {
  const int64_t n = total_cells(levels), C = in.cfg.num_classes;
  for (const Tensor* t : in.outputs.tensors) {
    if (t->rank() != 3 || t->dim(0) != 1) continue;
    const bool channels_first = t->dim(2) == n && box_channels_ok(t->dim(1), C, true);  // preferred when both fit
    const bool rows = !channels_first && t->dim(1) == n && box_channels_ok(t->dim(2), C, true);
    if (!channels_first && !rows) continue;
    const int64_t D = channels_first ? t->dim(1) : t->dim(2);
    std::vector<LevelView> r;
    int64_t first = 0;
    for (const Level& l : levels) {
      r.push_back({channels_first ? columns_view(*t, first) : rows_view(*t, first), static_cast<int>((D - C) / 4)});
      first += l.cells();
    }
    return r;
  }
  return {};
}

void decode_yolov8(const DecodeInput& in, std::vector<Detection>* out) {
  const std::vector<Level> levels = grid_levels(in);
  std::vector<LevelView> lv = find_per_level(in, levels);
  if (lv.empty()) lv = find_concatenated(in, levels);
  if (lv.empty()) {
    const std::string C = std::to_string(in.cfg.num_classes), n = std::to_string(total_cells(levels));
    std::string grids;
    for (const Level& l : levels) grids += (grids.empty() ? "" : ", ") + std::to_string(l.gh) + "x" + std::to_string(l.gw);
    layout_mismatch(in, "per level [1,4*B+" + C + ",gh,gw] (grids " + grids + "), or one [1,4*B+" + C + "," + n +
                            "] or [1," + n + ",4*B+" + C + "]");
  }
  const ScoreActivation act = in.cfg.score_activation;
  for (size_t li = 0; li < levels.size(); ++li) {
    const Level& l = levels[li];
    const LevelView& v = lv[li];
    const int64_t cls0 = 4 * static_cast<int64_t>(v.bins);
    for (int64_t k = 0; k < l.cells(); ++k) {
      bool have_box = false;
      Box b;
      for (int c = 0; c < in.cfg.num_classes; ++c) {
        const double score = activate(act, v.v.at(k, cls0 + c));
        if (!(score > in.cfg.score_threshold)) continue;
        if (!have_box) {
          if (v.bins == 1) {
            b = box_from_center(v.v.at(k, 0), v.v.at(k, 1), v.v.at(k, 2), v.v.at(k, 3));
          } else {
            const double ax = anchor_coordinate(in.cfg.anchor_point, static_cast<int>(k % l.gw), l.stride);
            const double ay = anchor_coordinate(in.cfg.anchor_point, static_cast<int>(k / l.gw), l.stride);
            double d[4];
            for (int side = 0; side < 4; ++side) d[side] = dfl_expectation(v.v, k, side * v.bins, v.bins) * l.stride;
            b = {ax - d[0], ay - d[1], ax + d[2], ay + d[3]};
          }
          have_box = true;
        }
        out->push_back({b, score, c});
      }
    }
  }
}

void check_yolov8(const DetectConfig& c) {
  field_not_used(!c.anchors.empty(), "anchors", c);
  field_not_used(c.has_box_encoding, "box_encoding", c);
  field_required(c.has_score_activation, "score_activation", c,
                 "\"sigmoid\" for raw head outputs, \"none\" when the graph applies the sigmoid");
  field_not_used(c.score_activation == ScoreActivation::kSoftmax, "score_activation \"softmax\"", c);
}

}  // namespace

extern const LayoutDef kLayout_yolov8{
    "yolov8",
    "YOLOv8: per level [1, 4*B+C, gh, gw] (DFL distributions, then classes; no objectness), or one [1, 4*B+C, N] "
    "/ [1, N, 4*B+C]; B = 1 means decoded cx, cy, w, h",
    decode_yolov8, check_yolov8};

}  // namespace fxq::detect
