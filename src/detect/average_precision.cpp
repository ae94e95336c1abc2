#include "detect/average_precision.h"

#include <algorithm>

#include "common/error.h"

namespace fxq::detect {

std::vector<double> coco_iou_thresholds() {
  std::vector<double> t;
  for (int k = 0; k < 10; ++k) t.push_back((50 + 5 * k) / 100.0);
  return t;
}

double interpolated_ap_101(const std::vector<int>& tp, size_t npos) {
  FXQ_CHECK(npos > 0, "AP of a class without ground truth");
  std::vector<double> rec(tp.size()), prec(tp.size());
  double ctp = 0, cfp = 0;
  for (size_t i = 0; i < tp.size(); ++i) {
    ctp += tp[i];
    cfp += 1 - tp[i];
    rec[i] = ctp / static_cast<double>(npos);
    prec[i] = ctp / (ctp + cfp);
  }
  for (size_t i = prec.size(); i-- > 1;) prec[i - 1] = std::max(prec[i - 1], prec[i]);
  double sum = 0;
  size_t i = 0;  // recall is non-decreasing, so the first index with rec >= r only moves forward
  for (int r = 0; r <= 100; ++r) {
    const double t = r / 100.0;
    while (i < rec.size() && rec[i] < t) ++i;
    if (i < rec.size()) sum += prec[i];
  }
  return sum / 101;
}

MapEvaluator::MapEvaluator(int num_classes) : num_classes_(num_classes) {}

void MapEvaluator::add_image(size_t order, std::vector<GroundTruth> ground_truth, std::vector<Detection> detections) {
  for (const auto& g : ground_truth) FXQ_CHECK(g.cls >= 0 && g.cls < num_classes_, "ground-truth class out of range");
  for (const auto& d : detections) FXQ_CHECK(d.cls >= 0 && d.cls < num_classes_, "detection class out of range");
  images_.push_back({order, std::move(ground_truth), std::move(detections)});
}

size_t MapEvaluator::positives(int cls) const {
  size_t n = 0;
  for (const auto& im : images_)
    for (const auto& g : im.gt) n += g.cls == cls && !g.crowd;
  return n;
}

std::vector<MapEvaluator::Ref> MapEvaluator::sorted_detections(int cls) const {
  std::vector<Ref> refs;
  for (size_t i = 0; i < images_.size(); ++i)
    for (size_t d = 0; d < images_[i].dets.size(); ++d)
      if (images_[i].dets[d].cls == cls) refs.push_back({i, d});
  std::sort(refs.begin(), refs.end(), [&](const Ref& a, const Ref& b) {
    const double sa = images_[a.image].dets[a.det].score, sb = images_[b.image].dets[b.det].score;
    if (sa != sb) return sa > sb;
    if (images_[a.image].order != images_[b.image].order) return images_[a.image].order < images_[b.image].order;
    return a.det < b.det;
  });
  return refs;
}

double MapEvaluator::average_precision(int cls, double t) const {
  const size_t npos = positives(cls);
  if (npos == 0) return -1;
  std::vector<std::vector<bool>> used(images_.size());
  for (size_t i = 0; i < images_.size(); ++i) used[i].assign(images_[i].gt.size(), false);
  std::vector<int> tp;
  for (const Ref& r : sorted_detections(cls)) {
    const Image& im = images_[r.image];
    const Box& d = im.dets[r.det].box;
    long best = -1;
    double best_iou = t;
    for (size_t j = 0; j < im.gt.size(); ++j) {
      const GroundTruth& g = im.gt[j];
      if (g.cls != cls || g.crowd || used[r.image][j]) continue;
      const double v = iou(d, g.box);
      if (v >= best_iou) best_iou = v, best = static_cast<long>(j);
    }
    if (best >= 0) {
      used[r.image][static_cast<size_t>(best)] = true;
      tp.push_back(1);
      continue;
    }
    const bool crowd_hit = std::any_of(im.gt.begin(), im.gt.end(), [&](const GroundTruth& g) {
      return g.cls == cls && g.crowd && iou(d, g.box) >= t;
    });
    if (!crowd_hit) tp.push_back(0);
  }
  return interpolated_ap_101(tp, npos);
}

MapResult MapEvaluator::finish() const {
  MapResult r;
  r.images = images_.size();
  for (const auto& im : images_) {
    r.detections += im.dets.size();
    for (const auto& g : im.gt) (g.crowd ? r.crowd : r.objects) += 1;
  }
  const std::vector<double> thresholds = coco_iou_thresholds();
  for (int c = 0; c < num_classes_; ++c) {
    const size_t npos = positives(c);
    if (npos == 0) continue;
    ClassAp ca;
    ca.cls = c;
    ca.objects = npos;
    for (const auto& im : images_)
      for (const auto& d : im.dets) ca.detections += d.cls == c;
    double sum = 0;
    for (double t : thresholds) {
      const double ap = average_precision(c, t);
      if (t == 0.5) ca.ap50 = ap;
      sum += ap;
    }
    ca.ap50_95 = sum / static_cast<double>(thresholds.size());
    r.per_class.push_back(ca);
  }
  for (const auto& ca : r.per_class) {
    r.map50 += ca.ap50;
    r.map50_95 += ca.ap50_95;
  }
  if (!r.per_class.empty()) {
    r.map50 /= static_cast<double>(r.per_class.size());
    r.map50_95 /= static_cast<double>(r.per_class.size());
  }
  return r;
}

}  // namespace fxq::detect
