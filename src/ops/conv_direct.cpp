// Direct (im2col-free) 3x3 convolution: group 1, stride 1 or 2, dilation 1, any pads, NCHW float.
// For small 3x3 convs (16-64 channels) im2col + GEMM spends about 40 % of its time writing the nine
// shifted copies of the input; this kernel reads each input value from one zero-padded copy instead.
//
// - A task (image, block of output rows, chunk of output-channel blocks) copies the input rows its
//   outputs read into a zero-padded buffer, one slab per input channel, in rows of `cols` = out_w + 2
//   (the padded width; out_w + 1 when both sides are padded: a row's right padding column is the next
//   row's left one). Tap (ky, kx) of output (oy, ox) then sits at flat index
//   (oy - oy0) * cols + ox + ky * cols + kx of the slab: the block of output rows, laid out in rows of
//   `cols` (the last two sums of each row are computed and dropped), is one 1-D run of sums with nine
//   fixed tap offsets, the same trick as the depthwise kernel (conv_kernels.cpp), so there are no
//   border branches and no per-row tails (an 8x8 output plane is 80 sums, 5 vectors, not 8 rows of
//   one vector each).
// - Stride 2: each slab holds the padded rows split by (row, column) phase into four sub-planes, in
//   rows of `cols` = out_w + 1, as the depthwise kernel does; tap (ky, kx) is then sub-plane
//   (ky % 2, kx % 2) at offset (ky / 2) * cols + kx / 2, and the run is the same loop with other offsets.
// - The run is computed in register blocks of kOcBlock output channels x kRunVecs vectors of 16 sums
//   (24 accumulators of the 32 AVX-512 registers), accumulated over every input channel and tap: per
//   tap kRunVecs input loads and kOcBlock weight broadcasts feed kOcBlock * kRunVecs FMAs.
// - Weights are broadcast straight from the ONNX layout [c_out][c_in][3][3] (kOcBlock read streams):
//   packing them into [block][c_in][9][kOcBlock] order would cost a pass over all of them per call,
//   which for these layers is a sizeable fraction of the conv itself. The last block of a c_out that
//   is not a multiple of kOcBlock reads the last channel's weights in its spare rows and drops them.
// - Sums go to a per-task buffer, then row by row into y; the fused activation is applied to each
//   channel's rows while they are in cache.
// Per output the sum is (chunk 0 + bias) + chunk 1 + ..., a chunk the sum from zero of 16 input channels
// in order, each with its taps in (ky, kx) order: it depends only on the shape, never on the task cut
// or the thread count.
#include "ops/conv_kernels.h"

#include "common/parallel.h"
#include "ops/vec.h"

#include <algorithm>
#include <vector>

namespace fxq {

namespace {

constexpr int64_t kVec = 16;             // floats per vector: one AVX-512 register (two AVX ones)
constexpr int kOcBlock = 8;              // output channels per register block (4x6, 6x4, 12x2: slower)
constexpr int kRunVecs = 3;              // vectors of the run per register block
constexpr int64_t kCiChunk = 16;         // input channels summed in registers before joining the running sum
constexpr int64_t kTaskMacs = 1 << 19;   // MACs per task at least (as the GEMM convs)
constexpr int64_t kMaxTasks = 8;         // per image, unless the buffer budget needs more row blocks
constexpr int64_t kBufFloats = 1 << 16;  // padded input rows per task: at most 256 KiB (L2-resident)

// One AVX-512 register of floats (ops/vec.h), accessed unaligned through V(p).
typedef Vec<kVec>::T Vf;
inline Vf& V(float* p) { return fxq::V<kVec>(p); }
inline const Vf& V(const float* p) { return fxq::V<kVec>(p); }

// How one image's conv is cut into tasks (row blocks x channel chunks), from the shape alone.
struct DirectTiles {
  int64_t stride;                          // 1 or 2 (both axes)
  int64_t cols;                            // padded row (of one phase at stride 2): out_w + 2 / stride, or out_w + 1 (below)
  int64_t rows_per_block, row_blocks;      // output rows per task
  int64_t oc_blocks;                       // register blocks of kOcBlock output channels
  int64_t blocks_per_chunk, chunks;        // register blocks per task
  explicit DirectTiles(const Conv2dShape& s) {
    stride = s.stride_h;
    cols = s.out_w + 2 / stride;
    // Stride 1 with a zero column on both sides of the input: a row's right padding column is stored
    // as the next row's left one (the first of the next row, zero too), so rows are out_w + 1 wide and
    // only one sum per row is dropped instead of two (8x8 planes: 72 sums for 64, not 80). The values
    // read and their order are the same, so are the results.
    const int64_t pad_right = s.out_w + 2 - s.in_w - s.pad_left;
    if (stride == 1 && s.pad_left >= 1 && pad_right >= 1) cols = s.out_w + 1;
    oc_blocks = (s.c_out + kOcBlock - 1) / kOcBlock;
    const int64_t work = s.c_out * s.c_in * 9 * s.out_h * s.out_w;
    const int64_t want = std::clamp<int64_t>(work / kTaskMacs, 1, kMaxTasks);
    // Channel chunks first: a row block pays for two halo rows and a shorter run; a chunk only for
    // another copy of the (small) input.
    chunks = std::min(want, oc_blocks);
    blocks_per_chunk = (oc_blocks + chunks - 1) / chunks;
    chunks = (oc_blocks + blocks_per_chunk - 1) / blocks_per_chunk;
    const int64_t want_rows = std::min(s.out_h, (want + chunks - 1) / chunks);
    rows_per_block = (s.out_h + want_rows - 1) / want_rows;
    const int64_t budget = std::max<int64_t>(1, kBufFloats / (s.c_in * stride * stride * cols) - 2);
    rows_per_block = std::clamp<int64_t>(std::min(rows_per_block, budget), 1, s.out_h);
    row_blocks = (s.out_h + rows_per_block - 1) / rows_per_block;
  }
  // Rows of one phase sub-plane for a block of `rows` output rows: rows + 2 / stride.
  int64_t phase_rows(int64_t rows) const { return rows + 2 / stride; }
  // Floats per input-channel slab: stride^2 sub-planes, then slack for the last vector's reads (the run
  // rounded up to whole vectors plus the largest in-plane tap offset (2 / stride) * (cols + 1) stays
  // below the last sub-plane's end + kVec + 2), rounded up to whole vectors.
  int64_t slab_floats(int64_t rows) const {
    return (stride * stride * phase_rows(rows) * cols + kVec + 2 + kVec - 1) / kVec * kVec;
  }
  // The nine taps' offsets in a slab, in (ky, kx) order.
  void tap_offsets(int64_t rows, int64_t off[9]) const {
    const int64_t sub = phase_rows(rows) * cols;
    for (int ky = 0; ky < 3; ++ky)
      for (int kx = 0; kx < 3; ++kx)
        off[ky * 3 + kx] = ((ky % stride) * stride + kx % stride) * sub + ky / stride * cols + kx / stride;
  }
};

// Copies the padded input rows oy0 * stride .. (oy0 + rows - 1) * stride + 2 of every input channel
// into the slabs (buf zeroed first: the padding cells stay zero); at stride 2 padded row r, column c
// goes to sub-plane (r % 2, c % 2) at row r / 2, column c / 2.
void fill_slabs(const Conv2dShape& s, const DirectTiles& t, const float* xn, int64_t oy0, int64_t rows, int64_t slab,
                float* buf) {
  const int64_t S = t.stride, cols = t.cols, width = S * cols;  // padded columns kept
  const int64_t c0 = std::min(width, s.pad_left), c1 = std::min(width, s.in_w + s.pad_left);
  const int64_t sub = t.phase_rows(rows) * cols;
  for (int64_t ci = 0; ci < s.c_in; ++ci)
    for (int64_t r = 0; r < S * (rows - 1) + 3; ++r) {
      const int64_t iy = oy0 * S - s.pad_top + r;
      if (iy < 0 || iy >= s.in_h || c1 <= c0) continue;
      const float* xrow = xn + (ci * s.in_h + iy) * s.in_w - s.pad_left;  // xrow[c]: padded column c
      float* dst = buf + ci * slab + (r % S) * S * sub + r / S * cols;
      if (S == 1) {
        std::copy(xrow + c0, xrow + c1, dst + c0);
      } else {
        split_columns(xrow, c0, c1, dst, dst + sub);  // even padded columns, then odd ones
      }
    }
}

// sums[o * pitch + i + k * 16 ...] for o < kOcBlock, k < NV: bias + every input channel's 9 taps.
// w[o]: output channel o's weights [c_in][9]. Input channels are summed in chunks of kCiChunk, each
// chunk from zero in registers, then added to the running sum in `sums` ((chunk 0 + bias) + chunk 1 ...):
// one long float chain per output had 1.5x the rounding error of oneDNN's GEMM on 64-channel layers
// (chunks of 16: 0.7x; random data, double-accumulated reference).
template <int NV>
inline void run_block(const float* buf, int64_t slab, const int64_t* tap_off, int64_t c_in, const float* const* w,
                      const float* bias, int64_t i, float* sums, int64_t pitch) {
  int64_t off[9];  // a local copy: the stores to `sums` cannot alias it, so it stays in registers
  for (int t = 0; t < 9; ++t) off[t] = tap_off[t];
  Vf a[kOcBlock][NV];
  // a = the sum from zero of input channels [c0, c1)
  auto chunk = [&](int64_t c0, int64_t c1) __attribute__((always_inline)) {
    for (int o = 0; o < kOcBlock; ++o)
      for (int k = 0; k < NV; ++k) a[o][k] = Vf{};
    for (int64_t ci = c0; ci < c1; ++ci) {
      const float* xc = buf + ci * slab + i;
#pragma GCC unroll 9
      for (int t = 0; t < 9; ++t) {
        Vf xv[NV];
        for (int k = 0; k < NV; ++k) xv[k] = V(xc + off[t] + k * kVec);
#pragma GCC unroll 8
        for (int o = 0; o < kOcBlock; ++o) {
          const Vf wv = splat<kVec>(w[o][ci * 9 + t]);  // exact; the old Vf{} + w made -0 +0: same sums from +0
          for (int k = 0; k < NV; ++k) a[o][k] += wv * xv[k];
        }
      }
    }
  };
  // The first chunk has its own store loop, as in conv_direct1x1.cpp: one loop with a
  // `c0 == 0 ? a + bias : s + a` store makes GCC keep the accumulators on the stack.
  chunk(0, std::min(c_in, kCiChunk));
  for (int o = 0; o < kOcBlock; ++o)
    for (int k = 0; k < NV; ++k) V(sums + o * pitch + i + k * kVec) = a[o][k] + bias[o];
  for (int64_t c0 = kCiChunk; c0 < c_in; c0 += kCiChunk) {
    chunk(c0, std::min(c_in, c0 + kCiChunk));
    for (int o = 0; o < kOcBlock; ++o)
      for (int k = 0; k < NV; ++k) {
        Vf& s = V(sums + o * pitch + i + k * kVec);
        s = s + a[o][k];
      }
  }
}

// The last 1..NV vectors of a run: run_block<n> for the n = `left` remaining.
template <int NV>
inline void run_tail(int64_t left, const float* buf, int64_t slab, const int64_t* off, int64_t c_in, const float* const* w,
                     const float* bias, int64_t i, float* sums, int64_t pitch) {
  if (left == NV) run_block<NV>(buf, slab, off, c_in, w, bias, i, sums, pitch);
  else if constexpr (NV > 1) run_tail<NV - 1>(left, buf, slab, off, c_in, w, bias, i, sums, pitch);
}

}  // namespace

bool direct3x3_applies(const Conv2dShape& s) {
  return s.group == 1 && s.k_h == 3 && s.k_w == 3 && (s.stride_h == 1 || s.stride_h == 2) && s.stride_w == s.stride_h && s.dil_h == 1 &&
         s.dil_w == 1 && s.pad_top >= 0 && s.pad_left >= 0 && s.out_h >= 1 && s.out_w >= 1;
}

// Measured (bench/bench_conv.cpp, docs/engine.md), against im2col + GEMM, 1 thread. Stride 1: 0.92x-1.44x
// on every 3x3 shape of the shared models and on wider layers up to 512 input channels (1.2-1.4x on the
// small ones, within run-to-run noise on the rest); beyond 512 not measured, so GEMM keeps those.
// Stride 2: 1.1x-1.7x with 8-32 input channels (ResNet's downsampling convs), slower with 3 (the
// models' stems, 0.73-0.97x: 27 MACs per output leave the copy and the per-output work exposed) and
// with 64-256 (0.68-0.92x).
bool direct3x3_preferred(const Conv2dShape& s) {
  return s.stride_h == 1 ? s.c_in <= 512 : s.c_in >= 8 && s.c_in <= 32;
}

void conv2d_direct3x3(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y,
                      const Epilogue* act) {
  const DirectTiles t(s);
  const int64_t plane = s.out_h * s.out_w, in_image = s.c_in * s.in_h * s.in_w;
  // One task's channel blocks over output rows [oy0, oy0 + rows) of image n, from the slabs in buf.
  auto blocks = [&](int64_t n, int64_t oy0, int64_t rows, int64_t ch, const float* buf) {
    const int64_t slab = t.slab_floats(rows), run = rows * t.cols;
    int64_t off[9];
    t.tap_offsets(rows, off);
    const int64_t vecs = (run + kVec - 1) / kVec, pitch = vecs * kVec;
    thread_local std::vector<float> sums;
    sums.resize(static_cast<size_t>(kOcBlock * pitch));
    const int64_t b1 = std::min(t.oc_blocks, (ch + 1) * t.blocks_per_chunk);
    for (int64_t b = ch * t.blocks_per_chunk; b < b1; ++b) {
      const int64_t co0 = b * kOcBlock, valid = std::min<int64_t>(kOcBlock, s.c_out - co0);
      const float* wo[kOcBlock];
      float bo[kOcBlock];
      for (int o = 0; o < kOcBlock; ++o) {
        const int64_t co = co0 + std::min<int64_t>(o, valid - 1);  // spare rows repeat the last channel
        wo[o] = w + co * s.c_in * 9;
        bo[o] = bias ? bias[co] : 0.0f;
      }
      int64_t v = 0;
      for (; v + kRunVecs <= vecs; v += kRunVecs)
        run_block<kRunVecs>(buf, slab, off, s.c_in, wo, bo, v * kVec, sums.data(), pitch);
      if (vecs > v) run_tail<kRunVecs - 1>(vecs - v, buf, slab, off, s.c_in, wo, bo, v * kVec, sums.data(), pitch);
      for (int64_t o = 0; o < valid; ++o) {
        float* yc = y + (n * s.c_out + co0 + o) * plane + oy0 * s.out_w;
        const float* src = sums.data() + o * pitch;
        for (int64_t r = 0; r < rows; ++r) std::copy(src + r * t.cols, src + r * t.cols + s.out_w, yc + r * s.out_w);
        if (act) act->apply(yc, rows * s.out_w);
      }
    }
  };
  if (t.row_blocks == 1 && t.chunks > 1) {
    // The whole image is one row block cut into channel chunks: copy its slabs once, before the chunks'
    // tasks, instead of once per task (ResNet's 8x8 layers: four copies of the input per conv). The
    // copy moves data only, so the results are the same.
    thread_local std::vector<float> shared;  // the caller's; the chunks' tasks only read it
    for (int64_t n = 0; n < s.batch; ++n) {
      shared.assign(static_cast<size_t>(s.c_in * t.slab_floats(s.out_h)), 0.0f);
      fill_slabs(s, t, x + n * in_image, 0, s.out_h, t.slab_floats(s.out_h), shared.data());
      const float* slabs = shared.data();  // not `shared` in the tasks: a worker's thread_local is its own
      parallel_for(t.chunks, [&](int64_t ch) { blocks(n, 0, s.out_h, ch, slabs); });
    }
    return;
  }
  const int64_t per_image = t.row_blocks * t.chunks;
  parallel_for(s.batch * per_image, [&](int64_t task) {
    const int64_t n = task / per_image, rb = task % per_image / t.chunks, ch = task % t.chunks;
    const int64_t oy0 = rb * t.rows_per_block, rows = std::min(s.out_h, oy0 + t.rows_per_block) - oy0;
    const int64_t slab = t.slab_floats(rows);
    thread_local std::vector<float> buf;
    buf.assign(static_cast<size_t>(s.c_in * slab), 0.0f);
    fill_slabs(s, t, x + n * in_image, oy0, rows, slab, buf.data());
    blocks(n, oy0, rows, ch, buf.data());
  });
}

}  // namespace fxq
