// Rewrites that make an exported model importable by OpenCV 4.6's DNN module (Debian 12) without
// changing what it computes (docs/qdq-export.md lists what that importer refuses and why).
#pragma once
#include "export/qdq_nodes.h"
#include "ir/graph.h"

namespace fxq::exporter {

// Writes optional attributes out: Conv's kernel_shape (from W's shape; OpenCV requires it) and Gemm's
// transA/transB defaults. Writing a default, or what ONNX infers from W, changes nothing.
void write_explicit_attributes(Graph& g);

// Clip with constant bounds given as inputs (opset >= 11) -> Min(Max(x, x*0 + lo), x*0 + hi): OpenCV
// 4.6 imports Clip only with attribute bounds (opset < 11). Exact for finite x.
void rewrite_clips_as_max_min(Graph& g, NameTable& names);

// Gemm with a constant B and transB = 0 -> B stored transposed, transB = 1: OpenCV 4.6 reads B as
// [N, K] whatever transB says. A data move: exact. The old B is dropped when nothing else reads it.
void transpose_gemm_weights(Graph& g, NameTable& names);

}  // namespace fxq::exporter
