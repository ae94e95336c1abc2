// The interface every op implements: one file per op under src/ops/, one line in ops/op_list.h.
// An op file defines `extern const OpDef kOp_<Type>` with its float reference kernel and, where
// the op multiplies, its MAC count. Attributes are read with their ONNX defaults at the point of use.
#pragma once
#include <string>
#include <vector>

#include "common/error.h"
#include "ir/graph.h"
#include "ir/tensor.h"
#include "ops/epilogue.h"

namespace fxq {

struct KernelArgs {
  const Node& node;
  int64_t opset;                    // default-domain opset of the model (some ops changed inputs)
  std::vector<const Tensor*> in;    // nullptr for absent optional inputs
  std::vector<Tensor>& out;         // one per node output, filled by the kernel
  const Epilogue* epilogue = nullptr;  // Conv only: an activation fused into it (engine/fusion.h)
  const Tensor* residual = nullptr;    // Conv only: the other operand of an Add fused into it, added before `epilogue`
  // Input 0's value when the engine frees it after this node (its last reader, read once here): ops
  // that pass their input on unchanged (Reshape, Flatten, ...) move it instead of copying it.
  Tensor* donor = nullptr;

  size_t num_inputs() const { return in.size(); }
  bool has_input(size_t k) const { return k < in.size() && in[k] != nullptr; }
  // Input k; a missing required input is a bad-input error naming the node.
  const Tensor& input(size_t k) const;
  // Input k, which must be float32.
  const Tensor& float_input(size_t k) const;
  // Input 0 as a value of the op's own: moved from `donor` when there is one, else a copy.
  Tensor take_input0();
  Tensor& output(size_t k) { return out.at(k); }
  size_t num_outputs() const { return out.size(); }
  [[noreturn]] void fail_input(const std::string& msg) const;        // "<op 'name'>: msg", exit 4
  [[noreturn]] void fail_unsupported(const std::string& msg) const;  // "<op 'name'>: msg", exit 5
};

// Shapes of a node's inputs and outputs, for cost models (MACs).
struct ShapeArgs {
  const Node& node;
  std::vector<Shape> in;   // empty shape for absent inputs
  std::vector<Shape> out;
};

using KernelFn = void (*)(KernelArgs&);
using MacsFn = int64_t (*)(const ShapeArgs&);

// How an op takes part in fixed-point quantization (all false: its float output is requantized to
// a format of its own, e.g. Add, Concat, AveragePool, Sigmoid).
struct QuantRule {
  bool layer = false;         // input 1 is a weight, input 2 an optional bias (Conv, Gemm, MatMul)
  bool keeps_format = false;  // output values stay on the input's grid (Relu, MaxPool, Reshape, ...)
  bool fusable = false;       // an activation the preceding layer's output is quantized after
};

struct OpDef {
  const char* type;     // ONNX op_type
  const char* summary;  // one line for `fxq ops`
  KernelFn run;         // float reference kernel
  MacsFn macs;          // multiply-accumulates per run, or nullptr for ops that do not multiply
  QuantRule quant{};    // role in quantization (default: requantize the output)
};

}  // namespace fxq
