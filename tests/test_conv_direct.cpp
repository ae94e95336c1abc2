// The direct 3x3 conv kernel (ops/conv_direct.cpp) against conv2d_reference (double accumulation) on
// seeded random shapes that reach every part of it: channel counts that are and are not multiples of
// its 8-channel register block (1..70), widths below, at and above a 16-float vector and not
// multiples of it (1..40), heights from 1, pads 0/1/2 (asymmetric too), strides 1 and 2, batch 2, with and without
// bias, with and without a fused activation, and guard values before and after the output that must
// survive. Also: conv2d_fast's choice, and bit-identical results at 1 and 2 threads.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "common/parallel.h"
#include "conv_check.h"
#include "ops/conv_kernels.h"

using namespace fxq;

namespace {

constexpr float kTol = 1e-4f;  // float32 sums of up to 70 * 9 products of values in [-1, 1] against the double-accumulated sum

Conv2dShape make_shape(int64_t batch, int64_t c_in, int64_t c_out, int64_t h, int64_t w, int64_t top, int64_t left,
                       int64_t bottom, int64_t right, int64_t stride = 1) {
  Conv2dShape s;
  s.batch = batch, s.c_in = c_in, s.c_out = c_out, s.in_h = h, s.in_w = w, s.k_h = s.k_w = 3;
  s.stride_h = s.stride_w = stride;
  s.pad_top = top, s.pad_left = left;
  s.out_h = (h + top + bottom - 3) / stride + 1, s.out_w = (w + left + right - 3) / stride + 1;
  return s;
}

}  // namespace

TEST_CASE("direct 3x3 conv matches conv2d_reference on random shapes", "[ops]") {
  std::mt19937 rng(31337);
  std::uniform_int_distribution<int64_t> d(0, 1 << 20);
  Epilogue relu;
  relu.kind = Epilogue::kRelu;
  Epilogue silu;
  silu.kind = Epilogue::kSiLU;
  int checked = 0;
  // Hand-picked edges: single row/column outputs, widths around one vector, channel blocks.
  const std::vector<Conv2dShape> edges = {
      make_shape(1, 1, 1, 1, 1, 1, 1, 1, 1),     make_shape(1, 1, 1, 3, 3, 0, 0, 0, 0),
      make_shape(1, 2, 9, 1, 40, 1, 1, 1, 1),    make_shape(1, 5, 8, 40, 1, 1, 1, 1, 1),
      make_shape(1, 8, 16, 14, 14, 1, 1, 1, 1),  make_shape(1, 3, 17, 16, 16, 0, 0, 0, 0),
      make_shape(2, 7, 7, 17, 15, 2, 2, 2, 2),   make_shape(1, 70, 70, 9, 33, 1, 2, 0, 1),
      make_shape(1, 64, 64, 8, 8, 1, 1, 1, 1),   make_shape(1, 16, 16, 32, 32, 1, 1, 1, 1),
      make_shape(1, 12, 16, 100, 37, 1, 1, 1, 1),  // several row blocks (buffer budget)
      make_shape(1, 70, 24, 40, 40, 0, 2, 2, 0),   // channel chunks x row blocks
      // stride 2: odd and even sizes (the last padded column/row read or not), pads 0/1/2, row blocks
      make_shape(1, 3, 24, 416, 64, 1, 1, 1, 1, 2), make_shape(1, 3, 64, 35, 35, 0, 0, 0, 0, 2),
      make_shape(1, 16, 32, 32, 32, 1, 1, 1, 1, 2), make_shape(2, 9, 17, 17, 16, 2, 1, 0, 2, 2),
      make_shape(1, 1, 1, 3, 3, 0, 0, 0, 0, 2),     make_shape(1, 5, 8, 4, 40, 1, 0, 1, 1, 2),
  };
  for (const Conv2dShape& s : edges) {
    REQUIRE(direct3x3_applies(s));
    test::check_against_reference(s, rng, true, &relu, conv2d_direct3x3, kTol);
    test::check_against_reference(s, rng, false, nullptr, conv2d_direct3x3, kTol);
    ++checked;
  }
  for (int t = 0; t < 150; ++t) {
    const int64_t top = d(rng) % 3, left = d(rng) % 3, bottom = d(rng) % 3, right = d(rng) % 3;
    const int64_t h = std::max<int64_t>(1 + d(rng) % 40, 3 - top - bottom);
    const int64_t w = std::max<int64_t>(1 + d(rng) % 40, 3 - left - right);
    const int64_t stride = t % 4 == 3 ? 2 : 1;
    const Conv2dShape s = make_shape(1 + d(rng) % 2, 1 + d(rng) % 70, 1 + d(rng) % 70, h, w, top, left, bottom, right, stride);
    REQUIRE(direct3x3_applies(s));
    const Epilogue* act = t % 3 == 0 ? nullptr : (t % 3 == 1 ? &relu : &silu);
    test::check_against_reference(s, rng, t % 2 == 0, act, conv2d_direct3x3, kTol);
    ++checked;
  }
  CHECK(checked == 168);
}

TEST_CASE("direct 3x3 conv: which shapes it takes, and conv2d_fast through it", "[ops]") {
  Conv2dShape s = make_shape(1, 16, 16, 32, 32, 1, 1, 1, 1);
  CHECK(direct3x3_applies(s));
  Conv2dShape t = s;
  t.stride_h = 2, t.out_h = 16;
  CHECK_FALSE(direct3x3_applies(t));  // strides differ
  t.stride_w = 2, t.out_w = 16;
  CHECK(direct3x3_applies(t));
  t = s, t.stride_h = t.stride_w = 3, t.out_h = t.out_w = 11;
  CHECK_FALSE(direct3x3_applies(t));
  t = s, t.dil_w = 2, t.out_w = 30;
  CHECK_FALSE(direct3x3_applies(t));
  t = s, t.group = 2;
  CHECK_FALSE(direct3x3_applies(t));
  t = s, t.k_w = 5, t.out_w = 30;
  CHECK_FALSE(direct3x3_applies(t));
  // conv2d_fast, whichever path it picks, agrees with the reference on the models' 3x3 shapes.
  std::mt19937 rng(5);
  Epilogue relu;
  relu.kind = Epilogue::kRelu;
  for (const Conv2dShape& m : {make_shape(1, 3, 16, 32, 32, 1, 1, 1, 1), make_shape(1, 32, 32, 16, 16, 1, 1, 1, 1),
                               make_shape(1, 64, 64, 8, 8, 1, 1, 1, 1), make_shape(1, 48, 192, 13, 13, 1, 1, 1, 1)})
    test::check_against_reference(m, rng, true, &relu, conv2d_fast, kTol);
}

TEST_CASE("direct 3x3 conv is bit-identical at 1 and 2 threads", "[ops]") {
  std::mt19937 rng(77);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  // the models' shapes (one task to eight, channel chunks and row blocks), batch 2, a ragged one
  for (const Conv2dShape& s : {make_shape(1, 16, 16, 32, 32, 1, 1, 1, 1), make_shape(1, 64, 64, 8, 8, 1, 1, 1, 1),
                               make_shape(1, 16, 64, 55, 55, 1, 1, 1, 1), make_shape(1, 12, 16, 208, 208, 1, 1, 1, 1),
                               make_shape(2, 33, 45, 29, 23, 2, 0, 1, 2), make_shape(1, 3, 5, 7, 7, 1, 1, 1, 1),
                               make_shape(1, 3, 24, 416, 416, 1, 1, 1, 1, 2), make_shape(1, 32, 64, 16, 16, 1, 1, 1, 1, 2)}) {
    std::vector<float> x(s.batch * s.c_in * s.in_h * s.in_w), w(s.c_out * s.c_in * 9), b(s.c_out);
    for (auto* v : {&x, &w, &b})
      for (float& e : *v) e = u(rng);
    std::vector<float> y1(s.batch * s.c_out * s.out_h * s.out_w), y2(y1.size(), 1.0f);
    set_num_threads(1);
    conv2d_direct3x3(s, x.data(), w.data(), b.data(), y1.data());
    set_num_threads(2);
    conv2d_direct3x3(s, x.data(), w.data(), b.data(), y2.data());
    set_num_threads(0);
    INFO("c_in " << s.c_in << " c_out " << s.c_out << " in " << s.in_h << "x" << s.in_w);
    CHECK(y1 == y2);
  }
}
