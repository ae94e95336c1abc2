// Per-layer shapes, parameters and MACs, found by running the model once on zeros.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace fxq {

struct LayerStats {
  std::string name, op;
  std::vector<Shape> out_shapes;
  int64_t params = 0;  // elements of the weight initializers the node reads (float, or integer in QDQ models)
  int64_t macs = 0;    // multiply-accumulates for one run (batch of the input shapes used)
};

struct ModelStats {
  std::vector<LayerStats> layers;
  std::map<std::string, int> op_histogram;
  std::map<std::string, Shape> input_shapes, output_shapes;
  int64_t params = 0, weight_bytes = 0, macs = 0;
};

// `shapes` overrides input shapes by name; otherwise a dynamic first dim becomes 1 and any other
// dynamic dim is Error kUnsupported asking for an explicit shape.
ModelStats compute_stats(const Graph& g, const std::map<std::string, Shape>& shapes = {});

}  // namespace fxq
