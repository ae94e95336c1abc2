// Direct depthwise 3x3 convolution (stride 1 or 2, dilation 1, pads 0-2) on the input planes in place,
// for AVX-512 builds: the depthwise convs of MobileNetV2, YOLOX-Nano and NanoDet-m.
//
// conv2d_depthwise (conv_kernels.cpp) copies every input plane into zero-padded sub-planes and sums
// one flat run over them; on the models' 7x7 to 28x28 planes the copies in and out cost as much as
// the arithmetic (docs/engine.md "Depthwise convolutions"). This kernel reads the input where it is:
// - an output row is cut into vectors of 16 columns; tap (ky, kx) of such a vector is a masked load
//   of the input row (lanes whose input column falls outside the plane read as +0, exactly the value
//   the padded copy holds there, and are never fetched); at stride 2 the three taps of a row come from
//   two loads de-interleaved into even and odd columns (vpermt2ps) and the even ones shifted by a lane;
// - rows above or below the input are a vector of +0, so a padded tap still adds w * 0 like the copy;
// - kRows output rows are summed together (independent FMA chains), sharing each input row's loads;
// - each output is (0 + bias), then the taps in (ky, kx) order, each `a += w * x` written as in
//   conv2d_depthwise, so the compiler contracts both the same way: the results are bit-identical to
//   conv2d_depthwise's (tests/test_conv_depthwise3x3.cpp checks it), whoever runs which plane.
// Relu, Clip and LeakyRelu are applied in registers before the store, with the standalone ops' exact
// comparisons (ops/epilogue_avx512.h); SiLU to the plane while it is in cache, as in conv2d_depthwise.
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

constexpr int64_t kTaskMacs = 1 << 18;  // MACs per task (planes grouped up to this), as conv2d_depthwise
constexpr int kRows = 4;                // output rows summed together

// One plane's geometry and weights.
struct Plane {
  const float* x;  // input plane
  float* y;        // output plane
  int64_t in_h, in_w, out_h, out_w, pad_top, pad_left;
  __m512 w[9];     // the taps, broadcast
  float bias;
  const RegisterEpilogue* act;  // Relu, Clip, LeakyRelu before the store (SiLU: applied to the plane afterwards)
};

// Output rows oy0 .. oy0 + R - 1, columns [c, c + 16) (stored under `store`).
template <int S, int R>
inline void rows_block(const Plane& p, const RowTaps<S, 3>& ct, int64_t oy0, int64_t c, __mmask16 store) {
  __m512 a[R];
  for (int j = 0; j < R; ++j) a[j] = _mm512_setzero_ps() + p.bias;  // as conv2d_depthwise: 0 + bias
  const int64_t iy0 = oy0 * S - p.pad_top;
#pragma GCC unroll 16
  for (int t = 0; t < (R - 1) * S + 3; ++t) {  // input rows in order: each output's ky ascends
    const int64_t iy = iy0 + t;
    __m512 tap[3];
    if (iy >= 0 && iy < p.in_h) ct.load(p.x + iy * p.in_w, tap);
    else tap[0] = tap[1] = tap[2] = _mm512_setzero_ps();  // a padding row still adds w * 0, as the copy did
    const __m512 t0 = tap[0], t1 = tap[1], t2 = tap[2];
#pragma GCC unroll 16
    for (int j = 0; j < R; ++j) {
      const int ky = t - j * S;
      if (ky < 0 || ky > 2) continue;
      a[j] += p.w[3 * ky] * t0;
      a[j] += p.w[3 * ky + 1] * t1;
      a[j] += p.w[3 * ky + 2] * t2;
    }
  }
  for (int j = 0; j < R; ++j) _mm512_mask_storeu_ps(p.y + (oy0 + j) * p.out_w + c, store, (*p.act)(a[j]));
}

template <int S>
void plane_direct(const Plane& p) {
  for (int64_t c = 0; c < p.out_w; c += 16) {
    RowTaps<S, 3> ct;
    ct.init(c, p.pad_left, p.in_w);
    const __mmask16 store = lanes_inside(c, p.out_w);
    int64_t oy = 0;
    for (; oy + kRows <= p.out_h; oy += kRows) rows_block<S, kRows>(p, ct, oy, c, store);
    switch (p.out_h - oy) {
      case 3: rows_block<S, 3>(p, ct, oy, c, store); break;
      case 2: rows_block<S, 2>(p, ct, oy, c, store); break;
      case 1: rows_block<S, 1>(p, ct, oy, c, store); break;
      default: break;
    }
  }
}

}  // namespace

bool depthwise3x3_applies(const Conv2dShape& s) {
  return s.group > 1 && s.group == s.c_in && s.k_h == 3 && s.k_w == 3 && s.dil_h == 1 && s.dil_w == 1 &&
         s.stride_h == s.stride_w && (s.stride_h == 1 || s.stride_h == 2) && s.pad_top >= 0 && s.pad_top <= 2 &&
         s.pad_left >= 0 && s.pad_left <= 2;
}

void conv2d_depthwise3x3(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y,
                         const Epilogue* act) {
  const int64_t multiplier = s.c_out / s.group;
  const int64_t in_plane = s.in_h * s.in_w, out_plane = s.out_h * s.out_w;
  const int64_t planes_per_task = std::max<int64_t>(1, kTaskMacs / std::max<int64_t>(1, out_plane * 9));
  const RegisterEpilogue in_register(act);
  parallel_range(s.batch * s.c_out, planes_per_task, [&](int64_t p0, int64_t p1) {
    for (int64_t q = p0; q < p1; ++q) {
      const int64_t n = q / s.c_out, co = q % s.c_out;
      Plane p;
      p.x = x + (n * s.c_in + co / multiplier) * in_plane;
      p.y = y + q * out_plane;
      p.in_h = s.in_h, p.in_w = s.in_w, p.out_h = s.out_h, p.out_w = s.out_w;
      p.pad_top = s.pad_top, p.pad_left = s.pad_left;
      for (int t = 0; t < 9; ++t) p.w[t] = _mm512_set1_ps(w[co * 9 + t]);
      p.bias = bias ? bias[co] : 0.0f;
      p.act = &in_register;
      if (s.stride_h == 1) plane_direct<1>(p);
      else plane_direct<2>(p);
      if (act && !act->in_register()) act->apply(p.y, out_plane);
    }
  });
}

#else  // no AVX-512: conv2d_fast keeps conv2d_depthwise for every depthwise conv

bool depthwise3x3_applies(const Conv2dShape&) { return false; }

void conv2d_depthwise3x3(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y,
                         const Epilogue* act) {
  conv2d_depthwise(s, x, w, bias, y, act);
}

#endif

}  // namespace fxq
