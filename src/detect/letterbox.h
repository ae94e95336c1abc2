// Network-input boxes back to the original image: the inverse of the preprocessing geometry
// (data::Geometry, the same sx, sy, px, py as shared/data/tools/prep_cache.py), then clipped.
#pragma once
#include <vector>

#include "data/preprocess.h"
#include "detect/box.h"

namespace fxq::detect {

// x_orig = (x_in - px) / sx, y_orig = (y_in - py) / sy, then each coordinate clipped to [0, orig_w] / [0, orig_h].
// Works for both letterbox styles (top-left YOLOX, centred NanoDet), stretch and centre crop.
Box to_original(const Box& in, const data::Geometry& g);
void to_original(std::vector<Detection>* dets, const data::Geometry& g);

}  // namespace fxq::detect
