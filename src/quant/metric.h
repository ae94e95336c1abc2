// The accuracy metric of the gate, on an evaluation set held in memory: the images are decoded and
// preprocessed once and the float model's results computed once (EvalSet), so every candidate plan
// costs one quantized run per image and nothing else.
//
//   top1, top5   the label is the model's first (among the first five) class; needs labels
//   agreement    the quantized model's first class is the float model's first class (no labels
//                needed; the float model scores 100 % by definition)
// loss = float metric - quantized metric, in percentage points (docs/mixed-precision.md, M9).
//
// A plan that cannot meet the limit any more is stopped early: after t of n images with Q hits,
// the best final loss is 100 (F - Q - (n - t)) / n (F: the float model's hits); once that exceeds
// the limit the plan fails whatever the remaining images give. The images are evaluated in order of
// the float model's top-1 margin, smallest first, so a failing plan shows it early.
#pragma once
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "data/image_folder.h"
#include "data/preprocess_config.h"
#include "eval/topk.h"
#include "ir/graph.h"

namespace fxq::quant {

enum class Metric { kTop1, kTop5, kAgreement };
const char* metric_name(Metric m);
Metric parse_metric(const std::string& name);  // "top1" | "top5" | "agreement"; Error kUsage otherwise

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
  bool labelled() const { return !labels.empty() && labels.front() >= 0; }
  size_t size() const { return inputs.size(); }
  size_t float_hits(Metric m) const;
};

// Decodes and preprocesses `images` (labels: one per image, or empty), runs the float model on them
// and orders them by the float model's top-1 margin. An undecodable image is a warning and skipped.
EvalSet prepare_eval_set(const Graph& g, const RunFn& float_run, const std::vector<data::ImageEntry>& images,
                         const std::vector<int>& labels, const data::PreprocessConfig& cfg, bool quiet,
                         const std::function<void(const std::string&)>& warn);

struct MetricResult {
  size_t images = 0;          // evaluated (all of them unless stopped early)
  bool complete = false;
  size_t hits = 0;            // under the metric
  double float_pct = 0, quant_pct = 0;  // over all images when complete
  double loss_pp = 0;         // complete: the loss; stopped early: a lower bound of it
  TopK quant_topk;            // when complete and labelled
  size_t agreement = 0;       // images whose quantized top-1 is the float top-1 (complete)
};

// Runs `run` (a plan's simulation) over the set. With a finite `max_loss`, stops as soon as the loss
// is certain to exceed it.
MetricResult evaluate_metric(const EvalSet& set, const RunFn& run, Metric metric,
                             double max_loss = std::numeric_limits<double>::infinity(), bool quiet = true,
                             const std::string& label = "evaluate");

}  // namespace fxq::quant
