// Boxes and detections: corner coordinates in pixels (x1 <= x2, y1 <= y2 for a real box), in double
// because the reference evaluation (shared/data/tools/eval_ort.js) decodes and matches in double and fxq
// must rank and match boxes exactly as it does.
#pragma once
#include <vector>

namespace fxq::detect {

struct Box {
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  double width() const { return x2 - x1; }
  double height() const { return y2 - y1; }
};

struct Detection {
  Box box;
  double score = 0;  // class confidence in [0, 1] (objectness x class probability where the layout has both)
  int cls = 0;       // contiguous class index 0..num_classes-1
};

// Intersection over union. Boxes that do not overlap with a positive width AND height give 0, so a
// degenerate (empty or inverted) box never matches anything.
double iou(const Box& a, const Box& b);

// Box from centre and size: (cx - w/2, cy - h/2, cx + w/2, cy + h/2).
Box box_from_center(double cx, double cy, double w, double h);

}  // namespace fxq::detect
