#include "detect/letterbox.h"

#include <algorithm>

namespace fxq::detect {

Box to_original(const Box& in, const data::Geometry& g) {
  const double w = g.orig_w, h = g.orig_h;
  auto cx = [&](double x) { return std::clamp((x - g.px) / g.sx, 0.0, w); };
  auto cy = [&](double y) { return std::clamp((y - g.py) / g.sy, 0.0, h); };
  return {cx(in.x1), cy(in.y1), cx(in.x2), cy(in.y2)};
}

void to_original(std::vector<Detection>* dets, const data::Geometry& g) {
  for (Detection& d : *dets) d.box = to_original(d.box, g);
}

}  // namespace fxq::detect
