// fxq eval: run a model over a folder of images; top-1/top-5 with labels; for detectors, mAP with COCO
// annotations; raw outputs on request.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "commands.h"
#include "common/error.h"
#include "data/labels.h"
#include "detect/coco_annotations.h"
#include "engine/prepare.h"
#include "eval/detection_eval.h"
#include "eval/image_eval.h"
#include "io/atomic_file.h"

namespace fxq::cli {
namespace {

struct EvalOptions {
  std::string model, images, labels, annotations, preset, config, dump, json, detections;
  size_t batch = 16, limit = 0;
  bool quiet = false, per_class = false;
};

int run_detector_eval(const EvalOptions& o, const data::PreprocessConfig& cfg);

int run_eval(const EvalOptions& o) {
  data::PreprocessConfig cfg = choose_preprocessing(o.preset, o.config);
  if (!o.annotations.empty() && !cfg.is_detector())
    fail(ExitCode::kUsage, "--annotations is for detectors, but preprocessing '" + cfg.name +
                               "' has no \"task\": \"detect\" section (detector presets: yolox-416, nanodet-416)");
  if (!o.detections.empty() && !cfg.is_detector())
    fail(ExitCode::kUsage, "--detections is for detectors, but preprocessing '" + cfg.name + "' is not a detector's");
  if (o.per_class && o.annotations.empty()) fail(ExitCode::kUsage, "--per-class needs --annotations");
  if (cfg.is_detector()) {
    if (!o.labels.empty())
      fail(ExitCode::kUsage, "--labels is for classifiers, but preprocessing '" + cfg.name +
                                 "' is a detector's: give --annotations COCO.json");
    return run_detector_eval(o, cfg);
  }
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


std::string pct(double fraction) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", 100 * fraction);
  return b;
}

// COCO's results format (a list of {image_id, category_id, bbox [x, y, w, h], score}), plus the file name.
// Without annotations image_id is absent and category_id is the model's class index.
std::string detections_json(const DetectionEvalResult& r, const detect::CocoAnnotations* ann) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& im : r.images)
    for (const auto& d : im.detections) {
      nlohmann::json j = {{"file_name", im.entry.rel},
                          {"category_id", ann ? ann->categories[static_cast<size_t>(d.cls)].id : d.cls},
                          {"bbox", {d.box.x1, d.box.y1, d.box.width(), d.box.height()}},
                          {"score", d.score}};
      if (ann && im.annotation >= 0) j["image_id"] = ann->images[static_cast<size_t>(im.annotation)].id;
      list.push_back(std::move(j));
    }
  return list.dump() + "\n";
}

int run_detector_eval(const EvalOptions& o, const data::PreprocessConfig& cfg) {
  std::unique_ptr<detect::CocoAnnotations> ann;
  if (!o.annotations.empty()) ann = std::make_unique<detect::CocoAnnotations>(detect::load_coco_annotations(o.annotations));
  PreparedModel m = prepare_model(o.model);
  for (const auto& w : m.warnings) warn(w);
  Executor exec(m.graph);
  check_input_fits(m.graph, cfg);
  std::vector<data::ImageEntry> images = data::list_images(o.images);
  if (o.limit > 0 && images.size() > o.limit) images.resize(o.limit);
  ImageEvalOptions eo;
  eo.batch = o.batch;
  eo.dump_dir = o.dump;
  eo.quiet = o.quiet;
  const DetectionEvalResult r = evaluate_detector(exec, images, ann.get(), cfg, eo, warn);

  size_t n_det = 0;
  for (const auto& im : r.images) n_det += im.detections.size();
  std::printf("model       %s\n", o.model.c_str());
  std::printf("images      %zu from %s (%zu skipped), preprocessing '%s'\n", r.run.images, o.images.c_str(),
              r.run.skipped, cfg.name.c_str());
  std::printf("decode      %s\n", detect::summary(cfg.detect).c_str());
  std::printf("detections  %zu (%.1f per image)\n", n_det, r.run.images ? static_cast<double>(n_det) / r.run.images : 0.0);
  const detect::MapResult& mr = r.map;
  if (r.has_map) {
    std::printf("annotations %s: %zu objects (+%zu crowd) on these images, %zu classes with objects\n",
                o.annotations.c_str(), mr.objects, mr.crowd, mr.per_class.size());
    std::printf("mAP@0.5       %s %%  (COCO-style 101-point interpolation, mean over %zu classes)\n",
                pct(mr.map50).c_str(), mr.per_class.size());
    std::printf("mAP@0.5:0.95  %s %%  (IoU 0.50:0.05:0.95)\n", pct(mr.map50_95).c_str());
    auto name = [&](const detect::ClassAp& c) { return ann->categories[static_cast<size_t>(c.cls)].name; };
    if (o.per_class) {
      std::printf("%-5s %-20s %8s %8s %8s %11s\n", "class", "name", "objects", "dets", "AP@0.5", "AP@0.5:0.95");
      for (const auto& c : mr.per_class)
        std::printf("%-5d %-20s %8zu %8zu %8s %11s\n", c.cls, name(c).c_str(), c.objects, c.detections,
                    pct(c.ap50).c_str(), pct(c.ap50_95).c_str());
    } else {
      std::vector<detect::ClassAp> by_ap = mr.per_class;
      std::stable_sort(by_ap.begin(), by_ap.end(), [](const auto& a, const auto& b) { return a.ap50 > b.ap50; });
      const size_t k = std::min<size_t>(5, by_ap.size());
      std::string best, worst;
      for (size_t i = 0; i < k; ++i) {
        best += (i ? ", " : "") + name(by_ap[i]) + " " + pct(by_ap[i].ap50);
        worst += (i ? ", " : "") + name(by_ap[by_ap.size() - 1 - i]) + " " + pct(by_ap[by_ap.size() - 1 - i].ap50);
      }
      std::printf("AP@0.5 best  %s\nAP@0.5 worst %s\n(every class: --per-class, or --json)\n", best.c_str(), worst.c_str());
    }
  }
  std::printf("engine      %.3f ms/image\n", r.run.ms_per_image());
  if (!o.dump.empty()) std::printf("outputs     %s/<image>.<output index>.npy\n", o.dump.c_str());
  if (!o.detections.empty()) {
    write_file_atomic(o.detections, detections_json(r, ann.get()));
    std::printf("detections  %s\n", o.detections.c_str());
  }
  if (!o.json.empty()) {
    nlohmann::json j = {{"model", o.model}, {"images_dir", o.images}, {"preprocessing", cfg.name},
                        {"images", r.run.images}, {"skipped", r.run.skipped}, {"ms_per_image", r.run.ms_per_image()},
                        {"detections", n_det}};
    const detect::DetectConfig& d = cfg.detect;
    j["decode"] = {{"layout", d.layout}, {"num_classes", d.num_classes}, {"score_threshold", d.score_threshold},
                   {"pre_nms_top_k", d.pre_nms_top_k}, {"nms_iou", d.nms_iou}, {"max_detections", d.max_detections}};
    if (r.has_map) {
      nlohmann::json per = nlohmann::json::array();
      for (const auto& c : mr.per_class)
        per.push_back({{"class", c.cls}, {"category_id", ann->categories[static_cast<size_t>(c.cls)].id},
                       {"name", ann->categories[static_cast<size_t>(c.cls)].name}, {"objects", c.objects},
                       {"detections", c.detections}, {"ap50", c.ap50}, {"ap50_95", c.ap50_95}});
      j["annotations"] = o.annotations;
      j["map"] = {{"map50", mr.map50}, {"map50_95", mr.map50_95}, {"interpolation", "coco-101-point"},
                  {"iou_thresholds", detect::coco_iou_thresholds()}, {"classes", mr.per_class.size()},
                  {"objects", mr.objects}, {"crowd", mr.crowd}, {"per_class", per}};
    }
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
      "With labels: top-1/top-5 accuracy. With a detector preset and COCO annotations: mAP@0.5 and mAP@0.5:0.95\n"
      "(COCO-style 101-point interpolation) and per-class AP. With --dump: every output of every image as .npy.\n"
      "Example: fxq eval squeezenet.onnx --images data/imagenet --labels data/imagenet/labels.tsv --preset imagenet-224\n"
      "Example: fxq eval yolox_nano.onnx --images data/coco --annotations data/coco/instances.json --preset yolox-416");
  sub->add_option("model", o->model, "ONNX model file")->required();
  sub->add_option("--images", o->images, "Folder of images, searched recursively")->required();
  sub->add_option("--labels", o->labels,
                  "Labels: a TSV of 'file<TAB>class_index' lines, or the word 'folders' for one sub-folder per class");
  sub->add_option("--annotations", o->annotations,
                  "Detectors: COCO instances JSON; images are matched to it by file name (needs a detector preset)");
  sub->add_flag("--per-class", o->per_class, "Detectors: print the AP of every class");
  sub->add_option("--detections", o->detections,
                  "Detectors: write the final detections in COCO results format (bbox in original pixels)");
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
