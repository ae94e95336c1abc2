// COCO-style mean average precision with 101-point interpolation, the definition of
// shared/data/tools/eval_ort.js (docs/detection.md gives it as equations):
//  - per class, detections of all images sorted by descending score (ties: image order, then the image's
//    own order), each matched greedily to the unused non-crowd ground truth of its class and image with the
//    highest IoU >= t (a later GT with an equal IoU wins, as in the reference); unmatched detections whose
//    IoU with a crowd GT of their class is >= t are ignored, the others are false positives;
//  - precision made monotone from the right, then AP = mean over r = 0, 0.01, .., 1 of the precision at
//    the first rank whose recall >= r (0 if none);
//  - mAP = mean over the classes with at least one non-crowd GT; mAP@0.5:0.95 = mean over t = 0.50, 0.55,
//    .., 0.95 (COCO's thresholds; the reference script computes t = 0.5 only).
#pragma once
#include <cstddef>
#include <vector>

#include "detect/box.h"
#include "detect/coco_annotations.h"

namespace fxq::detect {

struct ClassAp {
  int cls = 0;
  size_t objects = 0;  // non-crowd ground truth
  size_t detections = 0;
  double ap50 = 0, ap50_95 = 0;  // fractions in [0, 1]
};

struct MapResult {
  double map50 = 0, map50_95 = 0;  // fractions in [0, 1]
  std::vector<ClassAp> per_class;  // the classes with >= 1 non-crowd GT, in class order
  size_t images = 0, objects = 0, crowd = 0, detections = 0;
};

// 0.50, 0.55, .., 0.95 (computed as (50 + 5k) / 100).
std::vector<double> coco_iou_thresholds();

// AP from one class's detections in descending score order (ignored ones left out): tp[i] = 1 for a true
// positive, 0 for a false positive; npos = non-crowd GT of the class (> 0).
double interpolated_ap_101(const std::vector<int>& tp, size_t npos);

class MapEvaluator {
 public:
  explicit MapEvaluator(int num_classes);
  // One image: its rank for score ties (the reference uses the annotation file's order), its ground truth
  // and its final detections (in original-image pixels). Classes outside 0..num_classes-1 are a bug.
  void add_image(size_t order, std::vector<GroundTruth> ground_truth, std::vector<Detection> detections);
  // AP of one class at IoU threshold t, or -1 when the class has no non-crowd GT.
  double average_precision(int cls, double t) const;
  MapResult finish() const;

 private:
  struct Image {
    size_t order;
    std::vector<GroundTruth> gt;
    std::vector<Detection> dets;
  };
  struct Ref {  // one detection: image slot and index within the image
    size_t image, det;
  };
  std::vector<Ref> sorted_detections(int cls) const;
  size_t positives(int cls) const;
  int num_classes_;
  std::vector<Image> images_;
};

}  // namespace fxq::detect
