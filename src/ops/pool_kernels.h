// Pooling kernels on raw planes: the registered ops (max_pool.cpp, global_average_pool.cpp) call them,
// and the tests run them directly against direct loops, with guard values around the output
// (tests/test_ops_nn.cpp). Both spread planes over the thread pool in tasks cut by shape only, so results
// are bit-identical at any thread count.
#pragma once
#include <cstdint>

#include "ops/spatial.h"

namespace fxq {

// 2-D max pooling: `planes` consecutive [w.in[1], w.in[2]] planes of x into `planes` consecutive
// [w.out[1], w.out[2]] planes of y; w is pool_window's (3 axes, axis 0 a unit axis). Writes nothing
// else. y = the largest input under each window; padded cells never win, NaN inputs never win (as the
// direct loop `if (v > m) m = v` from the lowest float), and a window with no input cell gives the
// lowest float (as ONNX Runtime).
void max_pool_2d(const float* x, int64_t planes, const Window& w, float* y);
// max_pool_2d's portable path (row buffer), which it takes in builds without AVX-512 and for windows the
// direct path does not cover; exposed for the tests.
void max_pool_2d_rows(const float* x, int64_t planes, const Window& w, float* y);

// y[p] = the mean of the n floats x[p * n ... p * n + n - 1] for p < planes. Summed in double, in a
// fixed order that depends on n only (global_average_pool.cpp). Writes nothing else.
void global_average_pool(const float* x, int64_t planes, int64_t n, float* y);

}  // namespace fxq
