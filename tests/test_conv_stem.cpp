// The stem kernel (ops/conv_stem.cpp: 3x3 convs with at most 4 input channels, 5x5 with at most 8) against
// conv2d_reference (double accumulation) on seeded random shapes that reach every part of it: 1-4 input
// channels (1-8 and pads 0-4 at 5x5, a quarter of the shapes), 8-72 output channels (one to nine blocks of 8), planes 1..70 wide (one vector, a pair, a pair
// and a single, ragged last vectors; stride-2 rows whose third load is or is not inside the row) and
// 1..40 tall (rows of the kernel above and below the input), strides 1 and 2, pads 0..2 on each side,
// batch 2, each fused activation, guard values around the output; the models' stems; which shapes it
// takes and conv2d_fast through it; bit-identical results at 1 and 2 threads.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "common/parallel.h"
#include "conv_check.h"
#include "ops/conv_kernels.h"

using namespace fxq;

namespace {

constexpr float kTol = 1e-5f;  // float32 sums of up to 200 products of values in [-1, 1] against the double-accumulated sum

Conv2dShape stem(int64_t batch, int64_t c_in, int64_t c_out, int64_t h, int64_t w, int64_t stride, int64_t pt,
                 int64_t pl, int64_t pb, int64_t pr, int64_t k = 3) {
  Conv2dShape s;
  s.batch = batch, s.c_in = c_in, s.c_out = c_out;
  s.in_h = h, s.in_w = w, s.k_h = s.k_w = k, s.stride_h = s.stride_w = stride;
  s.pad_top = pt, s.pad_left = pl;
  s.out_h = (h + pt + pb - k) / stride + 1, s.out_w = (w + pl + pr - k) / stride + 1;
  return s;
}

// The kernel is compiled for AVX-512 builds only (conv2d_fast uses the general paths elsewhere): in
// another build these tests have nothing to check and say so.
bool kernel_built() {
  if (stem_applies(stem(1, 3, 8, 9, 9, 1, 1, 1, 1, 1))) return true;
  WARN("not an AVX-512 build: stem_applies() is false for every shape, the kernel is not compiled");
  return false;
}

}  // namespace

TEST_CASE("stem conv matches conv2d_reference on random and edge shapes", "[ops]") {
  if (!kernel_built()) return;
  std::mt19937 rng(2024);
  std::uniform_int_distribution<int64_t> d(0, 1 << 20);
  const test::Activations activations(0.0f, 6.0f);
  const std::vector<const Epilogue*>& acts = activations.all;
  const Epilogue& relu = activations.relu;
  const Epilogue& clip = activations.clip;
  const Epilogue& leaky = activations.leaky;
  int checked = 0;
  const std::vector<Conv2dShape> edges = {
      stem(1, 3, 64, 224, 224, 2, 0, 0, 0, 0),  // SqueezeNet 1.1
      stem(1, 3, 32, 224, 224, 2, 1, 1, 1, 1),  // MobileNetV2
      stem(1, 3, 24, 416, 416, 2, 1, 1, 1, 1),  // NanoDet-m
      stem(2, 3, 16, 32, 32, 1, 1, 1, 1, 1),    // ResNet-20/56
      stem(1, 1, 8, 1, 1, 1, 1, 1, 1, 1),       stem(1, 4, 8, 1, 1, 2, 2, 2, 2, 2),
      stem(1, 2, 8, 3, 16, 1, 0, 0, 0, 0),      stem(1, 2, 16, 3, 17, 1, 0, 0, 0, 0),
      stem(1, 2, 16, 5, 33, 1, 1, 1, 1, 1),     stem(1, 3, 8, 5, 64, 2, 1, 1, 1, 1),
      stem(1, 3, 8, 5, 65, 2, 0, 1, 2, 0),      stem(1, 3, 8, 6, 66, 2, 1, 2, 1, 2),
      stem(1, 1, 8, 28, 28, 1, 2, 2, 2, 2, 5),  // MNIST-8's two 5x5 convs
      stem(1, 8, 16, 14, 14, 1, 2, 2, 2, 2, 5), stem(2, 8, 24, 5, 40, 1, 4, 0, 3, 4, 5),
      stem(1, 5, 8, 1, 1, 1, 4, 4, 4, 4, 5),
  };
  for (const Conv2dShape& s : edges) {
    REQUIRE(stem_applies(s));
    test::check_against_reference(s, rng, true, &relu, conv2d_stem, kTol);
    ++checked;
  }
  test::check_against_reference(edges[2], rng, true, &leaky, conv2d_stem, kTol);
  test::check_against_reference(edges[1], rng, false, &clip, conv2d_stem, kTol);
  for (int t = 0; t < 200; ++t) {
    Conv2dShape s;
    do {
      if (t % 4 == 3)  // 5x5, stride 1, 1-8 input channels, pads 0-4
        s = stem(1 + d(rng) % 2, 1 + d(rng) % 8, 8 * (1 + d(rng) % 4), 1 + d(rng) % 30, 1 + d(rng) % 50, 1, d(rng) % 5,
                 d(rng) % 5, d(rng) % 5, d(rng) % 5, 5);
      else
        s = stem(1 + d(rng) % 2, 1 + d(rng) % 4, 8 * (1 + d(rng) % 9), 1 + d(rng) % 40, 1 + d(rng) % 70, 1 + d(rng) % 2,
                 d(rng) % 3, d(rng) % 3, d(rng) % 3, d(rng) % 3);
    } while (s.out_h < 1 || s.out_w < 1);
    REQUIRE(stem_applies(s));
    test::check_against_reference(s, rng, t % 3 != 0, acts[t % acts.size()], conv2d_stem, kTol);
    ++checked;
  }
  CHECK(checked == 216);
}

TEST_CASE("stem conv: which shapes it takes, and conv2d_fast through it", "[ops]") {
  if (!kernel_built()) return;
  CHECK(stem_applies(stem(1, 4, 8, 9, 9, 1, 1, 1, 1, 1)));
  CHECK_FALSE(stem_applies(stem(1, 5, 8, 9, 9, 1, 1, 1, 1, 1)));   // 5 input channels
  CHECK_FALSE(stem_applies(stem(1, 3, 12, 9, 9, 1, 1, 1, 1, 1)));  // 12 output channels: not blocks of 8
  CHECK_FALSE(stem_applies(stem(1, 3, 8, 9, 9, 3, 1, 1, 1, 1)));   // stride 3
  CHECK_FALSE(stem_applies(stem(1, 3, 8, 9, 9, 1, 3, 3, 3, 3)));   // pad 3 on a 3x3 kernel
  CHECK(stem_applies(stem(1, 8, 16, 9, 9, 1, 4, 4, 4, 4, 5)));
  CHECK_FALSE(stem_applies(stem(1, 9, 16, 9, 9, 1, 2, 2, 2, 2, 5)));  // 9 input channels at 5x5
  CHECK_FALSE(stem_applies(stem(1, 3, 16, 9, 9, 2, 2, 2, 2, 2, 5)));  // 5x5 at stride 2
  CHECK_FALSE(stem_applies(stem(1, 3, 16, 9, 9, 1, 3, 3, 3, 3, 7)));  // 7x7
  Conv2dShape s = stem(1, 3, 8, 9, 9, 1, 1, 1, 1, 1);
  s.group = 3, s.c_out = 9;
  CHECK_FALSE(stem_applies(s));
  s = stem(1, 3, 8, 9, 9, 1, 1, 1, 1, 1), s.dil_h = s.dil_w = 2, s.out_h = s.out_w = 7;
  CHECK_FALSE(stem_applies(s));
  std::mt19937 rng(6);
  Epilogue relu;
  relu.kind = Epilogue::kRelu;
  test::check_against_reference(stem(1, 3, 64, 60, 60, 2, 0, 0, 0, 0), rng, true, &relu, conv2d_fast, kTol);
  test::check_against_reference(stem(1, 3, 12, 30, 30, 2, 1, 1, 1, 1), rng, true, &relu, conv2d_fast, kTol);  // not a stem shape: another path
}

TEST_CASE("stem conv is bit-identical at 1 and 2 threads", "[ops]") {
  if (!kernel_built()) return;
  std::mt19937 rng(79);
  Epilogue clip;
  clip.kind = Epilogue::kClip, clip.lo = 0.0f, clip.hi = 6.0f;
  for (const Conv2dShape& s : {stem(1, 3, 24, 416, 416, 2, 1, 1, 1, 1), stem(2, 3, 16, 32, 32, 1, 1, 1, 1, 1),
                               stem(1, 3, 64, 224, 224, 2, 0, 0, 0, 0), stem(1, 2, 8, 3, 5, 1, 1, 1, 1, 1)}) {
    const test::ConvData d = test::random_conv_data(s, rng);
    std::vector<float> y1(s.batch * s.c_out * s.out_h * s.out_w), y2(y1.size(), 1.0f);
    set_num_threads(1);
    conv2d_stem(s, d.x.data(), d.w.data(), d.b.data(), y1.data(), &clip);
    set_num_threads(2);
    conv2d_stem(s, d.x.data(), d.w.data(), d.b.data(), y2.data(), &clip);
    set_num_threads(0);
    INFO("c_in " << s.c_in << " c_out " << s.c_out << " plane " << s.out_h << "x" << s.out_w);
    CHECK(std::memcmp(y1.data(), y2.data(), y1.size() * sizeof(float)) == 0);
  }
}
