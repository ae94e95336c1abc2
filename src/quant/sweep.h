// fxq sweep: one quantization per bit-width budget, with the accuracy each costs, so that a user can
// choose a budget (issue: accuracy against weight memory and bit-ops, the Pareto front marked).
//
// A budget is one of
//   N        uniform: every weight and activation at N bits (WNAN)
//   wNaM     uniform: weights at N bits, activations at M
//   avgX     mixed precision at a size budget: the gate's path (quant/gate.h, budget mode) with at
//            most X average weight bits; activations at the --abits upper bound
// Every point is a complete `fxq quantize` run (run_quantize) writing its own QDQ model and report
// into DIR/points/, so a point is as checkable as any quantize run, and an interrupted sweep resumes:
// a point whose report exists and whose key (model SHA-256 and every option that shapes the result)
// matches is read back instead of re-run. The all-8-bit point is always part of the sweep (as the
// reference when no budget asks for it), and the float model is the other reference.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "quant/quantize.h"

namespace fxq::quant {

struct SweepBudget {
  std::string label;   // "w4a4", "w4a8", "avg4.5": also the file stem of the point's outputs
  int wbits = 8, abits = 8;
  double avg_wbits = 0;  // > 0: mixed precision at this average weight bit-width (wbits is then the upper bound)
  bool reference = false;  // added by the sweep (all 8-bit), not asked for
};

// "4,5,6,8" / "w4a8" / "avg4.5" (comma-separated; duplicates dropped). `wbits_upper`/`abits_upper`
// are --wbits/--abits: the upper bounds of avg budgets. Error kUsage on anything else.
std::vector<SweepBudget> parse_budgets(const std::string& list, int wbits_upper, int abits_upper);

struct SweepRow {
  SweepBudget budget;
  double float_top1 = 0, quant_top1 = 0, loss_pp = 0;  // loss = float - quantized top-1, pp
  double weight_bytes = 0, float32_weight_bytes = 0, all8_weight_bytes = 0;
  double bitops = 0, float32_bitops = 0, all8_bitops = 0;
  double seconds = 0;       // wall time of the point's quantize run (as first measured, when resumed)
  size_t images = 0;        // evaluation images
  std::string model, report;  // the point's QDQ model and JSON report
  bool resumed = false;       // read back from an earlier, interrupted sweep
  bool pareto_memory = false, pareto_bitops = false;
};

// Marks the rows on the Pareto front of (weight bytes, loss) and of (bit-ops, loss): no other row is
// at most as large and at most as lossy, and strictly better in one of the two.
void mark_pareto(std::vector<SweepRow>& rows);

struct SweepOptions {
  QuantizeOptions base;  // calibration, evaluation, preprocessing, methods...; bits and paths set per point
  std::string out_dir;
  std::vector<SweepBudget> budgets;
  bool quiet = false;
};

struct SweepOutcome {
  std::vector<SweepRow> rows;  // in budget order, the all-8-bit reference last when it was added
  std::string model_sha256;
};

// Runs (or resumes) every point; `on_point` is told each finished row (for progress lines).
// `on_start` is told each point before it runs, `on_point` each finished row (progress lines).
SweepOutcome run_sweep(const SweepOptions& opt, const std::function<void(const std::string&)>& warn,
                       const std::function<void(size_t index, size_t total, const SweepBudget&)>& on_start,
                       const std::function<void(size_t index, size_t total, const SweepRow&)>& on_point);

// The outputs: CSV (one row per point), JSON (settings, the float reference and the rows) and two
// standalone SVG plots (loss against weight memory, and against bit-ops, Pareto front joined).
std::string sweep_csv(const std::vector<SweepRow>& rows);
nlohmann::json sweep_json(const SweepOptions& opt, const SweepOutcome& out);
std::string sweep_plot_svg(const std::vector<SweepRow>& rows, bool bitops_axis);
// The report's optional `sweep` array (docs/report.schema.json), for the HTML page.
nlohmann::json sweep_report_entries(const std::vector<SweepRow>& rows);
// The report the sweep's HTML page is made from: the all-8-bit point's report (its layer table and
// charts) with the `sweep` array added.
nlohmann::json sweep_page_report(const SweepOutcome& out);

}  // namespace fxq::quant
