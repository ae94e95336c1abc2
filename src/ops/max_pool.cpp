// MaxPool: the largest input under each window (kernel_shape, strides, dilations, pads or auto_pad,
// ceil_mode; 1 to 3 spatial axes). Padded cells never win; a window with no input cell gives the
// lowest float (as ONNX Runtime); NaN inputs never win (a window of NaNs only gives the lowest float).
// Max is exact, so every path below gives the reference's values, except that which of +0 and -0 a
// window of zeros gives may differ. The Indices output (and storage_order, which only affects it) is
// not supported.
// 2-D windows (every pool of the shared models) run separably, first over each window's rows, then over
// its columns: the direct path (AVX-512, strides 1 and 2) keeps both stages in registers and reads the
// plane in place; the row-buffer path (any build, any window) goes through one row buffer.
#include <algorithm>
#include <limits>
#include <type_traits>
#include <vector>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include "common/parallel.h"

#include "ops/op.h"
#include "ops/pool_kernels.h"
#include "ops/row_taps_avx512.h"
#include "ops/spatial.h"
#include "ops/vec.h"

namespace fxq {
namespace {

constexpr float kLowest = std::numeric_limits<float>::lowest();

// Max over the window of output position o of one [D, H, W] plane (3-D windows; the reference the
// 2-D kernel below is tested against is the same loop, in tests/test_ops_nn.cpp).
float window_max(const Window& w, const float* plane, const int64_t o[3]) {
  int64_t lo[3], hi[3];
  for (size_t ax = 0; ax < 3; ++ax) w.taps_inside(ax, o[ax], lo[ax], hi[ax]);
  float m = kLowest;
  for (int64_t kd = lo[0]; kd < hi[0]; ++kd)
    for (int64_t kh = lo[1]; kh < hi[1]; ++kh) {
      const int64_t row = (w.input_pos(0, o[0], kd) * w.in[1] + w.input_pos(1, o[1], kh)) * w.in[2];
      for (int64_t kw = lo[2]; kw < hi[2]; ++kw) {
        const float v = plane[row + w.input_pos(2, o[2], kw)];
        if (v > m) m = v;
      }
    }
  return m;
}

// Vectors of N floats (Vec<N> and V(p), ops/vec.h: one AVX-512 register for N = 16, two AVX ones
// otherwise); `v > m ? v : m` compiles to one vmaxps (m when v is
// NaN). Rows are short (13 to 208 floats in the shared models), so they are done in whole vectors of
// 16, 8 or 4 floats, the last one overlapping the one before it (computing the same maxima twice)
// instead of a scalar tail; nothing outside the row is read or written. As in conv_kernels.cpp,
// vectors are never passed to or returned from functions.

// Calls block.template operator()<N>(i) for i = 0, N, 2N, ... and, if n is not a multiple of N, for
// i = n - N, with N the widest of 16, 8, 4 that fits in n; false (nothing done) when n < 4.
template <class Block>
bool for_vectors(int64_t n, Block&& block) {
  auto run = [&](auto width) {
    constexpr int N = decltype(width)::value;
    for (int64_t i = 0; i + N <= n; i += N) block.template operator()<N>(i);
    if (n % N) block.template operator()<N>(n - N);
  };
  if (n >= 16) run(std::integral_constant<int, 16>{});
  else if (n >= 8) run(std::integral_constant<int, 8>{});
  else if (n >= 4) run(std::integral_constant<int, 4>{});
  else return false;
  return true;
}

// The vertical stage: m[i] = max(lowest, rows[i], rows[step + i], ..., rows[(taps - 1) * step + i])
// for i < n, read straight from the input plane. Starting from the lowest float, a NaN never wins.
struct RowsMax {
  const float* rows;
  int64_t step, taps;
  float* m;
  template <int N>
  void operator()(int64_t i) const {
    typedef typename Vec<N>::T T;
    T acc = T{} + kLowest;
    for (int64_t t = 0; t < taps; ++t) {
      const T v = V<N>(rows + t * step + i);
      acc = v > acc ? v : acc;
    }
    V<N>(m + i) = acc;
  }
};

void rows_max(const float* rows, int64_t step, int64_t taps, float* m, int64_t n) {
  if (for_vectors(n, RowsMax{rows, step, taps, m})) return;
  for (int64_t i = 0; i < n; ++i) {
    float acc = kLowest;
    for (int64_t t = 0; t < taps; ++t) acc = rows[t * step + i] > acc ? rows[t * step + i] : acc;
    m[i] = acc;
  }
}

// The horizontal stage at stride 1: out[o] = max over t < taps of m[o + t * dw]; each tap is a
// contiguous shifted load.
struct ColsMaxS1 {
  const float* m;
  int64_t dw, taps;
  float* out;
  template <int N>
  void operator()(int64_t o) const {
    typedef typename Vec<N>::T T;
    T acc = V<N>(m + o);
    for (int64_t t = 1; t < taps; ++t) {
      const T v = V<N>(m + o + t * dw);
      acc = v > acc ? v : acc;
    }
    V<N>(out + o) = acc;
  }
};

// At stride 2: the maxima h[c] = max over t of m[c + t * dw] for the 2N contiguous columns
// c = 2o ... 2o + 2N - 1 (two vectors, contiguous shifted loads), then out[o + j] = h[2o + 2j], the
// even lanes of the pair (one vpermt2ps). Reads m up to index 2n - 1 + (taps - 1) * dw, one past the
// last column a window touches.
struct ColsMaxS2 {
  const float* m;
  int64_t dw, taps;
  float* out;
  template <int N>
  void operator()(int64_t o) const {
    typedef typename Vec<N>::T T;
    typename Vec<N>::Index even;
    for (int k = 0; k < N; ++k) even[k] = 2 * k;
    const float* p = m + 2 * o;
    T a = V<N>(p), b = V<N>(p + N);
    for (int64_t t = 1; t < taps; ++t) {
      const T va = V<N>(p + t * dw), vb = V<N>(p + N + t * dw);
      a = va > a ? va : a;
      b = vb > b ? vb : b;
    }
    V<N>(out + o) = __builtin_shuffle(a, b, even);
  }
};

// out[o] = max over t < taps of m[o * sw + t * dw] for o < n.
void cols_max(const float* m, int64_t sw, int64_t dw, int64_t taps, float* out, int64_t n) {
  if (sw == 1 && for_vectors(n, ColsMaxS1{m, dw, taps, out})) return;
  if (sw == 2 && for_vectors(n, ColsMaxS2{m, dw, taps, out})) return;
  for (int64_t o = 0; o < n; ++o) {  // other strides, and rows of fewer than 4 outputs
    float acc = m[o * sw];
    for (int64_t t = 1; t < taps; ++t) acc = m[o * sw + t * dw] > acc ? m[o * sw + t * dw] : acc;
    out[o] = acc;
  }
}

#if defined(__AVX512F__) && defined(__AVX512DQ__)
// The direct path (AVX-512 builds; strides 1 and 2 when a window's columns span at most 17, which covers
// every pool of the shared models): no row buffer, both stages in registers. An output row is done in
// chunks of 16 outputs, left to right:
// - The vertical stage yields "column vectors": vector v holds, for the 16 input columns starting at
//   16 v - left, the max over the window's rows inside the input. Loads are masked to the columns inside
//   the input; the other lanes (padding, and columns past the input in ceil mode) stay the lowest float,
//   so padding costs no copy and never wins.
// - Stride 1: outputs o ... o + 15 read columns o - left + s for the tap offsets s = kx * dw <= 16, i.e.
//   column vectors a = v(i) and b = v(i + 1) of chunk i shifted down by s lanes (one vpermt2ps each).
// - Stride 2: outputs o ... o + 15 read columns 2 o - left + 2 j + s. The vectors a = v(2i), b = v(2i + 1)
//   are de-interleaved into e (even columns) and o (odd columns); tap offset s is then e (s even) or o
//   (s odd) shifted down by s / 2 lanes, the lanes shifted in coming from the even or odd columns of
//   n = v(2i + 2) (one vpermt2ps with two sources).
// The last column vector of chunk i is the first one of chunk i + 1, so each column vector is computed
// once per output row. The last chunk's store is masked.
// Output rows are done in pairs when the row dilation is 1: the two windows' rows are the input rows
// [a0, b0) and [a1, b1) (inside the input, a0 <= a1, b0 <= b1), so the rows they share, [a1, b0), are
// loaded and compared once for both (3x3 stride 2: 5 row loads per pair instead of 6; YOLOX's 13x13
// stride 1: up to 14 instead of 26), and the per-row bookkeeping is paid once per pair (SqueezeNet's
// 256x27x27 pool in a micro-benchmark: 16 us one row at a time, 8 in pairs).
bool direct_applies(const Window& w) {
  return (w.strides[2] == 1 || w.strides[2] == 2) && (w.kernel[2] - 1) * w.dilations[2] <= 16;
}

// Per call: the column vectors' masks; per output row its window's first input row inside the input and
// how many window rows are inside; per horizontal tap t = 1 ... kw - 1 its vpermt2ps index into (a, b)
// (stride 1) or into (e or o, n) (stride 2): lane j of tap offset s = t * dw is lane j + s of (a, b); at
// stride 2 lane j + s / 2 of e (s even) or o (s odd) while that is below 16, else lane 2 (j + s / 2 - 16),
// + 1 when s is odd, of n.
struct DirectGeometry {
  int64_t chunks, vecs;
  std::vector<__mmask16> mask;
  std::vector<int64_t> first_row, rows;
  std::vector<int32_t> index;  // 16 lanes per tap, from tap 1
  explicit DirectGeometry(const Window& w) {
    const int64_t iw = w.in[2], left = w.pad_begin[2], sw = w.strides[2];
    chunks = (w.out[2] + 15) / 16, vecs = chunks * sw + 1;
    for (int64_t v = 0; v < vecs; ++v) mask.push_back(lanes_inside(16 * v - left, iw));  // ops/row_taps_avx512.h
    for (int64_t oy = 0; oy < w.out[1]; ++oy) {
      int64_t lo, hi;
      w.taps_inside(1, oy, lo, hi);
      first_row.push_back(w.input_pos(1, oy, lo));
      rows.push_back(hi - lo);
    }
    for (int64_t t = 1; t < w.kernel[2]; ++t) {
      const int32_t s = static_cast<int32_t>(t * w.dilations[2]);
      for (int32_t j = 0; j < 16; ++j)
        index.push_back(sw == 1 ? j + s : j + s / 2 < 16 ? j + s / 2 : 16 + 2 * (j + s / 2 - 16) + s % 2);
    }
  }
};

// The vector code below is specialised on the shape: SW is the column stride, and K > 0 a K x K kernel
// with strides SW x SW and dilation 1 (the 3x3 and 2x2 pools of CNNs), whose loops over the taps are
// then unrolled; 0: read at run time. __m512 values never cross a call (FXQ_INLINE).
#define FXQ_INLINE __attribute__((always_inline)) inline
#define FXQ_LAMBDA_INLINE __attribute__((always_inline))

// max(a, b) by vrangeps (AVX512DQ; as fast as vmaxps here): a quiet NaN operand never wins (the other one
// is returned; a signalling NaN, which no arithmetic produces, does), and +0 is above -0. So the max of any set of vectors is the same in every order, and the
// comparisons can run as trees (short dependency chains) rather than one running max from the lowest
// float (SqueezeNet's pools: about 20 % faster).
FXQ_INLINE __m512 vmax(__m512 a, __m512 b) { return _mm512_range_ps(a, b, 0x5); }

// The 16 floats at p in the lanes of mask k, the lowest float in the others.
FXQ_INLINE __m512 load(const float* p, __mmask16 k) { return _mm512_mask_loadu_ps(_mm512_set1_ps(kLowest), k, p); }

// acc = max(acc, rows [r0, r1) at p + r * pitch).
FXQ_INLINE __m512 max_rows(__m512 acc, const float* p, int64_t pitch, int64_t r0, int64_t r1, __mmask16 k) {
  for (int64_t r = r0; r < r1; ++r) acc = vmax(load(p + r * pitch, k), acc);
  return acc;
}

// What the loops over an output row's chunks read.
struct RowArgs {
  const __mmask16* mask;  // per column vector
  const int32_t* index;   // 16 lanes per horizontal tap, from tap 1
  int64_t chunks, kw, dw;
  __mmask16 last;         // the last chunk's store mask
};

// The horizontal stage, per chunk: column vectors a, b (and n at stride 2) -> 16 outputs. The taps'
// vpermt2ps indices are loaded once per call (KW > 0: kept in registers). The result is compared with
// the lowest float last, so that a window whose cells are all NaN gives the lowest float, as the direct
// loop (no NaN wins) does.
template <int SW, int KW>
struct Horizontal {
  __m512i index[KW > 0 ? KW : 17];
  int64_t kw, dw;
  FXQ_INLINE explicit Horizontal(const RowArgs& g) : kw(KW > 0 ? KW : g.kw), dw(KW > 0 ? 1 : g.dw) {
    for (int64_t t = 1; t < kw; ++t) index[t] = _mm512_loadu_si512(g.index + 16 * (t - 1));
  }
  FXQ_INLINE __m512 operator()(__m512 a, __m512 b, __m512 n) const {
    const __m512 lowest = _mm512_set1_ps(kLowest);
    if (SW == 1) {
      __m512 r = a;
      for (int64_t t = 1; t < kw; ++t) r = vmax(_mm512_permutex2var_ps(a, index[t], b), r);
      return vmax(r, lowest);
    }
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i even = _mm512_add_epi32(iota, iota), odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    const __m512 e = _mm512_permutex2var_ps(a, even, b), o = _mm512_permutex2var_ps(a, odd, b);
    __m512 r = e;
    for (int64_t t = 1; t < kw; ++t) {
      const int64_t s = t * dw;  // tap 1 at dilation 1 is o itself
      r = vmax(s == 1 ? o : _mm512_permutex2var_ps(s % 2 ? o : e, index[t], n), r);
    }
    return vmax(r, lowest);
  }
};

// Where a task's planes are: plane p's input row r at x + p * in_plane + r * iw - left (so that column
// vector v of a row starts at column 16 v - left), its output row oy at y + p * out_plane + oy * ow.
struct Planes {
  const float* x;
  float* y;
  int64_t count, in_plane, out_plane, iw, ow, left;
};

// Each function below covers a range of output rows in every plane of a task, so that its loop runs on
// over plane boundaries (a call per plane was measured 20 % slower on SqueezeNet's first pool).

// Output rows [r0, r1), one at a time: row oy's column vectors are the max over the window rows
// [first[oy], first[oy] + rows[oy]), dh input rows apart.
template <int SW, int KW>
__attribute__((noinline)) void direct_rows(const RowArgs& g, const Planes& pl, const int64_t* first, const int64_t* rows,
                                           int64_t dh, int64_t r0, int64_t r1) {
  const Horizontal<SW, KW> h(g);
  const int64_t pitch = dh * pl.iw;
  for (int64_t p = 0; p < pl.count; ++p)
    for (int64_t oy = r0; oy < r1; ++oy) {
      const float* src = pl.x + p * pl.in_plane + first[oy] * pl.iw - pl.left;
      float* orow = pl.y + p * pl.out_plane + oy * pl.ow;
      const int64_t count = rows[oy];
      auto column = [&](int64_t v) FXQ_LAMBDA_INLINE {
        const __mmask16 k = g.mask[v];
        return k ? max_rows(_mm512_set1_ps(kLowest), src + 16 * v, pitch, 0, count, k) : _mm512_set1_ps(kLowest);
      };
      __m512 a = column(0);
      for (int64_t i = 0; i < g.chunks; ++i) {
        const __m512 b = column(SW * i + 1), n = SW == 1 ? b : column(2 * i + 2);
        _mm512_mask_storeu_ps(orow + 16 * i, i + 1 < g.chunks ? 0xFFFF : g.last, h(a, b, n));
        a = SW == 1 ? b : n;
      }
    }
}

// Output row pairs (2q, 2q + 1) for q in [q0, q1): pair q's windows are the input rows [a0, b0) and
// [a1, b1) (a0 = first[2q], b0 = a0 + rows[2q], the same for 2q + 1; a0 <= a1, b0 <= b1; dilation 1), and
// the rows they share, [a1, b0), are compared once for both.
template <int SW, int KW>
__attribute__((noinline)) void direct_row_pairs(const RowArgs& g, const Planes& pl, const int64_t* first,
                                                const int64_t* rows, int64_t q0, int64_t q1) {
  const Horizontal<SW, KW> h(g);
  const int64_t iw = pl.iw, ow = pl.ow;
  for (int64_t p = 0; p < pl.count; ++p)
    for (int64_t q = q0; q < q1; ++q) {
      const float* plane = pl.x + p * pl.in_plane - pl.left;
      float* o = pl.y + p * pl.out_plane + 2 * q * ow;
      const int64_t a0 = first[2 * q], b0 = a0 + rows[2 * q], a1 = first[2 * q + 1], b1 = a1 + rows[2 * q + 1];
      auto pair = [&](int64_t v, __m512& v0, __m512& v1) FXQ_LAMBDA_INLINE {
        const __mmask16 k = g.mask[v];
        if (!k) {  // every column in the padding or past the input
          v0 = v1 = _mm512_set1_ps(kLowest);
          return;
        }
        const float* c = plane + 16 * v;
        const __m512 m = max_rows(_mm512_set1_ps(kLowest), c, iw, a1, b0, k);
        v0 = max_rows(m, c, iw, a0, std::min(a1, b0), k);
        v1 = max_rows(m, c, iw, std::max(a1, b0), b1, k);
      };
      __m512 a[2], b[2], n[2];
      pair(0, a[0], a[1]);
      for (int64_t i = 0; i < g.chunks; ++i) {
        const __mmask16 k = i + 1 < g.chunks ? 0xFFFF : g.last;
        pair(SW * i + 1, b[0], b[1]);
        if (SW == 2) pair(2 * i + 2, n[0], n[1]);
        else n[0] = b[0], n[1] = b[1];  // unused at stride 1
        _mm512_mask_storeu_ps(o + 16 * i, k, h(a[0], b[0], n[0]));
        _mm512_mask_storeu_ps(o + ow + 16 * i, k, h(a[1], b[1], n[1]));
        a[0] = SW == 1 ? b[0] : n[0], a[1] = SW == 1 ? b[1] : n[1];
      }
    }
}

// The same for pairs inside the input of a K x K kernel with strides SW x SW (pair q's rows: K rows from
// input row first + 2 SW (q - q0), the second window SW rows lower), the loads and comparisons unrolled
// as trees. Mask 0 (every column in the padding or past the input): no loads.
template <int SW, int K>
__attribute__((noinline)) void direct_interior_pairs(const RowArgs& g, const Planes& pl, int64_t first, int64_t q0,
                                                     int64_t q1) {
  constexpr int kOwn = K > SW ? SW : K, kBegin1 = K > SW ? K : SW;  // own rows: [0, kOwn), [kBegin1, + kOwn)
  const Horizontal<SW, K> h(g);
  const __mmask16* mask = g.mask;
  const int64_t iw = pl.iw, ow = pl.ow, chunks = g.chunks;
  const __mmask16 last = g.last;
  auto pair = [&](const float* c, __mmask16 k, __m512& v0, __m512& v1) FXQ_LAMBDA_INLINE {
    if (!k) {
      v0 = v1 = _mm512_set1_ps(kLowest);
      return;
    }
    __m512 l[K + SW];
    for (int r = 0; r < K + SW; ++r) l[r] = load(c + r * iw, k);
    __m512 o0 = l[0], o1 = l[kBegin1];
    for (int r = 1; r < kOwn; ++r) o0 = vmax(l[r], o0), o1 = vmax(l[kBegin1 + r], o1);
    if (K > SW) {  // the shared rows [SW, K)
      __m512 m = l[SW];
      for (int r = SW + 1; r < K; ++r) m = vmax(l[r], m);
      o0 = vmax(o0, m), o1 = vmax(o1, m);
    }
    v0 = o0, v1 = o1;
  };
  for (int64_t p = 0; p < pl.count; ++p) {
    const float* rows = pl.x + p * pl.in_plane + (first + 2 * SW * q0) * iw - pl.left;
    float* o = pl.y + p * pl.out_plane + 2 * q0 * ow;
    for (int64_t q = q0; q < q1; ++q, rows += 2 * SW * iw, o += 2 * ow) {
      __m512 a0, a1;
      pair(rows, mask[0], a0, a1);
      for (int64_t i = 0; i < chunks; ++i) {
        __m512 b0, b1, n0, n1;
        pair(rows + 16 * (SW * i + 1), mask[SW * i + 1], b0, b1);
        if (SW == 2) pair(rows + 32 * i + 32, mask[2 * i + 2], n0, n1);
        else n0 = b0, n1 = b1;  // unused at stride 1
        const __mmask16 k = i + 1 < chunks ? static_cast<__mmask16>(0xFFFF) : last;
        _mm512_mask_storeu_ps(o + 16 * i, k, h(a0, b0, n0));
        _mm512_mask_storeu_ps(o + ow + 16 * i, k, h(a1, b1, n1));
        a0 = SW == 1 ? b0 : n0, a1 = SW == 1 ? b1 : n1;
      }
    }
  }
}

// One task's planes: the output rows in pairs (dilation 1) -- the pairs whose windows lie inside the
// input, [q0, q1), are a run in the middle, unrolled when K > 0 -- and the last row of an odd count
// (every row when dilated) alone.
template <int SW, int K>
void max_pool_direct(const float* x, int64_t p0, int64_t p1, const Window& w, const DirectGeometry& g, float* y) {
  const int64_t ih = w.in[1], iw = w.in[2], oh = w.out[1], ow = w.out[2], dh = w.dilations[1];
  const RowArgs args{g.mask.data(), g.index.data(), g.chunks, w.kernel[2], w.dilations[2],
                     static_cast<__mmask16>(0xFFFFu >> (16 * g.chunks - ow))};
  const Planes pl{x + p0 * ih * iw, y + p0 * oh * ow, p1 - p0, ih * iw, oh * ow, iw, ow, w.pad_begin[2]};
  const int64_t* first = g.first_row.data();
  const int64_t* rows = g.rows.data();
  const int64_t pairs = dh == 1 ? oh / 2 : 0;
  int64_t q0 = pairs, q1 = pairs;
  if constexpr (K > 0) {
    auto interior = [&](int64_t q) {
      return rows[2 * q] == K && rows[2 * q + 1] == K && first[2 * q + 1] - first[2 * q] == SW;
    };
    for (q0 = 0; q0 < pairs && !interior(q0);) ++q0;
    for (q1 = q0; q1 < pairs && interior(q1);) ++q1;
    if (q1 > q0) direct_interior_pairs<SW, K>(args, pl, first[2 * q0] - 2 * SW * q0, q0, q1);
  }
  if (q0 > 0) direct_row_pairs<SW, K>(args, pl, first, rows, 0, q0);
  if (pairs > q1) direct_row_pairs<SW, K>(args, pl, first, rows, q1, pairs);
  if (oh > 2 * pairs) direct_rows<SW, K>(args, pl, first, rows, dh, 2 * pairs, oh);
}

void max_pool_direct(const float* x, int64_t p0, int64_t p1, const Window& w, const DirectGeometry& g, float* y) {
  const int64_t s = w.strides[2];
  const bool square = w.kernel[1] == w.kernel[2] && w.strides[1] == s && w.dilations[1] == 1 && w.dilations[2] == 1;
  const int64_t k = square ? w.kernel[2] : 0;
  if (s == 2 && k == 3) return max_pool_direct<2, 3>(x, p0, p1, w, g, y);
  if (s == 2 && k == 2) return max_pool_direct<2, 2>(x, p0, p1, w, g, y);
  if (s == 1 && k == 3) return max_pool_direct<1, 3>(x, p0, p1, w, g, y);
  if (s == 2) return max_pool_direct<2, 0>(x, p0, p1, w, g, y);
  max_pool_direct<1, 0>(x, p0, p1, w, g, y);
}
#undef FXQ_INLINE
#undef FXQ_LAMBDA_INLINE
#endif

void run(KernelArgs& a) {
  if (a.num_outputs() > 1 && !a.node.outputs[1].empty())
    a.fail_unsupported("the Indices output is not supported");
  const Tensor& x = a.float_input(0);
  const Window w = pool_window(a, x.shape);
  if (w.kernel[0] == 1 && w.in[0] == 1 && w.out[0] == 1) {
    Tensor& y = a.output(0);
    y = Tensor::uninitialized(pooled_shape(x.shape, w));  // both 2-D paths write every output
    return max_pool_2d(x.f.data(), x.dim(0) * x.dim(1), w, y.f.data());
  }
  pool_planes(x, w, a.output(0), [&](const float* plane, const int64_t o[3]) { return window_max(w, plane, o); });
}

// Planes per task: about 64 K comparisons (a fixed cut: depends on the shape only).
int64_t plane_grain(const Window& w) {
  return std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, w.out[1] * w.out[2] * (w.kernel[1] + w.kernel[2])));
}

}  // namespace

// The row-buffer path (any build, any window), separable: for each output row, first the max over its
// window's rows (the vertical stage, along the input columns the windows read, into a row buffer), then
// over each window's columns in that buffer (the horizontal stage). Exact (max is associative and
// commutative), and kh + kw instead of kh * kw comparisons per output (YOLOX's 13x13 SPP pool: 26
// instead of 169). Rows first because a strided pool then runs the horizontal stage once per output row,
// not once per input row. Padding is only in the row buffer: the vertical stage reads the window rows
// that lie inside the input (taps_inside) straight from the plane and writes the row buffer's inner
// cells; its cells left and right of the input are set to the lowest float once per task and never
// written, so padded columns never win. Both stages are vectorized; the horizontal one at stride 1 as
// shifted loads, at stride 2 as shifted loads over twice the width and an even-lane pick, at other
// strides scalar.
void max_pool_2d_rows(const float* x, int64_t planes, const Window& w, float* y) {
  const int64_t ih = w.in[1], iw = w.in[2], oh = w.out[1], ow = w.out[2];
  const int64_t kw = w.kernel[2], sw = w.strides[2];
  const int64_t dh = w.dilations[1], dw = w.dilations[2], left = w.pad_begin[2];
  const int64_t wp = (ow - 1) * sw + (kw - 1) * dw + 1;  // padded columns the windows span
  // Row-buffer cells [c0, c1) hold input columns [0, c1 - c0); the rest are padding.
  const int64_t c0 = std::min(left, wp), c1 = std::max(c0, std::min(wp, iw + left));
  parallel_range(planes, plane_grain(w), [&](int64_t p0, int64_t p1) {
    thread_local std::vector<float> buf;
    buf.assign(static_cast<size_t>(wp + 1), kLowest);  // + 1: ColsMaxS2's read one past the end
    float* m = buf.data();
    for (int64_t p = p0; p < p1; ++p) {
      const float* plane = x + p * ih * iw;
      for (int64_t oy = 0; oy < oh; ++oy) {
        float* orow = y + (p * oh + oy) * ow;
        int64_t lo, hi;
        w.taps_inside(1, oy, lo, hi);
        if (lo == hi) {  // every window row in the padding
          std::fill_n(orow, ow, kLowest);
          continue;
        }
        rows_max(plane + w.input_pos(1, oy, lo) * iw, dh * iw, hi - lo, m + c0, c1 - c0);
        cols_max(m, sw, dw, kw, orow, ow);
      }
    }
  });
}

// Planes are spread over the pool, several per task when they are small; the direct path where it
// applies, else the row-buffer path.
void max_pool_2d(const float* x, int64_t planes, const Window& w, float* y) {
#if defined(__AVX512F__) && defined(__AVX512DQ__)
  if (direct_applies(w)) {
    const DirectGeometry g(w);
    return parallel_range(planes, plane_grain(w), [&](int64_t p0, int64_t p1) { max_pool_direct(x, p0, p1, w, g, y); });
  }
#endif
  max_pool_2d_rows(x, planes, w, y);
}

extern const OpDef kOp_MaxPool{"MaxPool", "max over sliding windows (pads, auto_pad, ceil_mode, dilations)", run,
                               nullptr, {/*layer=*/false, /*keeps_format=*/true, /*fusable=*/false}};

}  // namespace fxq
