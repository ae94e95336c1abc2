// Kernels of the "nn" ops: hand-computed small cases (expected numbers worked out by hand in the
// comments), conv2d_fast against conv2d_reference and the pooling kernels against direct loops on seeded
// random shapes, MAC counts, errors.
#include <Eigen/Core>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <sstream>

#include "op_test_util.h"
#include "test_support.h"
#include "common/parallel.h"
#include "ops/conv_kernels.h"
#include "ops/pool_kernels.h"

using namespace fxq;
using namespace fxq::test;

namespace {

Tensor floats(Shape s, std::vector<float> v) { return Tensor::from_floats(std::move(s), std::move(v)); }
Tensor iota(Shape s, float start = 1.0f) {  // start, start + 1, ...
  Tensor t = Tensor::zeros(std::move(s));
  for (size_t k = 0; k < t.f.size(); ++k) t.f[k] = start + static_cast<float>(k);
  return t;
}
Tensor run1(const std::string& type, const std::vector<const Tensor*>& in, std::map<std::string, Attribute> attrs = {},
            int64_t opset = 13) {
  return run_op(type, in, std::move(attrs), 1, opset)[0];
}
int64_t macs_of(const std::string& type, std::vector<Shape> in, std::vector<Shape> out,
                std::map<std::string, Attribute> attrs = {}) {
  Node n;
  n.op_type = type;
  n.attrs = std::move(attrs);
  return find_op(type)->macs(ShapeArgs{n, std::move(in), std::move(out)});
}

}  // namespace

TEST_CASE("Conv: hand-computed 2-D cases", "[ops]") {
  const Tensor x = iota({1, 1, 3, 3});  // 1 2 3 / 4 5 6 / 7 8 9
  const Tensor diag = floats({1, 1, 2, 2}, {1, 0, 0, 1}), bias = floats({1}, {1});
  // x[i][j] + x[i+1][j+1] + 1
  require_close(run1("Conv", {&x, &diag, &bias}), {1, 1, 2, 2}, {7, 9, 13, 15});
  const Tensor ones3 = floats({1, 1, 3, 3}, std::vector<float>(9, 1.0f));
  // pads 1, stride 2: 2x2 windows of real cells in each corner: 1+2+4+5, 2+3+5+6, 4+5+7+8, 5+6+8+9
  require_close(run1("Conv", {&x, &ones3}, {{"pads", attr_ints({1, 1, 1, 1})}, {"strides", attr_ints({2, 2})}}),
                {1, 1, 2, 2}, {12, 16, 24, 28});
  const Tensor ones2 = floats({1, 1, 2, 2}, {1, 1, 1, 1});
  // SAME_UPPER pads the end: sum of x[i..i+1][j..j+1]; SAME_LOWER the beginning: x[i-1..i][j-1..j]
  require_close(run1("Conv", {&x, &ones2}, {{"auto_pad", attr_s("SAME_UPPER")}}), {1, 1, 3, 3},
                {12, 16, 9, 24, 28, 15, 15, 17, 9});
  require_close(run1("Conv", {&x, &ones2}, {{"auto_pad", attr_s("SAME_LOWER")}}), {1, 1, 3, 3},
                {1, 3, 5, 5, 12, 16, 11, 24, 28});
  // dilation 2: the four corners 1 + 3 + 7 + 9
  require_close(run1("Conv", {&x, &ones2}, {{"dilations", attr_ints({2, 2})}}), {1, 1, 1, 1}, {20});
  // VALID with stride 2 on 3x3 and a 2x2 kernel: one window
  require_close(run1("Conv", {&x, &ones2}, {{"auto_pad", attr_s("VALID")}, {"strides", attr_ints({2, 2})}}),
                {1, 1, 1, 1}, {12});
}

TEST_CASE("Conv: groups, depthwise, 1-D, errors", "[ops]") {
  const Tensor x2 = floats({1, 2, 1, 1}, {2, 3}), w2 = floats({2, 1, 1, 1}, {10, 100});
  require_close(run1("Conv", {&x2, &w2}, {{"group", attr_i(2)}}), {1, 2, 1, 1}, {20, 300});  // depthwise
  const Tensor x4 = floats({1, 4, 1, 1}, {1, 2, 3, 4}), w4 = floats({2, 2, 1, 1}, {1, 1, 1, -1});
  require_close(run1("Conv", {&x4, &w4}, {{"group", attr_i(2)}}), {1, 2, 1, 1}, {3, -1});  // 1+2, 3-4
  // 1-D, pads 1, stride 2 over 0 1 2 3 4 5 0 with w = 1 2 3: 0+2+6, 2+6+12, 4+10+0
  const Tensor x1 = iota({1, 1, 5}), w1 = floats({1, 1, 3}, {1, 2, 3});
  require_close(run1("Conv", {&x1, &w1}, {{"pads", attr_ints({1, 1})}, {"strides", attr_ints({2})}}), {1, 1, 3},
                {8, 20, 14});
  // no input channels (a weight with a zero dim): the output is the bias, no kernel divides by zero
  const Tensor x0 = floats({1, 0, 2, 3}, {}), w0 = floats({2, 0, 1, 1}, {}), b0 = floats({2}, {1.5f, -2});
  require_close(run1("Conv", {&x0, &w0, &b0}), {1, 2, 2, 3}, {1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f, -2, -2, -2, -2, -2, -2});
  const Tensor x3d = iota({1, 1, 2, 2, 2}), w3d = iota({1, 1, 1, 1, 1});
  CHECK(code_of([&] { run1("Conv", {&x3d, &w3d}); }) == ExitCode::kUnsupported);
  CHECK(code_of([&] { run1("Conv", {&x2, &w2}, {{"kernel_shape", attr_ints({3, 3})}}); }) == ExitCode::kBadInput);
  CHECK(code_of([&] { run1("Conv", {&x4, &w2}); }) == ExitCode::kBadInput);  // channels do not match
  CHECK(macs_of("Conv", {{1, 4, 8, 8}, {6, 2, 3, 3}}, {{1, 6, 4, 4}}, {{"group", attr_i(2)}}) == 6 * 16 * 2 * 9);
}

namespace {

struct ConvCase {
  int64_t batch, c_in, c_out, group, in_h, in_w, k_h, k_w, stride_h, stride_w, dil_h, dil_w, top, left, bottom, right;
};

void check_fast_vs_reference(const ConvCase& c, std::mt19937& rng) {
  Conv2dShape s;
  s.batch = c.batch, s.c_in = c.c_in, s.c_out = c.c_out, s.group = c.group, s.in_h = c.in_h, s.in_w = c.in_w;
  s.k_h = c.k_h, s.k_w = c.k_w, s.stride_h = c.stride_h, s.stride_w = c.stride_w, s.dil_h = c.dil_h;
  s.dil_w = c.dil_w, s.pad_top = c.top, s.pad_left = c.left;
  s.out_h = (c.in_h + c.top + c.bottom - (c.k_h - 1) * c.dil_h - 1) / c.stride_h + 1;
  s.out_w = (c.in_w + c.left + c.right - (c.k_w - 1) * c.dil_w - 1) / c.stride_w + 1;
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  auto random = [&](int64_t n) {
    std::vector<float> v(static_cast<size_t>(n));
    for (float& e : v) e = u(rng);
    return v;
  };
  const auto x = random(s.batch * s.c_in * s.in_h * s.in_w), w = random(s.c_out * s.c_in / s.group * s.k_h * s.k_w);
  const auto b = random(s.c_out);
  const int64_t out_n = s.batch * s.c_out * s.out_h * s.out_w;
  std::vector<float> ref(out_n), fast(out_n);
  for (const float* bias : {b.data(), static_cast<const float*>(nullptr)}) {
    conv2d_reference(s, x.data(), w.data(), bias, ref.data());
    // NaN in: conv2d_fast must write every output without reading it (the Conv op does not zero-fill)
    std::fill(fast.begin(), fast.end(), std::numeric_limits<float>::quiet_NaN());
    conv2d_fast(s, x.data(), w.data(), bias, fast.data());
    INFO("batch " << c.batch << " cin " << c.c_in << " cout " << c.c_out << " group " << c.group << " in " << c.in_h
                  << "x" << c.in_w << " k " << c.k_h << "x" << c.k_w << " stride " << c.stride_h << "," << c.stride_w
                  << " dil " << c.dil_h << "," << c.dil_w << " pads " << c.top << "," << c.left << "," << c.bottom
                  << "," << c.right << " bias " << (bias != nullptr));
    require_close(Tensor::from_floats({out_n}, fast), {out_n}, ref, 1e-4f);
  }
}

}  // namespace

TEST_CASE("conv2d_fast matches conv2d_reference", "[ops]") {
  std::mt19937 rng(20240611);
  const std::vector<ConvCase> cases = {
      {1, 3, 8, 1, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},      // odd sizes, pads 1
      {2, 4, 6, 1, 11, 10, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0},    // batch 2, stride 2, asymmetric pads
      {1, 5, 7, 1, 13, 12, 5, 3, 3, 3, 1, 1, 2, 1, 1, 2},    // stride 3, 5x3 kernel, asymmetric pads
      {1, 4, 6, 1, 9, 9, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2},      // dilation 2
      {1, 4, 6, 2, 8, 7, 3, 3, 1, 2, 1, 1, 1, 0, 1, 1},      // group 2
      {2, 6, 6, 6, 10, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},     // depthwise, batch 2
      {1, 6, 6, 6, 11, 11, 5, 5, 2, 2, 2, 1, 2, 2, 1, 3},    // depthwise, stride 2, dilation 2x1
      {1, 4, 8, 4, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},      // depthwise, channel multiplier 2
      {2, 8, 5, 1, 6, 7, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},      // 1x1 (pointwise path), batch 2
      {1, 8, 4, 2, 6, 7, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},      // 1x1 grouped
      {1, 3, 4, 1, 9, 8, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0},      // 1x1 stride 2 (im2col path)
      {1, 3, 4, 1, 5, 6, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},      // 1x1 with pads
      {1, 2, 3, 1, 1, 17, 1, 3, 1, 2, 1, 1, 0, 1, 0, 1},     // 1-D as 1 x W
      {1, 3, 2, 1, 4, 4, 5, 5, 1, 1, 1, 1, 3, 3, 3, 3},      // kernel larger than the input
      {1, 64, 8, 1, 40, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},   // several im2col blocks
      // large enough to be cut into tasks (row blocks, channel blocks; see gemm_tiles)
      {2, 32, 48, 1, 37, 41, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},  // row blocks, batch 2
      {1, 256, 200, 1, 9, 11, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0}, // pointwise, channel blocks (200 = 64+64+64+8)
      {1, 96, 130, 2, 13, 13, 3, 3, 2, 1, 1, 1, 1, 0, 2, 1}, // grouped, channel blocks, asymmetric pads
      {1, 48, 48, 48, 57, 61, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, // depthwise, several planes per task
      {2, 16, 32, 16, 30, 30, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2}, // depthwise x2, stride 3, dilation 2
      // depthwise stride 2 (its own de-interleaving copy): odd and even widths, every pad parity
      {1, 8, 8, 8, 9, 13, 3, 3, 2, 2, 1, 1, 0, 1, 1, 0},
      {1, 8, 8, 8, 10, 12, 3, 3, 2, 2, 1, 1, 1, 0, 0, 1},
      {1, 4, 4, 4, 7, 7, 3, 3, 2, 2, 1, 1, 1, 2, 1, 2},
      {1, 96, 96, 96, 28, 28, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1},  // MobileNetV2's TF-style pads
      {1, 3, 3, 3, 5, 2, 3, 2, 2, 2, 1, 1, 1, 1, 1, 1},      // a row narrower than the kernel
  };
  for (const ConvCase& c : cases) check_fast_vs_reference(c, rng);
  std::uniform_int_distribution<int64_t> d(0, 1 << 20);
  for (int t = 0; t < 40; ++t) {  // random shapes
    ConvCase c{};
    c.group = 1 + d(rng) % 3;
    c.batch = 1 + d(rng) % 2, c.c_in = c.group * (1 + d(rng) % 4), c.c_out = c.group * (1 + d(rng) % 4);
    c.k_h = 1 + d(rng) % 4, c.k_w = 1 + d(rng) % 4, c.stride_h = 1 + d(rng) % 3, c.stride_w = 1 + d(rng) % 3;
    c.dil_h = 1 + d(rng) % 2, c.dil_w = 1 + d(rng) % 2;
    c.top = d(rng) % c.k_h, c.left = d(rng) % c.k_w, c.bottom = d(rng) % c.k_h, c.right = d(rng) % c.k_w;
    c.in_h = (c.k_h - 1) * c.dil_h + 1 + d(rng) % 9, c.in_w = (c.k_w - 1) * c.dil_w + 1 + d(rng) % 9;
    check_fast_vs_reference(c, rng);
  }
  for (int t = 0; t < 30; ++t) {  // random depthwise shapes, strides 1..3
    ConvCase c{};
    c.batch = 1, c.group = c.c_in = c.c_out = 1 + d(rng) % 5;
    c.k_h = 1 + d(rng) % 4, c.k_w = 1 + d(rng) % 4, c.stride_h = 1 + d(rng) % 3, c.stride_w = 1 + d(rng) % 3;
    c.dil_h = 1 + d(rng) % 2, c.dil_w = 1 + d(rng) % 2;
    c.top = d(rng) % c.k_h, c.left = d(rng) % c.k_w, c.bottom = d(rng) % c.k_h, c.right = d(rng) % c.k_w;
    c.in_h = (c.k_h - 1) * c.dil_h + 1 + d(rng) % 12, c.in_w = (c.k_w - 1) * c.dil_w + 1 + d(rng) % 12;
    check_fast_vs_reference(c, rng);
  }
}

TEST_CASE("depthwise conv2d_fast matches conv2d_reference on every path", "[ops]") {
  // The depthwise kernel (conv_kernels.cpp) computes each output plane as one run of 16-float vectors
  // over phase-split, padded rows: rows wider or narrower than a vector, runs that end inside a
  // group of 4 vectors, 3x3 kernels (taps fixed at compile time) and others, every stride's phase
  // split, pads that leave input cells unread, and rows of 1 to 58 floats copied or de-interleaved in
  // vectors of 16, 8 or 4 (the last one overlapping) or element by element. Each case runs with and
  // without bias, most with a fused activation; guard values after the output must survive (a vector
  // spilling past the last plane would overwrite them).
  std::mt19937 rng(4242);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<Epilogue> acts(4);
  acts[0].kind = Epilogue::kRelu;
  acts[1].kind = Epilogue::kClip, acts[1].lo = -0.5f, acts[1].hi = 0.75f;
  acts[2].kind = Epilogue::kLeakyRelu, acts[2].alpha = 0.125f;
  acts[3].kind = Epilogue::kSiLU;
  int checked = 0;
  for (int64_t width : {1, 2, 5, 7, 8, 13, 16, 17, 33, 56})
    for (int64_t stride : {1, 2, 3})
      for (int64_t k : {1, 3, 5})
        for (int64_t pad : {0, 1, 2})
          for (int64_t dil : {1, 2}) {
            Conv2dShape s;
            s.batch = 1 + checked % 2, s.c_in = s.group = 3;
            s.c_out = 3 * (1 + checked % 3 / 2);  // channel multiplier 1 or 2
            s.in_h = 4 + checked % 5, s.in_w = width, s.k_h = s.k_w = k, s.stride_h = s.stride_w = stride;
            s.dil_h = s.dil_w = dil, s.pad_top = s.pad_left = pad;
            const int64_t span = (k - 1) * dil + 1, pad_end = (pad + checked) % 3;  // end pads 0..2
            if (s.in_w + pad + pad_end < span || s.in_h + pad + pad_end < span) continue;
            s.out_h = (s.in_h + pad + pad_end - span) / stride + 1;
            s.out_w = (s.in_w + pad + pad_end - span) / stride + 1;
            std::vector<float> x(s.batch * s.c_in * s.in_h * s.in_w), w(s.c_out * k * k), b(s.c_out);
            for (auto* v : {&x, &w, &b})
              for (float& e : *v) e = u(rng);
            const size_t out_n = static_cast<size_t>(s.batch * s.c_out * s.out_h * s.out_w), guard = 64;
            const Epilogue* act = checked % 3 == 0 ? nullptr : &acts[checked % acts.size()];
            for (const float* bias : {static_cast<const float*>(b.data()), static_cast<const float*>(nullptr)}) {
              std::vector<float> ref(out_n), fast(out_n + guard, 12345.0f);  // fast must overwrite every output
              conv2d_reference(s, x.data(), w.data(), bias, ref.data(), act);
              conv2d_fast(s, x.data(), w.data(), bias, fast.data(), act);
              INFO("batch " << s.batch << " c_out " << s.c_out << " in " << s.in_h << "x" << s.in_w << " k " << k
                            << " stride " << stride << " pads " << pad << "," << pad_end << " dil " << dil << " act "
                            << (act ? act->kind : 0) << " bias " << (bias != nullptr));
              for (size_t e = 0; e < out_n; ++e)
                REQUIRE(std::abs(fast[e] - ref[e]) <= 1e-4f * std::max(1.0f, std::abs(ref[e])));
              for (size_t e = out_n; e < out_n + guard; ++e) REQUIRE(fast[e] == 12345.0f);
            }
            ++checked;
          }
  CHECK(checked > 400);  // the loops above must not skip most of their cases
}

// The Conv op hands the kernels an uninitialised output (Tensor::uninitialized), so every path must
// write every output element and never read one first: each path runs into a NaN-filled output with
// NaN guards on both sides, on shapes that reach its tails and task cuts (the models' 1x1 and stem
// shapes included) and on a conv without input channels (the output is the bias).
TEST_CASE("every conv path writes every output element without reading it", "[ops]") {
  std::mt19937 rng(515);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  using Kernel = void (*)(const Conv2dShape&, const float*, const float*, const float*, float*, const Epilogue*);
  auto shape = [](int64_t batch, int64_t c_in, int64_t c_out, int64_t group, int64_t in, int64_t k, int64_t stride,
                  int64_t pad) {
    Conv2dShape s;
    s.batch = batch, s.c_in = c_in, s.c_out = c_out, s.group = group, s.in_h = s.in_w = in, s.k_h = s.k_w = k;
    s.stride_h = s.stride_w = stride, s.pad_top = s.pad_left = pad;
    s.out_h = s.out_w = (in + 2 * pad - k) / stride + 1;
    return s;
  };
  Epilogue leaky;
  leaky.kind = Epilogue::kLeakyRelu, leaky.alpha = 0.1f;
  int checked = 0;
  auto check = [&](const Conv2dShape& s, Kernel kernel, const char* path) {
    std::vector<float> x(s.batch * s.c_in * s.in_h * s.in_w), w(s.c_out * s.c_in / s.group * s.k_h * s.k_w), b(s.c_out);
    for (auto* v : {&x, &w, &b})
      for (float& e : *v) e = u(rng);
    const size_t out_n = static_cast<size_t>(s.batch * s.c_out * s.out_h * s.out_w), guard = 32;
    std::vector<float> ref(out_n), got(out_n + 2 * guard, nan);
    conv2d_reference(s, x.data(), w.data(), b.data(), ref.data(), &leaky);
    kernel(s, x.data(), w.data(), b.data(), got.data() + guard, &leaky);
    INFO(path << ": batch " << s.batch << " c_in " << s.c_in << " c_out " << s.c_out << " group " << s.group << " in "
              << s.in_h << " k " << s.k_h << " stride " << s.stride_h << " pad " << s.pad_top);
    for (size_t e = 0; e < guard; ++e) REQUIRE(std::isnan(got[e]));
    for (size_t e = 0; e < out_n; ++e) {
      INFO("output " << e);
      REQUIRE(std::abs(got[guard + e] - ref[e]) <= 1e-4f * std::max(1.0f, std::abs(ref[e])));
    }
    for (size_t e = guard + out_n; e < got.size(); ++e) REQUIRE(std::isnan(got[e]));
    ++checked;
  };
  const std::vector<Conv2dShape> pointwise = {
      shape(1, 24, 58, 1, 104, 1, 1, 0), shape(1, 58, 58, 1, 52, 1, 1, 0),  // NanoDet: direct and GEMM
      shape(2, 33, 45, 1, 23, 1, 1, 0), shape(1, 256, 200, 1, 11, 1, 1, 0), shape(1, 160, 96, 1, 7, 1, 1, 0),
      shape(1, 5, 3, 1, 1, 1, 1, 0)};
  for (const Conv2dShape& s : pointwise) {
    check(s, conv2d_fast, "fast");
    check(s, conv2d_gemm, "gemm");
    check(s, conv2d_direct1x1, "direct1x1");
    check(s, conv2d_reference, "reference");
  }
  for (const Conv2dShape& s : {shape(1, 16, 16, 1, 32, 3, 1, 1), shape(2, 17, 9, 1, 13, 3, 2, 1),
                               shape(1, 24, 24, 1, 27, 3, 2, 0)}) {
    check(s, conv2d_fast, "fast");
    check(s, conv2d_gemm, "gemm");
    check(s, conv2d_direct3x3, "direct3x3");
  }
  for (const Conv2dShape& s : {shape(1, 3, 24, 1, 208, 3, 2, 1),  // NanoDet's stem: im2col + GEMM
                               shape(2, 6, 4, 2, 11, 5, 3, 2),     // grouped, 5x5, stride 3
                               shape(1, 8, 8, 4, 9, 1, 2, 0),      // grouped 1x1 stride 2
                               shape(1, 96, 96, 96, 28, 3, 2, 1),  // depthwise
                               shape(2, 4, 8, 4, 7, 3, 1, 1),      // depthwise, channel multiplier 2
                               shape(1, 0, 7, 1, 9, 1, 1, 0),      // no input channels: the bias
                               shape(1, 0, 5, 1, 80, 1, 1, 0), shape(1, 0, 5, 1, 8, 3, 1, 1)}) {
    check(s, conv2d_fast, "fast");
    check(s, conv2d_reference, "reference");
  }
  Conv2dShape one_d = shape(2, 3, 5, 1, 1, 1, 1, 0);  // 1-D: a 1 x 40 plane, kernel 1 x 3, stride 2, pad 1
  one_d.in_w = 40, one_d.k_w = 3, one_d.stride_w = 2, one_d.pad_left = 1, one_d.out_w = 20;
  check(one_d, conv2d_fast, "fast");
  CHECK(checked == 50);
}

TEST_CASE("conv2d_fast is bit-identical at 1 and 2 threads", "[ops]") {
  std::mt19937 rng(99);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (const ConvCase& c : std::vector<ConvCase>{{2, 32, 48, 1, 37, 41, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
                                                 {1, 256, 200, 1, 9, 11, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
                                                 {1, 48, 48, 48, 57, 61, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
                                                 // depthwise: small planes (hundreds per task), 5x5 and batch 2
                                                 {1, 576, 576, 576, 14, 14, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
                                                 {2, 40, 40, 40, 13, 13, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2},
                                                 {1, 16, 16, 16, 208, 208, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1}}) {
    Conv2dShape s;
    s.batch = c.batch, s.c_in = c.c_in, s.c_out = c.c_out, s.group = c.group, s.in_h = c.in_h, s.in_w = c.in_w;
    s.k_h = c.k_h, s.k_w = c.k_w, s.stride_h = c.stride_h, s.stride_w = c.stride_w, s.pad_top = c.top, s.pad_left = c.left;
    s.out_h = (c.in_h + c.top + c.bottom - c.k_h) / c.stride_h + 1;
    s.out_w = (c.in_w + c.left + c.right - c.k_w) / c.stride_w + 1;
    std::vector<float> x(s.batch * s.c_in * s.in_h * s.in_w), w(s.c_out * s.c_in / s.group * s.k_h * s.k_w), b(s.c_out);
    for (auto* v : {&x, &w, &b})
      for (float& e : *v) e = u(rng);
    std::vector<float> y1(s.batch * s.c_out * s.out_h * s.out_w), y2(y1.size());
    set_num_threads(1);
    conv2d_fast(s, x.data(), w.data(), b.data(), y1.data());
    set_num_threads(2);
    conv2d_fast(s, x.data(), w.data(), b.data(), y2.data());
    set_num_threads(0);
    CHECK(y1 == y2);
  }
}

TEST_CASE("MaxPool 2-D fast path matches a direct loop on random shapes", "[ops]") {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int64_t> d(0, 1 << 20);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int t = 0; t < 150; ++t) {
    // every third case unpadded: the path that reads the plane in place unless ceil_mode leaves it
    const int64_t pad = t % 3 == 0 ? 0 : 1;
    const int64_t kh = 1 + d(rng) % 4, kw = 1 + d(rng) % 4, sh = 1 + d(rng) % 3, sw = 1 + d(rng) % 3;
    const int64_t dh = 1 + d(rng) % 2, dw = 1 + d(rng) % 2, top = pad * (d(rng) % kh), left = pad * (d(rng) % kw);
    const int64_t bottom = pad * (d(rng) % kh), right = pad * (d(rng) % kw), ceil_mode = d(rng) % 2;
    const int64_t ih = (kh - 1) * dh + 1 + d(rng) % 9, iw = (kw - 1) * dw + 1 + d(rng) % 9, c = 1 + d(rng) % 3;
    Tensor x = Tensor::zeros({1, c, ih, iw});
    for (float& e : x.f) e = u(rng);
    const Tensor y = run1("MaxPool", {&x}, {{"kernel_shape", attr_ints({kh, kw})}, {"strides", attr_ints({sh, sw})},
                                            {"dilations", attr_ints({dh, dw})}, {"pads", attr_ints({top, left, bottom, right})},
                                            {"ceil_mode", attr_i(ceil_mode)}});
    const int64_t oh = y.dim(2), ow = y.dim(3);
    INFO("k " << kh << "x" << kw << " s " << sh << "," << sw << " d " << dh << "," << dw << " pads " << top << ","
              << left << "," << bottom << "," << right << " ceil " << ceil_mode << " in " << ih << "x" << iw);
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          float m = std::numeric_limits<float>::lowest();
          for (int64_t ky = 0; ky < kh; ++ky)
            for (int64_t kx = 0; kx < kw; ++kx) {
              const int64_t iy = oy * sh - top + ky * dh, ix = ox * sw - left + kx * dw;
              if (iy >= 0 && iy < ih && ix >= 0 && ix < iw) m = std::max(m, x.f[(ch * ih + iy) * iw + ix]);
            }
          REQUIRE(y.f[(ch * oh + oy) * ow + ox] == m);
        }
  }
}

namespace {

struct PoolCase {
  int64_t planes, ih, iw, kh, kw, sh, sw, dh, dw, top, left, bottom, right, ceil_mode;
};

std::string pool_case_str(const PoolCase& c) {
  std::ostringstream s;
  s << c.planes << " planes " << c.ih << "x" << c.iw << " k " << c.kh << "x" << c.kw << " s " << c.sh << "," << c.sw
    << " d " << c.dh << "," << c.dw << " pads " << c.top << "," << c.left << "," << c.bottom << "," << c.right
    << " ceil " << c.ceil_mode;
  return s.str();
}

// One MaxPool case through the op (max_pool_2d, via the attributes) and through both 2-D paths called
// directly (max_pool_2d: the direct path where it applies; max_pool_2d_rows: the row-buffer path), at 1
// and 2 threads, each against the direct loop, bit-exact, with guard values around the output.
void check_max_pool(const PoolCase& c, std::mt19937& rng) {
  INFO(pool_case_str(c));
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::uniform_int_distribution<int> pick(0, 49);
  Tensor x = Tensor::zeros({1, c.planes, c.ih, c.iw});
  for (float& e : x.f) {  // 2 % quiet NaNs (never win), 2 % zeros
    const int r = pick(rng);
    e = r == 0 ? std::numeric_limits<float>::quiet_NaN() : r == 1 ? 0.0f : u(rng);
  }
  const Tensor y = run1("MaxPool", {&x}, {{"kernel_shape", attr_ints({c.kh, c.kw})}, {"strides", attr_ints({c.sh, c.sw})},
                                          {"dilations", attr_ints({c.dh, c.dw})},
                                          {"pads", attr_ints({c.top, c.left, c.bottom, c.right})},
                                          {"ceil_mode", attr_i(c.ceil_mode)}});
  const int64_t oh = y.dim(2), ow = y.dim(3);
  std::vector<float> want(static_cast<size_t>(c.planes * oh * ow));
  for (int64_t p = 0; p < c.planes; ++p)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        float m = std::numeric_limits<float>::lowest();
        for (int64_t ky = 0; ky < c.kh; ++ky)
          for (int64_t kx = 0; kx < c.kw; ++kx) {
            const int64_t iy = oy * c.sh - c.top + ky * c.dh, ix = ox * c.sw - c.left + kx * c.dw;
            if (iy >= 0 && iy < c.ih && ix >= 0 && ix < c.iw) m = std::max(m, x.f[(p * c.ih + iy) * c.iw + ix]);
          }
        want[(p * oh + oy) * ow + ox] = m;
      }
  REQUIRE(y.f == want);  // == : NaN-free (no NaN wins), and -0 == +0
  Window w;
  w.in = {1, c.ih, c.iw};
  w.kernel = {1, c.kh, c.kw};
  w.strides = {1, c.sh, c.sw};
  w.dilations = {1, c.dh, c.dw};
  w.pad_begin = {0, c.top, c.left};
  w.pad_end = {0, c.bottom, c.right};
  w.out = {1, oh, ow};
  constexpr size_t kGuard = 40;
  constexpr float kGuardValue = 12345.0f;
  for (auto* kernel : {&max_pool_2d, &max_pool_2d_rows}) {
    std::vector<float> got[2];
    for (int threads : {1, 2}) {
      std::vector<float> buf(want.size() + 2 * kGuard, kGuardValue);
      set_num_threads(threads);
      kernel(x.f.data(), c.planes, w, buf.data() + kGuard);
      set_num_threads(0);
      INFO((kernel == &max_pool_2d ? "max_pool_2d" : "max_pool_2d_rows") << " at " << threads << " threads");
      for (size_t k = 0; k < kGuard; ++k) REQUIRE(buf[k] == kGuardValue);
      for (size_t k = kGuard + want.size(); k < buf.size(); ++k) REQUIRE(buf[k] == kGuardValue);
      got[threads - 1].assign(buf.begin() + kGuard, buf.end() - kGuard);
      REQUIRE(got[threads - 1] == want);
    }
    // bit-identical at 1 and 2 threads, the sign of zero included
    REQUIRE(std::memcmp(got[0].data(), got[1].data(), got[0].size() * sizeof(float)) == 0);
  }
}

}  // namespace

TEST_CASE("MaxPool 2-D kernels match a direct loop: model shapes and every path", "[ops]") {
  std::mt19937 rng(17);
  // The shared models' pools (fewer channels): SqueezeNet's 3x3 stride 2 ceil mode, YOLOX's SPP, NanoDet's
  // padded stem pool; then 2x2 stride 2, 3x3 stride 1 pad 1, windows over 1x1 planes and past the input.
  const std::vector<PoolCase> fixed = {
      {3, 111, 111, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 1}, {5, 55, 55, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 1},
      {9, 27, 27, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 1},   {4, 13, 13, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 0},
      {4, 13, 13, 9, 9, 1, 1, 1, 1, 4, 4, 4, 4, 0},   {4, 13, 13, 13, 13, 1, 1, 1, 1, 6, 6, 6, 6, 0},
      {2, 208, 208, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0}, {3, 32, 33, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0},
      {3, 17, 47, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0},   {7, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0},
      {7, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0},     {7, 1, 1, 3, 3, 2, 2, 1, 1, 2, 2, 2, 2, 1},
      {2, 5, 70, 1, 13, 1, 1, 1, 1, 0, 6, 0, 6, 0},   {2, 70, 5, 13, 1, 1, 1, 1, 1, 6, 0, 6, 0, 0},
      {2, 9, 40, 2, 2, 1, 1, 2, 2, 1, 1, 1, 1, 1},    {2, 12, 12, 3, 3, 2, 2, 3, 3, 2, 2, 2, 2, 0},
  };
  for (const PoolCase& c : fixed) check_max_pool(c, rng);
  // Seeded random cases: kernels 1-13, strides 1-3 (3: the row-buffer path's scalar columns), dilations
  // 1-2, pads 0 to kernel - 1 or none, ceil mode, planes 1-40 wide and tall (not multiples of 16, 1 wide).
  std::uniform_int_distribution<int64_t> d(0, 1 << 20);
  for (int t = 0; t < 400; ++t) {
    PoolCase c;
    c.planes = 1 + d(rng) % 4;
    c.kh = 1 + d(rng) % (t % 2 ? 13 : 4), c.kw = 1 + d(rng) % (t % 3 ? 13 : 4);
    c.sh = 1 + d(rng) % 3, c.sw = t % 5 == 0 ? 3 : 1 + d(rng) % 2;
    c.dh = t % 4 == 0 ? 2 : 1, c.dw = t % 6 == 0 ? 2 : 1;
    const int64_t pad = t % 3 == 0 ? 0 : 1;
    c.top = pad * (d(rng) % c.kh), c.bottom = pad * (d(rng) % c.kh);
    c.left = pad * (d(rng) % c.kw), c.right = pad * (d(rng) % c.kw);
    c.ceil_mode = d(rng) % 2;
    // at least one window: the padded input spans the kernel's extent
    const int64_t eh = (c.kh - 1) * c.dh + 1, ew = (c.kw - 1) * c.dw + 1;
    c.ih = std::max<int64_t>(1, eh - c.top - c.bottom) + d(rng) % 40;
    c.iw = std::max<int64_t>(1, ew - c.left - c.right) + d(rng) % 40;
    check_max_pool(c, rng);
  }
}

TEST_CASE("GlobalAveragePool kernel: a double direct loop, guard values, 1 and 2 threads", "[ops]") {
  std::mt19937 rng(23);
  std::uniform_real_distribution<float> u(-2.0f, 3.0f);
  // plane sizes around the 16-float lanes, and the shared models' 7x7, 8x8, 13x13; plane counts that
  // give several tasks (32 K floats each)
  const std::vector<std::pair<int64_t, int64_t>> cases = {{1, 5},   {2, 3},    {7, 9},     {15, 4},  {16, 4},
                                                          {17, 4},  {49, 1280}, {64, 600},  {169, 1000},
                                                          {1000, 70}, {4099, 20}};
  constexpr size_t kGuard = 16;
  for (const auto& [n, planes] : cases) {
    INFO(planes << " planes of " << n);
    std::vector<float> x(static_cast<size_t>(n * planes));
    for (float& v : x) v = u(rng);
    std::vector<float> got[2];
    for (int threads : {1, 2}) {
      std::vector<float> buf(static_cast<size_t>(planes) + kGuard, -7.0f);
      set_num_threads(threads);
      global_average_pool(x.data(), planes, n, buf.data());
      set_num_threads(0);
      for (size_t k = static_cast<size_t>(planes); k < buf.size(); ++k) REQUIRE(buf[k] == -7.0f);
      got[threads - 1].assign(buf.begin(), buf.begin() + planes);
    }
    REQUIRE(got[0] == got[1]);
    for (int64_t p = 0; p < planes; ++p) {
      double sum = 0.0;
      for (int64_t k = 0; k < n; ++k) sum += x[static_cast<size_t>(p * n + k)];
      const double want = sum / static_cast<double>(n);
      REQUIRE(std::abs(got[0][p] - want) <= 1e-6 * std::max(1.0, std::abs(want)));
    }
  }
}

TEST_CASE("Gemm: transposes, alpha, beta, broadcast C", "[ops]") {
  const Tensor a = floats({2, 2}, {1, 2, 3, 4}), b = floats({2, 2}, {5, 6, 7, 8});
  require_close(run1("Gemm", {&a, &b}), {2, 2}, {19, 22, 43, 50});
  require_close(run1("Gemm", {&a, &b}, {{"transA", attr_i(1)}}), {2, 2}, {26, 30, 38, 44});
  // 2 * A B^T + 0.5 * [1, 2] (a row broadcast over M): A B^T = [[17, 23], [39, 53]]
  const Tensor row = floats({2}, {1, 2}), col = floats({2, 1}, {10, 20}), scalar = floats({}, {3});
  require_close(run1("Gemm", {&a, &b, &row},
                     {{"transB", attr_i(1)}, {"alpha", attr_f(2)}, {"beta", attr_f(0.5f)}}),
                {2, 2}, {34.5f, 47, 78.5f, 107});
  require_close(run1("Gemm", {&a, &b, &col}), {2, 2}, {29, 32, 63, 70});
  require_close(run1("Gemm", {&a, &b, &scalar}, {{"transA", attr_i(1)}, {"transB", attr_i(1)}}), {2, 2},
                {26, 34, 37, 49});  // 3 + A^T B^T = 3 + (B A)^T, B A = [[23, 34], [31, 46]]
  const Tensor a23 = iota({2, 3}), b31 = floats({3, 1}, {1, 1, 1});
  require_close(run1("Gemm", {&a23, &b31}), {2, 1}, {6, 15});
  CHECK(code_of([&] { run1("Gemm", {&a23, &a23}); }) == ExitCode::kBadInput);
  const Tensor bad_c = floats({3}, {1, 2, 3});
  CHECK(code_of([&] { run1("Gemm", {&a, &b, &bad_c}); }) == ExitCode::kBadInput);
  CHECK(macs_of("Gemm", {{1, 64}, {10, 64}, {10}}, {{1, 10}}, {{"transB", attr_i(1)}}) == 640);
  CHECK(macs_of("Gemm", {{64, 3}, {64, 10}}, {{3, 10}}, {{"transA", attr_i(1)}}) == 3 * 10 * 64);
}

TEST_CASE("MatMul of a row by a wide matrix: column blocks on the pool, bit for bit the whole product", "[ops]") {
  // ops/mat_mul.cpp cuts [1, K] x [K, N] (N >= 256) into blocks of 128 columns run on the thread pool;
  // each output must be exactly Eigen's whole product (the order of the sums over K does not depend on
  // the block), and within float rounding of a double-accumulated dot product, at 1 and 2 threads.
  std::mt19937 rng(17);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  for (const auto& [k, n] : std::vector<std::pair<int64_t, int64_t>>{{1280, 1000}, {512, 1000}, {333, 777}, {64, 256}, {7, 300}}) {
    Tensor a = Tensor::zeros({1, k}), b = Tensor::zeros({k, n});
    for (float& e : a.f) e = u(rng);
    for (float& e : b.f) e = u(rng);
    std::vector<float> whole(static_cast<size_t>(n));
    Eigen::Map<RowMat>(whole.data(), 1, n).noalias() =
        Eigen::Map<const RowMat>(a.f.data(), 1, k) * Eigen::Map<const RowMat>(b.f.data(), k, n);
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      const Tensor y = run1("MatMul", {&a, &b});
      set_num_threads(0);
      INFO("K " << k << " N " << n << " threads " << threads);
      REQUIRE(y.shape == Shape{1, n});
      CHECK(std::memcmp(y.f.data(), whole.data(), whole.size() * sizeof(float)) == 0);
      for (int64_t c = 0; c < n; ++c) {
        double want = 0;
        for (int64_t j = 0; j < k; ++j) want += static_cast<double>(a.f[j]) * b.f[j * n + c];
        REQUIRE(std::abs(y.f[c] - want) <= 1e-4 * std::max(1.0, std::abs(want)));
      }
    }
  }
}

TEST_CASE("MatMul: 1-D operands and batch broadcasting", "[ops]") {
  const Tensor v3 = floats({3}, {1, 2, 3}), w3 = floats({3}, {4, 5, 6}), m23 = iota({2, 3});
  require_close(run1("MatMul", {&v3, &w3}), {}, {32});
  const Tensor v2 = floats({2}, {1, 2}), c3 = floats({3}, {1, 0, 1});
  require_close(run1("MatMul", {&v2, &m23}), {3}, {9, 12, 15});
  require_close(run1("MatMul", {&m23, &c3}), {2}, {4, 10});
  const Tensor a = iota({2, 1, 2, 3}, -5.0f), b = iota({3, 3, 2}, -7.0f);
  const Tensor y = run1("MatMul", {&a, &b});
  REQUIRE(y.shape == Shape{2, 3, 2, 2});
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t c = 0; c < 2; ++c) {
          float want = 0;
          for (int64_t k = 0; k < 3; ++k) want += a.f[(i * 2 + r) * 3 + k] * b.f[(j * 3 + k) * 2 + c];
          CHECK(y.f[((i * 3 + j) * 2 + r) * 2 + c] == want);
        }
  CHECK(code_of([&] { run1("MatMul", {&m23, &m23}); }) == ExitCode::kBadInput);
  CHECK(macs_of("MatMul", {{2, 1, 4, 3}, {5, 3, 6}}, {{2, 5, 4, 6}}) == 2 * 5 * 4 * 6 * 3);
  CHECK(macs_of("MatMul", {{3}, {3, 7}}, {{7}}) == 21);
}

TEST_CASE("BatchNormalization: inference mode, ranks 2 and 3", "[ops]") {
  // sqrt(var + 1e-5) = 2 and 1: channel 0 (x - 1) / 2 * 1 + 0, channel 1 (x - 3) / 1 * 2 + 1
  const Tensor scale = floats({2}, {1, 2}), bias = floats({2}, {0, 1}), mean = floats({2}, {1, 3});
  const Tensor var = floats({2}, {4 - 1e-5f, 1 - 1e-5f});
  const Tensor x3 = floats({1, 2, 2}, {1, 2, 3, 4}), x2 = floats({2, 2}, {1, 3, 2, 4});
  require_close(run1("BatchNormalization", {&x3, &scale, &bias, &mean, &var}), {1, 2, 2}, {0, 0.5f, 1, 3});
  require_close(run1("BatchNormalization", {&x2, &scale, &bias, &mean, &var}), {2, 2}, {0, 1, 0.5f, 3});
  require_close(run1("BatchNormalization", {&x2, &scale, &bias, &mean, &var}, {{"epsilon", attr_f(0.75f)}}, 9),
                {2, 2}, {0, 1, 1 / std::sqrt(4.74999f), 2 / std::sqrt(1.74999f) + 1}, 1e-4f);
  CHECK(code_of([&] { run_op("BatchNormalization", {&x2, &scale, &bias, &mean, &var}, {}, 3); }) ==
        ExitCode::kUnsupported);
  const Tensor short_mean = floats({1}, {0});
  CHECK(code_of([&] { run1("BatchNormalization", {&x2, &scale, &bias, &short_mean, &var}); }) ==
        ExitCode::kBadInput);
}

TEST_CASE("MaxPool: pads never win, ceil_mode, dilations, auto_pad", "[ops]") {
  const Tensor x16 = iota({1, 1, 4, 4});
  require_close(run1("MaxPool", {&x16}, {{"kernel_shape", attr_ints({2, 2})}, {"strides", attr_ints({2, 2})}}),
                {1, 1, 2, 2}, {6, 8, 14, 16});
  // pads 1, 3x3, stride 2: windows rows/cols -1..1 and 1..3
  require_close(run1("MaxPool", {&x16}, {{"kernel_shape", attr_ints({3, 3})}, {"strides", attr_ints({2, 2})},
                                         {"pads", attr_ints({1, 1, 1, 1})}}),
                {1, 1, 2, 2}, {6, 8, 14, 16});
  // all-negative input, 2x2 windows with pads 1: the real cell nearest the bottom-right wins, never a 0
  const Tensor neg = iota({1, 1, 3, 3}, -9.0f);  // -9 .. -1
  require_close(run1("MaxPool", {&neg}, {{"kernel_shape", attr_ints({2, 2})}, {"pads", attr_ints({1, 1, 1, 1})}}),
                {1, 1, 4, 4}, {-9, -8, -7, -7, -6, -5, -4, -4, -3, -2, -1, -1, -3, -2, -1, -1});
  // ceil_mode on 5x5, 2x2 stride 2: the last window holds only row/col 4
  const Tensor x25 = iota({1, 1, 5, 5});
  require_close(run1("MaxPool", {&x25}, {{"kernel_shape", attr_ints({2, 2})}, {"strides", attr_ints({2, 2})},
                                         {"ceil_mode", attr_i(1)}}),
                {1, 1, 3, 3}, {7, 9, 10, 17, 19, 20, 22, 24, 25});
  // ceil_mode, 4 wide, pad end 1: a third window would start in the end padding, so it is dropped
  require_close(run1("MaxPool", {&x16}, {{"kernel_shape", attr_ints({2, 2})}, {"strides", attr_ints({2, 2})},
                                         {"pads", attr_ints({0, 0, 1, 1})}, {"ceil_mode", attr_i(1)}}),
                {1, 1, 2, 2}, {6, 8, 14, 16});
  // 1-D, kernel 2 with dilation 2: max(x[i], x[i + 2])
  const Tensor x7 = floats({1, 1, 7}, {1, 5, 2, 8, 3, 9, 4});
  require_close(run1("MaxPool", {&x7}, {{"kernel_shape", attr_ints({2})}, {"dilations", attr_ints({2})}}),
                {1, 1, 5}, {2, 8, 3, 9, 4});
  // SAME_UPPER, kernel 3, stride 2 on 7: out 4, pads 1 and 1
  require_close(run1("MaxPool", {&x7}, {{"kernel_shape", attr_ints({3})}, {"strides", attr_ints({2})},
                                        {"auto_pad", attr_s("SAME_UPPER")}}),
                {1, 1, 4}, {5, 8, 9, 9});
  // VALID with ceil_mode (as ONNX Runtime): windows 0..1, 2..3, 4..5 and the partial 6
  require_close(run1("MaxPool", {&x7}, {{"kernel_shape", attr_ints({2})}, {"strides", attr_ints({2})},
                                        {"auto_pad", attr_s("VALID")}, {"ceil_mode", attr_i(1)}}),
                {1, 1, 4}, {5, 8, 9, 4});
  CHECK(code_of([&] {
          run1("MaxPool", {&x7}, {{"kernel_shape", attr_ints({2})}, {"dilations", attr_ints({2})},
                                  {"auto_pad", attr_s("SAME_UPPER")}});
        }) == ExitCode::kUnsupported);  // ORT sizes this against the spec
  CHECK(code_of([&] { run_op("MaxPool", {&x7}, {{"kernel_shape", attr_ints({2})}}, 2); }) == ExitCode::kUnsupported);
  CHECK(code_of([&] { run1("MaxPool", {&x7}); }) == ExitCode::kBadInput);  // no kernel_shape
  CHECK(code_of([&] { run1("MaxPool", {&x7}, {{"kernel_shape", attr_ints({9})}}); }) == ExitCode::kBadInput);
}

TEST_CASE("AveragePool: count_include_pad and ceil_mode", "[ops]") {
  const Tensor x = iota({1, 1, 3, 3});
  require_close(run1("AveragePool", {&x}, {{"kernel_shape", attr_ints({2, 2})}}), {1, 1, 2, 2}, {3, 4, 6, 7});
  const std::map<std::string, Attribute> padded = {{"kernel_shape", attr_ints({3, 3})}, {"pads", attr_ints({1, 1, 1, 1})}};
  // count_include_pad=0: the mean of the real cells (4 or 6 or 9 of them)
  require_close(run1("AveragePool", {&x}, padded), {1, 1, 3, 3}, {3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7});
  auto with_pad = padded;
  with_pad["count_include_pad"] = attr_i(1);  // every sum divided by 9
  require_close(run1("AveragePool", {&x}, with_pad), {1, 1, 3, 3},
                {12 / 9.f, 21 / 9.f, 16 / 9.f, 3, 5, 33 / 9.f, 24 / 9.f, 39 / 9.f, 28 / 9.f});
  // 1-D, 6 wide, kernel 3, stride 2, ceil_mode: windows 0..2, 2..4, 4..6; cell 6 is beyond the
  // (unpadded) input and is never counted, with or without count_include_pad (as ONNX Runtime)
  const Tensor x6 = iota({1, 1, 6});
  std::map<std::string, Attribute> ceil = {{"kernel_shape", attr_ints({3})}, {"strides", attr_ints({2})},
                                           {"ceil_mode", attr_i(1)}};
  require_close(run1("AveragePool", {&x6}, ceil), {1, 1, 3}, {2, 4, 5.5f});
  ceil["count_include_pad"] = attr_i(1);
  require_close(run1("AveragePool", {&x6}, ceil), {1, 1, 3}, {2, 4, 5.5f});
  // with pads 1 and 1, count_include_pad=1: windows -1..1, 1..3, 3..5, 5..7 (out = ceil(5 / 2) + 1 = 4);
  // cell 6 is end padding (counted), 7 is beyond it: (0+1+2)/3, (2+3+4)/3, (4+5+6)/3, (6+0)/2
  ceil["pads"] = attr_ints({1, 1});
  require_close(run1("AveragePool", {&x6}, ceil), {1, 1, 4}, {1, 3, 5, 3});
}

TEST_CASE("GlobalAveragePool and GlobalMaxPool keep spatial dims as 1", "[ops]") {
  const Tensor x = iota({1, 2, 2, 2}), x3 = floats({1, 2, 3}, {3, -1, 2, -5, -4, -6});
  require_close(run1("GlobalAveragePool", {&x}), {1, 2, 1, 1}, {2.5f, 6.5f});
  require_close(run1("GlobalMaxPool", {&x}), {1, 2, 1, 1}, {4, 8});
  require_close(run1("GlobalAveragePool", {&x3}), {1, 2, 1}, {4 / 3.f, -5});
  require_close(run1("GlobalMaxPool", {&x3}), {1, 2, 1}, {3, -4});
}

TEST_CASE("Softmax and LogSoftmax: axis semantics before and from opset 13", "[ops]") {
  const Tensor x = floats({1, 3}, {1, 2, 3});
  require_close(run1("Softmax", {&x}), {1, 3}, {0.09003057f, 0.24472847f, 0.66524096f});
  require_close(run1("LogSoftmax", {&x}), {1, 3}, {-2.40760596f, -1.40760596f, -0.40760596f});
  // axis 0 on [[0, 0], [ln 3, 0]]: columns [0, ln 3] -> [1/4, 3/4] and [0, 0] -> [1/2, 1/2]
  const Tensor x2 = floats({2, 2}, {0, 0, std::log(3.0f), 0});
  require_close(run1("Softmax", {&x2}, {{"axis", attr_i(0)}}), {2, 2}, {0.25f, 0.5f, 0.75f, 0.5f});
  require_close(run1("LogSoftmax", {&x2}, {{"axis", attr_i(-2)}}), {2, 2},
                {std::log(0.25f), std::log(0.5f), std::log(0.75f), std::log(0.5f)});
  // zeros [1, 2, 2]: opset 13 normalises over the last axis (1/2), opset 11 over dims 1.. (1/4)
  const Tensor z = Tensor::zeros({1, 2, 2});
  require_close(run1("Softmax", {&z}), {1, 2, 2}, {0.5f, 0.5f, 0.5f, 0.5f});
  require_close(run1("Softmax", {&z}, {}, 11), {1, 2, 2}, {0.25f, 0.25f, 0.25f, 0.25f});
  require_close(run1("LogSoftmax", {&z}, {}, 11), {1, 2, 2}, std::vector<float>(4, std::log(0.25f)));
  require_close(run1("Softmax", {&z}, {{"axis", attr_i(2)}}, 11), {1, 2, 2}, {0.5f, 0.5f, 0.5f, 0.5f});
  const Tensor big = floats({3}, {1000, 1000, -1000});  // no overflow
  require_close(run1("Softmax", {&big}), {3}, {0.5f, 0.5f, 0});
  CHECK(code_of([&] { run1("Softmax", {&x}, {{"axis", attr_i(2)}}); }) == ExitCode::kBadInput);
}

namespace {
// Resize (opset 11+: X, roi, scales, sizes) of a 2x2 image 1 2 / 3 4.
Tensor resize2x2(std::map<std::string, Attribute> attrs, Shape sizes = {}, int64_t opset = 13) {
  const Tensor x = iota({1, 1, 2, 2}), roi = floats({0}, {}), scales = floats({4}, {1, 1, 2, 2});
  const Tensor size_t_ = Tensor::from_ints({4}, sizes.empty() ? Shape{1, 1, 4, 4} : sizes);
  if (sizes.empty()) return run1("Resize", {&x, &roi, &scales}, std::move(attrs), opset);
  return run1("Resize", {&x, &roi, nullptr, &size_t_}, std::move(attrs), opset);
}
}  // namespace

TEST_CASE("Resize: nearest modes", "[ops]") {
  // asymmetric + floor (YOLOX): input index floor(o / 2)
  require_close(resize2x2({{"coordinate_transformation_mode", attr_s("asymmetric")}, {"nearest_mode", attr_s("floor")}}, {}, 11),
                {1, 1, 4, 4}, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  // asymmetric + round_prefer_ceil: o / 2 = 0, 0.5, 1, 1.5 -> 0, 1, 1, 2 (clamped to 1)
  require_close(resize2x2({{"coordinate_transformation_mode", attr_s("asymmetric")}, {"nearest_mode", attr_s("round_prefer_ceil")}}),
                {1, 1, 4, 4}, {1, 2, 2, 2, 3, 4, 4, 4, 3, 4, 4, 4, 3, 4, 4, 4});
  // half_pixel + round_prefer_floor (defaults): (o + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 -> 0, 0, 1, 1
  require_close(resize2x2({}), {1, 1, 4, 4}, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  // tf_half_pixel_for_nn: (o + 0.5) / 2 = 0.25, 0.75, 1.25, 1.75 -> 0, 1, 1, 2 (clamped)
  require_close(resize2x2({{"coordinate_transformation_mode", attr_s("tf_half_pixel_for_nn")}}), {1, 1, 4, 4},
                {1, 2, 2, 2, 3, 4, 4, 4, 3, 4, 4, 4, 3, 4, 4, 4});
  // 2x upsampling of wider planes (the doubled-columns loop): out[c][oy][ox] = in[c][oy / 2][ox / 2]
  {
    const Tensor big = iota({1, 3, 5, 37}), no_roi = floats({0}, {}), two = floats({4}, {1, 1, 2, 2});
    std::vector<float> want;
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t oy = 0; oy < 10; ++oy)
        for (int64_t ox = 0; ox < 74; ++ox) want.push_back(big.f[static_cast<size_t>((c * 5 + oy / 2) * 37 + ox / 2)]);
    require_close(run1("Resize", {&big, &no_roi, &two},
                       {{"coordinate_transformation_mode", attr_s("asymmetric")}, {"nearest_mode", attr_s("floor")}}, 11),
                  {1, 3, 10, 74}, want);
  }
  // downsampling 1 2 3 4 by 0.5, half_pixel: coordinates 0.5 and 2.5
  const Tensor x = iota({1, 4}), roi = floats({0}, {}), half = floats({2}, {1, 0.5f});
  const std::vector<std::pair<std::string, std::vector<float>>> modes = {
      {"round_prefer_floor", {1, 3}}, {"round_prefer_ceil", {2, 4}}, {"floor", {1, 3}}, {"ceil", {2, 4}}};
  for (const auto& [mode, want] : modes) {
    INFO(mode);
    require_close(run1("Resize", {&x, &roi, &half}, {{"nearest_mode", attr_s(mode)}}), {1, 2}, want);
  }
}

TEST_CASE("Resize: linear modes", "[ops]") {
  // Bilinear is exact on f(y, x) = 1 + 2y + x; out(i, j) = 1 + 2 c[i] + c[j] with c the clamped coordinates.
  const std::map<std::string, Attribute> linear = {{"mode", attr_s("linear")}};
  auto with = [&](const std::string& coord) {
    auto m = linear;
    m["coordinate_transformation_mode"] = attr_s(coord);
    return m;
  };
  // half_pixel: c = 0 (clamped), 0.25, 0.75, 1 (clamped)
  const std::vector<float> half_pixel = {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f,
                                         2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4};
  require_close(resize2x2(linear), {1, 1, 4, 4}, half_pixel);
  require_close(resize2x2(with("pytorch_half_pixel"), {1, 1, 4, 4}, 11), {1, 1, 4, 4}, half_pixel);  // NanoDet
  // align_corners: c = 0, 1/3, 2/3, 1
  require_close(resize2x2(with("align_corners")), {1, 1, 4, 4},
                {1, 4 / 3.f, 5 / 3.f, 2, 5 / 3.f, 2, 7 / 3.f, 8 / 3.f, 7 / 3.f, 8 / 3.f, 3, 10 / 3.f, 3, 10 / 3.f, 11 / 3.f, 4});
  // asymmetric: c = 0, 0.5, 1, 1 (1.5 clamped)
  require_close(resize2x2(with("asymmetric")), {1, 1, 4, 4},
                {1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 3, 3.5f, 4, 4, 3, 3.5f, 4, 4});
  // one output row: pytorch_half_pixel reads row 0; half_pixel reads coordinate (0.5) * 2 - 0.5 = 0.5
  require_close(resize2x2(with("pytorch_half_pixel"), {1, 1, 1, 4}), {1, 1, 1, 4}, {1, 1.25f, 1.75f, 2});
  require_close(resize2x2(linear, {1, 1, 1, 4}), {1, 1, 1, 4}, {2, 2.25f, 2.75f, 3});
  // downsampling 1 2 3 4 by 0.5, half_pixel: coordinates 0.5 and 2.5 -> 1.5, 3.5
  const Tensor x = iota({1, 4}), roi = floats({0}, {}), half = floats({2}, {1, 0.5f});
  require_close(run1("Resize", {&x, &roi, &half}, linear), {1, 2}, {1.5f, 3.5f});
  // 3-D linear on [2, 2, 2] (f = 1 + 4z + 2y + x) scaled to [3, 2, 2] with align_corners: z = 0, 0.5, 1
  const Tensor cube = iota({2, 2, 2}), sizes = Tensor::from_ints({3}, {3, 2, 2});
  require_close(run1("Resize", {&cube, &roi, nullptr, &sizes}, with("align_corners")), {3, 2, 2},
                {1, 2, 3, 4, 3, 4, 5, 6, 5, 6, 7, 8});
}

TEST_CASE("Resize opset 10, Upsample, sizes, errors", "[ops]") {
  const Tensor x = iota({1, 1, 2, 2}), scales = floats({4}, {1, 1, 2, 2}), roi = floats({0}, {});
  const std::vector<float> nearest = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
  const std::vector<float> linear = {1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 3, 3.5f, 4, 4, 3, 3.5f, 4, 4};  // asymmetric
  require_close(run1("Resize", {&x, &scales}, {}, 10), {1, 1, 4, 4}, nearest);
  require_close(run1("Resize", {&x, &scales}, {{"mode", attr_s("linear")}}, 10), {1, 1, 4, 4}, linear);
  require_close(run1("Upsample", {&x}, {{"scales", attr_floats({1, 1, 2, 2})}}, 7), {1, 1, 4, 4}, nearest);
  require_close(run1("Upsample", {&x, &scales}, {}, 9), {1, 1, 4, 4}, nearest);
  require_close(run1("Upsample", {&x, &scales}, {{"mode", attr_s("linear")}}, 9), {1, 1, 4, 4}, linear);
  // non-integer scale: out = floor(2 * 1.75) = 3; simple nearest truncates o / 1.75 = 0, 0.57, 1.14
  const Tensor odd = floats({4}, {1, 1, 1, 1.75f});
  require_close(run1("Upsample", {&x, &odd}, {}, 9), {1, 1, 2, 3}, {1, 1, 2, 3, 3, 4});
  // sizes win when scales is empty
  const Tensor empty = floats({0}, {}), sizes = Tensor::from_ints({4}, {1, 1, 2, 3});
  require_close(run1("Resize", {&x, &roi, &empty, &sizes}, {{"coordinate_transformation_mode", attr_s("asymmetric")}}),
                {1, 1, 2, 3}, {1, 2, 2, 3, 4, 4});  // scale 1.5: o / 1.5 = 0, 0.67, 1.33 -> 0, 1, 1
  const Tensor shrink = floats({4}, {1, 1, 0.5f, 1});
  CHECK(code_of([&] { run1("Upsample", {&x, &shrink}, {}, 9); }) == ExitCode::kBadInput);  // scales >= 1
  CHECK(code_of([&] { run1("Resize", {&x, &roi, &scales, &sizes}); }) == ExitCode::kBadInput);
  CHECK(code_of([&] { run1("Resize", {&x, &roi}); }) == ExitCode::kBadInput);
  CHECK(code_of([&] { run1("Resize", {&x, &roi, &scales}, {{"mode", attr_s("cubic")}}); }) == ExitCode::kUnsupported);
  CHECK(code_of([&] {
          run1("Resize", {&x, &roi, &scales}, {{"coordinate_transformation_mode", attr_s("tf_crop_and_resize")}});
        }) == ExitCode::kUnsupported);
  CHECK(code_of([&] { run1("Resize", {&x, &roi, &odd}, {{"mode", attr_s("bicubic")}}); }) == ExitCode::kBadInput);
}
