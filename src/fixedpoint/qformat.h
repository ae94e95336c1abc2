// Fixed point, once (docs/fixed-point.md derives every equation used here).
// A tensor in format Q(bits, frac, signed) holds integers q in [qmin, qmax] and means x = q * 2^-frac.
//   signed:   qmin = -2^(bits-1), qmax = 2^(bits-1) - 1        unsigned: qmin = 0, qmax = 2^bits - 1
// frac (the fractional offset) may be any integer, negative too; the step is 2^-frac.
// Quantization rounds half to even (as ONNX QuantizeLinear) and saturates.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

namespace fxq::fixedpoint {

struct QFormat {
  int bits = 8;
  int frac = 0;
  bool is_signed = true;

  int64_t qmin() const { return is_signed ? -(int64_t{1} << (bits - 1)) : 0; }
  int64_t qmax() const { return is_signed ? (int64_t{1} << (bits - 1)) - 1 : (int64_t{1} << bits) - 1; }
  double step() const { return std::ldexp(1.0, -frac); }          // 2^-frac
  double min_value() const { return std::ldexp(static_cast<double>(qmin()), -frac); }
  double max_value() const { return std::ldexp(static_cast<double>(qmax()), -frac); }
  // 2 <= bits <= 32 and |frac| <= kMaxFrac (so every step and range is a finite float).
  bool valid() const;
  // "s8.5" = signed 8 bits, frac 5; "u4.-2" = unsigned 4 bits, frac -2.
  std::string str() const;
  bool operator==(const QFormat& o) const { return bits == o.bits && frac == o.frac && is_signed == o.is_signed; }
  bool operator!=(const QFormat& o) const { return !(*this == o); }
};

constexpr int kMaxFrac = 100;

// Round half to even (banker's rounding), the rule of ONNX QuantizeLinear.
double round_half_even(double v);

// q = clamp(round_half_even(x * 2^frac), qmin, qmax). NaN maps to 0.
int64_t quantize(double x, const QFormat& f);
// x = q * 2^-frac (exact in double for |q| < 2^53).
double dequantize(int64_t q, const QFormat& f);
// dequantize(quantize(x)) in float: the value the fixed-point tensor represents.
float fake_quantize(float x, const QFormat& f);
void fake_quantize(float* data, size_t n, const QFormat& f);

}  // namespace fxq::fixedpoint
