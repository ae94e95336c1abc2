#include "eval/detection_agreement.h"

#include <algorithm>

#include "common/error.h"

namespace fxq {

AgreementCounts match_detections(const std::vector<detect::Detection>& reference,
                                 const std::vector<detect::Detection>& test, double iou, double min_score) {
  std::vector<const detect::Detection*> ref, tst;
  for (const auto& d : reference)
    if (d.score >= min_score) ref.push_back(&d);
  for (const auto& d : test)
    if (d.score >= min_score) tst.push_back(&d);
  std::stable_sort(tst.begin(), tst.end(), [](const auto* a, const auto* b) { return a->score > b->score; });
  AgreementCounts c;
  c.reference = ref.size();
  c.test = tst.size();
  std::vector<bool> used(ref.size(), false);
  for (const detect::Detection* t : tst) {
    long best = -1;
    double best_iou = iou;
    for (size_t j = 0; j < ref.size(); ++j) {
      if (used[j] || ref[j]->cls != t->cls) continue;
      const double v = detect::iou(ref[j]->box, t->box);
      if (v >= best_iou) best_iou = v, best = static_cast<long>(j);
    }
    if (best >= 0) used[static_cast<size_t>(best)] = true, ++c.matched;
  }
  return c;
}

AgreementCounts agreement_counts(const std::vector<std::vector<detect::Detection>>& float_dets,
                                 const std::vector<std::vector<detect::Detection>>& quant_dets, double iou,
                                 double min_score) {
  FXQ_CHECK(float_dets.size() == quant_dets.size(), "detection_agreement: the two lists must have one entry per image");
  AgreementCounts total;
  for (size_t k = 0; k < float_dets.size(); ++k) total += match_detections(float_dets[k], quant_dets[k], iou, min_score);
  return total;
}

double detection_agreement(const std::vector<std::vector<detect::Detection>>& float_dets,
                           const std::vector<std::vector<detect::Detection>>& quant_dets, double iou, double min_score) {
  return agreement_counts(float_dets, quant_dets, iou, min_score).f1();
}

}  // namespace fxq
