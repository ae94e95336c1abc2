// Tensor: a dtype, a shape and its elements (row-major). Float tensors hold `f`; integer and bool
// tensors (shape arithmetic, indices) hold `i` as int64 whatever their ONNX width.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <string>
#include <vector>

namespace fxq {

enum class DType { kFloat32, kInt64, kInt32, kInt8, kUInt8, kBool };

const char* dtype_name(DType t);
inline bool is_float(DType t) { return t == DType::kFloat32; }

using Shape = std::vector<int64_t>;

// std::allocator, except that an element constructed without a value is default-initialised: for
// float, left uninitialised. So `FloatData(n)` and `resize(n)` do not write the memory (use
// `assign(n, 0.0f)` or `resize(n, 0.0f)` for zeros), and a kernel that writes every element of its
// output does not pay a memset first (a conv's zero-fill cost NanoDet-m 0.3 ms of 8.5, docs/engine.md).
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() noexcept = default;
  template <class U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible<U>::value) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
using FloatData = std::vector<float, DefaultInitAllocator<float>>;
inline std::vector<float> to_vector(const FloatData& v) { return {v.begin(), v.end()}; }
// Element-wise comparison with a std::vector<float> (tests compare Tensor::f with literals).
inline bool operator==(const FloatData& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}
inline bool operator==(const std::vector<float>& a, const FloatData& b) { return b == a; }
inline bool operator!=(const FloatData& a, const std::vector<float>& b) { return !(a == b); }
inline bool operator!=(const std::vector<float>& a, const FloatData& b) { return !(b == a); }

inline int64_t numel(const Shape& s) {            // product of dims (1 for a scalar); inline: hot loops ask Tensor::size()
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}
std::string shape_str(const Shape& s);          // "[1,3,224,224]"; -1 prints as "?"
std::vector<int64_t> strides_of(const Shape& s);  // row-major element strides

struct Tensor {
  DType dtype = DType::kFloat32;
  Shape shape;
  FloatData f;             // elements when dtype is kFloat32
  std::vector<int64_t> i;  // elements otherwise

  static Tensor zeros(Shape shape);                                   // float
  // Float, elements uninitialised: only for outputs the kernel then writes completely.
  static Tensor uninitialized(Shape shape);
  static Tensor from_floats(Shape shape, std::vector<float> values);  // sizes must match
  static Tensor from_ints(Shape shape, std::vector<int64_t> values, DType dtype = DType::kInt64);

  int64_t size() const { return numel(shape); }
  bool is_float() const { return dtype == DType::kFloat32; }
  int rank() const { return static_cast<int>(shape.size()); }
  int64_t dim(int axis) const { return shape[static_cast<size_t>(axis)]; }
  // Element k as double/int64 whatever the storage (for shape ops and tests).
  double at(int64_t k) const { return is_float() ? f[k] : static_cast<double>(i[k]); }
  int64_t int_at(int64_t k) const { return is_float() ? static_cast<int64_t>(f[k]) : i[k]; }
  std::vector<int64_t> to_ints() const;  // all elements as int64 (shape/axes inputs)
  size_t bytes() const;                  // storage size in the ONNX dtype's width
};

}  // namespace fxq
