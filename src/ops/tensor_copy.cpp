#include "ops/tensor_copy.h"

#include "common/parallel.h"
#include "ops/transpose_avx512.h"

#include <algorithm>

namespace fxq {

Tensor alloc_like(const Tensor& x, Shape shape) {
  Tensor t;
  t.dtype = x.dtype;
  const size_t n = static_cast<size_t>(numel(shape));
  if (x.is_float()) t.f.resize(n);  // FloatData: not written (every caller writes every element)
  else t.i.assign(n, 0);
  t.shape = std::move(shape);
  return t;
}

void copy_range(const Tensor& src, int64_t src_pos, Tensor& dst, int64_t dst_pos, int64_t count) {
  FXQ_CHECK(src.is_float() == dst.is_float(), "copy_range: storage kinds differ");
  if (count <= 0) return;
  if (src.is_float()) std::copy_n(src.f.begin() + src_pos, count, dst.f.begin() + dst_pos);
  else std::copy_n(src.i.begin() + src_pos, count, dst.i.begin() + dst_pos);
}

Tensor take(const Tensor& x, Shape shape, const std::vector<int64_t>& src, double fill) {
  Tensor y = alloc_like(x, std::move(shape));
  FXQ_CHECK(static_cast<int64_t>(src.size()) == y.size(), "take: index count does not match shape");
  for (size_t k = 0; k < src.size(); ++k) {
    FXQ_CHECK(src[k] < x.size(), "take: source index out of range");
    if (y.is_float()) y.f[k] = src[k] < 0 ? static_cast<float>(fill) : x.f[src[k]];
    else y.i[k] = src[k] < 0 ? static_cast<int64_t>(fill) : x.i[src[k]];
  }
  return y;
}

namespace {

// Merges adjacent dims d, d + 1 of a view that walk the source as one (strides[d] == strides[d + 1] *
// shape[d + 1]) and drops dims of size 1: a channel shuffle's [1,2,58,26,26] -> [1,58,2,26,26] becomes
// [58,2,676] (rows of 676 floats instead of 26).
void coalesce(Shape& shape, std::vector<int64_t>& strides) {
  Shape s;
  std::vector<int64_t> st;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!s.empty() && st.back() == strides[d] * shape[d]) {
      s.back() *= shape[d];
      st.back() = strides[d];
    } else {
      s.push_back(shape[d]);
      st.push_back(strides[d]);
    }
  }
  if (s.empty()) s.push_back(1), st.push_back(1);
  shape = std::move(s);
  strides = std::move(st);
}

// y[k] = x[source of k] for a strided view, one innermost row at a time (parallel for large views).
// A view whose innermost dim is strided but whose next one is contiguous in the source (a batch of 2-D
// transposes, e.g. [1,80,2704] -> [1,2704,80]) is copied in 16x16 tiles instead, reading and writing
// whole cache lines; in AVX-512 builds a whole tile of floats is transposed in registers
// (ops/transpose_avx512.h).
template <class V>  // std::vector<int64_t> or FloatData
void copy_strided(const V& x, V& y, Shape shape, int64_t offset,
                  std::vector<int64_t> strides) {
  using T = typename V::value_type;
  coalesce(shape, strides);
  const size_t r = shape.size();
  if (r >= 2 && strides[r - 1] != 1 && strides[r - 2] == 1 && shape[r - 1] >= 16 && shape[r - 2] >= 16) {
    constexpr int64_t kTile = 16;
    const int64_t rows = shape[r - 2], cols = shape[r - 1], cstride = strides[r - 1];
    const int64_t batches = static_cast<int64_t>(y.size()) / (rows * cols);
    const int64_t row_tiles = (rows + kTile - 1) / kTile;
    const T* xp = x.data();
    T* yp = y.data();
    parallel_range(batches * row_tiles, std::max<int64_t>(1, (1 << 14) / (kTile * cols)), [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t b = t / row_tiles, i0 = t % row_tiles * kTile, i1 = std::min(rows, i0 + kTile);
        int64_t src = offset, rest = b;
        for (size_t d = r - 2; d-- > 0;) {
          src += (rest % shape[d]) * strides[d];
          rest /= shape[d];
        }
        T* dst = yp + b * rows * cols;
        for (int64_t j0 = 0; j0 < cols; j0 += kTile) {
          const int64_t j1 = std::min(cols, j0 + kTile);
#if defined(__AVX512F__)
          if constexpr (sizeof(T) == 4) {  // float or int32 bits: a whole tile in registers
            if (i1 - i0 == kTile && j1 - j0 == kTile) {
              __m512 v[16];
              for (int j = 0; j < 16; ++j)
                v[j] = _mm512_loadu_ps(reinterpret_cast<const float*>(xp + src + i0 + (j0 + j) * cstride));
              transpose16x16(v);
              for (int i = 0; i < 16; ++i) _mm512_storeu_ps(reinterpret_cast<float*>(dst + (i0 + i) * cols + j0), v[i]);
              continue;
            }
          }
#endif
          for (int64_t i = i0; i < i1; ++i)
            for (int64_t j = j0; j < j1; ++j) dst[i * cols + j] = xp[src + i + j * cstride];
        }
      }
    });
    return;
  }
  const int64_t n = static_cast<int64_t>(y.size());
  const int64_t inner = r == 0 ? 1 : shape[r - 1], step = r == 0 ? 0 : strides[r - 1];
  if (n == 0 || inner == 0) return;
  const T* xp = x.data();
  T* yp = y.data();
  parallel_range(n / inner, std::max<int64_t>(1, (1 << 14) / inner), [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      int64_t src = offset, rest = row;
      for (size_t d = r - 1; d-- > 0;) {
        src += (rest % shape[d]) * strides[d];
        rest /= shape[d];
      }
      T* dst = yp + row * inner;
      if (step == 1) {
        std::copy_n(xp + src, inner, dst);
        continue;
      }
      int64_t k = 0;
#if defined(__AVX512F__)
      if constexpr (sizeof(T) == 4) {
        // every other element (YOLOX's space-to-depth Slices, 416 -> 208 columns): 16 outputs from two
        // loads split by vpermt2ps; the loads stay below the row's last source element + 1
        if (step == 2) {
          const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
          const float* s0 = reinterpret_cast<const float*>(xp + src);
          for (; k + 16 < inner; k += 16)
            _mm512_storeu_ps(reinterpret_cast<float*>(dst + k),
                             _mm512_permutex2var_ps(_mm512_loadu_ps(s0 + 2 * k), even, _mm512_loadu_ps(s0 + 2 * k + 16)));
        }
      }
#endif
      for (; k < inner; ++k) dst[k] = xp[src + k * step];
    }
  });
}

}  // namespace

Tensor strided_view(const Tensor& x, Shape shape, int64_t offset, const std::vector<int64_t>& strides) {
  FXQ_CHECK(strides.size() == shape.size(), "strided_view: one stride per dim");
  Tensor y = alloc_like(x, shape);
  if (y.size() == 0) return y;
  int64_t lo = offset, hi = offset;  // the smallest and largest source index reached
  for (size_t d = 0; d < shape.size(); ++d) (strides[d] < 0 ? lo : hi) += (shape[d] - 1) * strides[d];
  FXQ_CHECK(lo >= 0 && hi < x.size(), "strided_view: index outside the input");
  if (x.is_float()) copy_strided(x.f, y.f, shape, offset, strides);
  else copy_strided(x.i, y.i, shape, offset, strides);
  return y;
}

Tensor permute(const Tensor& x, const Shape& view, const std::vector<int64_t>& perm) {
  FXQ_CHECK(numel(view) == x.size() && perm.size() == view.size(), "permute: bad view or perm");
  const std::vector<int64_t> in_strides = strides_of(view);
  Shape shape(view.size());
  std::vector<int64_t> strides(view.size());
  for (size_t d = 0; d < perm.size(); ++d) {
    shape[d] = view[perm[d]];
    strides[d] = in_strides[perm[d]];
  }
  return strided_view(x, shape, 0, strides);
}

int64_t normalize_axis(const KernelArgs& a, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    a.fail_input("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

}  // namespace fxq
