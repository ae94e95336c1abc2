// The accuracy metric of the gate, on an evaluation set held in memory: the images are decoded and
// preprocessed once and the float model's results computed once (EvalSet), so every candidate plan
// costs one quantized run per image and the metric's arithmetic.
//
// THE table of metrics is metrics() (metric.cpp): parsing, --help, the usage checks of `fxq quantize`
// and the report read it. Every metric is "higher is better" with the float model as the reference
// (docs/mixed-precision.md, M9):
//   classifiers
//     top1, top5   the label is the model's first (among the first five) class; needs labels
//     agreement    the quantized model's first class is the float model's first class (no labels
//                  needed; the float model scores 100 % by definition)
//   detectors (a preset with "task": "detect"; the preset's decoder, NMS and letterbox)
//     map50        COCO mAP@0.5 against the annotations (detect/average_precision.h); needs them
//     agreement    the F1 score, in %, of the quantized detections against the float ones taken as ground
//                  truth (same class, IoU >= 0.5, boxes with score >= kAgreementMinScore only;
//                  eval/detection_agreement.h): the float model scores 100 by definition
//   any model
//     sqnr         the SQNR in dB of every raw output (eval/sqnr.h), decoder-free: a model fxq cannot
//                  decode can still be gated. There is no float value to lose points from, so its limit
//                  is a floor (--min-sqnr DB), and the gate's loss is defined as -SQNR in dB.
// loss = float metric - quantized metric, in percentage points (sqnr: -SQNR dB).
//
// top1/top5/agreement of a classifier are sums over images: a plan that cannot meet the limit any
// more is stopped early: after t of n images with Q hits, the best final loss is 100 (F - Q - (n - t)) / n
// (F: the float model's hits); once that exceeds the limit the plan fails whatever the remaining images
// give. The images are evaluated in order of the float model's top-1 margin, smallest first, so a
// failing plan shows it early. The detector metrics and sqnr are not decomposable per image (AP ranks
// detections of all images; F1 and SQNR are ratios of sums): they run over every image.
#pragma once
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "data/image_folder.h"
#include "data/preprocess.h"
#include "data/preprocess_config.h"
#include "detect/average_precision.h"
#include "detect/coco_annotations.h"
#include "eval/detection_agreement.h"
#include "eval/topk.h"
#include "ir/graph.h"

namespace fxq::quant {

enum class Metric { kTop1, kTop5, kAgreement, kMap50, kSqnr };

// Which models a metric applies to, and what it needs.
struct MetricDef {
  Metric id;
  const char* name;
  bool classifier, detector;  // applies to
  bool needs_labels, needs_annotations;
  const char* help;
};
const std::vector<MetricDef>& metrics();  // THE table
const MetricDef& metric_def(Metric m);
const char* metric_name(Metric m);
std::string metric_names();                     // "top1, top5, agreement, map50, sqnr"
Metric parse_metric(const std::string& name);   // a name in the table; Error kUsage otherwise

// Detector agreement counts only boxes a deployment would keep, not the 0.001-score tail that mAP ranks:
// 0.3 is the confidence threshold of the YOLOX and NanoDet demos.
constexpr double kAgreementMinScore = 0.3;
constexpr double kAgreementIou = 0.5;

using RunFn = std::function<std::map<std::string, Tensor>(std::map<std::string, Tensor>)>;

struct EvalSet {
  std::string input_name, output_name;
  bool dynamic_batch = false;
  std::vector<Tensor> inputs;       // in evaluation order
  std::vector<int> labels;          // -1: no label
  std::vector<std::string> files;   // relative paths, in the folder's (sorted) order
  std::vector<int> float_class;     // float model's top-1 class per image
  std::vector<char> float_hit;      // per image, per metric below: did the float model score
  TopK float_topk;                  // when labelled
  size_t skipped = 0;

  // Detectors (detector true): the preset that decodes them, each image's letterbox geometry and index
  // in the annotations (-1 without), the float model's final detections, and its mAP.
  bool detector = false;
  data::PreprocessConfig cfg;
  std::vector<std::string> output_names;   // every graph output, in order
  std::vector<data::Geometry> geoms;
  std::vector<long> annotation;
  std::shared_ptr<const detect::CocoAnnotations> annotations;
  std::vector<std::vector<detect::Detection>> float_dets;
  detect::MapResult float_map;              // when annotations
  // sqnr: the float model's raw outputs per image (kept only when the metric is sqnr).
  std::vector<std::vector<Tensor>> float_outputs;

  bool labelled() const { return !labels.empty() && labels.front() >= 0; }
  bool annotated() const { return detector && annotations != nullptr; }
  size_t size() const { return inputs.size(); }
  size_t float_hits(Metric m) const;
};

// Decodes and preprocesses `images` (labels: one per image, or empty), runs the float model on them
// and orders them by the float model's top-1 margin. An undecodable image is a warning and skipped.
// keep_outputs: also keep every raw float output (for sqnr).
EvalSet prepare_eval_set(const Graph& g, const RunFn& float_run, const std::vector<data::ImageEntry>& images,
                         const std::vector<int>& labels, const data::PreprocessConfig& cfg, bool quiet,
                         const std::function<void(const std::string&)>& warn, bool keep_outputs = false);

// A detector's set (cfg.is_detector()): with annotations, only the images they describe (matched as
// `fxq eval` does) and the float mAP; the float detections always. Folder order.
EvalSet prepare_detector_eval_set(const Graph& g, const RunFn& float_run, const std::vector<data::ImageEntry>& images,
                                  std::shared_ptr<const detect::CocoAnnotations> annotations,
                                  const data::PreprocessConfig& cfg, bool quiet,
                                  const std::function<void(const std::string&)>& warn, bool keep_outputs = false);

struct MetricResult {
  size_t images = 0;          // evaluated (all of them unless stopped early)
  bool complete = false;
  size_t hits = 0;            // under the metric (classifier metrics)
  double float_pct = 0, quant_pct = 0;  // over all images when complete (sqnr: quant_pct is the SQNR in dB)
  double loss_pp = 0;         // complete: the loss; stopped early: a lower bound of it
  TopK quant_topk;            // when complete and labelled
  size_t agreement = 0;       // images whose quantized top-1 is the float top-1 (complete; classifiers)
  // Detectors: the quantized mAP (when annotated) and the box agreement with the float model.
  detect::MapResult quant_map;
  AgreementCounts boxes;
  double sqnr_db = std::numeric_limits<double>::quiet_NaN();  // when the float outputs were kept
};

// Runs `run` (a plan's simulation) over the set. With a finite `max_loss`, stops as soon as the loss
// is certain to exceed it (classifier metrics). A metric that does not fit the set (top1 on a detector,
// map50 without annotations, ...) is Error kUsage.
MetricResult evaluate_metric(const EvalSet& set, const RunFn& run, Metric metric,
                             double max_loss = std::numeric_limits<double>::infinity(), bool quiet = true,
                             const std::string& label = "evaluate");

// The usage rules of the table for a model kind and what the user gave: "" when fine, else the message.
std::string metric_usage_problem(Metric m, bool detector, bool has_labels, bool has_annotations);

}  // namespace fxq::quant
