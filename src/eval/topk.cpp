#include "eval/topk.h"

#include "common/error.h"

namespace fxq {

int64_t rank_of(const float* scores, int64_t num_classes, int64_t label) {
  int64_t rank = 0;
  const float s = scores[label];
  for (int64_t c = 0; c < num_classes; ++c) rank += scores[c] > s || (scores[c] == s && c < label);
  return rank;
}

void TopK::add(const float* scores, int64_t num_classes, int64_t label) {
  if (label < 0 || label >= num_classes)
    fail_input("label " + std::to_string(label) + " is outside the model's " + std::to_string(num_classes) + " classes");
  const int64_t r = rank_of(scores, num_classes, label);
  ++count;
  top1 += r < 1;
  top5 += r < 5;
}

}  // namespace fxq
