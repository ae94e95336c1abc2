// Loading an ONNX file into fxq's graph IR: parse, run ONNX's checker and shape inference, convert.
// Every problem is one fxq::Error naming the file: kBadInput for files that are not a valid ONNX model,
// kUnsupported for valid models outside what fxq handles (opset, dtype, no float input).
#pragma once
#include <string>
#include <vector>

#include "ir/graph.h"

namespace fxq::onnxio {

constexpr int64_t kMinOpset = 7;
constexpr int64_t kMaxOpset = 17;

struct LoadResult {
  Graph graph;
  std::vector<std::string> warnings;  // e.g. shape inference could not finish
};

LoadResult load_model(const std::string& path);

}  // namespace fxq::onnxio
