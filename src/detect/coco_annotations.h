// COCO instances annotations (images, annotations, categories) as ground truth for detector evaluation.
// Category ids (1..90 in COCO) map to the model's contiguous classes in ascending-id order, as the
// reference script eval_ort.js and the YOLOX/NanoDet class lists do.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "data/image_folder.h"
#include "detect/box.h"

namespace fxq::detect {

struct GroundTruth {
  Box box;  // x1 = bbox x, x2 = bbox x + w (pixels of the original image)
  int cls = 0;
  bool crowd = false;
};

struct CocoImage {
  int64_t id = 0;
  std::string file_name;
  int width = 0, height = 0;  // 0 when the file does not say
  std::vector<GroundTruth> objects;
};

struct CocoCategory {
  int64_t id = 0;
  std::string name;
};

struct CocoAnnotations {
  std::string source;                    // the file
  std::vector<CocoImage> images;         // in file order (the evaluation's tie-break order, as the reference)
  std::vector<CocoCategory> categories;  // ascending id: index = class
  size_t crowd_count() const;
  size_t object_count() const;  // non-crowd
};

// Reads and checks an instances JSON. Unreadable, invalid JSON, a missing or mistyped field, an annotation of
// an unknown image or category, duplicate image ids or file names -> fail_input("<path>: ...") on one line.
CocoAnnotations load_coco_annotations(const std::string& path);

// The images of a folder that the annotations describe, each with its index in ann.images; an annotation's
// file_name matches an image's path relative to the folder, or, when it is not found so, a unique base name.
// One warning for folder images without annotations, one for annotated images not in the folder;
// none matched -> fail_input.
std::vector<std::pair<data::ImageEntry, size_t>> match_annotated_images(
    const std::vector<data::ImageEntry>& images, const CocoAnnotations& ann,
    const std::function<void(const std::string&)>& warn);

}  // namespace fxq::detect
