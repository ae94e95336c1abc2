// The models of ../shared/data (see its MANIFEST.md) with their preset, images and the float
// accuracy the MANIFEST measured with ONNX Runtime.
#pragma once
#include <vector>

namespace fxq::test {

struct SharedModel {
  const char* key;
  const char* file;      // under shared/data
  const char* preset;    // configs/<preset>.json
  const char* images;    // under shared/data
  const char* labels;    // under shared/data, or "" for detectors
  double top1, top5;     // MANIFEST figures in %, top5 < 0 when the MANIFEST gives none
  size_t n_images;       // labelled images the MANIFEST used
};

inline const std::vector<SharedModel>& shared_models() {
  static const std::vector<SharedModel> models = {
      {"squeezenet1.1", "models/cls/squeezenet1.1_zoo_rebuilt.onnx", "imagenet-224", "images/imagenet",
       "images/imagenet/labels.tsv", 62.50, 83.75, 800},
      {"mobilenetv2", "models/cls/mobilenetv2_zoo_int8_dequant.onnx", "imagenet-224", "images/imagenet",
       "images/imagenet/labels.tsv", 81.75, 95.88, 800},
      {"resnet20_cifar10", "models/cls/resnet20_cifar10.onnx", "cifar10-32", "images/cifar10",
       "images/cifar10/labels.tsv", 80.15, -1, 2000},
      {"resnet56_cifar10", "models/cls/resnet56_cifar10.onnx", "cifar10-32", "images/cifar10",
       "images/cifar10/labels.tsv", 81.45, -1, 2000},
      {"mnist8", "models/cls/mnist8_zoo.onnx", "mnist-28", "images/mnist", "images/mnist/labels.tsv", 98.60, -1, 2000},
      {"yolox_nano", "models/det/yolox_nano.onnx", "yolox-416", "images/coco", "", -1, -1, 159},
      {"nanodet_m_416", "models/det/nanodet_m_416.onnx", "nanodet-416", "images/coco", "", -1, -1, 159},
  };
  return models;
}

}  // namespace fxq::test
