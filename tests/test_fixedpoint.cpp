// Fixed-point arithmetic (src/fixedpoint, docs/fixed-point.md): exact values pinned at the boundaries,
// exhaustive sweeps over every int8 input where the domain is small, each against a double-precision
// reference written here independently (std::nearbyint in the default rounding mode, or integer logic),
// never by calling the function under test. Failures print their parameters.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "fixedpoint/integer_ops.h"
#include "fixedpoint/qformat.h"

using namespace fxq::fixedpoint;

namespace {

constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
const double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// The reference rounding: the C library's, in the default (to nearest, ties to even) mode.
double ref_round(double v) {
  if (std::fegetround() != FE_TONEAREST) FAIL("the reference needs the default rounding mode");
  return std::nearbyint(v);
}
// The reference quantization of a real value exactly representable as x * 2^f_out in double.
int64_t ref_clamp(double r, const QFormat& f) {
  return static_cast<int64_t>(std::clamp(r, static_cast<double>(f.qmin()), static_cast<double>(f.qmax())));
}

std::vector<QFormat> small_formats() {  // bits 2..8 signed and unsigned, fracs -3..10
  std::vector<QFormat> out;
  for (int bits = 2; bits <= 8; ++bits)
    for (int s = 0; s <= 1; ++s)
      for (int frac = -3; frac <= 10; ++frac) out.push_back(QFormat{bits, frac, s == 1});
  return out;
}

// Collects mismatches with their parameters; one REQUIRE at the end keeps big sweeps fast.
struct Mismatches {
  int count = 0;
  template <class Got, class Want>
  void check(bool ok, const std::string& what, Got got, Want want) {
    if (ok) return;
    if (++count <= 10) {
      std::ostringstream s;
      s.precision(17);
      s << what << ": got " << got << ", want " << want;
      FAIL_CHECK(s.str());
    }
  }
};

}  // namespace

TEST_CASE("QFormat valid str and range", "[fixedpoint]") {
  CHECK(QFormat{8, 5, true}.str() == "s8.5");
  CHECK(QFormat{4, -2, false}.str() == "u4.-2");
  CHECK(QFormat{32, 0, true}.str() == "s32.0");
  CHECK_FALSE(QFormat{1, 0, true}.valid());
  CHECK(QFormat{2, 0, true}.valid());
  CHECK(QFormat{32, 0, false}.valid());
  CHECK_FALSE(QFormat{33, 0, true}.valid());
  CHECK(QFormat{8, kMaxFrac, true}.valid());
  CHECK(QFormat{8, -kMaxFrac, true}.valid());
  CHECK_FALSE(QFormat{8, kMaxFrac + 1, true}.valid());
  CHECK_FALSE(QFormat{8, -kMaxFrac - 1, true}.valid());
  const QFormat s8{8, 5, true}, u4{4, -2, false};
  CHECK(s8.qmin() == -128);
  CHECK(s8.qmax() == 127);
  CHECK(s8.step() == 1.0 / 32);
  CHECK(s8.min_value() == -4.0);
  CHECK(s8.max_value() == 127.0 / 32);
  CHECK(u4.qmin() == 0);
  CHECK(u4.qmax() == 15);
  CHECK(u4.step() == 4.0);
  CHECK(u4.max_value() == 60.0);
  CHECK(QFormat{32, 0, true}.qmin() == -2147483648LL);
  CHECK(QFormat{32, 0, false}.qmax() == 4294967295LL);
  CHECK_THROWS_AS(quantize(1.0, QFormat{1, 0, true}), fxq::Error);
}

TEST_CASE("round_half_even pins ties and edges", "[fixedpoint]") {
  CHECK(round_half_even(0.5) == 0.0);
  CHECK(round_half_even(1.5) == 2.0);
  CHECK(round_half_even(2.5) == 2.0);
  CHECK(round_half_even(3.5) == 4.0);
  CHECK(round_half_even(-1.5) == -2.0);
  CHECK(round_half_even(-2.5) == -2.0);
  CHECK(round_half_even(2.5000000000000004) == 3.0);
  CHECK(round_half_even(0.49999999999999994) == 0.0);
  CHECK(round_half_even(-0.49999999999999994) == 0.0);
  CHECK(std::signbit(round_half_even(-0.5)));  // -0, as std::nearbyint
  CHECK(std::signbit(round_half_even(-0.0)));
  CHECK(round_half_even(4503599627370497.0) == 4503599627370497.0);  // 2^52 + 1: already an integer
  CHECK(round_half_even(4503599627370495.5) == 4503599627370496.0);  // 2^52 - 1/2: tie, to even
  CHECK(round_half_even(kInf) == kInf);
  CHECK(round_half_even(-kInf) == -kInf);
  CHECK(std::isnan(round_half_even(kNaN)));
  Mismatches bad;
  for (int k = -40000; k <= 40000; ++k) {  // every quarter, eighth, ... : many exact ties
    for (double div : {2.0, 4.0, 8.0, 3.0, 10.0}) {
      const double v = k / div;
      bad.check(round_half_even(v) == ref_round(v), "v=" + std::to_string(v), round_half_even(v), ref_round(v));
    }
  }
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(-1e6, 1e6);
  for (int i = 0; i < 100000; ++i) {
    const double v = u(rng);
    bad.check(round_half_even(v) == ref_round(v), "random v", round_half_even(v), ref_round(v));
  }
  REQUIRE(bad.count == 0);
}

TEST_CASE("rounding does not depend on the floating-point rounding mode", "[fixedpoint]") {
  const std::vector<double> xs = {0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.7, -0.7, 1.25, -3.75};
  std::vector<double> near;
  for (double x : xs) near.push_back(round_half_even(x));
  const QFormat f{8, 2, true};
  std::vector<int64_t> qnear;
  for (double x : xs) qnear.push_back(quantize(x, f));
  // The array form of fake_quantize (the simulation's hot loop) too, on the same values scaled to
  // the format's steps (0.25), ties included.
  std::vector<float> anear;
  for (double x : xs) anear.push_back(static_cast<float>(x / 4));
  fake_quantize(anear.data(), anear.size(), f);
  for (int mode : {FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO}) {
    REQUIRE(std::fesetround(mode) == 0);
    std::vector<double> got;
    std::vector<int64_t> qgot;
    std::vector<float> agot;
    for (double x : xs) got.push_back(round_half_even(x));
    for (double x : xs) qgot.push_back(quantize(x, f));
    for (double x : xs) agot.push_back(static_cast<float>(x / 4));
    fake_quantize(agot.data(), agot.size(), f);
    std::fesetround(FE_TONEAREST);
    CHECK(got == near);
    CHECK(qgot == qnear);
    CHECK(agot == anear);
  }
  CHECK(anear[0] == 0.0f);   // 0.125 = half a step: ties to even (0)
  CHECK(anear[2] == 0.5f);   // 0.625 = 2.5 steps: ties to 2 steps
  CHECK(anear[5] == -0.5f);  // -0.625 = -2.5 steps: ties to -2 steps
}

TEST_CASE("rounding_shift_right_half_even matches double for every int16 and shift 0..15", "[fixedpoint]") {
  Mismatches bad;
  for (int v = -32768; v <= 32767; ++v) {  // every int8 value, and every int16 value
    for (int s = 0; s <= 15; ++s) {
      const double want = ref_round(std::ldexp(static_cast<double>(v), -s));  // exact, then round
      const int64_t got = rounding_shift_right_half_even(v, s);
      bad.check(static_cast<double>(got) == want, "v=" + std::to_string(v) + " s=" + std::to_string(s), got, want);
    }
  }
  REQUIRE(bad.count == 0);
  // Pinned: ties in both directions, the int64 extremes, shifts at and beyond 63.
  CHECK(rounding_shift_right_half_even(1, 1) == 0);    // 0.5 -> 0
  CHECK(rounding_shift_right_half_even(3, 1) == 2);    // 1.5 -> 2
  CHECK(rounding_shift_right_half_even(5, 1) == 2);    // 2.5 -> 2
  CHECK(rounding_shift_right_half_even(-1, 1) == 0);   // -0.5 -> 0
  CHECK(rounding_shift_right_half_even(-3, 1) == -2);  // -1.5 -> -2
  CHECK(rounding_shift_right_half_even(-5, 1) == -2);  // -2.5 -> -2
  CHECK(rounding_shift_right_half_even(-6, 2) == -2);  // -1.5 -> -2
  CHECK(rounding_shift_right_half_even(-10, 2) == -2);  // -2.5 -> -2
  CHECK(rounding_shift_right_half_even(kI64Max, 1) == (int64_t{1} << 62));  // 2^62 - 1/2 -> 2^62 (even)
  CHECK(rounding_shift_right_half_even(kI64Min, 1) == -(int64_t{1} << 62));
  CHECK(rounding_shift_right_half_even(kI64Min, 63) == -1);
  CHECK(rounding_shift_right_half_even(kI64Max, 63) == 1);   // 1 - 2^-63 -> 1
  CHECK(rounding_shift_right_half_even(int64_t{1} << 62, 63) == 0);  // 1/2 -> 0
  CHECK(rounding_shift_right_half_even(kI64Min, 64) == 0);  // -1/2 -> 0
  CHECK(rounding_shift_right_half_even(kI64Max, 64) == 0);
  CHECK(rounding_shift_right_half_even(kI64Max, 1000) == 0);
  CHECK(rounding_shift_right_half_even(12345, 0) == 12345);
  CHECK_THROWS_AS(rounding_shift_right_half_even(1, -1), fxq::Error);
}

TEST_CASE("shift_to_frac shifts left exactly and right with rounding", "[fixedpoint]") {
  CHECK(shift_to_frac(5, 2, 2) == 5);
  CHECK(shift_to_frac(5, 2, 6) == 80);          // exact left shift
  CHECK(shift_to_frac(-5, -3, 0) == -40);
  CHECK(shift_to_frac(5, 3, 2) == 2);           // 2.5 -> 2
  CHECK(shift_to_frac(7, 3, 2) == 4);           // 3.5 -> 4
  CHECK(shift_to_frac(-7, 3, 2) == -4);
  CHECK(shift_to_frac(1, 0, 62) == (int64_t{1} << 62));
  CHECK(shift_to_frac(1, 0, 63) == kI64Max);    // saturates beyond int64
  CHECK(shift_to_frac(-1, 0, 63) == kI64Min);   // exactly -2^63: representable, but saturation is the policy
  CHECK(shift_to_frac(-2, 0, 62) == kI64Min);   // exact: -2^63
  CHECK(shift_to_frac(3, 0, 1000) == kI64Max);
  CHECK(shift_to_frac(0, 0, 1000) == 0);
  CHECK(shift_to_frac(kI64Max, 1000, 0) == 0);
  CHECK(shift_left_saturating(kI64Max >> 3, 3) == (kI64Max >> 3) * 8);
  CHECK(shift_left_saturating((kI64Max >> 3) + 1, 3) == kI64Max);
  CHECK(shift_left_saturating(kI64Min >> 3, 3) == kI64Min);
  CHECK(shift_left_saturating((kI64Min >> 3) - 1, 3) == kI64Min);
}

TEST_CASE("quantize on every step boundary and midpoint for bits 2..8 and fracs -3..10", "[fixedpoint]") {
  Mismatches bad;
  for (const QFormat& f : small_formats()) {
    const int64_t lo = f.qmin(), hi = f.qmax();
    for (int64_t q = lo - 3; q <= hi + 3; ++q) {
      const std::string at = f.str() + " q=" + std::to_string(q);
      // On a step: exact, or saturated.
      const double x = std::ldexp(static_cast<double>(q), -f.frac);
      const int64_t want_on = std::clamp(q, lo, hi);
      bad.check(quantize(x, f) == want_on, at + " on step", quantize(x, f), want_on);
      // The midpoint between q and q + 1: the even one of the two, then saturated.
      const double mid = std::ldexp(static_cast<double>(q) + 0.5, -f.frac);
      const int64_t even = (q % 2 == 0) ? q : q + 1;
      const int64_t want_mid = std::clamp(even, lo, hi);
      bad.check(quantize(mid, f) == want_mid, at + " midpoint", quantize(mid, f), want_mid);
      // Just below and just above the midpoint.
      const int64_t want_below = std::clamp(q, lo, hi), want_above = std::clamp(q + 1, lo, hi);
      bad.check(quantize(std::nextafter(mid, -kInf), f) == want_below, at + " below midpoint",
                quantize(std::nextafter(mid, -kInf), f), want_below);
      bad.check(quantize(std::nextafter(mid, kInf), f) == want_above, at + " above midpoint",
                quantize(std::nextafter(mid, kInf), f), want_above);
      // dequantize is exact.
      bad.check(dequantize(q, f) == x, at + " dequantize", dequantize(q, f), x);
    }
  }
  REQUIRE(bad.count == 0);
}

TEST_CASE("quantize saturates at qmin-1 qmax+1 and infinities and maps NaN to 0", "[fixedpoint]") {
  std::vector<QFormat> formats = small_formats();
  formats.push_back(QFormat{16, 8, true});
  formats.push_back(QFormat{32, 10, true});
  formats.push_back(QFormat{32, -kMaxFrac, false});
  formats.push_back(QFormat{8, kMaxFrac, true});
  formats.push_back(QFormat{8, -kMaxFrac, true});
  for (const QFormat& f : formats) {
    INFO(f.str());
    CHECK(quantize(std::ldexp(static_cast<double>(f.qmin() - 1), -f.frac), f) == f.qmin());
    CHECK(quantize(std::ldexp(static_cast<double>(f.qmax() + 1), -f.frac), f) == f.qmax());
    CHECK(quantize(kInf, f) == f.qmax());
    CHECK(quantize(-kInf, f) == f.qmin());
    CHECK(quantize(1e308, f) == f.qmax());
    CHECK(quantize(-1e308, f) == f.qmin());
    CHECK(quantize(kNaN, f) == 0);
    CHECK(quantize(std::numeric_limits<double>::denorm_min(), f) == 0);
    CHECK(quantize(-std::numeric_limits<double>::denorm_min(), f) == 0);
    CHECK(fake_quantize(std::numeric_limits<float>::quiet_NaN(), f) == 0.0f);
    CHECK_FALSE(std::signbit(fake_quantize(-std::numeric_limits<float>::denorm_min(), f)));  // zero is +0, as DequantizeLinear gives
  }
}

TEST_CASE("fake_quantize equals ONNX QuantizeLinear then DequantizeLinear in float32", "[fixedpoint]") {
  // The ONNX expression with scale = 2^-f and zero point 0, written out in float32:
  //   q = saturate(nearbyint(x / scale)) in the container; y = float(q) * scale.
  // For b < container bits the exporter puts Clip(qmin * scale, qmax * scale) before QuantizeLinear;
  // both forms are checked (the container here is int8/uint8 for b <= 8, int16/uint16 up to 16).
  auto onnx_qdq = [](float x, const QFormat& f, bool clip_first) {
    const float scale = std::ldexp(1.0f, -f.frac);
    const int cbits = f.bits <= 8 ? 8 : 16;
    const QFormat container{cbits, f.frac, f.is_signed};
    if (clip_first) {
      const float lo = static_cast<float>(f.qmin()) * scale, hi = static_cast<float>(f.qmax()) * scale;
      x = std::min(std::max(x, lo), hi);
    } else {
      REQUIRE(cbits == f.bits);
    }
    float r = std::nearbyint(x / scale);
    r = std::min(std::max(r, static_cast<float>(container.qmin())), static_cast<float>(container.qmax()));
    return static_cast<float>(static_cast<int64_t>(r)) * scale;
  };
  std::vector<QFormat> formats = small_formats();
  for (int frac : {-20, -1, 0, 3, 7, 15, 30, kMaxFrac, -kMaxFrac}) {
    formats.push_back(QFormat{16, frac, true});
    formats.push_back(QFormat{16, frac, false});
    formats.push_back(QFormat{8, frac, true});
    formats.push_back(QFormat{8, frac, false});
  }
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> unit(-1.5f, 1.5f);
  Mismatches bad;
  for (const QFormat& f : formats) {
    const bool full = (f.bits == 8 || f.bits == 16);
    std::vector<float> xs;
    // Every step and midpoint of the range and beyond, and the floats just beside each midpoint.
    for (int64_t q = f.qmin() - 4; q <= f.qmax() + 4; q += (f.bits > 8 ? 97 : 1)) {
      for (double off : {0.0, 0.5, 0.25}) {
        const float v = static_cast<float>(std::ldexp(static_cast<double>(q) + off, -f.frac));
        xs.push_back(v);
        xs.push_back(std::nextafter(v, -std::numeric_limits<float>::infinity()));
        xs.push_back(std::nextafter(v, std::numeric_limits<float>::infinity()));
      }
    }
    for (int i = 0; i < 2000; ++i) xs.push_back(unit(rng) * static_cast<float>(f.max_value()));
    for (float v : {0.0f, -0.0f, std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(),
                    std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::min(), 1e-30f, 1e30f,
                    std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()})
      xs.push_back(v);
    for (float x : xs) {
      const float got = fake_quantize(x, f);
      std::ostringstream at;
      at.precision(9);
      at << f.str() << " x=" << x;
      if (full) bad.check(got == onnx_qdq(x, f, false), at.str() + " Q/DQ", got, onnx_qdq(x, f, false));
      bad.check(got == onnx_qdq(x, f, true), at.str() + " Clip+Q/DQ", got, onnx_qdq(x, f, true));
    }
    // The array form is the same function.
    std::vector<float> arr = xs;
    fake_quantize(arr.data(), arr.size(), f);
    for (size_t i = 0; i < xs.size(); ++i) {
      bad.check(arr[i] == fake_quantize(xs[i], f), f.str() + " array", arr[i], xs[i]);
      bad.check(std::signbit(arr[i]) == std::signbit(fake_quantize(xs[i], f)), f.str() + " array sign", arr[i], xs[i]);
    }
  }
  REQUIRE(bad.count == 0);
}

TEST_CASE("fake_quantize's array form equals the scalar form at every width, across its 24/25-bit switch", "[fixedpoint]") {
  // The array form runs in float up to 24 bits and in double above (qformat.cpp); both must give the
  // scalar form's value and sign for random values, steps, midpoints, range ends and special floats.
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> unit(-1.2, 1.2);
  Mismatches bad;
  for (int bits : {2, 8, 16, 23, 24, 25, 32})
    for (bool is_signed : {true, false})
      for (int frac : {-kMaxFrac, -7, 0, 5, 20, kMaxFrac}) {
        const QFormat f{bits, frac, is_signed};
        std::vector<float> xs;
        const double step = std::ldexp(1.0, -frac);
        for (int i = 0; i < 3000; ++i) {
          const double q = std::round(unit(rng) * static_cast<double>(f.qmax()));
          for (double off : {0.0, 0.5, -0.5, 0.25}) xs.push_back(static_cast<float>((q + off) * step));
          xs.push_back(static_cast<float>(unit(rng) * f.max_value()));
        }
        for (float v : {0.0f, -0.0f, std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(),
                        -std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::min(), 1e-30f, -1e30f,
                        std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                        std::numeric_limits<float>::quiet_NaN()})
          xs.push_back(v);
        std::vector<float> arr = xs;
        fake_quantize(arr.data(), arr.size(), f);
        for (size_t i = 0; i < xs.size(); ++i) {
          const float want = fake_quantize(xs[i], f);
          bad.check(arr[i] == want && std::signbit(arr[i]) == std::signbit(want), f.str() + " array", arr[i], xs[i]);
        }
      }
  REQUIRE(bad.count == 0);
}

TEST_CASE("requantize from an int32 accumulator at fracs 0..20 to 8-bit formats", "[fixedpoint]") {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int32_t> any32(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
  std::uniform_int_distribution<int32_t> small(-70000, 70000);
  Mismatches bad;
  for (int acc_frac = 0; acc_frac <= 20; ++acc_frac) {
    std::vector<int64_t> accs = {0, 1, -1, 2, -2, 3, -3, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
    for (int d = 1; d <= 24; ++d)  // ties and their neighbours for every shift
      for (int64_t k = -5; k <= 5; ++k)
        for (int64_t e = -1; e <= 1; ++e) accs.push_back(k * (int64_t{1} << d) + (int64_t{1} << (d - 1)) + e);
    for (int i = 0; i < 2000; ++i) accs.push_back(any32(rng));
    for (int i = 0; i < 2000; ++i) accs.push_back(small(rng));
    for (int out_frac = acc_frac - 24; out_frac <= acc_frac + 4; ++out_frac) {
      for (bool is_signed : {true, false}) {
        const QFormat out{8, out_frac, is_signed};
        for (int64_t acc : accs) {
          const double x_real = std::ldexp(static_cast<double>(acc), -acc_frac);   // exact
          const int64_t want = ref_clamp(ref_round(std::ldexp(x_real, out_frac)), out);  // exact scaling
          const int64_t got = requantize(acc, acc_frac, out);
          bad.check(got == want, "acc=" + std::to_string(acc) + " acc_frac=" + std::to_string(acc_frac) + " out=" + out.str(),
                    got, want);
          bad.check(got == quantize(x_real, out), "requantize vs quantize", got, quantize(x_real, out));
        }
      }
    }
  }
  REQUIRE(bad.count == 0);
}

TEST_CASE("align_add over all int8 pairs against double", "[fixedpoint]") {
  struct Case {
    int f1, f2;
    QFormat out;
  };
  const std::vector<Case> cases = {
      {3, 3, {8, 3, true}},  {3, 3, {8, 2, true}},   {0, 5, {8, 2, true}},  {7, 2, {8, 4, true}},
      {4, 4, {8, 6, true}},  {-2, 3, {8, 0, true}},  {5, 0, {8, 7, false}}, {6, 1, {16, 6, true}},
      {2, 9, {8, 1, false}}, {-3, -1, {8, -2, true}}, {10, 0, {8, 3, true}}, {1, 1, {4, 0, true}},
  };
  Mismatches bad;
  for (const Case& c : cases) {
    for (int q1 = -128; q1 <= 127; ++q1) {
      for (int q2 = -128; q2 <= 127; ++q2) {
        const double x = std::ldexp(double(q1), -c.f1) + std::ldexp(double(q2), -c.f2);  // exact: < 2^20 span
        const int64_t want = ref_clamp(ref_round(std::ldexp(x, c.out.frac)), c.out);
        const int64_t got = align_add(q1, c.f1, q2, c.f2, c.out);
        bad.check(got == want,
                  std::to_string(q1) + "@" + std::to_string(c.f1) + " + " + std::to_string(q2) + "@" +
                      std::to_string(c.f2) + " -> " + c.out.str(),
                  got, want);
      }
    }
  }
  REQUIRE(bad.count == 0);
  CHECK(align_add(int64_t{1} << 31, 0, 1, 30, QFormat{32, 0, true}) == (int64_t{1} << 31) - 1);  // saturated
  CHECK_THROWS_AS(align_add(1, 0, 1, 70, QFormat{8, 0, true}), fxq::Error);  // alignment beyond int64
  CHECK_THROWS_AS(align_add(kI64Max, 0, 1, 0, QFormat{8, 0, true}), fxq::Error);
}

TEST_CASE("Concat requantizes every int8 input to its output format", "[fixedpoint]") {
  // Concat = requantize(q_i, f_i, out) per input (eq. 14): every int8 value of inputs at fracs 0..7.
  Mismatches bad;
  const QFormat out{8, 4, true};
  for (int fin = 0; fin <= 7; ++fin) {
    for (int q = -128; q <= 127; ++q) {
      const int64_t want = ref_clamp(ref_round(std::ldexp(double(q), out.frac - fin)), out);
      bad.check(requantize(q, fin, out) == want, "q=" + std::to_string(q) + " fin=" + std::to_string(fin),
                requantize(q, fin, out), want);
    }
  }
  REQUIRE(bad.count == 0);
}

TEST_CASE("clip_requantize gives ReLU and ReLU6 for every int8 input", "[fixedpoint]") {
  Mismatches bad;
  for (int fin : {0, 2, 4, 5, 7}) {
    for (const QFormat& out : {QFormat{8, fin, true}, QFormat{8, fin, false}, QFormat{8, 5, false}, QFormat{4, 1, false}}) {
      for (auto [lo, hi] : {std::pair<double, double>{0.0, kInf}, {0.0, 6.0}, {-1.0, 1.0}}) {
        for (int q = -128; q <= 127; ++q) {
          const double x = std::clamp(std::ldexp(double(q), -fin), lo, hi);
          const int64_t want = ref_clamp(ref_round(std::ldexp(x, out.frac)), out);
          const int64_t got = clip_requantize(q, fin, lo, hi, out);
          bad.check(got == want, "q=" + std::to_string(q) + " fin=" + std::to_string(fin) + " out=" + out.str() +
                                     " hi=" + std::to_string(hi), got, want);
        }
      }
    }
  }
  REQUIRE(bad.count == 0);
  // ReLU keeps the format: max(q, 0).
  for (int q = -128; q <= 127; ++q) CHECK(clip_requantize(q, 3, 0.0, kInf, QFormat{8, 3, true}) == std::max(q, 0));
  CHECK_THROWS_AS(clip_requantize(0, 0, 1.0, 0.0, QFormat{8, 0, true}), fxq::Error);
}

TEST_CASE("rounding_divide_half_even and average_requantize against double", "[fixedpoint]") {
  Mismatches bad;
  for (int64_t num = -3000; num <= 3000; ++num) {
    for (int64_t den = 1; den <= 64; ++den) {
      const double want = ref_round(double(num) / double(den));  // correctly rounded; ties are exact
      bad.check(double(rounding_divide_half_even(num, den)) == want,
                std::to_string(num) + "/" + std::to_string(den), rounding_divide_half_even(num, den), want);
    }
  }
  CHECK(rounding_divide_half_even(kI64Min, 1) == kI64Min);
  CHECK(rounding_divide_half_even(kI64Min, 2) == kI64Min / 2);
  CHECK(rounding_divide_half_even(kI64Max, 2) == (int64_t{1} << 62));      // 2^62 - 1/2 -> even
  CHECK(rounding_divide_half_even(kI64Max, kI64Max) == 1);
  CHECK(rounding_divide_half_even(kI64Min, kI64Max) == -1);               // -(1 + 2^-63 ...) -> -1
  CHECK(rounding_divide_half_even(kI64Max / 2, kI64Max - 1) == 0);         // exactly 1/2 -> 0
  CHECK(rounding_divide_half_even(kI64Max / 2 + 1, kI64Max) == 1);         // just above 1/2 -> 1
  CHECK(rounding_divide_half_even(-(kI64Max / 2), kI64Max - 1) == 0);      // exactly -1/2 -> 0
  CHECK(rounding_divide_half_even(3 * (kI64Max / 3), 2 * (kI64Max / 3)) == 2);   // exactly 3/2 -> 2
  CHECK(rounding_divide_half_even(-3 * (kI64Max / 3), 2 * (kI64Max / 3)) == -2);  // exactly -3/2 -> -2
  CHECK_THROWS_AS(rounding_divide_half_even(1, 0), fxq::Error);
  // AveragePool over K int8 values at in_frac: every possible sum.
  for (int64_t k : {1, 2, 3, 4, 7, 9, 49}) {
    for (auto [fin, fout] : {std::pair<int, int>{4, 4}, {4, 6}, {5, 2}, {0, 0}, {7, 5}}) {
      for (const QFormat& out : {QFormat{8, fout, true}, QFormat{8, fout, false}}) {
        for (int64_t sum = -128 * k; sum <= 127 * k; ++sum) {
          const double avg = double(sum) / double(k);  // the real average in units of 2^-fin
          const int64_t want = ref_clamp(ref_round(std::ldexp(avg, fout - fin)), out);
          const int64_t got = average_requantize(sum, k, fin, out);
          bad.check(got == want, "sum=" + std::to_string(sum) + " k=" + std::to_string(k) + " fin=" + std::to_string(fin) +
                                     " out=" + out.str(), got, want);
        }
      }
    }
  }
  REQUIRE(bad.count == 0);
}

TEST_CASE("accumulator_bits bounds the worst-case dot product", "[fixedpoint]") {
  CHECK(accumulator_bits(QFormat{8, 0, true}, QFormat{8, 0, true}, 9) == 20);
  CHECK(accumulator_bits(QFormat{8, 0, true}, QFormat{8, 0, true}, 4608) == 29);  // 3x3x512
  CHECK(accumulator_bits(QFormat{8, 0, false}, QFormat{8, 0, true}, 1) == 16);
  CHECK(accumulator_bits(QFormat{8, 0, false}, QFormat{8, 0, false}, 1) == 17);
  CHECK(accumulator_bits(QFormat{8, 0, true}, QFormat{8, 0, true}, 9, 32) == 33);
  CHECK(accumulator_bits(QFormat{4, 0, true}, QFormat{4, 0, true}, 16, 12) == 13);
  Mismatches bad;
  for (int ba = 2; ba <= 8; ++ba) {
    for (int bw = 2; bw <= 8; ++bw) {
      for (int sa = 0; sa <= 1; ++sa) {
        for (int sw = 0; sw <= 1; ++sw) {
          const QFormat a{ba, 0, sa == 1}, w{bw, 0, sw == 1};
          // Every product of extremes; the worst K-term sums are K times the largest and smallest.
          int64_t pmax = kI64Min, pmin = kI64Max;
          for (int64_t x : {a.qmin(), a.qmax()})
            for (int64_t y : {w.qmin(), w.qmax()}) {
              pmax = std::max(pmax, x * y);
              pmin = std::min(pmin, x * y);
            }
          for (int64_t k = 1; k <= 5000; k += (k < 300 ? 1 : 97)) {
            for (int bias_bits : {0, 16, 32}) {
              const int n = accumulator_bits(a, w, k, bias_bits);
              const int64_t bias = bias_bits ? (int64_t{1} << (bias_bits - 1)) : 0;  // |qmin| of the bias
              const int64_t hi = k * pmax + (bias ? bias - 1 : 0), lo = k * pmin - bias;
              const int64_t rmax = (int64_t{1} << (n - 1)) - 1, rmin = -(int64_t{1} << (n - 1));
              bad.check(lo >= rmin && hi <= rmax,
                        a.str() + " x " + w.str() + " k=" + std::to_string(k) + " bias=" + std::to_string(bias_bits),
                        n, "more");
            }
          }
        }
      }
    }
  }
  REQUIRE(bad.count == 0);
}

TEST_CASE("integer conv pipeline equals the float simulation unless float rounding crosses a boundary", "[fixedpoint]") {
  // Float simulation: float32 dot product of fake-quantized inputs and weights plus the bias, then
  // fake-quantize (eq. 18). Integer: dot_accumulate at fa + fw, requantize (eqs. 10, 12). Checked:
  //  - the float error e (known exactly here) obeys the a-priori bound gamma_K * sum |terms|;
  //  - e == 0 (always when accumulator_bits <= 25) gives identical outputs;
  //  - |e| < one output step gives outputs at most one step apart, and a difference only when the
  //    exact and the float value round differently (lie on two sides of a rounding boundary).
  std::mt19937 rng(11);
  const QFormat fa{8, 5, true}, fw{8, 7, true};
  const QFormat fb{32, fa.frac + fw.frac, true};
  const double u = std::ldexp(1.0, -24);
  int differ_large = 0;
  for (int k : {9, 144, 576, 4608}) {
    const bool exact = accumulator_bits(fa, fw, k, 16) <= 25;
    for (bool nonneg : {false, true}) {  // nonneg: all terms positive, so large partial sums
      for (const QFormat& out : {QFormat{8, 0, true}, QFormat{8, -6, true}, QFormat{16, 2, true}, QFormat{16, 6, true}}) {
        for (int trial = 0; trial < 100; ++trial) {
          std::uniform_int_distribution<int32_t> q8(nonneg ? 0 : -128, 127), qb(-32768, 32767);
          std::vector<int32_t> a(static_cast<size_t>(k)), w(static_cast<size_t>(k));
          for (auto& v : a) v = q8(rng);
          for (auto& v : w) v = q8(rng);
          const int32_t b = qb(rng);
          const int64_t acc = dot_accumulate(a.data(), w.data(), a.size(), b);
          const int64_t q_int = requantize(acc, fb.frac, out);
          float sum = static_cast<float>(dequantize(b, fb));
          double abs_terms = std::fabs(dequantize(b, fb));
          for (size_t i = 0; i < a.size(); ++i) {
            const float t = static_cast<float>(dequantize(a[i], fa)) * static_cast<float>(dequantize(w[i], fw));
            sum += t;
            abs_terms += std::fabs(t);
          }
          const int64_t q_float = quantize(fake_quantize(sum, out), out);
          const double y = dequantize(acc, fb);                 // exact
          const double e = static_cast<double>(sum) - y;        // exact: both are multiples of 2^-12 below 2^53
          const double gamma = k * u / (1 - k * u);
          INFO("k=" << k << " nonneg=" << nonneg << " out=" << out.str() << " trial=" << trial << " acc=" << acc << " e=" << e);
          REQUIRE(std::fabs(e) <= gamma * abs_terms);
          if (exact) REQUIRE(e == 0);
          if (e == 0) REQUIRE(q_int == q_float);
          if (std::fabs(e) < out.step()) REQUIRE(std::abs(q_int - q_float) <= 1);
          if (q_int != q_float) {
            REQUIRE(ref_clamp(ref_round(std::ldexp(y, out.frac)), out) == q_int);
            REQUIRE(ref_clamp(ref_round(std::ldexp(double(sum), out.frac)), out) == q_float);
            if (k == 4608 && nonneg) ++differ_large;
          }
        }
      }
    }
  }
  CHECK(differ_large > 0);  // the sweep does reach the inexact case
}

TEST_CASE("choose_frac_for_range picks the largest covering frac", "[fixedpoint]") {
  CHECK(choose_frac_for_range(1.0, 8, true) == 6);             // 127/64 >= 1 > 127/128
  CHECK(choose_frac_for_range(127.0 / 128, 8, true) == 7);
  CHECK(choose_frac_for_range(127.0 / 64, 8, true) == 6);
  CHECK(choose_frac_for_range(std::nextafter(127.0 / 64, 9.0), 8, true) == 5);
  CHECK(choose_frac_for_range(1.0, 8, false) == 7);
  CHECK(choose_frac_for_range(255.0, 8, false) == 0);
  CHECK(choose_frac_for_range(256.0, 8, false) == -1);
  CHECK(choose_frac_for_range(6.0, 8, false) == 5);            // ReLU6: 255/32 = 7.97
  CHECK(choose_frac_for_range(0.0, 8, true) == choose_frac_for_range(kDefaultRangeMaxAbs, 8, true));
  CHECK(choose_frac_for_range(kNaN, 8, true) == 6);
  CHECK(choose_frac_for_range(kInf, 8, false) == 7);
  CHECK(choose_frac_for_range(1e-300, 8, true) == kMaxFrac);
  CHECK(choose_frac_for_range(std::numeric_limits<double>::denorm_min(), 8, true) == kMaxFrac);
  CHECK(choose_frac_for_range(1e300, 8, true) == -kMaxFrac);
  CHECK(classify_range(1.0, 8, true) == RangeKind::kFinite);
  CHECK(classify_range(0.0, 8, true) == RangeKind::kZero);
  CHECK(classify_range(kNaN, 8, true) == RangeKind::kNaN);
  CHECK(classify_range(kInf, 8, true) == RangeKind::kInfinite);
  CHECK(classify_range(1e-300, 8, true) == RangeKind::kTooSmall);
  CHECK(classify_range(1e300, 8, true) == RangeKind::kTooLarge);
  CHECK(classify_range(std::ldexp(127.0, -kMaxFrac), 8, true) == RangeKind::kFinite);   // exactly the finest
  CHECK(classify_range(std::ldexp(127.0, -kMaxFrac - 1), 8, true) == RangeKind::kTooSmall);
  CHECK(classify_range(std::ldexp(127.0, kMaxFrac), 8, true) == RangeKind::kFinite);    // exactly the widest
  CHECK(classify_range(std::ldexp(128.0, kMaxFrac), 8, true) == RangeKind::kTooLarge);
  CHECK(std::string(range_kind_reason(RangeKind::kZero)).find("zero") != std::string::npos);
  CHECK_THROWS_AS(choose_frac_for_range(-1.0, 8, true), fxq::Error);
  CHECK_THROWS_AS(choose_frac_for_range(1.0, 1, true), fxq::Error);
  // Sweep: the chosen frac covers max_abs and frac + 1 does not (reference: max_value in double).
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> expo(-60.0, 60.0);
  Mismatches bad;
  for (int bits = 2; bits <= 32; ++bits) {
    for (bool s : {true, false}) {
      for (int i = 0; i < 3000; ++i) {
        const double m = i < 200 ? std::ldexp(1.0, i / 2 - 50) * (i % 2 ? 1.0 : double(QFormat{bits, 0, s}.qmax()))
                                 : std::exp2(expo(rng));
        const int f = choose_frac_for_range(m, bits, s);
        const bool ok = QFormat{bits, f, s}.max_value() >= m && QFormat{bits, f + 1, s}.max_value() < m;
        bad.check(ok, "m=" + std::to_string(m) + " bits=" + std::to_string(bits), f, "largest covering frac");
      }
    }
  }
  REQUIRE(bad.count == 0);
}
