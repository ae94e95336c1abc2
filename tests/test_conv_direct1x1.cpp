// The direct 1x1 conv kernel (ops/conv_direct1x1.cpp) against conv2d_reference (double accumulation) on
// seeded random shapes that reach every part of it: channel counts that are and are not multiples of its
// 8-channel register block and 16-channel chunks (1..70), planes 1..40 wide and tall (positions below,
// at and above one vector and a 48-position register block, and not multiples of them: the masked
// last block in AVX-512 builds, the tail buffers in others), batch 2, with and without bias, each fused activation, and guard values before and after
// the output that must survive. Also: which shapes it takes, conv2d_fast through it, and bit-identical
// results at 1 and 2 threads.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "common/parallel.h"
#include "conv_check.h"
#include "ops/conv_kernels.h"

using namespace fxq;

namespace {

constexpr float kTol = 1e-5f;  // float32 sums of up to 70 products of values in [-1, 1] against the double-accumulated sum

Conv2dShape make_shape(int64_t batch, int64_t c_in, int64_t c_out, int64_t h, int64_t w) {
  Conv2dShape s;
  s.batch = batch, s.c_in = c_in, s.c_out = c_out, s.in_h = s.out_h = h, s.in_w = s.out_w = w;
  return s;
}

}  // namespace

TEST_CASE("direct 1x1 conv matches conv2d_reference on random shapes", "[ops]") {
  std::mt19937 rng(4242);
  std::uniform_int_distribution<int64_t> d(0, 1 << 20);
  const test::Activations activations(-0.5f, 0.75f);
  const std::vector<const Epilogue*>& acts = activations.all;
  const Epilogue& relu = activations.relu;
  int checked = 0;
  // Hand-picked edges: one position, one vector, one register block (48) and around them, channel
  // blocks and chunks, several position ranges and column blocks, batch 2.
  const std::vector<Conv2dShape> edges = {
      make_shape(1, 1, 1, 1, 1),     make_shape(1, 1, 1, 4, 4),     make_shape(1, 3, 9, 1, 15),
      make_shape(1, 16, 8, 1, 17),   make_shape(1, 17, 16, 6, 8),   make_shape(1, 8, 7, 7, 7),
      make_shape(2, 33, 17, 13, 13), make_shape(1, 70, 70, 40, 40), make_shape(2, 24, 58, 37, 29),
      make_shape(1, 64, 64, 16, 16), make_shape(1, 512, 20, 13, 13), make_shape(1, 20, 300, 9, 11),
      make_shape(1, 24, 58, 104, 104),  // 8 position ranges, packed weights
  };
  for (const Conv2dShape& s : edges) {
    REQUIRE(direct1x1_applies(s));
    test::check_against_reference(s, rng, true, &relu, conv2d_direct1x1, kTol);
    test::check_against_reference(s, rng, false, nullptr, conv2d_direct1x1, kTol);
    ++checked;
  }
  for (int t = 0; t < 150; ++t) {
    const Conv2dShape s = make_shape(1 + d(rng) % 2, 1 + d(rng) % 70, 1 + d(rng) % 70, 1 + d(rng) % 40, 1 + d(rng) % 40);
    REQUIRE(direct1x1_applies(s));
    test::check_against_reference(s, rng, t % 2 == 0, acts[t % acts.size()], conv2d_direct1x1, kTol);
    ++checked;
  }
  CHECK(checked == 163);
}

TEST_CASE("direct 1x1 conv: which shapes it takes, and conv2d_fast through it", "[ops]") {
  const Conv2dShape s = make_shape(1, 16, 16, 32, 32);
  CHECK(direct1x1_applies(s));
  CHECK(direct1x1_preferred(s));
  Conv2dShape t = s;
  t.stride_h = t.stride_w = 2, t.out_h = t.out_w = 16;
  CHECK_FALSE(direct1x1_applies(t));
  t = s, t.pad_top = t.pad_left = 1, t.out_h = t.out_w = 34;
  CHECK_FALSE(direct1x1_applies(t));
  t = s, t.group = 2;
  CHECK_FALSE(direct1x1_applies(t));
  t = s, t.k_h = t.k_w = 3, t.out_h = t.out_w = 30;
  CHECK_FALSE(direct1x1_applies(t));
  CHECK_FALSE(direct1x1_preferred(make_shape(1, 320, 1280, 7, 7)));  // 7x7 planes keep GEMM
  CHECK_FALSE(direct1x1_preferred(make_shape(1, 58, 58, 52, 52)));    // so do wide 52x52 layers
  CHECK(direct1x1_preferred(make_shape(1, 24, 58, 104, 104)));
  CHECK(direct1x1_preferred(make_shape(1, 512, 256, 13, 13)));
  std::mt19937 rng(9);
  Epilogue relu;
  relu.kind = Epilogue::kRelu;
  for (const Conv2dShape& m : {make_shape(1, 24, 58, 52, 52), make_shape(1, 256, 64, 13, 13),
                               make_shape(1, 160, 96, 7, 7), make_shape(2, 5, 3, 9, 9)})
    test::check_against_reference(m, rng, true, &relu, conv2d_fast, kTol);
}

TEST_CASE("direct 1x1 conv is bit-identical at 1 and 2 threads", "[ops]") {
  std::mt19937 rng(78);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Epilogue silu;
  silu.kind = Epilogue::kSiLU;
  // one task to eight, position ranges and channel chunks, packed and unpacked weights, batch 2, ragged
  for (const Conv2dShape& s : {make_shape(1, 24, 58, 104, 104), make_shape(1, 58, 58, 52, 52),
                               make_shape(1, 512, 256, 13, 13), make_shape(2, 33, 45, 29, 23),
                               make_shape(1, 3, 5, 7, 7), make_shape(1, 232, 232, 13, 13)}) {
    std::vector<float> x(s.batch * s.c_in * s.in_h * s.in_w), w(s.c_out * s.c_in), b(s.c_out);
    for (auto* v : {&x, &w, &b})
      for (float& e : *v) e = u(rng);
    std::vector<float> y1(s.batch * s.c_out * s.out_h * s.out_w), y2(y1.size(), 1.0f);
    set_num_threads(1);
    conv2d_direct1x1(s, x.data(), w.data(), b.data(), y1.data(), &silu);
    set_num_threads(2);
    conv2d_direct1x1(s, x.data(), w.data(), b.data(), y2.data(), &silu);
    set_num_threads(0);
    INFO("c_in " << s.c_in << " c_out " << s.c_out << " plane " << s.out_h << "x" << s.out_w);
    CHECK(y1 == y2);
  }
}
