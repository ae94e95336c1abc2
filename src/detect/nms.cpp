#include "detect/nms.h"

#include <algorithm>
#include <map>

namespace fxq::detect {

std::vector<Detection> nms(std::vector<Detection> candidates, const NmsParams& p) {
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Detection& a, const Detection& b) { return a.score > b.score; });
  if (candidates.size() > static_cast<size_t>(p.pre_nms_top_k)) candidates.resize(static_cast<size_t>(p.pre_nms_top_k));
  std::vector<Detection> keep;
  std::map<int, std::vector<Box>> kept_by_class;  // suppression only looks at boxes of the same class
  for (const Detection& d : candidates) {
    if (keep.size() >= static_cast<size_t>(p.max_detections)) break;
    std::vector<Box>& same = kept_by_class[d.cls];
    if (std::any_of(same.begin(), same.end(), [&](const Box& k) { return iou(k, d.box) > p.iou; })) continue;
    same.push_back(d.box);
    keep.push_back(d);
  }
  return keep;
}

}  // namespace fxq::detect
