// The shared detectors end to end. fxq's engine and ONNX Runtime run on the same preprocessed images; both
// raw outputs go through fxq's decode -> NMS -> inverse letterbox -> mAP. Checked:
//  - on ORT's outputs, fxq's mAP@0.5 equals the reference script's (eval_ort.js, eval_results.jsonl) to
//    1e-9: the same decode, NMS, box mapping and AP as the reference, on the reference's own numbers;
//  - on fxq's own outputs, the detections equal those from ORT's outputs (boxes to a tolerance set by the
//    two engines' float differences) and the mAP@0.5 equals the MANIFEST's within 0.2 pp.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "data/image_folder.h"
#include "data/preprocess_config.h"
#include "detect/coco_annotations.h"
#include "detect/postprocess.h"
#include "engine/executor.h"
#include "engine/prepare.h"
#include "eval/detection_eval.h"
#include "io/npy.h"
#include "shared_models.h"
#include "test_support.h"

using namespace fxq;

namespace {

struct BothEngines {
  DetectionEvalResult fxq;              // fxq's engine, through evaluate_detector (the 'fxq eval' path)
  std::vector<ImageDetections> ort;     // ORT's raw outputs through fxq's post-processing
  detect::MapResult ort_map;
  double manifest_map50 = 0;            // eval_results.jsonl, full precision
};


BothEngines run_both(const test::SharedModel& sm, size_t n_images) {
  const std::string data = test::shared_data();
  const std::string src = FXQ_SOURCE_DIR;
  REQUIRE(std::filesystem::exists(src + "/node_modules/onnxruntime-node/package.json"));
  const std::string model = data + "/" + sm.file, cases = test::temp_dir(std::string("det-") + sm.key);
  PreparedModel m = prepare_model(model);
  Executor exec(m.graph);
  const data::PreprocessConfig cfg = data::load_preset(sm.preset);
  const detect::CocoAnnotations ann = detect::load_coco_annotations(data + "/images/coco/instances.json");
  std::vector<data::ImageEntry> images = data::list_images(data + "/" + sm.images);
  const bool all = n_images >= images.size();  // with annotations only for the whole set (else most are missing)
  if (!all) {  // every k-th image
    std::vector<data::ImageEntry> some;
    for (size_t k = 0; k < n_images; ++k) some.push_back(images[k * images.size() / n_images]);
    images = some;
  }
  BothEngines r;
  std::vector<data::Geometry> geoms;
  ImageEvalOptions opt;
  opt.quiet = true;
  opt.on_image = [&](const data::Sample& s, const std::vector<Tensor>&) {  // keep the input for ORT
    char name[32];
    std::snprintf(name, sizeof name, "/case_%03zu", geoms.size());
    std::filesystem::create_directories(cases + name + "/inputs");
    write_npy(cases + name + "/inputs/" + image_input(m.graph).name + ".npy", s.tensor);
    geoms.push_back(s.geom);
  };
  r.fxq = evaluate_detector(exec, images, all ? &ann : nullptr, cfg, opt, [](const std::string& w) { FAIL(w); });
  REQUIRE(r.fxq.images.size() == images.size());

  const auto run = test::run_command("node " + src + "/tests/ort/run_ort.js " + model + " " + cases + " --threads 2");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  detect::MapEvaluator ev(cfg.detect.num_classes);
  std::map<std::string, size_t> annotation_of;
  for (const auto& [e, a] : detect::match_annotated_images(images, ann, [](const std::string&) {})) annotation_of[e.rel] = a;
  for (size_t k = 0; k < images.size(); ++k) {
    char name[32];
    std::snprintf(name, sizeof name, "/case_%03zu", k);
    std::vector<Tensor> outs;
    detect::RawOutputs raw;
    for (size_t o = 0; o < m.graph.outputs.size(); ++o) outs.push_back(read_npy(cases + name + "/ort/" + std::to_string(o) + ".npy"));
    for (size_t o = 0; o < outs.size(); ++o) raw.tensors.push_back(&outs[o]), raw.names.push_back(m.graph.outputs[o].name);
    ImageDetections d;
    d.entry = r.fxq.images[k].entry;
    d.detections = detect::postprocess(cfg.detect, cfg.width, cfg.height, raw, geoms[k]);
    const size_t a = annotation_of.at(d.entry.rel);
    ev.add_image(a, ann.images[a].objects, d.detections);
    r.ort.push_back(std::move(d));
  }
  r.ort_map = ev.finish();
  r.manifest_map50 = test::manifest_map50(sm.key);
  std::filesystem::remove_all(cases);
  return r;
}

struct BoxAgreement {
  size_t compared = 0, unmatched = 0;
  double max_coord = 0, max_score = 0;
};

// For every fxq detection with score >= min_score: the ORT detection of its class with the highest IoU.
BoxAgreement compare_boxes(const BothEngines& b, double min_score) {
  BoxAgreement a;
  for (size_t k = 0; k < b.ort.size(); ++k)
    for (const auto& d : b.fxq.images[k].detections) {
      if (d.score < min_score) continue;
      const detect::Detection* best = nullptr;
      double best_iou = 0;
      for (const auto& o : b.ort[k].detections)
        if (o.cls == d.cls && detect::iou(o.box, d.box) > best_iou) best_iou = detect::iou(o.box, d.box), best = &o;
      ++a.compared;
      if (!best || best_iou < 0.99) {
        ++a.unmatched;
        continue;
      }
      for (double diff : {d.box.x1 - best->box.x1, d.box.y1 - best->box.y1, d.box.x2 - best->box.x2, d.box.y2 - best->box.y2})
        a.max_coord = std::max(a.max_coord, std::abs(diff));
      a.max_score = std::max(a.max_score, std::abs(d.score - best->score));
    }
  return a;
}

const test::SharedModel& shared(const char* key) {
  for (const auto& sm : test::shared_models())
    if (std::string(sm.key) == key) return sm;
  FAIL(key);
  throw;
}

}  // namespace

TEST_CASE("detectors: fxq's detections from its own outputs equal those from ORT's", "[models][ort][detect]") {
  for (const char* key : {"yolox_nano", "nanodet_m_416"}) {
    DYNAMIC_SECTION(key) {
      const BothEngines b = run_both(shared(key), 8);
      const BoxAgreement a = compare_boxes(b, 0.05);
      std::printf("detections %-14s 8 images: %zu boxes (score >= 0.05), %zu unmatched, max |box diff| %.3g px, "
                  "max |score diff| %.3g\n", key, a.compared, a.unmatched, a.max_coord, a.max_score);
      CHECK(a.compared > 20);
      CHECK(a.unmatched == 0);
      CHECK(a.max_coord <= 1e-3);
      CHECK(a.max_score <= 1e-4);
    }
  }
}

TEST_CASE("detectors: float mAP@0.5 equals the MANIFEST's (ONNX Runtime) figures", "[models][accuracy][detect]") {
  for (const char* key : {"yolox_nano", "nanodet_m_416"}) {
    DYNAMIC_SECTION(key) {
      const test::SharedModel& sm = shared(key);
      const BothEngines b = run_both(sm, 1000);
      const detect::MapResult& f = b.fxq.map;
      std::printf("mAP %-14s %zu images, %zu objects: fxq mAP@0.5 %.2f %% (MANIFEST %.2f %%), mAP@0.5:0.95 %.2f %%; "
                  "on ORT's outputs mAP@0.5 %.6f %% (eval_ort.js %.6f %%)\n",
                  key, f.images, f.objects, 100 * f.map50, 100 * b.manifest_map50, 100 * f.map50_95,
                  100 * b.ort_map.map50, 100 * b.manifest_map50);
      REQUIRE(b.fxq.has_map);
      CHECK(f.images == sm.n_images);
      CHECK(f.objects == 1350);
      CHECK(f.per_class.size() == 80);
      CHECK(std::abs(b.ort_map.map50 - b.manifest_map50) <= 1e-9);
      CHECK(std::abs(f.map50 - b.manifest_map50) <= 0.002);
      CHECK(f.map50_95 < f.map50);
      const BoxAgreement a = compare_boxes(b, 0.05);
      std::printf("detections %-14s %zu images: %zu boxes (score >= 0.05), %zu unmatched, max |box diff| %.3g px\n", key,
                  f.images, a.compared, a.unmatched, a.max_coord);
    }
  }
}
