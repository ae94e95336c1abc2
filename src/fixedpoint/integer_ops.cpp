// The integer-only pipeline: equations (6)-(19) of docs/fixed-point.md, one function each.
#include "fixedpoint/integer_ops.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "common/error.h"

namespace fxq::fixedpoint {

namespace {

constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();

void check_format(const QFormat& f) { FXQ_CHECK(f.valid(), "invalid fixed-point format " + f.str()); }

// q * 2^shift if it fits in int64; false otherwise. shift >= 0.
bool shift_left_fits(int64_t q, int shift, int64_t* out) {
  if (q == 0) {
    *out = 0;
    return true;
  }
  if (shift >= 63) return false;
  const int64_t limit = kI64Max >> shift;  // q * 2^shift <= INT64_MAX  <=>  q <= limit
  if (q > limit || q < -limit - 1) return false;
  *out = static_cast<int64_t>(static_cast<uint64_t>(q) << shift);  // exact: no bits lost
  return true;
}

bool add_fits(int64_t a, int64_t b, int64_t* out) {
  if ((b > 0 && a > kI64Max - b) || (b < 0 && a < kI64Min - b)) return false;
  *out = a + b;
  return true;
}

}  // namespace

// Eq. (6). floor = v >> shift is the arithmetic (flooring) shift (two's complement; guaranteed by
// C++20 and by every compiler fxq supports before that). The remainder r = v - floor * 2^shift is
// v's low `shift` bits, in [0, 2^shift). Round up when r > 2^(shift-1), or r == 2^(shift-1) and floor
// is odd. floor + 1 cannot overflow: floor <= INT64_MAX / 2 for shift >= 1.
int64_t rounding_shift_right_half_even(int64_t v, int shift) {
  FXQ_CHECK(shift >= 0, "negative shift " + std::to_string(shift));
  if (shift == 0) return v;
  if (shift >= 64) return 0;
  const int64_t floor = v >> shift;
  const uint64_t mask = (uint64_t{1} << shift) - 1;
  const uint64_t rem = static_cast<uint64_t>(v) & mask;
  const uint64_t half = uint64_t{1} << (shift - 1);
  const bool up = rem > half || (rem == half && (floor & 1) != 0);
  return up ? floor + 1 : floor;
}

// Eq. (7a).
int64_t shift_left_saturating(int64_t q, int shift) {
  FXQ_CHECK(shift >= 0, "negative shift " + std::to_string(shift));
  int64_t out = 0;
  if (shift_left_fits(q, shift, &out)) return out;
  return q > 0 ? kI64Max : kI64Min;
}

// Eq. (7).
int64_t shift_to_frac(int64_t q, int from_frac, int to_frac) {
  const int64_t d = static_cast<int64_t>(to_frac) - from_frac;  // int64: no overflow for any ints
  if (d >= 0) return shift_left_saturating(q, static_cast<int>(std::min<int64_t>(d, 64)));
  return rounding_shift_right_half_even(q, static_cast<int>(std::min<int64_t>(-d, 64)));
}

// Eq. (8).
int64_t saturate(int64_t v, const QFormat& out) {
  check_format(out);
  return std::clamp(v, out.qmin(), out.qmax());
}

// Eq. (9).
int64_t requantize(int64_t acc, int acc_frac, const QFormat& out) {
  return saturate(shift_to_frac(acc, acc_frac, out.frac), out);
}

// Eq. (10).
int64_t dot_accumulate(const int32_t* a, const int32_t* w, size_t k, int64_t bias) {
  int64_t acc = bias;
  for (size_t i = 0; i < k; ++i) {
    const int64_t p = static_cast<int64_t>(a[i]) * w[i];  // |p| <= 2^62: exact
    FXQ_CHECK(add_fits(acc, p, &acc), "int64 overflow in dot_accumulate");
  }
  return acc;
}

// Eq. (11). ceil(log2 k) by counting: the smallest c with 2^c >= k.
int accumulator_bits(const QFormat& a, const QFormat& w, int64_t k, int bias_bits) {
  check_format(a);
  check_format(w);
  FXQ_CHECK(k >= 1, "dot product of " + std::to_string(k) + " terms");
  FXQ_CHECK(bias_bits >= 0, "negative bias bits");
  int c = 0;
  while (c < 63 && (int64_t{1} << c) < k) ++c;
  int n = a.bits + w.bits + c + ((!a.is_signed && !w.is_signed) ? 1 : 0);
  if (bias_bits > 0) n = std::max(n, bias_bits) + 1;
  return n;
}

// Eq. (13).
int64_t align_add(int64_t q1, int f1, int64_t q2, int f2, const QFormat& out) {
  const int fc = std::max(f1, f2);
  int64_t a1 = 0, a2 = 0, sum = 0;
  const int64_t d1 = static_cast<int64_t>(fc) - f1, d2 = static_cast<int64_t>(fc) - f2;
  FXQ_CHECK(d1 < 64 && d2 < 64 && shift_left_fits(q1, static_cast<int>(d1), &a1) &&
                shift_left_fits(q2, static_cast<int>(d2), &a2) && add_fits(a1, a2, &sum),
            "int64 overflow aligning " + std::to_string(q1) + "@" + std::to_string(f1) + " + " +
                std::to_string(q2) + "@" + std::to_string(f2));
  return requantize(sum, fc, out);
}

// Eq. (16).
int64_t clip_requantize(int64_t q, int in_frac, double lo, double hi, const QFormat& out) {
  FXQ_CHECK(!std::isnan(lo) && !std::isnan(hi) && lo <= hi, "bad clip bounds");
  const int64_t qlo = quantize(lo, out), qhi = quantize(hi, out);
  return std::clamp(requantize(q, in_frac, out), qlo, qhi);
}

// Eq. (17a). C++ division truncates toward zero; make it a floor division with remainder r in
// [0, den), then round up when r > den - r, or r == den - r and the floor is odd. (Comparing r with
// den - r instead of 2r with den avoids overflow.) floor + 1 cannot overflow: den >= 2 there.
int64_t rounding_divide_half_even(int64_t num, int64_t den) {
  FXQ_CHECK(den >= 1, "division by " + std::to_string(den));
  if (den == 1) return num;
  int64_t floor = num / den;
  int64_t r = num % den;  // same sign as num
  if (r < 0) {
    floor -= 1;
    r += den;
  }
  const int64_t rest = den - r;
  const bool up = r > rest || (r == rest && (floor & 1) != 0);
  return up ? floor + 1 : floor;
}

// Eq. (17).
int64_t average_requantize(int64_t sum, int64_t k, int in_frac, const QFormat& out) {
  FXQ_CHECK(k >= 1, "average over " + std::to_string(k) + " elements");
  const int64_t d = static_cast<int64_t>(out.frac) - in_frac;
  int64_t num = sum, den = k;
  const bool ok = d >= 0 ? (d < 64 && shift_left_fits(sum, static_cast<int>(d), &num))
                         : (-d < 64 && shift_left_fits(k, static_cast<int>(-d), &den));
  FXQ_CHECK(ok, "int64 overflow in average_requantize");
  return saturate(rounding_divide_half_even(num, den), out);
}

// Eq. (19). covers(f): qmax * 2^-f >= max_abs, evaluated exactly in double (qmax < 2^32 and
// |f| <= kMaxFrac, so the product is an exact normal double). covers is monotone (true for every f
// below some f*), so start near f* = floor(log2(qmax / max_abs)) and step to it.
namespace {

struct FracSearch {
  int frac;
  RangeKind kind;
};

FracSearch search_frac(double max_abs, int bits, bool is_signed) {
  FXQ_CHECK(bits >= 2 && bits <= 32, "bit width " + std::to_string(bits) + " outside 2..32");
  FXQ_CHECK(!(max_abs < 0), "negative max_abs " + std::to_string(max_abs));
  RangeKind degenerate = RangeKind::kFinite;
  if (std::isnan(max_abs)) degenerate = RangeKind::kNaN;
  else if (std::isinf(max_abs)) degenerate = RangeKind::kInfinite;
  else if (max_abs == 0) degenerate = RangeKind::kZero;
  if (degenerate != RangeKind::kFinite) max_abs = kDefaultRangeMaxAbs;

  const QFormat probe{bits, 0, is_signed};
  const double qmax = static_cast<double>(probe.qmax());
  auto covers = [&](int f) { return std::ldexp(qmax, -f) >= max_abs; };
  // Estimate: qmax in [2^ilogb(qmax), 2^(ilogb+1)), likewise max_abs; f* is within 1 of the difference.
  const int64_t estimate = static_cast<int64_t>(std::ilogb(qmax)) - std::ilogb(max_abs);
  int f = static_cast<int>(std::clamp<int64_t>(estimate, -kMaxFrac, kMaxFrac));
  while (f < kMaxFrac && covers(f + 1)) ++f;
  while (f > -kMaxFrac && !covers(f)) --f;

  RangeKind kind = degenerate;
  if (kind == RangeKind::kFinite) {
    if (!covers(f)) kind = RangeKind::kTooLarge;                        // f == -kMaxFrac
    else if (f == kMaxFrac && covers(kMaxFrac + 1)) kind = RangeKind::kTooSmall;
  }
  return {f, kind};
}

}  // namespace

int choose_frac_for_range(double max_abs, int bits, bool is_signed) {
  return search_frac(max_abs, bits, is_signed).frac;
}

RangeKind classify_range(double max_abs, int bits, bool is_signed) {
  return search_frac(max_abs, bits, is_signed).kind;
}

const char* range_kind_reason(RangeKind kind) {
  switch (kind) {
    case RangeKind::kFinite: return "finite range";
    case RangeKind::kZero: return "all-zero range: default frac used (any frac is exact)";
    case RangeKind::kNaN: return "NaN range: default frac used";
    case RangeKind::kInfinite: return "infinite range: default frac used";
    case RangeKind::kTooSmall: return "range below the finest step 2^-kMaxFrac: frac clamped to kMaxFrac";
    case RangeKind::kTooLarge: return "range above the widest format: frac clamped to -kMaxFrac (values saturate)";
  }
  return "unknown range kind";
}

}  // namespace fxq::fixedpoint
