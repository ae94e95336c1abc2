// FiniteRange: the finite min/max, NaN/Inf counts and the degenerate-statistics policy (observer.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "quant/observers/observer.h"

namespace fxq::quant {

bool FiniteRange::add(float x) {
  ++count_;
  if (std::isnan(x)) { ++nan_count_; return false; }
  if (std::isinf(x)) { ++inf_count_; return false; }
  x += 0.0f;  // -0 -> +0, so a zero tensor reports min = max = +0
  if (finite_count() == 1) {
    min_ = max_ = x;
  } else {
    min_ = std::min(min_, x);
    max_ = std::max(max_, x);
  }
  return true;
}

void FiniteRange::add(const float* data, size_t n) {
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  int64_t nans = 0, infs = 0;
  for (size_t k = 0; k < n; ++k) {
    const float x = data[k] + 0.0f;  // -0 -> +0, as add(float)
    const bool nan = x != x, inf = std::fabs(x) == std::numeric_limits<float>::infinity();
    nans += nan;
    infs += inf;
    const float f = nan || inf ? lo : x;  // non-finite values leave lo as it is
    lo = f < lo ? f : lo;
    const float g = nan || inf ? hi : x;
    hi = g > hi ? g : hi;
  }
  const int64_t had = finite_count();
  count_ += static_cast<int64_t>(n);
  nan_count_ += nans;
  inf_count_ += infs;
  if (finite_count() == had) return;  // no finite value among them
  min_ = had == 0 ? lo : std::min(min_, lo);
  max_ = had == 0 ? hi : std::max(max_, hi);
}

double FiniteRange::max_abs() const {
  if (finite_count() == 0) return 0.0;
  return std::max(std::fabs(static_cast<double>(min_)), std::fabs(static_cast<double>(max_)));
}

void FiniteRange::fill(TensorStats& s, const std::string& method) const {
  s.method = method;
  s.count = count_;
  s.nan_count = nan_count_;
  s.inf_count = inf_count_;
  s.all_zero = s.constant = false;
  s.min = s.max = s.range_max_abs = 0.0;
  s.note.clear();
  if (finite_count() == 0) {
    append_note(s.note, count_ == 0 ? "no values observed: range 0, frac set by the default policy"
                                     : "no finite values: range 0, frac set by the default policy");
  } else {
    s.min = min_;
    s.max = max_;
    s.range_max_abs = max_abs();
    s.constant = (min_ == max_);
    s.all_zero = s.constant && min_ == 0.0f;
    if (s.all_zero) append_note(s.note, "all values zero: frac set by the default policy");
    else if (s.constant) append_note(s.note, "constant value " + format_number(s.min));
  }
  if (nan_count_ > 0 || inf_count_ > 0)
    append_note(s.note, std::to_string(nan_count_) + " NaN and " + std::to_string(inf_count_) +
                            " Inf values excluded");
}

void append_note(std::string& note, const std::string& more) {
  if (!note.empty()) note += "; ";
  note += more;
}

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace fxq::quant
