// The logistic function s(x) = 1 / (1 + exp(-x)) in float, for Sigmoid (ops/sigmoid.cpp) and the SiLU
// x * s(x) that Conv kernels fuse (ops/epilogue.h). Every caller, fused or not, computes each element
// with the same arithmetic, so fused and unfused runs are bit-identical.
//
// The arithmetic is ONNX Runtime's (MLAS's MlasComputeLogistic, with Eigen's coefficients) from x = -9
// up: x clamped to [-18, 18], s = p(x) / q(x) + 0.5 with p odd of degree 9 and q even of degree 10 in
// Horner form by FMAs, clamped to [0, 1]; the same floats bit for bit (tests/test_logistic.cpp runs
// ORT's Sigmoid and SiLU on 4.3 million floats), so a quantized model that ORT runs agrees with fxq's
// simulation of it. Below x = -9 it is Eigen's: s = exp(x) (Eigen's pexp; s(x) = exp(x) / (1 + exp(x)),
// so within 1.3e-4 relative), where ORT's rational function keeps an absolute error of up to 1.4e-7
// (so s = 0 exactly at and below -18). OpenCV computes 1 / (1 + exp(-x)), and its outputs of YOLOX
// quantized to 6 bits agree with fxq's simulation only with this exp tail (tests/test_qdq_models.cpp;
// with ORT's tail 172,480 of 301,665 outputs were off by more than 1e-4). Against the exact function:
// at most 1.5e-7 absolute error everywhere. Until 2026-11-25 fxq used Eigen's scalar_logistic_op, which
// is this but for x in (15.72, 18], where it gave 1 - 2^-24 instead of ORT's 1.
#pragma once
#include <cstdint>

namespace fxq {

// y[k] = s(x[k]) for k < n; y may be x.
void logistic(const float* x, float* y, int64_t n);

// y[k] = y[k] * s(y[k]) for k < n: Mul(x, Sigmoid(x)), the float product of x and its rounded s(x).
void silu(float* y, int64_t n);

}  // namespace fxq
