// `fxq quantize` as a library call: calibrate (streaming statistics over every calibration image),
// search the plan (upstream-aware, on a subset held in memory), evaluate float vs quantized on
// separate images, export the QDQ ONNX and write the report (and the HTML page). The output paths are
// checked before any work; the outputs appear together, only once everything succeeded.
#pragma once
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <limits>
#include <string>
#include <vector>

#include "data/preprocess_config.h"
#include "engine/model_stats.h"
#include "ir/passes/passes.h"
#include "detect/average_precision.h"
#include "eval/topk.h"
#include "export/qdq_export.h"
#include "quant/gate.h"
#include "quant/observers/observer.h"
#include "quant/plan_cost.h"
#include "quant/search.h"

namespace fxq::quant {

struct QuantizeOptions {
  std::string model, calib_dir, out_path, report_path;
  std::string html_path;         // optional HTML page made from the report (report/html_report.h)
  data::PreprocessConfig preprocessing;
  SearchOptions search;
  size_t search_images = 64;     // calibration images the search holds in memory (spread over the set)
  size_t calib_limit = 0;        // use only the first N calibration images (0 = all)
  std::string observer = "minmax";
  std::string eval_dir, labels;  // optional evaluation set (disjoint from calibration)
  std::string annotations;       // detectors: COCO instances JSON of the evaluation images
  bool allow_overlap = false;    // allow the evaluation images to overlap the calibration images
  double eval_split = 0;         // (0, 1): hold out this fraction of the calibration folder for evaluation
  // The accuracy gate (quant/gate.h): on when max_loss >= 0. --wbits/--abits are then the largest
  // candidate bit-widths (search.weight_bits / act_bits), the smallest being 2.
  double max_loss = -1;
  // The gate's budget mode (also quant/gate.h): > 0 picks the plan on the mixed-precision path whose
  // average weight bit-width is at most this, and reports its loss (no limit; objective memory).
  double avg_wbits = 0;
  // The gate on the decoder-free metric (metric sqnr): on when min_sqnr_given; the plan's SQNR in dB must be >= this.
  bool min_sqnr_given = false;
  double min_sqnr = std::numeric_limits<double>::quiet_NaN();
  // A name in metrics() (metric.h); "": top1 with labels, agreement without (classifiers); map50 with
  // annotations, agreement without (detectors); sqnr with min_sqnr.
  std::string metric;
  std::string objective = "memory";
  int max_evaluations = 12;
  size_t profile_images = 16;
  // What the gate's profile measures at the outputs (quant/output_error.h): "elements", the squared error
  // of every raw output element; "detections", the error of a detector's decoded candidates (detector
  // presets only). Measured on the shared detectors: elements gave NanoDet 42.5 % less weight memory, and
  // detections 31.8 %; YOLOX 26.3 % and 28.1 % (README).
  std::string profile_error = "elements";
  bool write_best = false;       // when the limit is not met, still write the closest plan's model and report
  exporter::QdqStyle qdq_style = exporter::QdqStyle::kOrt;
  // Cross-layer equalization before calibration (ir/passes/equalize.cpp): exact in float; the output
  // model carries the equalized weights (and a power-of-two Mul before each equalized SiLU's Sigmoid).
  bool equalize = false;
  bool quiet = false;
};

struct AccuracyPair {
  bool measured = false;
  size_t images = 0;
  TopK float_topk, quant_topk;
  // Detectors (detection true): mAP against the annotations, and the box agreement when the gate measured it.
  bool detection = false;
  detect::MapResult float_map, quant_map;
  bool has_box_agreement = false;
  double box_agreement_pct = 0;
};

struct EvalSource {
  std::string description;                 // "<dir>" or "<fraction> of <calib dir>, every k-th image"
  std::vector<std::string> files;          // relative paths of the evaluation images
};

struct QuantizeOutcome {
  SearchResult search;
  passes::EqualizeSummary equalize;          // when opt.equalize
  std::map<std::string, TensorStats> stats;  // per quantization point, over all calibration images
  ModelStats model_stats;                    // MACs and params per layer (float model)
  PlanCost cost;                             // weight memory and bit-ops of the plan
  std::vector<std::string> calib_files;
  size_t calib_skipped = 0;
  AccuracyPair accuracy;
  EvalSource eval_source;
  bool gate_run = false;
  Metric metric = Metric::kTop1;
  GateResult gate;                           // when gate_run
  MetricResult gate_accuracy;                // the chosen plan's evaluation (when gate_run)
  size_t agreement = 0;                      // images whose quantized top-1 is the float top-1 (gate)
  bool wrote_outputs = false;
  std::map<std::string, double> phase_seconds;  // calibrate, search, evaluate, export
  std::string model_sha256;
  nlohmann::json report;  // the JSON report, as written (the summary and the HTML page are made from it)
};

// Without the gate: calibrate, search, evaluate (optional), write. With it (max_loss >= 0): the gate
// chooses the plan; when the limit is not met nothing is written (unless write_best) and the outcome
// says so (gate.met false): the caller reports it (exit code kAccuracyNotMet).
QuantizeOutcome run_quantize(const QuantizeOptions& opt, const std::function<void(const std::string&)>& warn);

// The one-line reason of a gate that was not met.
std::string gate_failure_message(const QuantizeOptions& opt, const QuantizeOutcome& out);

}  // namespace fxq::quant
