// TensorProto <-> fxq::Tensor. Handles raw_data and the typed fields, and external data
// (location relative to the model's directory).
#pragma once
#include <string>

#include "ir/tensor.h"

namespace onnx {
class TensorProto;
}

namespace fxq::onnxio {

// The onnx::TensorProto::DataType of a dtype.
int dtype_to_proto(DType t);

// `where` names the tensor in messages (e.g. "model.onnx: initializer 'conv1.weight'").
// `base_dir` resolves external-data locations.
Tensor from_proto(const onnx::TensorProto& p, const std::string& where, const std::string& base_dir = "");
void to_proto(const Tensor& t, const std::string& name, onnx::TensorProto* p);

// A serialized TensorProto file (as in ONNX's own test data: test_data_set_0/input_0.pb).
Tensor read_tensor_pb(const std::string& path, std::string* name = nullptr);
void write_tensor_pb(const Tensor& t, const std::string& name, const std::string& path);

}  // namespace fxq::onnxio
