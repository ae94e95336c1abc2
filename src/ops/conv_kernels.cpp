// Threading: the engine's pool runs the tasks of a fixed, shape-determined cut (gemm_tiles, depthwise
// plane groups); each task's GEMM runs on one thread (ops/sgemm.h), so results never depend on the
// thread count.
#include "ops/conv_kernels.h"

#include "common/parallel.h"
#include "ops/sgemm.h"

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

// One output plane of a conv with one input channel per group: y += w (*) x. The input plane is
// copied once into a zero-padded buffer whose rows are split by column phase (column c of the padded
// row goes to phase c % stride_w, index c / stride_w), so every tap reads contiguous columns whatever
// the stride; the tap loops have no bounds checks, and each output row is computed in blocks of 16
// columns (the row padded to a multiple of 16) held in registers over all taps. Per output, the sum
// is bias, then the taps in (ky, kx) order.
constexpr int64_t kDwBlock = 16;

// Per conv: the padded buffer's shape and, per tap, where output 0's input sits in it.
struct DwGeometry {
  int64_t w16, hp, phase_len, row_len;  // padded output width, padded rows, entries per phase, row stride
  std::vector<int64_t> tap_offset;
  explicit DwGeometry(const Conv2dShape& s) {
    w16 = (s.out_w + kDwBlock - 1) / kDwBlock * kDwBlock;
    hp = (s.out_h - 1) * s.stride_h + (s.k_h - 1) * s.dil_h + 1;
    phase_len = w16 + ((s.k_w - 1) * s.dil_w) / s.stride_w + 1;  // indices up to (w16 - 1) + that
    row_len = phase_len * s.stride_w;
    for (int64_t ky = 0; ky < s.k_h; ++ky)
      for (int64_t kx = 0; kx < s.k_w; ++kx) {
        const int64_t c = kx * s.dil_w;
        tap_offset.push_back(ky * s.dil_h * row_len + (c % s.stride_w) * phase_len + c / s.stride_w);
      }
  }
};

// Copies one input plane into the interior of the padded, phase-split buffer (its padding cells are
// zero and never written, so the buffer is zeroed once per task).
void fill_padded(const Conv2dShape& s, const DwGeometry& g, const float* xp, float* buf) {
  const int64_t wp = g.row_len;  // padded columns represented
  const int64_t c0 = std::max<int64_t>(0, s.pad_left), c1 = std::min(wp, s.in_w + s.pad_left);
  for (int64_t r = std::max<int64_t>(0, s.pad_top); r < std::min(g.hp, s.in_h + s.pad_top); ++r) {
    const float* xrow = xp + (r - s.pad_top) * s.in_w - s.pad_left;
    float* row = buf + r * g.row_len;
    if (s.stride_w == 1) {
      std::copy(xrow + c0, xrow + c1, row + c0);
      continue;
    }
    if (s.stride_w == 2) {  // the common strided case: a de-interleave the compiler vectorizes
      float* d0 = row;
      float* d1 = row + g.phase_len;
      const int64_t ib = (c0 + 1) / 2, ie = c1 / 2;  // columns 2i and 2i + 1 both inside [c0, c1)
      if (c0 % 2) d1[c0 / 2] = xrow[c0];
      for (int64_t i = ib; i < ie; ++i) {
        d0[i] = xrow[2 * i];
        d1[i] = xrow[2 * i + 1];
      }
      if (c1 % 2 && c1 - 1 >= c0 && (c1 - 1) / 2 >= ib) d0[(c1 - 1) / 2] = xrow[c1 - 1];
      continue;
    }
    for (int64_t p = 0; p < s.stride_w; ++p) {  // padded column c = i * stride_w + p
      float* dst = row + p * g.phase_len;
      const int64_t i0 = c0 > p ? (c0 - p + s.stride_w - 1) / s.stride_w : 0;
      for (int64_t i = i0, c = i0 * s.stride_w + p; c < c1; ++i, c += s.stride_w) dst[i] = xrow[c];
    }
  }
}

// y (holding the bias) += w (*) padded plane.
void depthwise_rows(const Conv2dShape& s, const DwGeometry& g, const float* padded, const float* wk, float* yp) {
  const int64_t taps = s.k_h * s.k_w;
  const int64_t* off = g.tap_offset.data();
  // 16 floats as one value (GCC vector extension; one AVX-512 register, or two/four narrower ones),
  // loaded and stored unaligned: the block's sums stay in registers over all taps.
  typedef float Block __attribute__((vector_size(kDwBlock * sizeof(float)), aligned(4)));
  // Four output rows at a time: four independent sums per tap, so the FMA latency is hidden (one
  // chain of dependent FMAs per block would take ~4 cycles per tap). Rows past the end repeat the
  // last row and are not stored.
  constexpr int64_t kRows = 4;
  for (int64_t oy0 = 0; oy0 < s.out_h; oy0 += kRows) {
    const float* xr[kRows];
    for (int64_t r = 0; r < kRows; ++r)
      xr[r] = padded + std::min(oy0 + r, s.out_h - 1) * s.stride_h * g.row_len;
    for (int64_t o0 = 0; o0 < g.w16; o0 += kDwBlock) {
      const int64_t valid = std::min(kDwBlock, s.out_w - o0);
      Block a[kRows];
      for (int64_t r = 0; r < kRows; ++r) {
        float bias[kDwBlock] = {};
        std::copy_n(yp + std::min(oy0 + r, s.out_h - 1) * s.out_w + o0, valid, bias);
        a[r] = *reinterpret_cast<const Block*>(bias);
      }
      for (int64_t t = 0; t < taps; ++t) {
        const float wv = wk[t];
        for (int64_t r = 0; r < kRows; ++r) a[r] += wv * *reinterpret_cast<const Block*>(xr[r] + off[t] + o0);
      }
      for (int64_t r = 0; r < kRows && oy0 + r < s.out_h; ++r) {
        float out[kDwBlock];
        *reinterpret_cast<Block*>(out) = a[r];
        std::copy_n(out, valid, yp + (oy0 + r) * s.out_w + o0);
      }
    }
  }
}


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

// One task per group of output planes; each plane starts from its bias.
void depthwise(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y, const Epilogue* act) {
  const int64_t multiplier = s.c_out / s.group;
  const int64_t in_plane = s.in_h * s.in_w, out_plane = s.out_h * s.out_w, taps = s.k_h * s.k_w;
  const int64_t planes_per_task = std::max<int64_t>(1, kTaskMacs / std::max<int64_t>(1, out_plane * taps));
  const DwGeometry g(s);
  parallel_range(s.batch * s.c_out, planes_per_task, [&](int64_t p0, int64_t p1) {
    thread_local std::vector<float> buf;
    buf.assign(static_cast<size_t>(g.hp * g.row_len), 0.0f);
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t n = p / s.c_out, co = p % s.c_out;
      float* yp = y + p * out_plane;
      std::fill(yp, yp + out_plane, bias ? bias[co] : 0.0f);
      fill_padded(s, g, x + (n * s.c_in + co / multiplier) * in_plane, buf.data());
      depthwise_rows(s, g, buf.data(), w + co * taps, yp);
      if (act) act->apply(yp, out_plane);
    }
  });
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

void conv2d_fast(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y, const Epilogue* act) {
  if (is_depthwise(s)) depthwise(s, x, w, bias, y, act);
  else gemm_conv(s, is_pointwise(s), x, w, bias, y, act);
}

}  // namespace fxq
