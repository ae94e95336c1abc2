// 2-D grouped convolution (NCHW), two implementations of the same arithmetic:
//   y[n, co, oy, ox] = bias[co] + sum over ci < Cin/group, ky, kx of
//       w[co, ci, ky, kx] * x[n, g * Cin/group + ci, oy * stride_h - pad_top + ky * dil_h,
//                                                    ox * stride_w - pad_left + kx * dil_w]
//   with g = co / (Cout/group), and x = 0 outside the input (zero padding).
// conv2d_reference is the direct loop (accumulating in double) every faster path is tested against;
// conv2d_fast (the registered kernel) uses, for depthwise convs, a direct 3x3 kernel on the input
// planes (ops/conv_depthwise3x3.cpp) or a vectorized loop over padded copies of them, a direct 1x1
// kernel (ops/conv_direct1x1.cpp) or one GEMM for 1x1 stride-1 unpadded convs (direct1x1_preferred),
// a direct 3x3 kernel (ops/conv_direct.cpp) for the 3x3 stride-1/2 shapes where
// it beats GEMM (direct3x3_preferred), and im2col + GEMM (ops/sgemm.h) otherwise, cut into tasks for
// the thread pool.
#pragma once
#include <cstdint>

#include "ops/epilogue.h"

namespace fxq {

struct Conv2dShape {
  int64_t batch = 1, c_in = 1, c_out = 1, group = 1;
  int64_t in_h = 1, in_w = 1, k_h = 1, k_w = 1;
  int64_t stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1;
  int64_t pad_top = 0, pad_left = 0;  // the end pads only enter through out_h / out_w
  int64_t out_h = 1, out_w = 1;
};

// x: [batch, c_in, in_h, in_w]; w: [c_out, c_in / group, k_h, k_w]; bias: [c_out] or nullptr;
// y: [batch, c_out, out_h, out_w], fully overwritten. c_in and c_out must be multiples of group.
// `act` (optional): an activation applied to the result (ops/epilogue.h; fused Conv+activation).
void conv2d_reference(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y,
                      const Epilogue* act = nullptr);
void conv2d_fast(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y,
                 const Epilogue* act = nullptr);

// conv2d_fast's paths, exposed for the tests and the micro-benchmark (bench/bench_conv.cpp):
// conv2d_gemm: 1x1 GEMM or im2col + GEMM, any shape with group 1 or non-depthwise groups;
// conv2d_depthwise: any depthwise conv (group == c_in), over zero-padded copies of the input planes;
// conv2d_depthwise3x3 (ops/conv_depthwise3x3.cpp): only where depthwise3x3_applies (AVX-512 builds; 3x3,
// stride 1 or 2 on both axes, dilation 1, pads 0-2), bit-identical to conv2d_depthwise, always preferred;
// conv2d_direct3x3: only for shapes where direct3x3_applies (group 1, 3x3, stride 1 or 2 on both axes, dilation 1).
void conv2d_gemm(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y,
                 const Epilogue* act = nullptr);
void conv2d_depthwise(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y,
                      const Epilogue* act = nullptr);
bool depthwise3x3_applies(const Conv2dShape& s);
void conv2d_depthwise3x3(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y,
                         const Epilogue* act = nullptr);
bool direct3x3_applies(const Conv2dShape& s);
void conv2d_direct3x3(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y,
                      const Epilogue* act = nullptr);
// conv2d_stem (ops/conv_stem.cpp): layers with few input channels, where stem_applies (AVX-512 builds;
// group 1, output channels a multiple of 8, dilation 1, pads below the kernel size, and 3x3 with at most
// 4 input channels at stride 1 or 2, or 5x5 with at most 8 at stride 1); conv2d_fast takes it for all.
bool stem_applies(const Conv2dShape& s);
void conv2d_stem(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y,
                    const Epilogue* act = nullptr);
// Whether conv2d_fast runs a shape direct3x3 applies to with conv2d_direct3x3 (measured rule,
// docs/engine.md "Direct 3x3 convolutions").
bool direct3x3_preferred(const Conv2dShape& s);
// conv2d_direct1x1 (ops/conv_direct1x1.cpp): only for shapes where direct1x1_applies (group 1, 1x1,
// stride 1, unpadded: the pointwise convs conv2d_gemm runs as one GEMM on the input).
bool direct1x1_applies(const Conv2dShape& s);
void conv2d_direct1x1(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y,
                      const Epilogue* act = nullptr);
// Whether conv2d_fast runs a shape direct1x1 applies to with conv2d_direct1x1 (measured rule,
// docs/engine.md "Direct 1x1 convolutions").
bool direct1x1_preferred(const Conv2dShape& s);

// The stride-2 de-interleave of the depthwise and direct kernels' input copies: padded columns
// c0 <= c < c1 of `row` go to even[c / 2] (c even) or odd[c / 2] (c odd), in vectors; nothing else is
// read or written.
void split_columns(const float* row, int64_t c0, int64_t c1, float* even, float* odd);

// The kernel the Conv op runs: conv2d_fast, or conv2d_reference while reference mode is on (tests use
// it to get a float64-accumulated result of a whole model, the yardstick for fxq's and ONNX Runtime's
// float32 rounding error). Process-wide; set it between runs.
void conv2d(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y,
            const Epilogue* act = nullptr);
void set_conv_reference_mode(bool on);

}  // namespace fxq
