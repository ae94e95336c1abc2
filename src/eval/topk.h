// Top-k accuracy of classifier logits: the rank of the true class is the number of classes whose
// score is strictly greater (ties count in the image's favour, as the reference script does).
#pragma once
#include <cstddef>
#include <cstdint>

namespace fxq {

int64_t rank_of(const float* scores, int64_t num_classes, int64_t label);

struct TopK {
  size_t count = 0, top1 = 0, top5 = 0;
  void add(const float* scores, int64_t num_classes, int64_t label);
  double top1_pct() const { return count ? 100.0 * top1 / count : 0.0; }
  double top5_pct() const { return count ? 100.0 * top5 / count : 0.0; }
};

}  // namespace fxq
