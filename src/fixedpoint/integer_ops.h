// The integer-only pipeline, piece by piece: equations (6)-(19) of docs/fixed-point.md.
// Every function states its input range and its edge policy. Values are int64 so that an int32
// accumulator and every aligned intermediate fit; "q at frac f" means the real value q * 2^-f.
// Rounding is always round half to even (as ONNX QuantizeLinear), named in the function names.
// A precondition violated (a negative shift, an invalid format, an int64 overflow that the documented
// range excludes) is a bug in the caller: FXQ_CHECK throws an internal error, never a silent wrap.
#pragma once
#include <cstddef>
#include <cstdint>

#include "fixedpoint/qformat.h"

namespace fxq::fixedpoint {

// Eq. (6): v / 2^shift rounded half to even, in integers only.
// Input: any int64 v; shift >= 0. shift = 0 returns v; shift >= 64 returns 0 (|v / 2^64| <= 1/2, and
// the tie -1/2 goes to the even 0). Never overflows.
int64_t rounding_shift_right_half_even(int64_t v, int shift);

// Eq. (7a): q * 2^shift, exact when the product fits in int64; otherwise saturates to INT64_MIN or
// INT64_MAX (which any later saturate() to a format of <= 32 bits maps to the right end).
// Input: any int64 q; shift >= 0.
int64_t shift_left_saturating(int64_t q, int shift);

// Eq. (7): re-express q at from_frac as an integer at to_frac. to_frac >= from_frac: exact left shift
// (saturating as shift_left_saturating, beyond int64 only); to_frac < from_frac: rounding shift right
// half to even. Input: any int64 q, any fracs.
int64_t shift_to_frac(int64_t q, int from_frac, int to_frac);

// Eq. (8): clamp(v, out.qmin(), out.qmax()). Input: any int64; out.valid().
int64_t saturate(int64_t v, const QFormat& out);

// Eq. (9): saturate(shift_to_frac(acc, acc_frac, out.frac), out): one rounding, then saturation.
// Input: any int64 acc at any acc_frac; out.valid(). Equals quantize(acc * 2^-acc_frac, out) exactly.
int64_t requantize(int64_t acc, int acc_frac, const QFormat& out);

// Eq. (10): the conv/gemm accumulator: bias + sum_i a[i] * w[i], in int64 (the reference; a kernel
// may use int32 when accumulator_bits() <= 32). Input: a, w hold values of formats of <= 32 bits
// (|a[i]|, |w[i]| <= 2^32), k < 2^31 terms with no int64 overflow (FXQ_CHECK otherwise).
int64_t dot_accumulate(const int32_t* a, const int32_t* w, size_t k, int64_t bias);

// Eq. (11): the bits of a signed (two's-complement) integer that holds any K-term dot product of
// values of formats a and w: a.bits + w.bits + ceil(log2 K), one more when both are unsigned.
// bias_bits > 0 adds a bias of that many signed bits: max(that, bias_bits) + 1.
// Input: valid formats, k >= 1, bias_bits >= 0.
int accumulator_bits(const QFormat& a, const QFormat& w, int64_t k, int bias_bits = 0);

// Eq. (13): Add. q1 at f1 plus q2 at f2, aligned exactly to the common frac max(f1, f2) (left shifts,
// no rounding), added, then requantize(sum, max(f1, f2), out): a single rounding.
// Input: any int64 q1, q2 and fracs such that the aligned values and their sum fit in int64 (always
// true for values of formats of <= 32 bits and |f1 - f2| <= 30); FXQ_CHECK otherwise. out.valid().
int64_t align_add(int64_t q1, int f1, int64_t q2, int f2, const QFormat& out);

// Eq. (16): Clip(lo, hi) (ReLU: lo = 0, hi = +inf; ReLU6: lo = 0, hi = 6) of q at in_frac, written in
// format out: clamp(requantize(q, in_frac, out), quantize(lo, out), quantize(hi, out)).
// Equals quantize(clip(q * 2^-in_frac, lo, hi), out) because quantize is monotone.
// Input: any int64 q; lo <= hi (either may be infinite, neither NaN); out.valid().
int64_t clip_requantize(int64_t q, int in_frac, double lo, double hi, const QFormat& out);

// Eq. (17a): num / den rounded half to even, exact. Input: any int64 num, den >= 1. Never overflows.
int64_t rounding_divide_half_even(int64_t num, int64_t den);

// Eq. (17): AveragePool / GlobalAveragePool over k elements whose integer sum is at in_frac:
// saturate(round_half_even(sum * 2^(out.frac - in_frac) / k)), one rounding. Input: k >= 1; the
// numerator sum * 2^max(0, out.frac - in_frac) and the denominator k * 2^max(0, in_frac - out.frac)
// fit in int64 (FXQ_CHECK otherwise); out.valid().
// (Hardware without a divider replaces 1/k, k not a power of two, by a multiplier and a shift; this
// exact division is the reference such a kernel is tested against.)
int64_t average_requantize(int64_t sum, int64_t k, int in_frac, const QFormat& out);

// Eq. (19): choosing a frac from a calibrated range.
// What a max_abs statistic is, for choose_frac_for_range. kFinite is the normal case; every other kind
// is degenerate and the caller reports it (STYLE.md rule 8), with range_kind_reason() as the text.
enum class RangeKind {
  kFinite,     // 0 < max_abs < inf and the chosen frac is within [-kMaxFrac, kMaxFrac]
  kZero,       // max_abs == 0 (an all-zero tensor): any frac is exact; the default frac is used
  kNaN,        // max_abs is NaN: the statistics are broken; the default frac is used
  kInfinite,   // max_abs is +inf: the statistics overflowed; the default frac is used
  kTooSmall,   // covering max_abs would need frac > kMaxFrac: frac = kMaxFrac
  kTooLarge,   // covering max_abs would need frac < -kMaxFrac: frac = -kMaxFrac (values saturate)
};
// The max_abs a degenerate (zero, NaN, infinite) range is treated as: the default frac covers [-1, 1].
constexpr double kDefaultRangeMaxAbs = 1.0;

// The largest frac whose range covers max_abs: max_abs <= qmax * 2^-frac (for signed formats
// -max_abs >= qmin * 2^-frac follows). Never returns a frac outside [-kMaxFrac, kMaxFrac], so the
// scale 2^-frac is never 0, infinite or NaN. Zero, NaN and +inf give the default frac
// choose_frac_for_range(kDefaultRangeMaxAbs, bits, is_signed) (6 for s8, 7 for u8).
// Input: max_abs >= 0 or NaN (a negative max_abs is a caller bug: FXQ_CHECK); 2 <= bits <= 32.
int choose_frac_for_range(double max_abs, int bits, bool is_signed);
RangeKind classify_range(double max_abs, int bits, bool is_signed);
const char* range_kind_reason(RangeKind kind);  // e.g. "all-zero range", "NaN range"

}  // namespace fxq::fixedpoint
