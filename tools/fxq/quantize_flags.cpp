#include "quantize_flags.h"

#include "cli_common.h"
#include "quant/methods/method.h"
#include "quant/observers/observer.h"

namespace fxq::cli {

void add_shared_quantize_flags(CLI::App* sub, QuantizeFlags& f, const std::string& bits_help) {
  quant::QuantizeOptions& q = f.q;
  sub->add_option("--calib", q.calib_dir, "Folder of calibration images (recursive)")->required();
  sub->add_option("--preset", f.preset, "Preprocessing preset from configs/");
  sub->add_option("--config", f.config, "Preprocessing config JSON file (see configs/README.md)");
  sub->add_option("--wbits", q.search.weight_bits, "Weight bit-width, 2..16" + bits_help)
      ->capture_default_str()->check(CLI::Range(2, 16));
  sub->add_option("--abits", q.search.act_bits, "Activation bit-width, 2..16" + bits_help)
      ->capture_default_str()->check(CLI::Range(2, 16));
  sub->add_flag("--per-channel", q.search.per_channel,
                "One weight frac per output channel (Conv, Gemm) instead of one per tensor; needs opset 13 in the output");
  {
    std::string help = "Weight methods, comma-separated: one rounding method and any corrections (default nearest):";
    for (const auto& m : quant::quant_methods()) help += std::string("\n  ") + m.name + ": " + m.help;
    sub->add_option("--method", f.methods, help)->capture_default_str();
  }
  sub->add_flag("--equalize", q.equalize,
                "Cross-layer equalization first: consecutive convs trade power-of-two per-channel factors so each "
                "weight tensor fits one per-tensor grid (exact in float; through Relu/LeakyRelu as is, through SiLU "
                "with a power-of-two Mul before its Sigmoid). For per-tensor weights of depthwise nets (YOLOX, MobileNet)");
  sub->add_flag("--no-upstream", f.no_upstream,
                "Judge each layer's candidates on float inputs (the per-layer-independent baseline) instead of "
                "inputs carrying the upstream layers' quantization error");
  sub->add_option("--search-images", q.search_images, "Calibration images the search holds in memory, spread over the set")
      ->capture_default_str()->check(CLI::PositiveNumber);
  sub->add_option("--calib-limit", q.calib_limit, "Use only the first N calibration images; 0 = all")->capture_default_str();
  sub->add_option("--observer", q.observer, "Calibration statistics: " + quant::observer_names())->capture_default_str();
  sub->add_option("--eval", q.eval_dir, "Images to compare float and quantized accuracy on (not the calibration images); "
                                        "labelled (--labels), or unlabelled with --max-loss (metric agreement)");
  sub->add_option("--labels", q.labels, "Labels of --eval: a TSV 'file<TAB>class_index', or 'folders'");
  sub->add_flag("--allow-overlap", q.allow_overlap, "Allow --eval images that are also calibration images");
  sub->add_option("--eval-split", q.eval_split,
                  "Hold out this fraction of the --calib images for evaluation instead of --eval (deterministic: "
                  "evenly spread over the sorted folder; recorded in the report)");
  sub->add_option("--profile-images", q.profile_images,
                  "Search images the mixed-precision search measures each layer's error gain on")
      ->capture_default_str()->check(CLI::PositiveNumber);
  sub->add_option("--profile-error", q.profile_error,
                  "What the mixed-precision profile measures at the outputs: 'elements' (squared error of every raw "
                  "output element) or 'detections' (detectors: the error of the decoded candidates, score error "
                  "plus score-weighted box error; see docs/detection.md)")
      ->capture_default_str()->check(CLI::IsMember({"elements", "detections"}));
  sub->add_option("--qdq-style", f.qdq_style,
                  "How weights are stored: 'ort' (integer initializers + DequantizeLinear) or 'opencv' (float "
                  "initializers already on the grid, which OpenCV 4.6's importer accepts; see docs/qdq-export.md)")
      ->capture_default_str()->check(CLI::IsMember({"ort", "opencv"}));
  sub->add_flag("-q,--quiet", q.quiet, "No progress output");
}

void resolve_shared_quantize_flags(QuantizeFlags& f) {
  f.q.preprocessing = choose_preprocessing(f.preset, f.config);
  f.q.search.upstream_aware = !f.no_upstream;
  f.q.search.methods = quant::split_method_list(f.methods);
  f.q.qdq_style = f.qdq_style == "opencv" ? exporter::QdqStyle::kOpenCV : exporter::QdqStyle::kOrt;
}

}  // namespace fxq::cli
