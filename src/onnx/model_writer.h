// Writing fxq's graph IR back to ONNX: the inverse of model_loader (nodes with every attribute kind,
// initializers, inputs/outputs with dtype and shape, symbolic dims as dim_param, value_info).
// The model imports the default-domain opset g.opset, plus version 1 of every other domain its
// nodes use (the IR does not keep other domains' versions), at IR version max(7, g.ir_version).
#pragma once
#include <string>

#include "ir/graph.h"

namespace onnx {
class ModelProto;
}

namespace fxq::onnxio {

// A node attribute the IR could not keep (Attribute::Kind::kOther: graphs, sparse tensors) is an
// Error kUnsupported naming the node and the attribute.
onnx::ModelProto to_model_proto(const Graph& g);

// Serializes to_model_proto(g) and writes it with write_file_atomic (Error kOutput when it cannot).
void save_model(const Graph& g, const std::string& path);

// Serializes a model and writes it atomically; a model over protobuf's 2 GiB limit is Error kUnsupported.
void save_model_proto(const onnx::ModelProto& m, const std::string& path);
// The bytes save_model_proto writes (`path` only names the file in errors), for callers that write
// several outputs together (StagedFiles).
std::string serialize_model_proto(const onnx::ModelProto& m, const std::string& path);

}  // namespace fxq::onnxio
