// Threading: the engine's pool runs the tasks of a fixed, shape-determined cut (gemm_tiles, depthwise
// plane groups, DirectTiles in conv_direct.cpp, PointwiseTiles in conv_direct1x1.cpp); each task's GEMM runs on one thread (ops/sgemm.h), so results never depend on the
// thread count.
#include "ops/conv_kernels.h"

#include "common/parallel.h"
#include "ops/sgemm.h"
#include "ops/vec.h"

#include <algorithm>
#include <atomic>
#include <vector>

namespace fxq {

namespace {

constexpr int64_t kColBlockFloats = 1 << 19;  // im2col block of at most 2 MiB
constexpr int64_t kTaskMacs = 1 << 18;        // depthwise: MACs per task (planes are grouped up to this)
constexpr int64_t kGemmTaskMacs = 1 << 19;    // GEMM convs: MACs per task at least (see gemm_tiles)
constexpr int64_t kMinGemmCols = 32;           // GEMM convs: output positions per row block at least

// Output positions [lo, hi) along one axis whose input o * stride + offset lies in [0, len).
void valid_outputs(int64_t offset, int64_t stride, int64_t len, int64_t out_len, int64_t& lo, int64_t& hi) {
  lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  hi = offset >= len ? 0 : (len - offset + stride - 1) / stride;
  lo = std::min(lo, out_len);
  hi = std::clamp(hi, lo, out_len);
}

// y[c, k] += bias[c] for `rows` channels of `cols` values each, `stride` apart.
void add_bias_rows(const float* bias, int64_t rows, int64_t cols, int64_t stride, float* y) {
  if (!bias) return;
  for (int64_t c = 0; c < rows; ++c) {
    float* yc = y + c * stride;
    const float b = bias[c];
    for (int64_t k = 0; k < cols; ++k) yc[k] += b;
  }
}

// Depthwise convs (one input channel per group) run one output plane at a time as a 1-D convolution
// over a flattened, zero-padded copy of the input plane:
// - the input plane is copied into stride_h * stride_w zero-padded sub-planes, one per (row, column)
//   phase: padded cell (r, c) goes to sub-plane (r % stride_h, c % stride_w), row r / stride_h,
//   column c / stride_w, in rows of `cols` = out_w + (k_w - 1) * dil_w / stride_w entries. Tap
//   (ky, kx) of output (oy, ox) then reads entry (oy + ky * dil_h / stride_h) * cols + ox +
//   kx * dil_w / stride_w of one sub-plane: flat index oy * cols + ox plus a per-tap offset, at any
//   stride or dilation.
// - so the output plane, laid out in rows of `cols` (the last cols - out_w of each row are computed
//   and dropped), is one run of out_h * cols sums y[i] = bias + sum_t w[t] * buf[off[t] + i], with no
//   bounds checks and no per-row tails: a 7x7 output plane (stride 1) is 63 sums, 4 vectors of 16,
//   where 7 rows of one vector each would take 7; a 56x56 one (stride 2) 3192 sums, 200 vectors, not
//   56 rows of 4.
// - the run is summed in groups of 4 vectors of 16 floats held in registers over all taps (four
//   independent FMA chains hide the FMA latency), then copied row by row into y and the activation
//   applied while the plane is in cache. Copying the planes in and out takes about half the time at
//   stride 1 and more at stride 2 (measured; docs/engine.md).
// Per output the sum is bias, then the taps in (ky, kx) order, whatever the group or the thread.
constexpr int64_t kDwVec = 16;   // floats per vector: one AVX-512 register (two AVX ones)
constexpr int64_t kDwGroup = 4;  // vectors summed together

// Per conv: the sub-planes' shape and, per tap, where output 0's input sits in the buffer.
struct DwGeometry {
  int64_t cols, rows;  // entries per sub-plane row, rows per sub-plane
  int64_t run;         // sums per output plane: out_h * cols
  int64_t sub;         // floats per sub-plane, with slack for the last vector's reads
  int64_t phases;      // sub-planes: stride_h * stride_w
  std::vector<int64_t> tap_offset;
  explicit DwGeometry(const Conv2dShape& s) {
    cols = s.out_w + (s.k_w - 1) * s.dil_w / s.stride_w;
    rows = s.out_h + (s.k_h - 1) * s.dil_h / s.stride_h;
    run = s.out_h * cols;
    // Reads reach index run + 14 (the run rounded up to whole vectors) plus the largest offset inside
    // a sub-plane, (rows - out_h) * cols + cols - out_w: below rows * cols + cols + kDwVec.
    sub = rows * cols + cols + kDwVec;
    phases = s.stride_h * s.stride_w;
    for (int64_t ky = 0; ky < s.k_h; ++ky)
      for (int64_t kx = 0; kx < s.k_w; ++kx) {
        const int64_t r = ky * s.dil_h, c = kx * s.dil_w;
        tap_offset.push_back(((r % s.stride_h) * s.stride_w + c % s.stride_w) * sub + r / s.stride_h * cols +
                             c / s.stride_w);
      }
  }
  int64_t run_vectors() const { return (run + kDwVec - 1) / kDwVec; }
};

// Vec<N>, V(p): ops/vec.h.
typedef Vec<kDwVec>::T DwVec;

// Rows in depthwise planes are short (7 to 112 floats), so they are moved in whole vectors of 16, 8
// or 4 floats, the last one overlapping the previous (writing the same values twice) instead of a
// scalar tail; nothing outside [0, n) is read or written.
template <int N>
void copy_vectors(const float* __restrict src, float* __restrict dst, int64_t n) {  // n >= N
  for (int64_t k = 0; k + N <= n; k += N) V<N>(dst + k) = V<N>(src + k);
  if (n % N) V<N>(dst + n - N) = V<N>(src + n - N);
}
void copy_row(const float* __restrict src, float* __restrict dst, int64_t n) {
  if (n >= 16) copy_vectors<16>(src, dst, n);
  else if (n >= 8) copy_vectors<8>(src, dst, n);
  else if (n >= 4) copy_vectors<4>(src, dst, n);
  else for (int64_t k = 0; k < n; ++k) dst[k] = src[k];
}

// even[k] = src[2k], odd[k] = src[2k + 1] for k < n: the same scheme, N pairs per step (n >= N).
template <int N>
void deinterleave_vectors(const float* __restrict src, float* __restrict even, float* __restrict odd, int64_t n) {
  typename Vec<N>::Index ie, io;
  for (int k = 0; k < N; ++k) ie[k] = 2 * k, io[k] = 2 * k + 1;
  auto step = [&](int64_t k) {
    const typename Vec<N>::T a = V<N>(src + 2 * k), b = V<N>(src + 2 * k + N);
    V<N>(even + k) = __builtin_shuffle(a, b, ie);
    V<N>(odd + k) = __builtin_shuffle(a, b, io);
  };
  for (int64_t k = 0; k + N <= n; k += N) step(k);
  if (n % N) step(n - N);
}
void deinterleave_row(const float* __restrict src, float* __restrict even, float* __restrict odd, int64_t n) {
  if (n >= 16) deinterleave_vectors<16>(src, even, odd, n);
  else if (n >= 8) deinterleave_vectors<8>(src, even, odd, n);
  else if (n >= 4) deinterleave_vectors<4>(src, even, odd, n);
  else
    for (int64_t k = 0; k < n; ++k) even[k] = src[2 * k], odd[k] = src[2 * k + 1];
}

}  // namespace

void split_columns(const float* xrow, int64_t c0, int64_t c1, float* even, float* odd) {
  if (c1 <= c0) return;
  const int64_t ib = (c0 + 1) / 2, ie = c1 / 2;  // columns 2i and 2i + 1 both inside [c0, c1)
  if (c0 % 2) odd[c0 / 2] = xrow[c0];
  if (ie > ib) deinterleave_row(xrow + 2 * ib, even + ib, odd + ib, ie - ib);
  if (c1 % 2 && (c1 - 1) / 2 >= ib) even[(c1 - 1) / 2] = xrow[c1 - 1];
}

namespace {

// Copies one input plane into the sub-planes (their padding cells are zero and never written, so the
// buffer is zeroed once per task). Only the cells some output reads are copied.
void fill_padded(const Conv2dShape& s, const DwGeometry& g, const float* xp, float* buf) {
  const int64_t sh = s.stride_h, sw = s.stride_w;
  const int64_t c0 = std::max<int64_t>(0, s.pad_left), c1 = std::min(g.cols * sw, s.in_w + s.pad_left);
  const int64_t r0 = std::max<int64_t>(0, s.pad_top), r1 = std::min(g.rows * sh, s.in_h + s.pad_top);
  int64_t phase = r0 % sh, index = r0 / sh;  // padded row r = index * sh + phase
  for (int64_t r = r0; r < r1; ++r) {
    const float* xrow = xp + (r - s.pad_top) * s.in_w - s.pad_left;  // xrow[c]: padded column c
    float* row = buf + phase * sw * g.sub + index * g.cols;          // column phase 0 of row r
    if (++phase == sh) phase = 0, ++index;
    if (sw == 1) {
      copy_row(xrow + c0, row + c0, c1 - c0);
    } else if (sw == 2) {  // the common strided case: a de-interleave
      split_columns(xrow, c0, c1, row, row + g.sub);
    } else {
      for (int64_t p = 0; p < sw; ++p) {  // padded column c = i * sw + p
        float* dst = row + p * g.sub;
        const int64_t i0 = c0 > p ? (c0 - p + sw - 1) / sw : 0;
        for (int64_t i = i0, c = i0 * sw + p; c < c1; ++i, c += sw) dst[i] = xrow[c];
      }
    }
  }
}

// sums[i + k * 16 ...] for k < NB: bias + the taps, NB vectors held in registers over all taps.
// Taps > 0: the tap count known at compile time (3x3 kernels), the tap loop unrolled and the weights
// broadcast once per plane (`wv`, kept in registers); Taps == 0: `taps` weights read from `wk`.
template <int NB, int64_t Taps>
inline void dw_vectors(const float* buf, const int64_t* off, const DwVec* wv, const float* wk, int64_t taps,
                       float bias, int64_t i, float* sums) {
  DwVec a[NB];
  for (int k = 0; k < NB; ++k) a[k] = DwVec{} + bias;
  for (int64_t t = 0; t < (Taps ? Taps : taps); ++t) {
    const float* src = buf + off[t] + i;
    const DwVec w = Taps ? wv[t] : DwVec{} + wk[t];
    for (int k = 0; k < NB; ++k) a[k] += w * V<kDwVec>(src + k * kDwVec);
  }
  for (int k = 0; k < NB; ++k) V<kDwVec>(sums + i + k * kDwVec) = a[k];
}

// sums[0, run) = bias + w (*) the sub-planes (see above): groups of kDwGroup vectors, then the rest.
template <int64_t Taps>
void depthwise_run(const DwGeometry& g, const float* buf, const float* wk, int64_t taps, float bias, float* sums) {
  const int64_t vecs = g.run_vectors();
  const int64_t* off = g.tap_offset.data();
  DwVec wv[Taps ? Taps : 1];
  for (int64_t t = 0; t < Taps; ++t) wv[t] = DwVec{} + wk[t];
  int64_t v = 0;
  for (; v + kDwGroup <= vecs; v += kDwGroup)
    dw_vectors<kDwGroup, Taps>(buf, off, wv, wk, taps, bias, v * kDwVec, sums);
  switch (vecs - v) {
    case 3: dw_vectors<3, Taps>(buf, off, wv, wk, taps, bias, v * kDwVec, sums); break;
    case 2: dw_vectors<2, Taps>(buf, off, wv, wk, taps, bias, v * kDwVec, sums); break;
    case 1: dw_vectors<1, Taps>(buf, off, wv, wk, taps, bias, v * kDwVec, sums); break;
    default: break;
  }
}

}  // namespace

// One task per group of output planes.
void conv2d_depthwise(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y, const Epilogue* act) {
  const int64_t multiplier = s.c_out / s.group;
  const int64_t in_plane = s.in_h * s.in_w, out_plane = s.out_h * s.out_w, taps = s.k_h * s.k_w;
  const int64_t planes_per_task = std::max<int64_t>(1, kTaskMacs / std::max<int64_t>(1, out_plane * taps));
  const DwGeometry g(s);
  parallel_range(s.batch * s.c_out, planes_per_task, [&](int64_t p0, int64_t p1) {
    thread_local std::vector<float> buf, sums;
    buf.assign(static_cast<size_t>(g.phases * g.sub), 0.0f);
    sums.resize(static_cast<size_t>(g.run_vectors() * kDwVec));
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t n = p / s.c_out, co = p % s.c_out;
      fill_padded(s, g, x + (n * s.c_in + co / multiplier) * in_plane, buf.data());
      const float b = bias ? bias[co] : 0.0f;
      if (taps == 9) depthwise_run<9>(g, buf.data(), w + co * taps, taps, b, sums.data());
      else depthwise_run<0>(g, buf.data(), w + co * taps, taps, b, sums.data());
      float* yp = y + p * out_plane;
      for (int64_t oy = 0; oy < s.out_h; ++oy) copy_row(sums.data() + oy * g.cols, yp + oy * s.out_w, s.out_w);
      if (act) act->apply(yp, out_plane);
    }
  });
}

namespace {

// Columns for output rows [oy0, oy1) of one group: col[(ci, ky, kx), (oy - oy0) * out_w + ox].
void im2col_rows(const Conv2dShape& s, const float* xg, int64_t oy0, int64_t oy1, float* col) {
  const int64_t cig = s.c_in / s.group, cols = (oy1 - oy0) * s.out_w;
  for (int64_t ci = 0; ci < cig; ++ci)
    for (int64_t ky = 0; ky < s.k_h; ++ky)
      for (int64_t kx = 0; kx < s.k_w; ++kx) {
        float* dst = col + ((ci * s.k_h + ky) * s.k_w + kx) * cols;
        const int64_t offset = kx * s.dil_w - s.pad_left;
        int64_t lo, hi;
        valid_outputs(offset, s.stride_w, s.in_w, s.out_w, lo, hi);
        for (int64_t oy = oy0; oy < oy1; ++oy) {
          float* d = dst + (oy - oy0) * s.out_w;
          const int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dil_h;
          if (iy < 0 || iy >= s.in_h) {
            std::fill(d, d + s.out_w, 0.0f);
            continue;
          }
          const float* xrow = xg + (ci * s.in_h + iy) * s.in_w;
          std::fill(d, d + lo, 0.0f);
          if (s.stride_w == 1)
            std::copy(xrow + lo + offset, xrow + hi + offset, d + lo);
          else
            for (int64_t ox = lo; ox < hi; ++ox) d[ox] = xrow[ox * s.stride_w + offset];
          std::fill(d + hi, d + s.out_w, 0.0f);
        }
      }
}

// How one (image, group) GEMM Y[cog, plane] = W[cog, depth] * cols[depth, plane] is cut into tasks:
// blocks of output rows (im2col is done per block) times blocks of output channels. The cut depends
// only on the shape, so every output element is summed the same way whatever the thread count.
struct GemmTiles {
  int64_t rows_per_block, row_blocks, ch_per_block, ch_blocks;
};

GemmTiles gemm_tiles(const Conv2dShape& s, int64_t cog, int64_t depth) {
  GemmTiles t{s.out_h, 1, cog, 1};
  const int64_t work = cog * depth * s.out_h * s.out_w;
  // Tasks of >= kGemmTaskMacs, at most 8: few and large (a GEMM's efficiency grows with its size),
  // enough to keep a few threads busy. Output-row blocks first (each packs the weights once), then
  // output-channel blocks of a multiple of 16 (and at least 64: narrower oneDNN GEMMs lose more than
  // the second thread gains).
  const int64_t want = std::clamp<int64_t>(work / kGemmTaskMacs, 1, 8);
  t.rows_per_block = (s.out_h + std::min(want, s.out_h) - 1) / std::min(want, s.out_h);
  t.rows_per_block = std::max(t.rows_per_block, (kMinGemmCols + s.out_w - 1) / s.out_w);  // GEMMs not too narrow
  const int64_t budget_rows = std::max<int64_t>(1, kColBlockFloats / (depth * s.out_w));  // im2col budget
  t.rows_per_block = std::clamp<int64_t>(std::min(t.rows_per_block, budget_rows), 1, s.out_h);
  t.row_blocks = (s.out_h + t.rows_per_block - 1) / t.rows_per_block;
  if (t.row_blocks < want && cog >= 128) {
    const int64_t ch_blocks = std::min(want / t.row_blocks, cog / 64);
    if (ch_blocks > 1) {
      t.ch_per_block = ((cog + ch_blocks - 1) / ch_blocks + 15) / 16 * 16;
      t.ch_blocks = (cog + t.ch_per_block - 1) / t.ch_per_block;
    }
  }
  return t;
}

// Pointwise convs (1x1, stride 1, unpadded) read X directly, the others through im2col of the block.
void gemm_conv(const Conv2dShape& s, bool pointwise, const float* x, const float* w, const float* bias, float* y,
               const Epilogue* act) {
  const int64_t cig = s.c_in / s.group, cog = s.c_out / s.group;
  const int64_t depth = cig * s.k_h * s.k_w, plane = s.out_h * s.out_w, in_plane = s.in_h * s.in_w;
  const GemmTiles t = gemm_tiles(s, cog, depth);
  const int64_t blocks = t.row_blocks * t.ch_blocks, per_image = s.group * blocks;
  parallel_for(s.batch * per_image, [&](int64_t task) {
    const int64_t n = task / per_image, g = task % per_image / blocks;
    const int64_t rb = task % blocks / t.ch_blocks, cb = task % t.ch_blocks;
    const int64_t oy0 = rb * t.rows_per_block, oy1 = std::min(s.out_h, oy0 + t.rows_per_block);
    const int64_t c0 = cb * t.ch_per_block, c1 = std::min(cog, c0 + t.ch_per_block);
    const int64_t cols = (oy1 - oy0) * s.out_w;
    const float* xg = x + (n * s.c_in + g * cig) * in_plane;
    const float* src = xg + oy0 * s.out_w;  // pointwise: input and output planes coincide
    int64_t src_stride = in_plane;
    if (!pointwise) {
      thread_local std::vector<float> col;
      col.resize(static_cast<size_t>(depth * cols));
      im2col_rows(s, xg, oy0, oy1, col.data());
      src = col.data();
      src_stride = cols;
    }
    float* yb = y + (n * s.c_out + g * cog + c0) * plane + oy0 * s.out_w;
    sgemm(c1 - c0, cols, depth, w + (g * cog + c0) * depth, depth, src, src_stride, yb, plane);
    add_bias_rows(bias ? bias + g * cog + c0 : nullptr, c1 - c0, cols, plane, yb);
    if (act)
      for (int64_t c = 0; c < c1 - c0; ++c) act->apply(yb + c * plane, cols);
  });
}

bool is_depthwise(const Conv2dShape& s) { return s.group > 1 && s.group == s.c_in; }

bool is_pointwise(const Conv2dShape& s) {
  return s.k_h == 1 && s.k_w == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_top == 0 &&
         s.pad_left == 0 && s.out_h == s.in_h && s.out_w == s.in_w;
}

}  // namespace

void conv2d_reference(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y,
                      const Epilogue* act) {
  const int64_t cig = s.c_in / s.group, cog = s.c_out / s.group;
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t co = 0; co < s.c_out; ++co) {
      const int64_t g = co / cog;
      for (int64_t oy = 0; oy < s.out_h; ++oy)
        for (int64_t ox = 0; ox < s.out_w; ++ox) {
          double acc = bias ? bias[co] : 0.0;
          for (int64_t ci = 0; ci < cig; ++ci)
            for (int64_t ky = 0; ky < s.k_h; ++ky)
              for (int64_t kx = 0; kx < s.k_w; ++kx) {
                const int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dil_h;
                const int64_t ix = ox * s.stride_w - s.pad_left + kx * s.dil_w;
                if (iy < 0 || iy >= s.in_h || ix < 0 || ix >= s.in_w) continue;
                const float xv = x[((n * s.c_in + g * cig + ci) * s.in_h + iy) * s.in_w + ix];
                const float wv = w[((co * cig + ci) * s.k_h + ky) * s.k_w + kx];
                acc += static_cast<double>(xv) * wv;
              }
          y[((n * s.c_out + co) * s.out_h + oy) * s.out_w + ox] = static_cast<float>(acc);
        }
    }
  if (act) act->apply(y, s.batch * s.c_out * s.out_h * s.out_w);
}

namespace {
std::atomic<bool> g_reference_mode{false};
}  // namespace

void set_conv_reference_mode(bool on) { g_reference_mode = on; }

void conv2d(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y, const Epilogue* act) {
  if (g_reference_mode) conv2d_reference(s, x, w, bias, y, act);
  else conv2d_fast(s, x, w, bias, y, act);
}

void conv2d_gemm(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y, const Epilogue* act) {
  gemm_conv(s, is_pointwise(s), x, w, bias, y, act);
}

void conv2d_fast(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y, const Epilogue* act) {
  if (s.c_in == 0) {  // no input channels: every output is its bias (the tilings below divide by the depth)
    const int64_t plane = s.out_h * s.out_w;
    for (int64_t p = 0; p < s.batch * s.c_out; ++p) std::fill(y + p * plane, y + (p + 1) * plane, bias ? bias[p % s.c_out] : 0.0f);
    if (act) act->apply(y, s.batch * s.c_out * plane);
    return;
  }
  if (is_depthwise(s)) {
    if (depthwise3x3_applies(s)) conv2d_depthwise3x3(s, x, w, bias, y, act);
    else conv2d_depthwise(s, x, w, bias, y, act);
  }
  else if (stem_applies(s)) conv2d_stem(s, x, w, bias, y, act);
  else if (direct3x3_applies(s) && direct3x3_preferred(s)) conv2d_direct3x3(s, x, w, bias, y, act);
  else if (direct1x1_applies(s) && direct1x1_preferred(s)) conv2d_direct1x1(s, x, w, bias, y, act);
  else gemm_conv(s, is_pointwise(s), x, w, bias, y, act);
}

}  // namespace fxq
