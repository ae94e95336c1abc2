// fxq eval: run a model over a folder of images; top-1/top-5 with labels; raw outputs on request.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "commands.h"
#include "data/labels.h"
#include "engine/prepare.h"
#include "eval/image_eval.h"
#include "io/atomic_file.h"

namespace fxq::cli {
namespace {

struct EvalOptions {
  std::string model, images, labels, preset, config, dump, json;
  size_t batch = 16, limit = 0;
  bool quiet = false;
};

int run_eval(const EvalOptions& o) {
  data::PreprocessConfig cfg = choose_preprocessing(o.preset, o.config);
  PreparedModel m = prepare_model(o.model);
  for (const auto& w : m.warnings) warn(w);
  Executor exec(m.graph);
  check_input_fits(m.graph, cfg);

  std::vector<data::ImageEntry> images;
  std::vector<int> labels;
  if (o.labels.empty()) {
    images = data::list_images(o.images);
  } else {
    data::LabelledImages li = data::load_labelled_images(o.images, o.labels, warn);
    images = std::move(li.images);
    labels = std::move(li.labels);
  }
  if (o.limit > 0 && images.size() > o.limit) {
    images.resize(o.limit);
    if (!labels.empty()) labels.resize(o.limit);
  }
  ImageEvalOptions eo;
  eo.batch = o.batch;
  eo.dump_dir = o.dump;
  eo.quiet = o.quiet;
  ImageEvalResult r = evaluate_images(exec, images, labels, cfg, eo, warn);

  std::printf("model     %s\n", o.model.c_str());
  std::printf("images    %zu from %s (%zu skipped), preprocessing '%s'\n", r.images, o.images.c_str(), r.skipped, cfg.name.c_str());
  if (!labels.empty()) {
    std::printf("top-1     %.2f %%  (%zu/%zu)\n", r.topk.top1_pct(), r.topk.top1, r.topk.count);
    std::printf("top-5     %.2f %%  (%zu/%zu)\n", r.topk.top5_pct(), r.topk.top5, r.topk.count);
  }
  std::printf("engine    %.3f ms/image\n", r.ms_per_image());
  if (!o.dump.empty()) std::printf("outputs   %s/<image>.<output index>.npy\n", o.dump.c_str());
  if (!o.json.empty()) {
    nlohmann::json j = {{"model", o.model}, {"images_dir", o.images}, {"preprocessing", cfg.name},
                        {"images", r.images}, {"skipped", r.skipped}, {"ms_per_image", r.ms_per_image()}};
    if (!labels.empty()) j["top1"] = r.topk.top1_pct(), j["top5"] = r.topk.top5_pct(), j["labelled"] = r.topk.count;
    write_file_atomic(o.json, j.dump(2) + "\n");
  }
  return 0;
}

}  // namespace

RunFn add_eval_command(CLI::App& root) {
  auto o = std::make_shared<EvalOptions>();
  CLI::App* sub = root.add_subcommand(
      "eval",
      "Run a model over a folder of images (recursively: jpg, png, bmp, webp) with fxq's float engine.\n"
      "With labels: top-1/top-5 accuracy. With --dump: every output of every image as .npy.\n"
      "Example: fxq eval squeezenet.onnx --images data/imagenet --labels data/imagenet/labels.tsv --preset imagenet-224");
  sub->add_option("model", o->model, "ONNX model file")->required();
  sub->add_option("--images", o->images, "Folder of images, searched recursively")->required();
  sub->add_option("--labels", o->labels,
                  "Labels: a TSV of 'file<TAB>class_index' lines, or the word 'folders' for one sub-folder per class");
  sub->add_option("--preset", o->preset, "Preprocessing preset from configs/ (see 'fxq presets'-style list in the error)");
  sub->add_option("--config", o->config, "Preprocessing config JSON file (see configs/README.md)");
  sub->add_option("--batch", o->batch, "Images decoded at once (and run at once if the model's batch dim is dynamic)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  sub->add_option("--limit", o->limit, "Use only the first N images (sorted by path); 0 = all")->capture_default_str();
  sub->add_option("--dump", o->dump, "Write each image's outputs to this folder as <image>.<output index>.npy");
  sub->add_option("--json", o->json, "Also write the results to this JSON file");
  sub->add_flag("-q,--quiet", o->quiet, "No progress output");
  return [o] { return run_eval(*o); };
}

}  // namespace fxq::cli
