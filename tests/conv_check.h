// Helpers for the conv kernel tests (test_conv_direct, test_conv_direct1x1, test_conv_depthwise3x3,
// test_conv_stem): a shape's random data, and a kernel's output, written between guard values, checked
// against conv2d_reference (double accumulation).
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ops/conv_kernels.h"

namespace fxq::test {

struct ConvData {
  std::vector<float> x, w, b;
};

// Uniform values in [-1, 1]; with `signed_zeros`, one in eight is +0 and one in eight -0.
inline ConvData random_conv_data(const Conv2dShape& s, std::mt19937& rng, bool signed_zeros = false) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::uniform_int_distribution<int> pick(0, 15);
  ConvData d;
  d.x.resize(s.batch * s.c_in * s.in_h * s.in_w);
  d.w.resize(s.c_out * (s.c_in / s.group) * s.k_h * s.k_w);
  d.b.resize(s.c_out);
  for (auto* v : {&d.x, &d.w, &d.b})
    for (float& e : *v) {
      const int k = signed_zeros ? pick(rng) : 15;
      e = k == 0 ? 0.0f : k == 1 ? -0.0f : u(rng);
    }
  return d;
}

constexpr float kGuard = 12345.0f;

// Runs `kernel` on d into a buffer with `guard` kGuard values on both sides (every output must be
// overwritten, nothing outside it), REQUIREs the guards intact and returns the output.
template <class Kernel>
std::vector<float> run_guarded(const Conv2dShape& s, const ConvData& d, const float* bias, const Epilogue* act,
                               Kernel kernel, size_t guard = 64) {
  const size_t n = static_cast<size_t>(s.batch * s.c_out * s.out_h * s.out_w);
  std::vector<float> buf(n + 2 * guard, kGuard);
  kernel(s, d.x.data(), d.w.data(), bias, buf.data() + guard, act);
  for (size_t e = 0; e < guard; ++e) REQUIRE(buf[e] == kGuard);
  for (size_t e = guard + n; e < buf.size(); ++e) REQUIRE(buf[e] == kGuard);
  return std::vector<float>(buf.begin() + guard, buf.begin() + guard + n);
}

// |got - reference| <= tol * max(1, |reference|) for every output.
inline void require_near_reference(const Conv2dShape& s, const ConvData& d, const float* bias, const Epilogue* act,
                                   const std::vector<float>& got, float tol) {
  std::vector<float> ref(got.size());
  conv2d_reference(s, d.x.data(), d.w.data(), bias, ref.data(), act);
  for (size_t e = 0; e < got.size(); ++e) {
    INFO("output " << e << ": " << got[e] << " reference " << ref[e]);
    REQUIRE(std::abs(got[e] - ref[e]) <= tol * std::max(1.0f, std::abs(ref[e])));
  }
}

// The fused activations, and the list {none, Relu, SiLU, Clip(lo, hi), LeakyRelu(0.1)} to cycle through.
struct Activations {
  Epilogue relu, silu, clip, leaky;
  std::vector<const Epilogue*> all;
  Activations(float clip_lo, float clip_hi) {
    relu.kind = Epilogue::kRelu;
    silu.kind = Epilogue::kSiLU;
    clip.kind = Epilogue::kClip, clip.lo = clip_lo, clip.hi = clip_hi;
    leaky.kind = Epilogue::kLeakyRelu, leaky.alpha = 0.1f;
    all = {nullptr, &relu, &silu, &clip, &leaky};
  }
  Activations(const Activations&) = delete;  // `all` points into this object
};

inline std::string describe(const Conv2dShape& s);

// Random data for s, `kernel` run between guard values, compared with conv2d_reference within `tol`.
template <class Kernel>
void check_against_reference(const Conv2dShape& s, std::mt19937& rng, bool with_bias, const Epilogue* act,
                             Kernel kernel, float tol) {
  INFO(describe(s) << " bias " << with_bias << " act " << (act ? act->kind : 0));
  const ConvData d = random_conv_data(s, rng);
  const float* bias = with_bias ? d.b.data() : nullptr;
  require_near_reference(s, d, bias, act, run_guarded(s, d, bias, act, kernel), tol);
}

inline std::string describe(const Conv2dShape& s) {
  std::ostringstream o;
  o << "batch " << s.batch << " c_in " << s.c_in << " c_out " << s.c_out << " group " << s.group << " in " << s.in_h
    << "x" << s.in_w << " kernel " << s.k_h << "x" << s.k_w << " stride " << s.stride_h << " pad top/left "
    << s.pad_top << "/" << s.pad_left << " out " << s.out_h << "x" << s.out_w;
  return o.str();
}

}  // namespace fxq::test
