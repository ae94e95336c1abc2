// Anchor-based YOLO (v2 - v5/v7 style): A anchors per cell per level, each with tx, ty, tw, th, objectness
// and C class values (5 + C). Accepted outputs: per level [1, A*(5+C), gh, gw] (the head conv; anchor a uses
// channels a*(5+C) ..) or [1, A, gh, gw, 5+C]; or ONE [1, N, 5+C] holding every level, anchor, row and column
// in that order (N = sum of A * gh * gw), as YOLOv5's export concatenates them. With box_encoding "decoded"
// and no anchors, a [1, N, 5+C] output of any N is read row by row (no grid is needed).
// Boxes (box_encoding): exp  cx = (sig(tx) + gx) * s, w = anchor_w * exp(tw)         (YOLOv2/v3/v4)
//                       v5   cx = (2 sig(tx) - 0.5 + gx) * s, w = anchor_w * (2 sig(tw))^2  (YOLOv5/v7)
//                       decoded  cx, cy, w, h as given, in input pixels
// Scores: score_c = objectness * class_c, each through score_activation (softmax: sigmoid objectness and a
// softmax over the classes, YOLOv2).
#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "detect/grid.h"

namespace fxq::detect {
namespace {

struct AnchorView {
  CellView v;
  int level = 0, anchor = 0;
  int64_t cells = 0;
};

// Per level and anchor, the view of its (5 + C) values per cell; empty if the outputs are not per level.
std::vector<AnchorView> find_per_level(const DecodeInput& in, const std::vector<Level>& levels) {
  const auto& ts = in.outputs.tensors;
  const int64_t F = 5 + in.cfg.num_classes;
  std::vector<bool> used(ts.size(), false);
  std::vector<AnchorView> r;
  for (size_t li = 0; li < levels.size(); ++li) {
    const Level& l = levels[li];
    const int64_t A = static_cast<int64_t>(in.cfg.anchors_at(li));
    int found = -1;
    bool rank5 = false;
    for (size_t k = 0; k < ts.size() && found < 0; ++k) {
      if (used[k]) continue;
      if (has_shape(*ts[k], {1, A * F, l.gh, l.gw})) found = static_cast<int>(k);
      else if (has_shape(*ts[k], {1, A, l.gh, l.gw, F})) found = static_cast<int>(k), rank5 = true;
    }
    if (found < 0) return {};
    used[static_cast<size_t>(found)] = true;
    const Tensor& t = *ts[static_cast<size_t>(found)];
    for (int64_t a = 0; a < A; ++a) {
      CellView v = rank5 ? CellView{t.f.data() + a * l.cells() * F, F, 1} : nchw_view(t);
      if (!rank5) v.data += a * F * l.cells();
      r.push_back({v, static_cast<int>(li), static_cast<int>(a), l.cells()});
    }
  }
  return r;
}

std::vector<AnchorView> find_concatenated(const DecodeInput& in, const std::vector<Level>& levels) {
  const int64_t F = 5 + in.cfg.num_classes;
  const bool gridless = in.cfg.box_encoding == BoxEncoding::kDecoded && in.cfg.anchors.empty();
  int64_t n = 0;
  for (size_t li = 0; li < levels.size(); ++li) n += static_cast<int64_t>(in.cfg.anchors_at(li)) * levels[li].cells();
  for (const Tensor* t : in.outputs.tensors) {
    if (t->rank() != 3 || t->dim(0) != 1 || t->dim(2) != F || (!gridless && t->dim(1) != n)) continue;
    if (gridless) return {{rows_view(*t, 0), 0, 0, t->dim(1)}};
    std::vector<AnchorView> r;
    int64_t first = 0;
    for (size_t li = 0; li < levels.size(); ++li)
      for (size_t a = 0; a < in.cfg.anchors_at(li); ++a) {
        r.push_back({rows_view(*t, first), static_cast<int>(li), static_cast<int>(a), levels[li].cells()});
        first += levels[li].cells();
      }
    return r;
  }
  return {};
}

void decode_yolo_anchors(const DecodeInput& in, std::vector<Detection>* out) {
  const std::vector<Level> levels = grid_levels(in);
  const bool gridless = in.cfg.box_encoding == BoxEncoding::kDecoded && in.cfg.anchors.empty();
  std::vector<AnchorView> views = gridless ? std::vector<AnchorView>{} : find_per_level(in, levels);
  if (views.empty()) views = find_concatenated(in, levels);
  if (views.empty()) {
    const std::string F = std::to_string(5 + in.cfg.num_classes);
    if (gridless) layout_mismatch(in, "one [1,N," + F + "] output (decoded boxes)");
    std::string per, n;
    int64_t rows = 0;
    for (size_t li = 0; li < levels.size(); ++li) {
      const size_t A = in.cfg.anchors_at(li);
      per += (per.empty() ? "" : ", ") + std::string("[1,") + std::to_string(A) + "*" + F + "," +
             std::to_string(levels[li].gh) + "," + std::to_string(levels[li].gw) + "]";
      rows += static_cast<int64_t>(A) * levels[li].cells();
    }
    layout_mismatch(in, "per level " + per + " (or [1,A,gh,gw," + F + "]), or one [1," + std::to_string(rows) + "," +
                            F + "]");
  }
  const int C = in.cfg.num_classes;
  const ScoreActivation act = in.cfg.score_activation;
  const BoxEncoding enc = in.cfg.box_encoding;
  std::vector<double> cls(static_cast<size_t>(C));
  for (const AnchorView& av : views) {
    const int gw = gridless ? 1 : levels[static_cast<size_t>(av.level)].gw;
    const double s = gridless ? 1 : levels[static_cast<size_t>(av.level)].stride;
    const double aw = gridless ? 0 : in.cfg.anchors[static_cast<size_t>(av.level)][2 * static_cast<size_t>(av.anchor)];
    const double ah = gridless ? 0 : in.cfg.anchors[static_cast<size_t>(av.level)][2 * static_cast<size_t>(av.anchor) + 1];
    for (int64_t k = 0; k < av.cells; ++k) {
      const CellView& v = av.v;
      const double obj = activate(act, v.at(k, 4));
      if (act == ScoreActivation::kSoftmax) {
        double m = v.at(k, 5), z = 0;
        for (int c = 1; c < C; ++c) m = std::max(m, v.at(k, 5 + c));
        for (int c = 0; c < C; ++c) z += cls[static_cast<size_t>(c)] = std::exp(v.at(k, 5 + c) - m);
        for (double& p : cls) p /= z;
      } else {
        for (int c = 0; c < C; ++c) cls[static_cast<size_t>(c)] = activate(act, v.at(k, 5 + c));
      }
      const double gx = static_cast<double>(k % gw), gy = static_cast<double>(k / gw);
      double cx, cy, w, h;
      if (enc == BoxEncoding::kDecoded) {
        cx = v.at(k, 0), cy = v.at(k, 1), w = v.at(k, 2), h = v.at(k, 3);
      } else if (enc == BoxEncoding::kExp) {
        cx = (sigmoid(v.at(k, 0)) + gx) * s, cy = (sigmoid(v.at(k, 1)) + gy) * s;
        w = aw * std::exp(v.at(k, 2)), h = ah * std::exp(v.at(k, 3));
      } else {
        cx = (2 * sigmoid(v.at(k, 0)) - 0.5 + gx) * s, cy = (2 * sigmoid(v.at(k, 1)) - 0.5 + gy) * s;
        const double sw = 2 * sigmoid(v.at(k, 2)), sh = 2 * sigmoid(v.at(k, 3));
        w = aw * sw * sw, h = ah * sh * sh;
      }
      const Box b = box_from_center(cx, cy, w, h);
      for (int c = 0; c < C; ++c) add_candidate(in, b, obj * cls[static_cast<size_t>(c)], c, out);
    }
  }
}

void check_yolo_anchors(const DetectConfig& c) {
  field_not_used(c.has_anchor_point, "anchor_point", c);
  field_required(c.has_box_encoding, "box_encoding", c, "\"exp\" for YOLOv2-v4, \"v5\" for YOLOv5/v7, \"decoded\"");
  field_required(c.has_score_activation, "score_activation", c,
                 "\"sigmoid\" for raw head outputs, \"softmax\" for YOLOv2, \"none\" for probabilities");
  if (c.box_encoding != BoxEncoding::kDecoded)
    field_required(!c.anchors.empty(), "anchors", c, "per level, w,h pairs in input pixels");
  if (!c.anchors.empty() && c.anchors.size() != c.strides.size())
    fail_input("'detect.anchors' has " + std::to_string(c.anchors.size()) + " level(s) but 'detect.strides' has " +
               std::to_string(c.strides.size()));
}

}  // namespace

extern const LayoutDef kLayout_yolo_anchors{
    "yolo-anchors",
    "anchor-based YOLO v2-v5: per level [1, A*(5+C), gh, gw] or [1, A, gh, gw, 5+C], or one [1, N, 5+C]",
    decode_yolo_anchors, check_yolo_anchors};

}  // namespace fxq::detect
