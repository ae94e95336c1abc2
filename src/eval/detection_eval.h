// Runs a detector over a folder of images: each image's outputs are decoded, NMS'd and mapped back to the
// original image (detect/postprocess.h) with the preset's "detect" section; with COCO annotations, the
// mAP of docs/detection.md. Streams like evaluate_images: memory holds only the final detections
// (at most max_detections per image).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "data/image_folder.h"
#include "data/preprocess_config.h"
#include "detect/average_precision.h"
#include "detect/coco_annotations.h"
#include "eval/image_eval.h"

namespace fxq {

struct ImageDetections {
  data::ImageEntry entry;
  long annotation = -1;  // index in CocoAnnotations::images, -1 without annotations
  int width = 0, height = 0;  // the decoded image
  std::vector<detect::Detection> detections;  // original-image pixels, best first
};

struct DetectionEvalResult {
  ImageEvalResult run;
  std::vector<ImageDetections> images;  // every image that was run, in folder order
  bool has_map = false;
  detect::MapResult map;
};

// The preset must be a detector's and its "detect" section must fit the model's outputs: checked on the
// graph's output shapes when they are static (else on the first image). fail_input naming the config and
// the model otherwise.
void check_detector_fits(const Graph& g, const data::PreprocessConfig& cfg);

// `annotations` may be null (detections only). With annotations, only the folder's images that they
// describe are run (detect::match_annotated_images), and their class count must equal the config's.
DetectionEvalResult evaluate_detector(const Graph& g, const ModelRunFn& run, const std::vector<data::ImageEntry>& images,
                                      const detect::CocoAnnotations* annotations, const data::PreprocessConfig& cfg,
                                      const ImageEvalOptions& opt, const std::function<void(const std::string&)>& warn);
DetectionEvalResult evaluate_detector(const Executor& exec, const std::vector<data::ImageEntry>& images,
                                      const detect::CocoAnnotations* annotations, const data::PreprocessConfig& cfg,
                                      const ImageEvalOptions& opt, const std::function<void(const std::string&)>& warn);

}  // namespace fxq
