#include "ir/tensor.h"

#include "common/error.h"

namespace fxq {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::kFloat32: return "float32";
    case DType::kInt64: return "int64";
    case DType::kInt32: return "int32";
    case DType::kInt8: return "int8";
    case DType::kUInt8: return "uint8";
    case DType::kBool: return "bool";
  }
  return "?";
}

std::string shape_str(const Shape& s) {
  std::string r = "[";
  for (size_t k = 0; k < s.size(); ++k) {
    if (k) r += ",";
    r += s[k] < 0 ? "?" : std::to_string(s[k]);
  }
  return r + "]";
}

std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int k = static_cast<int>(s.size()) - 2; k >= 0; --k) st[k] = st[k + 1] * s[k + 1];
  return st;
}

Tensor Tensor::zeros(Shape shape) {
  Tensor t;
  t.dtype = DType::kFloat32;
  t.f.assign(static_cast<size_t>(numel(shape)), 0.0f);
  t.shape = std::move(shape);
  return t;
}

Tensor Tensor::uninitialized(Shape shape) {
  Tensor t;
  t.dtype = DType::kFloat32;
  t.f.resize(static_cast<size_t>(numel(shape)));  // DefaultInitAllocator: not written
  t.shape = std::move(shape);
  return t;
}

Tensor Tensor::from_floats(Shape shape, std::vector<float> values) {
  FXQ_CHECK(static_cast<int64_t>(values.size()) == numel(shape), "from_floats: size does not match shape");
  Tensor t;
  t.shape = std::move(shape);
  t.f.assign(values.begin(), values.end());
  return t;
}

Tensor Tensor::from_ints(Shape shape, std::vector<int64_t> values, DType dtype) {
  FXQ_CHECK(static_cast<int64_t>(values.size()) == numel(shape), "from_ints: size does not match shape");
  FXQ_CHECK(dtype != DType::kFloat32, "from_ints: dtype must be an integer type");
  Tensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.i = std::move(values);
  return t;
}

std::vector<int64_t> Tensor::to_ints() const {
  if (!is_float()) return i;
  std::vector<int64_t> r(f.size());
  for (size_t k = 0; k < f.size(); ++k) r[k] = static_cast<int64_t>(f[k]);
  return r;
}

size_t Tensor::bytes() const {
  size_t w = 8;
  switch (dtype) {
    case DType::kFloat32: case DType::kInt32: w = 4; break;
    case DType::kInt64: w = 8; break;
    case DType::kInt8: case DType::kUInt8: case DType::kBool: w = 1; break;
  }
  return w * static_cast<size_t>(size());
}

}  // namespace fxq
