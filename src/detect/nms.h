// Class-wise greedy non-maximum suppression with the protocol of shared/data/MANIFEST.md.
#pragma once
#include <vector>

#include "detect/box.h"

namespace fxq::detect {

struct NmsParams {
  int pre_nms_top_k = 1000;  // candidates kept before NMS, best first
  double iou = 0.6;          // a box is dropped when its IoU with a kept box OF ITS CLASS is > iou
  int max_detections = 100;  // kept after NMS, best first
};

// Sorts by descending score (stable: equal scores keep their decode order), keeps the top k, then walks
// them best first keeping a box unless it overlaps a kept box of the same class by IoU > iou, and stops at
// max_detections. The result is in descending score order.
std::vector<Detection> nms(std::vector<Detection> candidates, const NmsParams& p);

}  // namespace fxq::detect
