#include "eval/detection_eval.h"

#include "common/error.h"
#include "detect/postprocess.h"
#include "engine/prepare.h"

namespace fxq {
namespace {

std::string config_name(const data::PreprocessConfig& cfg) { return cfg.source.empty() ? cfg.name : cfg.source; }

detect::RawOutputs raw_outputs(const Graph& g, const std::vector<Tensor>& outs) {
  detect::RawOutputs r;
  for (size_t o = 0; o < outs.size(); ++o) {
    r.tensors.push_back(&outs[o]);
    r.names.push_back(g.outputs[o].name);
  }
  return r;
}

}  // namespace

void check_detector_fits(const Graph& g, const data::PreprocessConfig& cfg) {
  if (!cfg.is_detector())
    fail_input(config_name(cfg) + ": preprocessing '" + cfg.name + "' is not a detector's (no \"task\": \"detect\")");
  std::vector<Tensor> zeros;
  for (const auto& o : g.outputs) {
    Shape s = o.shape;
    if (!s.empty() && s[0] < 0) s[0] = 1;  // a dynamic batch dim: one image at a time
    for (int64_t d : s)
      if (d < 0) return;  // not static: decode checks the real outputs of the first image
    zeros.push_back(Tensor::zeros(s));
  }
  detect::DetectConfig shapes_only = cfg.detect;
  shapes_only.score_threshold = 2;  // no candidate: only the shapes are checked
  try {
    detect::decode(shapes_only, cfg.width, cfg.height, raw_outputs(g, zeros));
  } catch (const Error& e) {
    throw e.with_context(config_name(cfg) + " with " + g.path);
  }
}

DetectionEvalResult evaluate_detector(const Graph& g, const ModelRunFn& run, const std::vector<data::ImageEntry>& images,
                                      const detect::CocoAnnotations* ann, const data::PreprocessConfig& cfg,
                                      const ImageEvalOptions& opt, const std::function<void(const std::string&)>& warn) {
  check_detector_fits(g, cfg);
  DetectionEvalResult res;
  std::vector<data::ImageEntry> todo = images;
  std::map<std::string, size_t> annotation_of;  // rel -> index in ann->images
  if (ann) {
    if (static_cast<int>(ann->categories.size()) != cfg.detect.num_classes)
      fail_input(ann->source + ": " + std::to_string(ann->categories.size()) + " categories, but " + config_name(cfg) +
                 " says the model has " + std::to_string(cfg.detect.num_classes) +
                 " classes (categories map to classes in ascending id order, so the counts must be equal)");
    todo.clear();
    for (const auto& [entry, index] : detect::match_annotated_images(images, *ann, warn)) {
      todo.push_back(entry);
      annotation_of[entry.rel] = index;
    }
  }
  detect::MapEvaluator evaluator(cfg.detect.num_classes);
  ImageEvalOptions o = opt;
  o.on_image = [&](const data::Sample& s, const std::vector<Tensor>& outs) {
    ImageDetections d;
    d.entry = s.entry;
    d.width = s.geom.orig_w;
    d.height = s.geom.orig_h;
    try {
      d.detections = detect::postprocess(cfg.detect, cfg.width, cfg.height, raw_outputs(g, outs), s.geom);
    } catch (const Error& e) {
      throw e.with_context(config_name(cfg) + " with " + g.path);
    }
    if (ann) {
      const size_t a = annotation_of.at(s.entry.rel);
      const detect::CocoImage& im = ann->images[a];
      if ((im.width && im.width != d.width) || (im.height && im.height != d.height))
        warn(s.entry.path + ": " + ann->source + " says " + std::to_string(im.width) + "x" + std::to_string(im.height) +
             " but the image is " + std::to_string(d.width) + "x" + std::to_string(d.height) +
             " (boxes are compared in the image's own pixels)");
      d.annotation = static_cast<long>(a);
      evaluator.add_image(a, im.objects, d.detections);
    }
    res.images.push_back(std::move(d));
    if (opt.on_image) opt.on_image(s, outs);
  };
  res.run = evaluate_images(g, run, todo, {}, cfg, o, warn);
  if (ann) {
    res.has_map = true;
    res.map = evaluator.finish();
  }
  return res;
}

DetectionEvalResult evaluate_detector(const Executor& exec, const std::vector<data::ImageEntry>& images,
                                      const detect::CocoAnnotations* ann, const data::PreprocessConfig& cfg,
                                      const ImageEvalOptions& opt, const std::function<void(const std::string&)>& warn) {
  return evaluate_detector(
      exec.graph(), [&exec](std::map<std::string, Tensor> feed) { return exec.run(std::move(feed)); }, images, ann, cfg,
      opt, warn);
}

}  // namespace fxq
