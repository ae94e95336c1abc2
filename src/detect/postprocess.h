// One image's raw detector outputs -> its final detections in original-image pixels:
// decode (the config's layout) -> class-wise NMS -> inverse letterbox -> clip.
#pragma once
#include <vector>

#include "data/preprocess.h"
#include "detect/decoder.h"
#include "detect/nms.h"

namespace fxq::detect {

NmsParams nms_params(const DetectConfig& cfg);

// input_w/h: the network input size (the preprocessing's width and height).
std::vector<Detection> postprocess(const DetectConfig& cfg, int input_w, int input_h, const RawOutputs& outputs,
                                   const data::Geometry& geom);

}  // namespace fxq::detect
