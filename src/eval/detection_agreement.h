// Label-free detector metric for the quantization gate: how many of the float model's detections the
// quantized model reproduces. Per image, quantized detections (best first) are matched greedily to the
// unused float detection of the same class with the highest IoU >= iou; over all images
//   agreement = 2 * matched / (n_float + n_quant)    (the F1 score of the quantized detections, taking the
// float ones as ground truth; 1 when neither model detects anything). It is symmetric in what it punishes:
// lost boxes lower recall, extra boxes lower precision. Only detections with score >= min_score count, so
// the gate can look at the confident boxes a deployment would keep rather than the 0.001-score tail.
#pragma once
#include <cstddef>
#include <vector>

#include "detect/box.h"

namespace fxq {

struct AgreementCounts {
  size_t matched = 0, reference = 0, test = 0;
  double f1() const { return reference + test ? 2.0 * static_cast<double>(matched) / static_cast<double>(reference + test) : 1.0; }
  AgreementCounts& operator+=(const AgreementCounts& o) {
    matched += o.matched, reference += o.reference, test += o.test;
    return *this;
  }
};

// One image.
AgreementCounts match_detections(const std::vector<detect::Detection>& reference,
                                 const std::vector<detect::Detection>& test, double iou = 0.5, double min_score = 0.0);

// All images (the two lists are per image, in the same order; a different length is a bug).
AgreementCounts agreement_counts(const std::vector<std::vector<detect::Detection>>& float_dets,
                                 const std::vector<std::vector<detect::Detection>>& quant_dets, double iou = 0.5,
                                 double min_score = 0.0);
double detection_agreement(const std::vector<std::vector<detect::Detection>>& float_dets,
                           const std::vector<std::vector<detect::Detection>>& quant_dets, double iou = 0.5,
                           double min_score = 0.0);

}  // namespace fxq
