// fxq quantize: float ONNX + calibration images -> fixed-point QDQ ONNX + JSON report.
#include <cstdio>
#include <filesystem>

#include "cli_common.h"
#include "common/error.h"
#include "commands.h"
#include "quant/methods/method.h"
#include "quant/metric.h"
#include "quant/observers/observer.h"
#include "quant/quantize.h"
#include "report/summary.h"

namespace fxq::cli {
namespace {

struct QuantizeCli {
  quant::QuantizeOptions q;
  std::string preset, config;
  bool no_upstream = false;
  std::string qdq_style = "ort";
  std::string methods = "nearest";
  CLI::Option* min_sqnr = nullptr;
};

std::string default_output(const std::string& model) {
  return std::filesystem::path(model).stem().string() + ".fxq.onnx";
}

std::string replace_extension(const std::string& path, const std::string& ext) {
  return std::filesystem::path(path).replace_extension(ext).string();
}

int run_quantize_cmd(QuantizeCli& c) {
  c.q.preprocessing = choose_preprocessing(c.preset, c.config);
  c.q.search.upstream_aware = !c.no_upstream;
  c.q.min_sqnr_given = c.min_sqnr->count() > 0;
  c.q.search.methods = quant::split_method_list(c.methods);
  c.q.qdq_style = c.qdq_style == "opencv" ? exporter::QdqStyle::kOpenCV : exporter::QdqStyle::kOrt;
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
      "--max-loss 1 --metric map50");
  sub->add_option("model", c->q.model, "Float ONNX model")->required();
  sub->add_option("--calib", c->q.calib_dir, "Folder of calibration images (recursive)")->required();
  sub->add_option("--preset", c->preset, "Preprocessing preset from configs/");
  sub->add_option("--config", c->config, "Preprocessing config JSON file (see configs/README.md)");
  sub->add_option("-o,--output", c->q.out_path, "Quantized QDQ ONNX to write (default: <model name>.fxq.onnx here)");
  sub->add_option("--report", c->q.report_path, "JSON report to write (default: the output with .json)");
  sub->add_option("--html", c->q.html_path,
                  "Also write a self-contained HTML report (tables and charts, no network) to this file");
  sub->add_option("--wbits", c->q.search.weight_bits, "Weight bit-width, 2..16")->capture_default_str()->check(CLI::Range(2, 16));
  sub->add_option("--abits", c->q.search.act_bits, "Activation bit-width, 2..16")->capture_default_str()->check(CLI::Range(2, 16));
  sub->add_flag("--per-channel", c->q.search.per_channel,
                "One weight frac per output channel (Conv, Gemm) instead of one per tensor; needs opset 13 in the output");
  {
    std::string help = "Weight methods, comma-separated: one rounding method and any corrections (default nearest):";
    for (const auto& m : quant::quant_methods()) help += std::string("\n  ") + m.name + ": " + m.help;
    sub->add_option("--method", c->methods, help)->capture_default_str();
  }
  sub->add_flag("--no-upstream", c->no_upstream,
                "Judge each layer's candidates on float inputs (the per-layer-independent baseline) instead of "
                "inputs carrying the upstream layers' quantization error");
  sub->add_option("--search-images", c->q.search_images,
                  "Calibration images the search holds in memory, spread over the set")
      ->capture_default_str()->check(CLI::PositiveNumber);
  sub->add_option("--calib-limit", c->q.calib_limit, "Use only the first N calibration images; 0 = all")->capture_default_str();
  sub->add_option("--observer", c->q.observer, "Calibration statistics: " + quant::observer_names())->capture_default_str();
  sub->add_option("--eval", c->q.eval_dir, "Images to compare float and quantized accuracy on (not the calibration images); "
                                           "labelled (--labels), or unlabelled with --max-loss (metric agreement)");
  sub->add_option("--labels", c->q.labels, "Labels of --eval: a TSV 'file<TAB>class_index', or 'folders'");
  sub->add_flag("--allow-overlap", c->q.allow_overlap, "Allow --eval images that are also calibration images");
  sub->add_option("--eval-split", c->q.eval_split,
                  "Hold out this fraction of the --calib images for evaluation instead of --eval (deterministic: "
                  "evenly spread over the sorted folder; recorded in the report)");
  sub->add_option("--max-loss", c->q.max_loss,
                  "The accuracy gate: find the smallest mixed-precision plan whose loss (float metric minus quantized, "
                  "in percentage points, on the evaluation images) is at most this; exit 3 when it cannot. --wbits/--abits "
                  "are then the largest bit-widths tried (2 the smallest)")
      ->check(CLI::NonNegativeNumber);
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
  sub->add_option("--objective", c->q.objective, "What the gate minimises: memory (weight bits) or bitops (MACs x weight bits x input bits)")
      ->capture_default_str()->check(CLI::IsMember({"memory", "bitops"}));
  sub->add_option("--max-evals", c->q.max_evaluations, "Most full evaluations the gate runs (the upper-bound plan's included)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  sub->add_option("--profile-images", c->q.profile_images, "Search images the gate measures each layer's error gain on")
      ->capture_default_str()->check(CLI::PositiveNumber);
  sub->add_flag("--write-best", c->q.write_best, "When --max-loss cannot be met, still write the closest plan's model and report (exit 3)");
  sub->add_option("--qdq-style", c->qdq_style,
                  "How weights are stored: 'ort' (integer initializers + DequantizeLinear) or 'opencv' (float "
                  "initializers already on the grid, which OpenCV 4.6's importer accepts; see docs/qdq-export.md)")
      ->capture_default_str()->check(CLI::IsMember({"ort", "opencv"}));
  sub->add_flag("-q,--quiet", c->q.quiet, "No progress output");
  return [c] { return run_quantize_cmd(*c); };
}

}  // namespace fxq::cli
