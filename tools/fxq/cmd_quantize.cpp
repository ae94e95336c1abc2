// fxq quantize: float ONNX + calibration images -> fixed-point QDQ ONNX + JSON report.
#include <cstdio>
#include <filesystem>

#include "cli_common.h"
#include "common/error.h"
#include "commands.h"
#include "quantize_flags.h"
#include "quant/metric.h"
#include "quant/quantize.h"
#include "report/summary.h"

namespace fxq::cli {
namespace {

struct QuantizeCli : QuantizeFlags {
  CLI::Option* min_sqnr = nullptr;
};

std::string default_output(const std::string& model) {
  return std::filesystem::path(model).stem().string() + ".fxq.onnx";
}

std::string replace_extension(const std::string& path, const std::string& ext) {
  return std::filesystem::path(path).replace_extension(ext).string();
}

int run_quantize_cmd(QuantizeCli& c) {
  resolve_shared_quantize_flags(c);
  c.q.min_sqnr_given = c.min_sqnr->count() > 0;
  if (c.q.out_path.empty()) c.q.out_path = default_output(c.q.model);
  if (c.q.report_path.empty()) c.q.report_path = replace_extension(c.q.out_path, ".json");
  quant::QuantizeOutcome r = quant::run_quantize(c.q, warn);
  if (r.gate_run && !r.gate.met && !r.wrote_outputs) fail(ExitCode::kAccuracyNotMet, quant::gate_failure_message(c.q, r));

  std::fputs(report::format_summary(r.report).c_str(), stdout);
  if (r.gate_run && !r.gate.met) fail(ExitCode::kAccuracyNotMet, quant::gate_failure_message(c.q, r));  // --write-best
  return 0;
}

}  // namespace

RunFn add_quantize_command(CLI::App& root) {
  auto c = std::make_shared<QuantizeCli>();
  CLI::App* sub = root.add_subcommand(
      "quantize",
      "Quantize a float ONNX model to fixed point: run the calibration images through fxq's float engine, search "
      "a power-of-two format (bit-width, fractional offset) for every layer's weights, biases and activations "
      "while accounting for the error of the layers upstream (seed 004), and write a QDQ ONNX plus a JSON report.\n"
      "Example: fxq quantize model.onnx --calib calib/ --preset imagenet-224 --eval val/ --labels val/labels.tsv\n"
      "Gate:    fxq quantize model.onnx --calib calib/ --preset imagenet-224 --eval val/ --labels val/labels.tsv "
      "--max-loss 1 --objective bitops --method adaround,bias-correction (exit 3 when the limit cannot be met)\n"
      "Detector: fxq quantize yolox_nano.onnx --calib calib/ --preset yolox-416 --eval val/ --annotations val.json "
      "--equalize --method adaround --max-loss 1 --metric map50");
  sub->add_option("model", c->q.model, "Float ONNX model")->required();
  add_shared_quantize_flags(sub, *c, " (with --max-loss or --avg-wbits: the largest tried, 2 the smallest)");
  sub->add_option("-o,--output", c->q.out_path, "Quantized QDQ ONNX to write (default: <model name>.fxq.onnx here)");
  sub->add_option("--report", c->q.report_path, "JSON report to write (default: the output with .json)");
  sub->add_option("--html", c->q.html_path,
                  "Also write a self-contained HTML report (tables and charts, no network) to this file");
  sub->add_option("--max-loss", c->q.max_loss,
                  "The accuracy gate: find the smallest mixed-precision plan whose loss (float metric minus quantized, "
                  "in percentage points, on the evaluation images) is at most this; exit 3 when it cannot. --wbits/--abits "
                  "are then the largest bit-widths tried (2 the smallest)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--avg-wbits", c->q.avg_wbits,
                  "Instead of --max-loss, a size budget: the mixed-precision plan with at most this average weight "
                  "bit-width (e.g. 4.5), and its measured loss (needs evaluation images)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--annotations", c->q.annotations,
                  "Detectors (a preset with \"task\": \"detect\"): COCO instances JSON of the --eval images; the report "
                  "and the summary then give float vs quantized mAP@0.5 and mAP@0.5:0.95, and the gate's default metric is map50");
  c->min_sqnr = sub->add_option("--min-sqnr", c->q.min_sqnr,
                  "The gate on the decoder-free metric sqnr: the smallest plan whose raw outputs keep at least this SQNR "
                  "(dB) against the float model's on the evaluation images (any model; no labels or decoder needed)");
  {
    std::string help = "Gate metric (default: top1 with --labels, map50 with --annotations, agreement without either, "
                       "sqnr with --min-sqnr):";
    std::vector<std::string> names;
    for (const auto& m : quant::metrics()) help += std::string("\n  ") + m.name + ": " + m.help, names.push_back(m.name);
    sub->add_option("--metric", c->q.metric, help)->check(CLI::IsMember(names));
  }
  sub->add_option("--objective", c->q.objective, "What the gate minimises: memory (weight bits), bitops (MACs x weight bits x input bits), or "
                                                 "balanced (both, each relative to the upper-bound plan, summed)")
      ->capture_default_str()->check(CLI::IsMember({"memory", "bitops", "balanced"}));
  sub->add_option("--max-evals", c->q.max_evaluations, "Most full evaluations the gate runs (the upper-bound plan's included)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  sub->add_flag("--write-best", c->q.write_best, "When --max-loss cannot be met, still write the closest plan's model and report (exit 3)");
  return [c] { return run_quantize_cmd(*c); };
}

}  // namespace fxq::cli
