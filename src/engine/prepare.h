// Load a model file and make it ready for the engine: ONNX checks, conversion, default passes.
#pragma once
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/passes/passes.h"

namespace fxq {

struct PreparedModel {
  Graph graph;
  std::vector<std::string> warnings;
  passes::PassSummary passes;
};

PreparedModel prepare_model(const std::string& path, bool run_passes = true);

// The model's single image-like input: the float32 rank-4 input (error naming the file otherwise).
const ValueInfo& image_input(const Graph& g);

}  // namespace fxq
