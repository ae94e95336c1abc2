// Raising a graph's default-domain opset without changing what it computes (used by the QDQ exporter,
// which needs QuantizeLinear/DequantizeLinear: opset >= 10, or >= 13 for per-channel scales).
//
// For every default-domain node, the versions of its op introduced in (g.opset, to] are read from
// ONNX's schema registry (libonnx). Each change is either
//  - compatible: the old node is valid and means the same under the new version (new types, negative
//    axes, new optional attributes/inputs whose defaults keep the old meaning) -> nothing to do;
//  - converted: attributes that became inputs (Clip 11 min/max, Slice 10, Pad 11, Split 13,
//    Squeeze/Unsqueeze 13, ReduceSum 13 axes) become initializers; BatchNormalization 9 drops
//    spatial=1; Softmax/LogSoftmax 13 is kept when the axis is the last one (same meaning);
//  - anything else: Error kUnsupported naming the node and the versions (e.g. Upsample, Resize 10->11).
#pragma once
#include <cstdint>

#include "ir/graph.h"

namespace fxq::exporter {

// Converts g's nodes to opset `to` and sets g.opset = to. No-op when to <= g.opset.
void upgrade_opset(Graph& g, int64_t to);

}  // namespace fxq::exporter
