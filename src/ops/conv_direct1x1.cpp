// Direct 1x1 convolution: group 1, 1x1, stride 1, unpadded (pointwise), NCHW float.
//   y[n, co, p] = bias[co] + sum over ci of w[co, ci] * x[n, ci, p],   p < out_h * out_w.
// The input planes [c_in][plane] are already the flat run the 3x3 kernel (conv_direct.cpp) builds by
// copying, so nothing is copied in and sums go straight into y:
// - Register blocks of kOcBlock output channels x NV (up to kRunVecs) vectors of 16 positions (24 of the
//   32 AVX-512 registers): per input channel NV input loads and kOcBlock weight broadcasts feed
//   kOcBlock * NV FMAs.
// - A task of at least kPackPositions positions packs the weights of its output channels per register
//   block as [c_in][kOcBlock] (one stream of broadcasts instead of eight: 24->58 at 104x104, 73 -> 83
//   GMAC/s); smaller tasks broadcast from the ONNX layout [c_out][c_in] (packing all weights once per
//   48-position task cost 512->1000 at 13x13 40 % of its speed). Spare rows of a last partial block
//   repeat its last channel and their sums go to a scratch row. Same arithmetic either way.
// - A task walks its positions in column blocks of at most kColumnFloats input floats (the block of
//   input columns stays in L1/L2 while every output-channel block of the task reads it), and applies the
//   fused activation to each block of output rows while it is in cache.
// - Positions past the last whole vector of a plane (plane % 16 of them) are the masked last vector of
//   the last register block in AVX-512 builds (13x13 planes: 87-96 -> 102-112 GMAC/s in cache, bench_conv
//   --kernel 1x1: the plane's 10 whole vectors and 9 positions were blocks of 3, 3, 3, 1 and a padded
//   one-vector block, now 3, 3, 3, 2); other builds
//   copy them into a zero-padded [c_in][16] buffer and sum them into a [kOcBlock][16] one. Either way
//   nothing outside x and y is read or written.
// Per output the sum is (chunk 0 + bias) + chunk 1 + ..., a chunk the sum from zero of 16 input
// channels in order: the 3x3 kernel's order with one tap, so the rounding error stays at or below
// GEMM's. It depends only on the shape, never on the task cut or the thread count.
#include "ops/conv_kernels.h"

#include "common/parallel.h"
#include "ops/vec.h"

#include <algorithm>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace fxq {

namespace {

constexpr int64_t kVec = 16;               // floats per vector: one AVX-512 register (two AVX ones)
constexpr int kOcBlock = 8;                // output channels per register block
constexpr int kRunVecs = 3;                // vectors of positions per register block
constexpr int64_t kCiChunk = 16;           // input channels summed in registers before joining the running sum
constexpr int64_t kTaskMacs = 1 << 19;     // MACs per task at least (as the GEMM convs)
constexpr int64_t kMaxTasks = 8;           // per image
constexpr int64_t kColumnFloats = 1 << 16; // input floats per column block: c_in x positions <= 256 KiB
constexpr int64_t kPackPositions = 512;    // tasks of this many positions pack their weights

// One AVX-512 register of floats (ops/vec.h), accessed unaligned through V(p).
typedef Vec<kVec>::T Vf;
inline Vf& V(float* p) { return fxq::V<kVec>(p); }
inline const Vf& V(const float* p) { return fxq::V<kVec>(p); }

// How one image's conv is cut into tasks (position ranges x output-channel chunks), from the shape alone.
struct PointwiseTiles {
  int64_t plane;                     // positions per image
  int64_t oc_blocks;                 // register blocks of kOcBlock output channels
  int64_t positions_per_range, ranges;
  int64_t blocks_per_chunk, chunks;
  int64_t column_block;              // positions per column block inside a task
  explicit PointwiseTiles(const Conv2dShape& s) {
    plane = s.out_h * s.out_w;
    oc_blocks = (s.c_out + kOcBlock - 1) / kOcBlock;
    const int64_t step = kVec * kRunVecs;
    const int64_t steps = (plane + step - 1) / step;
    const int64_t want = std::clamp<int64_t>(s.c_out * s.c_in * plane / kTaskMacs, 1, kMaxTasks);
    // Position ranges first (they cost nothing: no halo, the weights are small), in whole register
    // blocks, then output-channel chunks for planes too small to cut further.
    ranges = std::min(want, steps);
    positions_per_range = (steps + ranges - 1) / ranges * step;
    ranges = (plane + positions_per_range - 1) / positions_per_range;
    chunks = std::min((want + ranges - 1) / ranges, oc_blocks);
    blocks_per_chunk = (oc_blocks + chunks - 1) / chunks;
    chunks = (oc_blocks + blocks_per_chunk - 1) / blocks_per_chunk;
    column_block = std::max<int64_t>(1, kColumnFloats / (s.c_in * step)) * step;
  }
};

// The last vector of a register block may be partial: lanes [0, rem) of it are positions, the others
// neither read nor written (AVX-512 masked loads and stores; kMaskedTail). A lane's sum is the same
// either way, so so are the results. Other builds copy the plane's last plane % 16 positions into
// zero-padded buffers instead (conv2d_direct1x1).
typedef uint16_t Lanes;  // bit j: lane j
#if defined(__AVX512F__)
constexpr bool kMaskedTail = true;
inline Vf load_lanes(const float* p, Lanes m) { return (Vf)_mm512_maskz_loadu_ps(m, p); }
inline void store_lanes(float* p, Lanes m, Vf v) { _mm512_mask_storeu_ps(p, m, (__m512)v); }
#else
constexpr bool kMaskedTail = false;
inline Vf load_lanes(const float* p, Lanes) { return V(p); }
inline void store_lanes(float* p, Lanes, Vf v) { V(p) = v; }
#endif
constexpr Lanes kAllLanes = 0xFFFF;

// y[o][i + k * 16 ...] for o < kOcBlock, k < NV: bias + every input channel, x[ci * xs + k * 16 ...] the
// input; weights w[o][ci] (Packed: w[0][ci * kOcBlock + o]); of vector NV - 1 only the lanes in `last`.
// Input channels are summed in chunks of kCiChunk, each chunk from zero in registers, then added to the
// running sum in y ((chunk 0 + bias) + chunk 1 ...). The first chunk has its own store loop: one loop
// with a `c0 == 0 ? a + bias : s + a` store made GCC spill the 24 accumulators to the stack every chunk.
template <int NV, bool Packed, bool Masked>
inline void run_block(const float* x, int64_t xs, int64_t c_in, const float* const* w, const float* bias, float* const* y,
                      int64_t i, Lanes last) {
  // plain loads and stores unless Masked: masked ones with every lane set cost 6 % at 112x112
  auto load_last = [&](const float* p) __attribute__((always_inline)) { return Masked ? load_lanes(p, last) : V(p); };
  auto store_last = [&](float* p, Vf v) __attribute__((always_inline)) {
    if (Masked) store_lanes(p, last, v);
    else V(p) = v;
  };
  Vf a[kOcBlock][NV];
  // a = the sum from zero of input channels [c0, c1)
  auto chunk = [&](int64_t c0, int64_t c1) __attribute__((always_inline)) {
    for (int o = 0; o < kOcBlock; ++o)
      for (int k = 0; k < NV; ++k) a[o][k] = Vf{};
    const float* xc = x + c0 * xs;
    const float* wr[kOcBlock];
    for (int o = 0; o < kOcBlock; ++o) wr[o] = w[o];
    for (int64_t ci = c0; ci < c1; ++ci, xc += xs) {
      Vf xv[NV];
      for (int k = 0; k < NV - 1; ++k) xv[k] = V(xc + k * kVec);
      xv[NV - 1] = load_last(xc + (NV - 1) * kVec);
#pragma GCC unroll 8
      for (int o = 0; o < kOcBlock; ++o) {
        const Vf wv = splat<kVec>(Packed ? wr[0][ci * kOcBlock + o] : wr[o][ci]);  // one broadcast (ops/vec.h)
        for (int k = 0; k < NV; ++k) a[o][k] += wv * xv[k];
      }
    }
  };
  chunk(0, std::min(c_in, kCiChunk));
  for (int o = 0; o < kOcBlock; ++o) {
    for (int k = 0; k < NV - 1; ++k) V(y[o] + i + k * kVec) = a[o][k] + bias[o];
    store_last(y[o] + i + (NV - 1) * kVec, a[o][NV - 1] + bias[o]);
  }
  for (int64_t c0 = kCiChunk; c0 < c_in; c0 += kCiChunk) {
    chunk(c0, std::min(c_in, c0 + kCiChunk));
    for (int o = 0; o < kOcBlock; ++o) {
      for (int k = 0; k < NV - 1; ++k) {
        Vf& s = V(y[o] + i + k * kVec);
        s = s + a[o][k];
      }
      float* yl = y[o] + i + (NV - 1) * kVec;
      store_last(yl, load_last(yl) + a[o][NV - 1]);
    }
  }
}

// The last 1..NV vectors of a column block: run_block<n> for the n = `left` remaining.
template <int NV, bool Packed, bool Masked>
inline void run_tail(int64_t left, const float* x, int64_t xs, int64_t c_in, const float* const* w, const float* bias,
                     float* const* y, int64_t i, Lanes last) {
  if (left == NV) run_block<NV, Packed, Masked>(x, xs, c_in, w, bias, y, i, last);
  else if constexpr (NV > 1) run_tail<NV - 1, Packed, Masked>(left, x, xs, c_in, w, bias, y, i, last);
}

// Vectors [0, vecs) of a column block at position i: blocks of kRunVecs, then the 1..kRunVecs - 1 left;
// the block holding the last vector is masked by `last` when it is partial.
template <bool Packed>
inline void run_columns(int64_t vecs, Lanes last, const float* x, int64_t xs, int64_t c_in, const float* const* w,
                        const float* bias, float* const* y, int64_t i) {
  const bool partial = last != kAllLanes;
  // whole unmasked blocks first: the loop has no test of its own
  const int64_t unmasked = (partial && vecs % kRunVecs == 0 ? vecs - kRunVecs : vecs) / kRunVecs * kRunVecs;
  int64_t v = 0;
  for (; v < unmasked; v += kRunVecs)
    run_block<kRunVecs, Packed, false>(x + v * kVec, xs, c_in, w, bias, y, i + v * kVec, kAllLanes);
  if (vecs == v) return;
  if (partial) run_tail<kRunVecs, Packed, true>(vecs - v, x + v * kVec, xs, c_in, w, bias, y, i + v * kVec, last);
  else run_tail<kRunVecs - 1, Packed, false>(vecs - v, x + v * kVec, xs, c_in, w, bias, y, i + v * kVec, last);
}

}  // namespace

bool direct1x1_applies(const Conv2dShape& s) {
  return s.group == 1 && s.k_h == 1 && s.k_w == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_top == 0 &&
         s.pad_left == 0 && s.out_h == s.in_h && s.out_w == s.in_w && s.out_h >= 1 && s.out_w >= 1;
}

// Measured (bench/bench_conv.cpp, docs/engine.md), against one GEMM, 1 thread, every buffer in cache:
// 1.03x-1.29x with planes of 13x13 to 28x28, or with at most 32 input or output channels (up to 112x112
// planes); 0.96x-1.00x on 52x52 planes with 58-116 channels on both sides (NanoDet's stage-2 and head
// layers, YOLOX's 64-channel ones: large GEMMs are oneDNN's best case; in the models 3-7 % slower
// than GEMM), and 0.89x-1.00x on MobileNetV2's 7x7 planes (49 positions: one register block and a
// one-position tail): those keep GEMM.
bool direct1x1_preferred(const Conv2dShape& s) {
  const int64_t plane = s.out_h * s.out_w;
  return plane >= 64 && (plane <= 32 * 32 || std::min(s.c_in, s.c_out) <= 32);
}

void conv2d_direct1x1(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y,
                      const Epilogue* act) {
  const PointwiseTiles t(s);
  const int64_t plane = t.plane, whole = plane / kVec * kVec;  // positions in whole vectors
  const int64_t per_image = t.ranges * t.chunks;
  parallel_for(s.batch * per_image, [&](int64_t task) {
    const int64_t n = task / per_image, r = task % per_image / t.chunks, ch = task % t.chunks;
    const int64_t p0 = r * t.positions_per_range, p1 = std::min(plane, p0 + t.positions_per_range);
    const int64_t b0 = ch * t.blocks_per_chunk, b1 = std::min(t.oc_blocks, b0 + t.blocks_per_chunk);
    const float* xn = x + n * s.c_in * plane;
    thread_local std::vector<float> scratch, tail_x, tail_y, wp;
    const bool packed = p1 - p0 >= kPackPositions;
    if (packed) {  // [block][c_in][kOcBlock], spare rows repeat the block's last channel
      wp.resize(static_cast<size_t>((b1 - b0) * s.c_in * kOcBlock));
      for (int64_t b = b0; b < b1; ++b)
        for (int64_t o = 0; o < kOcBlock; ++o) {
          const float* src = w + std::min(b * kOcBlock + o, s.c_out - 1) * s.c_in;
          float* dst = wp.data() + (b - b0) * s.c_in * kOcBlock + o;
          for (int64_t ci = 0; ci < s.c_in; ++ci) dst[ci * kOcBlock] = src[ci];
        }
    }
    float bo[kOcBlock];
    float* yo[kOcBlock];
    const float* wo[kOcBlock];
    auto valid_rows = [&](int64_t b) { return std::min<int64_t>(kOcBlock, s.c_out - b * kOcBlock); };
    auto block_weights = [&](int64_t b) {  // spare rows of a partial block repeat its last channel
      for (int o = 0; o < kOcBlock; ++o) {
        const int64_t co = b * kOcBlock + std::min<int64_t>(o, valid_rows(b) - 1);
        wo[o] = packed ? wp.data() + (b - b0) * s.c_in * kOcBlock : w + co * s.c_in;
        bo[o] = bias ? bias[co] : 0.0f;
      }
    };
    // this range's positions summed in place: [p0, q1), the last vector partial where kMaskedTail
    const int64_t q1 = kMaskedTail ? p1 : std::min(p1, whole);
    if (b1 * kOcBlock > s.c_out) scratch.resize(static_cast<size_t>(plane));
    for (int64_t c0 = p0; c0 < q1; c0 += t.column_block) {
      const int64_t c1 = std::min(q1, c0 + t.column_block), vecs = (c1 - c0 + kVec - 1) / kVec;
      const int64_t rem = (c1 - c0) % kVec;
      const Lanes last = rem ? static_cast<Lanes>((1u << rem) - 1) : kAllLanes;
      for (int64_t b = b0; b < b1; ++b) {
        block_weights(b);
        for (int o = 0; o < kOcBlock; ++o)  // spare rows' sums go to the scratch row
          yo[o] = o < valid_rows(b) ? y + (n * s.c_out + b * kOcBlock + o) * plane : scratch.data();
        if (packed) run_columns<true>(vecs, last, xn + c0, plane, s.c_in, wo, bo, yo, c0);
        else run_columns<false>(vecs, last, xn + c0, plane, s.c_in, wo, bo, yo, c0);
        if (act)
          for (int64_t o = 0; o < valid_rows(b); ++o) act->apply(yo[o] + c0, c1 - c0);
      }
    }
    if (!kMaskedTail && p1 > whole) {  // the plane's last plane % 16 positions, through zero-padded buffers
      const int64_t left = p1 - whole;
      tail_x.assign(static_cast<size_t>(s.c_in * kVec), 0.0f);
      tail_y.resize(static_cast<size_t>(kOcBlock * kVec));
      for (int64_t ci = 0; ci < s.c_in; ++ci)
        std::copy(xn + ci * plane + whole, xn + ci * plane + p1, tail_x.data() + ci * kVec);
      for (int o = 0; o < kOcBlock; ++o) yo[o] = tail_y.data() + o * kVec;
      for (int64_t b = b0; b < b1; ++b) {
        block_weights(b);
        if (packed) run_block<1, true, false>(tail_x.data(), kVec, s.c_in, wo, bo, yo, 0, kAllLanes);
        else run_block<1, false, false>(tail_x.data(), kVec, s.c_in, wo, bo, yo, 0, kAllLanes);
        for (int64_t o = 0; o < valid_rows(b); ++o) {
          float* yc = y + (n * s.c_out + b * kOcBlock + o) * plane + whole;
          std::copy(yo[o], yo[o] + left, yc);
          if (act) act->apply(yc, left);
        }
      }
    }
  });
}

}  // namespace fxq
