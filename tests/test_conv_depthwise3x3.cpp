// The direct depthwise 3x3 kernel (ops/conv_depthwise3x3.cpp) against conv2d_depthwise (the padded-copy
// kernel: must be bit-identical, signed zeros included) and conv2d_reference (double accumulation), on
// seeded random shapes that reach every part of it: planes 1..70 wide and tall (one to five vectors of
// 16 columns, ragged last vectors, stride-2 rows whose third load is or is not inside the row), row
// counts around its 4-row blocks, strides 1 and 2, every pad 0..2 on each side (asymmetric too),
// 2..12 channels, channel multiplier 1 and 2, batch 2, each fused activation, zeros of both signs in the input and
// bias, and guard values before and after the output. Also the models' shapes, which shapes it takes,
// conv2d_fast through it, and bit-identical results at 1 and 2 threads.
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

// Depthwise 3x3 with channel multiplier `mult`; pads: top, left, bottom, right.
Conv2dShape dw_shape(int64_t batch, int64_t channels, int64_t mult, int64_t h, int64_t w, int64_t stride,
                     int64_t pt, int64_t pl, int64_t pb, int64_t pr) {
  Conv2dShape s;
  s.batch = batch, s.c_in = s.group = channels, s.c_out = channels * mult;
  s.in_h = h, s.in_w = w, s.k_h = s.k_w = 3, s.stride_h = s.stride_w = stride;
  s.pad_top = pt, s.pad_left = pl;
  s.out_h = (h + pt + pb - 3) / stride + 1, s.out_w = (w + pl + pr - 3) / stride + 1;
  return s;
}

bool valid(const Conv2dShape& s) { return s.in_h + 4 >= 3 && s.out_h >= 1 && s.out_w >= 1; }

// Runs the direct kernel between guard values: bit-identical to conv2d_depthwise (signed zeros too),
// within float rounding of conv2d_reference.
void check(const Conv2dShape& s, std::mt19937& rng, bool with_bias, const Epilogue* act) {
  INFO(test::describe(s) << " bias " << with_bias << " act " << (act ? act->kind : 0));
  REQUIRE(depthwise3x3_applies(s));
  const test::ConvData d = test::random_conv_data(s, rng, /*signed_zeros=*/true);
  const float* bias = with_bias ? d.b.data() : nullptr;
  const std::vector<float> got = test::run_guarded(s, d, bias, act, conv2d_depthwise3x3, 40);
  std::vector<float> padded(got.size());
  conv2d_depthwise(s, d.x.data(), d.w.data(), bias, padded.data(), act);
  for (size_t e = 0; e < got.size(); ++e) {
    INFO("output " << e << ": " << got[e] << " padded-copy kernel " << padded[e]);
    REQUIRE(std::memcmp(&got[e], &padded[e], sizeof(float)) == 0);
  }
  test::require_near_reference(s, d, bias, act, got, 1e-5f);  // sums of 9 products
}

// The kernel is compiled for AVX-512 builds only (conv2d_fast uses the general paths elsewhere): in
// another build these tests have nothing to check and say so.
bool kernel_built() {
  if (depthwise3x3_applies(dw_shape(1, 8, 1, 14, 14, 1, 1, 1, 1, 1))) return true;
  WARN("not an AVX-512 build: depthwise3x3_applies() is false for every shape, the kernel is not compiled");
  return false;
}

}  // namespace

TEST_CASE("direct depthwise 3x3 is bit-identical to the padded-copy kernel on random and edge shapes", "[ops]") {
  if (!kernel_built()) return;
  std::mt19937 rng(3131);
  std::uniform_int_distribution<int64_t> d(0, 1 << 20);
  const test::Activations activations(0.0f, 6.0f);
  const std::vector<const Epilogue*>& acts = activations.all;
  const Epilogue& clip = activations.clip;
  int checked = 0;
  // The models' layers (MobileNetV2, YOLOX-Nano, NanoDet-m) and edges: 1x1 and 1-wide inputs, widths
  // around 16 and 32 at both strides, a 2-row input with pads 2, asymmetric "same" stride-2 pads.
  const std::vector<Conv2dShape> edges = {
      dw_shape(1, 32, 1, 112, 112, 1, 1, 1, 1, 1), dw_shape(1, 96, 1, 112, 112, 2, 1, 1, 1, 1),
      dw_shape(1, 144, 1, 56, 56, 1, 1, 1, 1, 1),  dw_shape(1, 192, 1, 28, 28, 1, 1, 1, 1, 1),
      dw_shape(1, 576, 1, 14, 14, 1, 1, 1, 1, 1),  dw_shape(1, 576, 1, 14, 14, 2, 1, 1, 1, 1),
      dw_shape(1, 960, 1, 7, 7, 1, 1, 1, 1, 1),    dw_shape(1, 64, 1, 13, 13, 1, 1, 1, 1, 1),
      dw_shape(1, 58, 1, 52, 52, 2, 1, 1, 1, 1),   dw_shape(1, 116, 1, 26, 26, 1, 1, 1, 1, 1),
      dw_shape(1, 3, 1, 1, 1, 1, 1, 1, 1, 1),      dw_shape(1, 3, 2, 1, 1, 2, 2, 2, 2, 2),
      dw_shape(2, 5, 1, 40, 1, 1, 1, 1, 1, 1),     dw_shape(1, 5, 1, 1, 40, 2, 1, 1, 1, 1),
      dw_shape(1, 4, 1, 16, 16, 1, 0, 0, 0, 0),    dw_shape(1, 4, 1, 17, 17, 1, 1, 1, 1, 1),
      dw_shape(1, 4, 1, 31, 33, 2, 1, 1, 1, 1),    dw_shape(1, 4, 1, 32, 32, 2, 0, 0, 1, 1),
      dw_shape(1, 4, 1, 33, 34, 2, 1, 1, 1, 1),    dw_shape(1, 4, 1, 65, 66, 2, 2, 2, 2, 2),
      dw_shape(1, 4, 1, 2, 2, 1, 2, 2, 2, 2),      dw_shape(1, 4, 1, 2, 2, 2, 2, 2, 2, 2),
  };
  for (const Conv2dShape& s : edges) {
    check(s, rng, true, &clip);
    check(s, rng, false, nullptr);
    ++checked;
  }
  for (int t = 0; t < 300; ++t) {
    Conv2dShape s;
    do {
      s = dw_shape(1 + d(rng) % 2, 2 + d(rng) % 11, 1 + d(rng) % 2, 1 + d(rng) % 70, 1 + d(rng) % 70, 1 + d(rng) % 2,
                   d(rng) % 3, d(rng) % 3, d(rng) % 3, d(rng) % 3);
    } while (!valid(s));
    check(s, rng, t % 3 != 0, acts[t % acts.size()]);
    ++checked;
  }
  CHECK(checked == 322);
}

TEST_CASE("direct depthwise 3x3: which shapes it takes, and conv2d_fast through it", "[ops]") {
  if (!kernel_built()) return;
  const Conv2dShape s = dw_shape(1, 8, 1, 14, 14, 1, 1, 1, 1, 1);
  CHECK(depthwise3x3_applies(s));
  CHECK(depthwise3x3_applies(dw_shape(1, 8, 2, 14, 14, 2, 0, 1, 2, 0)));
  Conv2dShape t = s;
  t.stride_h = 1, t.stride_w = 2, t.out_w = 7;
  CHECK_FALSE(depthwise3x3_applies(t));  // mixed strides
  t = dw_shape(1, 8, 1, 14, 14, 3, 1, 1, 1, 1);
  CHECK_FALSE(depthwise3x3_applies(t));  // stride 3
  t = s, t.dil_h = t.dil_w = 2, t.out_h = t.out_w = 12;
  CHECK_FALSE(depthwise3x3_applies(t));
  t = s, t.pad_top = 3, t.out_h = 16;
  CHECK_FALSE(depthwise3x3_applies(t));
  t = s, t.k_h = t.k_w = 5, t.out_h = t.out_w = 12;
  CHECK_FALSE(depthwise3x3_applies(t));
  t = s, t.group = 4;  // grouped, not depthwise
  CHECK_FALSE(depthwise3x3_applies(t));
  // conv2d_fast takes it: bit-identical to the padded-copy kernel
  std::mt19937 rng(5);
  Epilogue silu;
  silu.kind = Epilogue::kSiLU;
  for (const Conv2dShape& m : {dw_shape(1, 24, 1, 26, 26, 1, 1, 1, 1, 1), dw_shape(2, 6, 2, 19, 23, 2, 1, 1, 1, 1)}) {
    const test::ConvData d = test::random_conv_data(m, rng, true);
    std::vector<float> a(m.batch * m.c_out * m.out_h * m.out_w), b(a.size(), 1.0f);
    conv2d_fast(m, d.x.data(), d.w.data(), d.b.data(), a.data(), &silu);
    conv2d_depthwise(m, d.x.data(), d.w.data(), d.b.data(), b.data(), &silu);
    CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
  }
}

TEST_CASE("direct depthwise 3x3 is bit-identical at 1 and 2 threads", "[ops]") {
  if (!kernel_built()) return;
  std::mt19937 rng(77);
  Epilogue relu;
  relu.kind = Epilogue::kRelu;
  for (const Conv2dShape& s : {dw_shape(1, 96, 1, 112, 112, 2, 1, 1, 1, 1), dw_shape(1, 576, 1, 14, 14, 1, 1, 1, 1, 1),
                               dw_shape(2, 33, 2, 29, 23, 1, 1, 1, 1, 1), dw_shape(1, 3, 1, 7, 7, 2, 1, 1, 1, 1)}) {
    const test::ConvData d = test::random_conv_data(s, rng, true);
    std::vector<float> y1(s.batch * s.c_out * s.out_h * s.out_w), y2(y1.size(), 1.0f);
    set_num_threads(1);
    conv2d_depthwise3x3(s, d.x.data(), d.w.data(), d.b.data(), y1.data(), &relu);
    set_num_threads(2);
    conv2d_depthwise3x3(s, d.x.data(), d.w.data(), d.b.data(), y2.data(), &relu);
    set_num_threads(0);
    INFO("channels " << s.c_out << " plane " << s.out_h << "x" << s.out_w);
    CHECK(std::memcmp(y1.data(), y2.data(), y1.size() * sizeof(float)) == 0);
  }
}
