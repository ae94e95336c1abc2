// `fxq quantize` as a library call: calibrate (streaming statistics over every calibration image),
// search the plan (upstream-aware, on a subset held in memory), evaluate float vs quantized on
// separate images, export the QDQ ONNX and write the report (and the HTML page). The output paths are
// checked before any work; the outputs appear together, only once everything succeeded.
#pragma once
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/preprocess_config.h"
#include "engine/model_stats.h"
#include "eval/topk.h"
#include "export/qdq_export.h"
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
  bool allow_overlap = false;    // allow the evaluation images to overlap the calibration images
  exporter::QdqStyle qdq_style = exporter::QdqStyle::kOrt;
  bool quiet = false;
};

struct AccuracyPair {
  bool measured = false;
  size_t images = 0;
  TopK float_topk, quant_topk;
};

struct QuantizeOutcome {
  SearchResult search;
  std::map<std::string, TensorStats> stats;  // per quantization point, over all calibration images
  ModelStats model_stats;                    // MACs and params per layer (float model)
  PlanCost cost;                             // weight memory and bit-ops of the plan
  std::vector<std::string> calib_files;
  size_t calib_skipped = 0;
  AccuracyPair accuracy;
  std::map<std::string, double> phase_seconds;  // calibrate, search, evaluate, export
  std::string model_sha256;
  nlohmann::json report;  // the JSON report, as written (the summary and the HTML page are made from it)
};

QuantizeOutcome run_quantize(const QuantizeOptions& opt, const std::function<void(const std::string&)>& warn);

}  // namespace fxq::quant
