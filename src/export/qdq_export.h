// The one QDQ writer: turns a prepared float Graph and its QuantPlan into a QDQ ONNX model whose
// ONNX Runtime run equals fxq's simulation of the plan (docs/qdq-export.md: patterns, opsets, 16-bit
// handling, what ONNX Runtime and OpenCV accept, and why the two runs agree).
//
// Patterns (scale = 2^-frac as a float32 initializer, zero point 0):
//  - activation v in Q(b, f, s):  v [-> Clip(qmin*2^-f, qmax*2^-f) when b < container bits]
//        -> QuantizeLinear -> "<v>_quantized" -> DequantizeLinear -> readers.
//    Scale and zero point are named "<v>_scale" / "<v>_zero_point" (OpenCV 4.6 recognises int8
//    tensors by these names). The DequantizeLinear output keeps the name v (the producer's output is
//    renamed), so readers and graph outputs keep their names; for a graph input it is "<v>_dequant".
//  - weights (kOrt): integers as an int8/uint8 initializer "<w>_quantized" -> DequantizeLinear -> w
//    (axis 0 and one scale per channel with per-channel fracs); biases: int32 initializer + DQ.
//  - kOpenCV style: weights and biases as float initializers holding the dequantized values (exactly
//    the grid values), no Q/DQ on constants (OpenCV 4.6 cannot import a Q or DQ of a constant); clamps
//    as Max/Min; the model's Clips rewritten likewise; Gemm B stored transposed (opencv_compat.h).
//  - 9..16 bits: int16/uint16 with com.microsoft QuantizeLinear/DequantizeLinear (ONNX Runtime's
//    contrib ops); the default domain has 16-bit types only from opset 21.
//  - every Conv gets its kernel_shape attribute written out, every Gemm its transA/transB (OpenCV).
// Opset: the model's own when >= 10 (QuantizeLinear-10 has per-tensor scales); raised to 13 only
// when a per-channel DequantizeLinear is needed, and to 10 for older models (see opset_upgrade.h).
#pragma once
#include <string>

#include "ir/graph.h"
#include "quant/plan.h"

namespace onnx {
class ModelProto;
}

namespace fxq::exporter {

enum class QdqStyle {
  kOrt,     // integer initializers + DequantizeLinear for weights and biases (default)
  kOpenCV,  // weights and biases as float initializers on the grid; loads in OpenCV 4.6's DNN importer.
            // Activations <= 8 bits only. ONNX Runtime (1.30 tested) re-quantizes float Conv/Gemm weights
            // that sit between Q/DQ with its own scales at optimization level 'basic' and above
            // (its WeightBiasQuantization pass), so use kOrt for ONNX Runtime (docs/qdq-export.md).
};

struct QdqOptions {
  QdqStyle style = QdqStyle::kOrt;
};

// Errors: a plan naming tensors the graph does not have, or of the wrong kind -> kInternal (plans
// come from fxq); bits > 16 for activations/weights (> 8 for activations in the OpenCV style), unsigned
// biases, or a node whose op would need an opset conversion fxq lacks -> kUnsupported.
onnx::ModelProto export_qdq(const Graph& g, const quant::QuantPlan& plan, const QdqOptions& opt = {});

// export_qdq + atomic write. out_path naming the same file as input_path (compared as canonical
// paths, so "./m.onnx", "dir/../m.onnx" and symlinks count) is Error kUsage: the float model is
// never overwritten. A write failure is Error kOutput.
void write_qdq(const Graph& g, const quant::QuantPlan& plan, const std::string& out_path,
               const std::string& input_path, const QdqOptions& opt = {});
// The bytes write_qdq writes, with the same checks, for writing them together with other outputs.
std::string qdq_bytes(const Graph& g, const quant::QuantPlan& plan, const std::string& out_path,
                      const std::string& input_path, const QdqOptions& opt = {});

// True when out_path and input_path name the same file (canonical paths, or the same inode).
bool same_file(const std::string& a, const std::string& b);

}  // namespace fxq::exporter
