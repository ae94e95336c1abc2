#include "onnx/tensor_proto.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "io/atomic_file.h"

namespace fxq::onnxio {
namespace {

using TP = onnx::TensorProto;

DType dtype_from_proto(int t, const std::string& where) {
  switch (t) {
    case TP::FLOAT: return DType::kFloat32;
    case TP::INT64: return DType::kInt64;
    case TP::INT32: return DType::kInt32;
    case TP::INT8: return DType::kInt8;
    case TP::UINT8: return DType::kUInt8;
    case TP::BOOL: return DType::kBool;
    default:
      fail_unsupported(where + ": tensor data type " + TP::DataType_Name(static_cast<TP::DataType>(t)) +
                       " is not supported (float32, int64, int32, int8, uint8, bool are)");
  }
}

size_t elem_bytes(DType t) {
  switch (t) {
    case DType::kFloat32: case DType::kInt32: return 4;
    case DType::kInt64: return 8;
    default: return 1;
  }
}

std::string read_external(const TP& p, const std::string& where, const std::string& base_dir) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : p.external_data()) {
    if (kv.key() == "location") location = kv.value();
    else if (kv.key() == "offset") offset = std::stoll(kv.value());
    else if (kv.key() == "length") length = std::stoll(kv.value());
  }
  if (location.empty()) fail_input(where + ": external data without a location");
  if (location.find("..") != std::string::npos || location[0] == '/')
    fail_input(where + ": external data location '" + location + "' must be a relative path inside the model's folder");
  std::string file = base_dir.empty() ? location : base_dir + "/" + location;
  std::ifstream in(file, std::ios::binary);
  if (!in) fail_input(where + ": cannot open external data file '" + file + "'");
  in.seekg(0, std::ios::end);
  int64_t size = in.tellg();
  if (offset < 0 || offset > size) fail_input(where + ": external data offset beyond the end of '" + file + "'");
  if (length < 0) length = size - offset;
  if (offset + length > size) fail_input(where + ": external data '" + file + "' is shorter than its stated length");
  std::string bytes(static_cast<size_t>(length), '\0');
  in.seekg(offset);
  in.read(bytes.data(), length);
  return bytes;
}

}  // namespace

int dtype_to_proto(DType t) {
  switch (t) {
    case DType::kFloat32: return TP::FLOAT;
    case DType::kInt64: return TP::INT64;
    case DType::kInt32: return TP::INT32;
    case DType::kInt8: return TP::INT8;
    case DType::kUInt8: return TP::UINT8;
    case DType::kBool: return TP::BOOL;
  }
  return TP::UNDEFINED;
}


Tensor from_proto(const TP& p, const std::string& where, const std::string& base_dir) {
  Tensor t;
  t.dtype = dtype_from_proto(p.data_type(), where);
  for (int64_t d : p.dims()) {
    if (d < 0) fail_input(where + ": negative dimension");
    t.shape.push_back(d);
  }
  const size_t n = static_cast<size_t>(numel(t.shape));
  std::string external;
  const std::string* raw = nullptr;
  if (p.data_location() == TP::EXTERNAL) {
    external = read_external(p, where, base_dir);
    raw = &external;
  } else if (p.has_raw_data()) {
    raw = &p.raw_data();
  }
  if (t.is_float()) t.f.resize(n); else t.i.resize(n);
  if (raw) {
    if (raw->size() != n * elem_bytes(t.dtype))
      fail_input(where + ": holds " + std::to_string(raw->size()) + " bytes for shape " + shape_str(t.shape));
    const char* b = raw->data();
    for (size_t k = 0; k < n; ++k) {
      switch (t.dtype) {
        case DType::kFloat32: std::memcpy(&t.f[k], b + 4 * k, 4); break;
        case DType::kInt64: std::memcpy(&t.i[k], b + 8 * k, 8); break;
        case DType::kInt32: { int32_t v; std::memcpy(&v, b + 4 * k, 4); t.i[k] = v; break; }
        case DType::kInt8: t.i[k] = static_cast<int8_t>(b[k]); break;
        case DType::kUInt8: t.i[k] = static_cast<uint8_t>(b[k]); break;
        case DType::kBool: t.i[k] = b[k] != 0; break;
      }
    }
    return t;
  }
  auto check = [&](size_t got) {
    if (got != n) fail_input(where + ": holds " + std::to_string(got) + " values for shape " + shape_str(t.shape));
  };
  switch (t.dtype) {
    case DType::kFloat32:
      check(static_cast<size_t>(p.float_data_size()));
      for (size_t k = 0; k < n; ++k) t.f[k] = p.float_data(static_cast<int>(k));
      break;
    case DType::kInt64:
      check(static_cast<size_t>(p.int64_data_size()));
      for (size_t k = 0; k < n; ++k) t.i[k] = p.int64_data(static_cast<int>(k));
      break;
    default:  // int32, int8, uint8, bool live in int32_data
      check(static_cast<size_t>(p.int32_data_size()));
      for (size_t k = 0; k < n; ++k) t.i[k] = p.int32_data(static_cast<int>(k));
      break;
  }
  return t;
}

void to_proto(const Tensor& t, const std::string& name, TP* p) {
  p->Clear();
  p->set_name(name);
  p->set_data_type(dtype_to_proto(t.dtype));
  for (int64_t d : t.shape) p->add_dims(d);
  std::string raw(elem_bytes(t.dtype) * static_cast<size_t>(t.size()), '\0');
  char* b = raw.data();
  for (size_t k = 0; k < static_cast<size_t>(t.size()); ++k) {
    switch (t.dtype) {
      case DType::kFloat32: std::memcpy(b + 4 * k, &t.f[k], 4); break;
      case DType::kInt64: std::memcpy(b + 8 * k, &t.i[k], 8); break;
      case DType::kInt32: { int32_t v = static_cast<int32_t>(t.i[k]); std::memcpy(b + 4 * k, &v, 4); break; }
      default: b[k] = static_cast<char>(t.i[k]); break;
    }
  }
  p->set_raw_data(raw);
}

Tensor read_tensor_pb(const std::string& path, std::string* name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_input(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  if (bytes.empty()) fail_input(path + ": file is empty");
  TP p;
  if (!p.ParseFromString(bytes) || (p.dims_size() == 0 && !p.has_raw_data() && p.float_data_size() == 0 &&
                                    p.int64_data_size() == 0 && p.int32_data_size() == 0))
    fail_input(path + ": not a serialized ONNX TensorProto");
  if (name) *name = p.name();
  return from_proto(p, path);
}

void write_tensor_pb(const Tensor& t, const std::string& name, const std::string& path) {
  TP p;
  to_proto(t, name, &p);
  write_file_atomic(path, p.SerializeAsString());
}

}  // namespace fxq::onnxio
