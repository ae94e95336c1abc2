// Runs a model over a folder of images, streaming: top-1/top-5 when labels are given, raw outputs
// written as .npy on request, timing of the engine alone.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "data/image_folder.h"
#include "data/image_stream.h"
#include "data/preprocess_config.h"
#include "engine/executor.h"
#include "eval/topk.h"

namespace fxq {

struct ImageEvalOptions {
  size_t batch = 16;          // images decoded (and, for a dynamic batch dim, run) together
  std::string dump_dir;       // if set: <dump_dir>/<image rel path, '/'->'__'>.<output index>.npy
  bool quiet = false;         // no progress output
  std::string label = "images";  // progress label
  // If set: called for every image, in order, with its outputs (graph-output order, batch dim 1) — how
  // detector metrics (eval/detection_eval.h) see each image with its preprocessing geometry.
  std::function<void(const data::Sample&, const std::vector<Tensor>&)> on_image;
};

struct ImageEvalResult {
  size_t images = 0, skipped = 0;
  TopK topk;                  // filled when labels are given
  double engine_seconds = 0;  // time inside Executor::run
  double ms_per_image() const { return images ? 1000.0 * engine_seconds / images : 0.0; }
};

// The preprocessing must make tensors of the model's image-input shape: Error kBadInput otherwise.
void check_input_fits(const Graph& g, const data::PreprocessConfig& cfg);

// Runs the model on one feed (graph-input name -> tensor) and returns every graph output.
using ModelRunFn = std::function<std::map<std::string, Tensor>(std::map<std::string, Tensor>)>;

// `labels` is empty or one class index per image. `run` defaults to exec.run (the float model); the
// quantized simulation passes its own.
ImageEvalResult evaluate_images(const Graph& g, const ModelRunFn& run,
                                const std::vector<data::ImageEntry>& images, const std::vector<int>& labels,
                                const data::PreprocessConfig& cfg, const ImageEvalOptions& opt,
                                const std::function<void(const std::string&)>& warn);
ImageEvalResult evaluate_images(const Executor& exec, const std::vector<data::ImageEntry>& images,
                                const std::vector<int>& labels, const data::PreprocessConfig& cfg,
                                const ImageEvalOptions& opt, const std::function<void(const std::string&)>& warn);

}  // namespace fxq
