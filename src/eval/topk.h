// Top-k accuracy of classifier logits. The rank of the true class is the number of classes ranked
// before it: a higher score, or an equal score at a lower index (ties break as argmax does, so a
// collapsed quantized model whose logits all tie is not counted correct). On float logits, where ties
// do not occur, this equals the reference script's strict ranking.
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
