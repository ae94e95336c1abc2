// Direct convolution for layers with few input channels (AVX-512 builds): group 1, output channels a
// multiple of 8, dilation 1, and either 3x3 with at most 4 input channels, stride 1 or 2 (the first layer
// of SqueezeNet: 3 -> 64, stride 2; MobileNetV2: 3 -> 32, stride 2; NanoDet-m: 3 -> 24, stride 2 on a
// 416x416 image; ResNet-20/56: 3 -> 16) or 5x5 with at most 8 input channels, stride 1 (both convs of
// MNIST-8: 1 -> 8 and 8 -> 16); pads up to the kernel size - 1.
//
// An output of such a 3x3 layer is only 27 MACs, and its input and output planes are the largest of the
// network (NanoDet's: 2 MB in, 4 MB out): im2col + GEMM writes and reads a 27-row copy of the input and
// ran at 26 GMAC/s in NanoDet; conv2d_direct3x3 spends more on its padded copy and its copy-out than on
// the sums. This kernel reads the input where it is and writes each output once:
// - an output row is cut into vectors of 16 columns, two at a time; for each input channel and kernel
//   row, the K taps of a vector are masked loads of the input row (lanes outside the plane read
//   +0 and are never fetched; at stride 2 two loads split into even and odd columns by vpermt2ps and
//   the even ones shifted by a lane with a third, one-lane load), as in conv_depthwise3x3.cpp;
// - those tap vectors are gathered once per pair of vectors (27 x 2 for 3 channels at 3x3, 200 x 2 for
//   8 channels at 5x5: in L1), then every
//   block of 8 output channels x 2 vectors is summed in registers over them, each weight broadcast once
//   and used for both vectors; rows of the kernel outside the input are skipped;
// - Relu, Clip and LeakyRelu are applied in registers (ops/epilogue_avx512.h), the result stored
//   straight into y; SiLU is applied to the output row afterwards (Epilogue::apply).
// Each output is bias + the taps in (ci, ky, kx) order, one chain, whoever computes it: tasks are
// (image, block of output rows, block of channels) from the shape alone, so the result does not depend
// on the thread count.
#include "ops/conv_kernels.h"

#include "common/parallel.h"

#include <algorithm>

#if defined(__AVX512F__)
#include <immintrin.h>

#include "ops/epilogue_avx512.h"
#include "ops/row_taps_avx512.h"
#endif

namespace fxq {

#if defined(__AVX512F__)

namespace {

constexpr int kOc = 8;                   // output channels per register block
constexpr int kMaxCin3 = 4;              // 3x3 kernels: input channels at most
constexpr int kMaxCin5 = 8;              // 5x5 kernels (stride 1)
constexpr int kMaxTapVectors = kMaxCin5 * 5 * 2 * 5;
constexpr int64_t kTaskMacs = 1 << 20;   // MACs per task at least
constexpr int64_t kMaxTasks = 16;        // per image

struct Geometry {
  const Conv2dShape* s;
  const float* x;   // this image's input
  float* y;         // this image's output
  const float* w;   // [c_out][c_in][3][3]
  const float* bias;
  const RegisterEpilogue* act;
};

// The taps of output row oy, columns [c, c + 16 * NV): taps[(ci * K + ky) * NV * K + v * K + kx]; a
// kernel row outside the input is left out (valid[ky] false).
template <int S, int K, int NV>
void gather_taps(const Geometry& g, int64_t oy, const RowTaps<S, K>* cols, __m512* taps, bool* valid) {
  const Conv2dShape& s = *g.s;
  for (int ky = 0; ky < K; ++ky) {
    const int64_t iy = oy * S - s.pad_top + ky;
    valid[ky] = iy >= 0 && iy < s.in_h;
    if (!valid[ky]) continue;
    for (int64_t ci = 0; ci < s.c_in; ++ci) {
      const float* row = g.x + (ci * s.in_h + iy) * s.in_w;
      for (int v = 0; v < NV; ++v) cols[v].load(row, taps + (ci * K + ky) * NV * K + v * K);
    }
  }
}

// Output row oy, columns [c, c + 16 * NV) (the last vector stored under `last`), channels co .. co + 7,
// from the gathered taps.
template <int K, int NV>
void block(const Geometry& g, int64_t oy, int64_t c, int64_t co, const __m512* taps, const bool* valid,
           __mmask16 last) {
  const Conv2dShape& s = *g.s;
  __m512 a[kOc][NV];
  for (int o = 0; o < kOc; ++o) {
    const __m512 b = _mm512_set1_ps(g.bias ? g.bias[co + o] : 0.0f);
    for (int v = 0; v < NV; ++v) a[o][v] = b;
  }
  const int64_t n_taps = s.c_in * K * K;
  for (int64_t ci = 0; ci < s.c_in; ++ci)
    for (int ky = 0; ky < K; ++ky) {
      if (!valid[ky]) continue;
      const __m512* t = taps + (ci * K + ky) * NV * K;
      const float* wk = g.w + co * n_taps + (ci * K + ky) * K;
#pragma GCC unroll 8
      for (int o = 0; o < kOc; ++o)
        for (int kx = 0; kx < K; ++kx) {
          const __m512 wv = _mm512_set1_ps(wk[o * n_taps + kx]);
          for (int v = 0; v < NV; ++v) a[o][v] += wv * t[v * K + kx];
        }
    }
  const int64_t plane = s.out_h * s.out_w;
  for (int o = 0; o < kOc; ++o) {
    float* yr = g.y + (co + o) * plane + oy * s.out_w + c;
    for (int v = 0; v < NV; ++v) _mm512_mask_storeu_ps(yr + 16 * v, v + 1 < NV ? 0xFFFF : last, (*g.act)(a[o][v]));
  }
}

template <int S, int K>
void rows(const Geometry& g, int64_t oy0, int64_t oy1, int64_t cb0, int64_t cb1) {
  const Conv2dShape& s = *g.s;
  const int64_t vecs = (s.out_w + 15) / 16;
  const __mmask16 last = lanes_inside(16 * (vecs - 1), s.out_w);
  __m512 taps[kMaxTapVectors];
  bool valid[K];
  for (int64_t oy = oy0; oy < oy1; ++oy)
    for (int64_t v = 0; v < vecs; v += 2) {
      RowTaps<S, K> cols[2];
      const bool pair = v + 1 < vecs;
      cols[0].init(16 * v, s.pad_left, s.in_w);
      if (pair) cols[1].init(16 * (v + 1), s.pad_left, s.in_w);
      const __mmask16 m = v + (pair ? 2 : 1) == vecs ? last : 0xFFFF;
      if (pair) {
        gather_taps<S, K, 2>(g, oy, cols, taps, valid);
        for (int64_t b = cb0; b < cb1; ++b) block<K, 2>(g, oy, 16 * v, b * kOc, taps, valid, m);
      } else {
        gather_taps<S, K, 1>(g, oy, cols, taps, valid);
        for (int64_t b = cb0; b < cb1; ++b) block<K, 1>(g, oy, 16 * v, b * kOc, taps, valid, m);
      }
    }
}

}  // namespace

bool stem_applies(const Conv2dShape& s) {
  const bool k3 = s.k_h == 3 && s.c_in <= kMaxCin3 && (s.stride_h == 1 || s.stride_h == 2);
  const bool k5 = s.k_h == 5 && s.c_in <= kMaxCin5 && s.stride_h == 1;
  return s.group == 1 && s.c_out % kOc == 0 && s.k_w == s.k_h && (k3 || k5) && s.dil_h == 1 && s.dil_w == 1 &&
         s.stride_w == s.stride_h && s.pad_top >= 0 && s.pad_top < s.k_h && s.pad_left >= 0 && s.pad_left < s.k_w &&
         s.out_h >= 1 && s.out_w >= 1;
}

void conv2d_stem(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y,
                 const Epilogue* act) {
  const RegisterEpilogue in_register(act);
  const int64_t blocks = s.c_out / kOc, plane = s.out_h * s.out_w;
  const int64_t work = s.c_out * s.c_in * s.k_h * s.k_w * plane;
  const int64_t want = std::clamp<int64_t>(work / kTaskMacs, 1, kMaxTasks);
  // Row blocks first (each task then reads only its rows of the input); channel blocks only when the
  // image has fewer rows than tasks wanted.
  const int64_t row_tasks = std::min(want, s.out_h), chunk_tasks = std::min(blocks, (want + row_tasks - 1) / row_tasks);
  const int64_t rows_per = (s.out_h + row_tasks - 1) / row_tasks, blocks_per = (blocks + chunk_tasks - 1) / chunk_tasks;
  const int64_t per_image = ((s.out_h + rows_per - 1) / rows_per) * ((blocks + blocks_per - 1) / blocks_per);
  const int64_t chunks = (blocks + blocks_per - 1) / blocks_per;
  parallel_for(s.batch * per_image, [&](int64_t task) {
    const int64_t n = task / per_image, rb = task % per_image / chunks, ch = task % per_image % chunks;
    const int64_t oy0 = rb * rows_per, oy1 = std::min(s.out_h, oy0 + rows_per);
    const int64_t cb0 = ch * blocks_per, cb1 = std::min(blocks, cb0 + blocks_per);
    Geometry g{&s, x + n * s.c_in * s.in_h * s.in_w, y + n * s.c_out * plane, w, bias, &in_register};
    if (s.k_h == 5) rows<1, 5>(g, oy0, oy1, cb0, cb1);
    else if (s.stride_h == 1) rows<1, 3>(g, oy0, oy1, cb0, cb1);
    else rows<2, 3>(g, oy0, oy1, cb0, cb1);
    if (act && !act->in_register())
      for (int64_t co = cb0 * kOc; co < cb1 * kOc; ++co)
        act->apply(g.y + co * plane + oy0 * s.out_w, (oy1 - oy0) * s.out_w);
  });
}

#else  // no AVX-512: conv2d_fast never takes this path

bool stem_applies(const Conv2dShape&) { return false; }

void conv2d_stem(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y,
                 const Epilogue* act) {
  conv2d_reference(s, x, w, bias, y, act);
}

#endif

}  // namespace fxq
