// DetectConfig: how a detector's raw outputs become boxes — the output layout, its strides, anchors and
// conventions, and the post-processing protocol (score threshold, pre-NMS top-k, NMS IoU, detections
// kept). It is the "detect" section of a preset (configs/README.md, docs/detection.md).
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace fxq::detect {

// What the scores in the tensor are. kNone: probabilities already (the graph applied its sigmoid);
// kSigmoid: logits, sigmoid applied to objectness and class scores; kSoftmax (yolo-anchors only, YOLOv2):
// sigmoid on objectness, softmax over the class logits.
enum class ScoreActivation { kNone, kSigmoid, kSoftmax };
// yolo-anchors box encoding. kExp (YOLOv2/v3/v4): cx = (sig(tx) + gx) * s, w = anchor_w * exp(tw).
// kV5 (YOLOv5/v7): cx = (2 sig(tx) - 0.5 + gx) * s, w = anchor_w * (2 sig(tw))^2.
// kDecoded: the tensor already holds cx, cy, w, h in input pixels.
enum class BoxEncoding { kExp, kV5, kDecoded };
// The point of grid cell gx that distances are measured from (nanodet, yolov8), along x (y alike):
// kCorner gx*s, kCenter (gx + 0.5)*s (NanoDet upstream, YOLOv8), kCenterPixel gx*s + (s-1)/2 (the
// NanoDet C++/OpenCV demos that the shared nanodet_m_416.onnx comes from).
enum class AnchorPoint { kCorner, kCenter, kCenterPixel };

struct DetectConfig {
  std::string layout;                          // a name in layouts() (decoder.h)
  int num_classes = 0;
  std::vector<int> strides;                    // one per output level, in the order the model emits them
  std::vector<std::vector<double>> anchors;    // yolo-anchors: per level, w,h pairs in input pixels
  BoxEncoding box_encoding = BoxEncoding::kExp;
  bool has_box_encoding = false;
  ScoreActivation score_activation = ScoreActivation::kNone;
  bool has_score_activation = false;
  AnchorPoint anchor_point = AnchorPoint::kCenter;
  bool has_anchor_point = false;
  // The protocol of shared/data/MANIFEST.md ("Detector evaluation protocol") by default.
  double score_threshold = 0.001;  // candidates need score > this
  int pre_nms_top_k = 1000;        // the best k candidates go through NMS
  double nms_iou = 0.6;            // class-wise greedy NMS drops a box whose IoU with a kept one is > this
  int max_detections = 100;        // kept per image, best first

  size_t anchors_at(size_t level) const { return anchors.empty() ? 0 : anchors[level].size() / 2; }
};

// Reads the "detect" object of a config file; every problem -> fail_input("'detect.<field>' ...") (the caller
// prefixes the file). Unknown fields are errors. Runs check_detect_config.
DetectConfig parse_detect_config(const nlohmann::json& j);

// Field values and the layout's own rules (anchors only for yolo-anchors, ...): fail_input on the first problem.
void check_detect_config(const DetectConfig& c);

// One line: "yolox, 80 classes, strides 8/16/32, score > 0.001, top 1000, NMS IoU 0.6, 100 per image".
std::string summary(const DetectConfig& c);

// For the layouts' CheckFns: fail_input("'detect.<field>' is not used by layout '<layout>'") when present, and
// fail_input("'detect.<field>' is required by layout '<layout>' (<hint>)") when absent.
void field_not_used(bool present, const char* field, const DetectConfig& c);
void field_required(bool present, const char* field, const DetectConfig& c, const std::string& hint);

const char* to_string(ScoreActivation v);
const char* to_string(BoxEncoding v);
const char* to_string(AnchorPoint v);

}  // namespace fxq::detect
