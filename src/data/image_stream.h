// ImageStream: decodes and preprocesses a list of images batch by batch, so memory does not grow with the
// number of images. Files that cannot be decoded are warned about and skipped.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "data/image_folder.h"
#include "data/preprocess.h"
#include "data/preprocess_config.h"
#include "ir/tensor.h"

namespace fxq::data {

struct Sample {
  ImageEntry entry;
  int label = -1;  // -1 when the stream has no labels
  Tensor tensor;   // float [1,C,H,W] or [1,H,W,C]
  Geometry geom;
};

class ImageStream {
 public:
  // labels: empty, or one per image. batch_size >= 1. cfg is validated here (fail_input if invalid).
  ImageStream(std::vector<ImageEntry> images, std::vector<int> labels, PreprocessConfig cfg, size_t batch_size,
              std::function<void(const std::string&)> warn);

  // Fills `batch` with up to batch_size samples in list order; false when no image is left.
  // Undecodable file: warn("<path>: cannot decode image, skipped"). A decodable image that the config rejects
  // (e.g. "resize": "none" and another size) -> fail_input("<path>: ...").
  bool next(std::vector<Sample>& batch);

  size_t total() const { return images_.size(); }
  size_t skipped() const { return skipped_; }
  size_t delivered() const { return delivered_; }
  const PreprocessConfig& config() const { return cfg_; }

 private:
  std::vector<ImageEntry> images_;
  std::vector<int> labels_;
  PreprocessConfig cfg_;
  size_t batch_size_;
  std::function<void(const std::string&)> warn_;
  size_t pos_ = 0, skipped_ = 0, delivered_ = 0;
};

}  // namespace fxq::data
