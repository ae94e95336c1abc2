// histogram: a streaming histogram of |x| with a fixed number of bins over [0, R), R a power of two.
//
// Why |x| and not signed x: fxq's formats are symmetric around zero (Q(b, f, signed) covers
// [-2^(b-1), 2^(b-1)-1] * 2^-f), so what a signed format must cover is |x|; the sign only decides
// signed vs unsigned, and the exact finite min/max (kept too) tell that. One-sided also lets the range
// grow by doubling from a single anchor (0) with bins that always nest.
//
// Growth: the first nonzero |x| sets R = 2^e with |x| < 2^e (frexp). When |x| >= R arrives, R doubles
// until |x| < R, and each doubling merges bins 2:1 (bin i <- old 2i + old 2i+1), so memory is constant.
// Because R and the bin count are powers of two, bin(x) = floor(|x| * 2^(log2 bins - e)) is exact, and
// merging fine bins equals binning at the coarse width directly: the final histogram depends only on
// the multiset of values, not on their order or on batch boundaries.
//
// Result: range_max_abs = the chosen percentile (default 99.99) of finite |x|, by nearest rank
// (the k-th smallest, k = ceil(p/100 * n)), interpolated linearly inside the bin holding rank k and
// clamped to max |x|; so it is within one bin width (R / bins) of the exact value from sorting.
// The note reports the 99.9th and 99.99th percentiles. Degenerate cases follow observer.h; a constant
// tensor covers exactly its |value|.
#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "quant/observers/observer.h"

namespace fxq::quant {
namespace {

class HistogramObserver : public Observer {
 public:
  HistogramObserver(int bins, double percentile) : percentile_(percentile) {
    FXQ_CHECK(bins >= 2 && (bins & (bins - 1)) == 0, "histogram bins must be a power of two >= 2");
    FXQ_CHECK(percentile > 0 && percentile <= 100, "histogram percentile must be in (0, 100]");
    int log2 = 0;
    while ((1 << log2) < bins) ++log2;
    log2_bins_ = log2;
    counts_.assign(static_cast<size_t>(bins), 0);
  }

  void observe(const float* data, size_t n) override {
    for (size_t k = 0; k < n; ++k) {
      if (!range_.add(data[k])) continue;
      const double ax = std::fabs(static_cast<double>(data[k]));
      if (ax > 0) grow_to(ax);
      // zeros land in bin 0 whatever R is, even before R is set
      const int64_t bin = has_range_ ? static_cast<int64_t>(std::ldexp(ax, log2_bins_ - exp_)) : 0;
      ++counts_[static_cast<size_t>(std::min<int64_t>(bin, static_cast<int64_t>(counts_.size()) - 1))];
    }
  }

  TensorStats finish() const override {
    TensorStats s;
    range_.fill(s, "histogram");
    if (!has_range_) return s;  // no nonzero finite value: nothing to bin beyond zeros
    const double width = bin_width();
    for (size_t i = 0; i < counts_.size(); ++i) s.histogram.push_back(static_cast<double>(counts_[i]));
    for (size_t i = 0; i <= counts_.size(); ++i) s.bin_edges.push_back(static_cast<double>(i) * width);
    if (s.constant) return s;  // range_max_abs stays |value|
    s.range_max_abs = percentile(percentile_);
    append_note(s.note, "p99.9 |x| = " + format_number(percentile(99.9)) +
                            ", p99.99 |x| = " + format_number(percentile(99.99)) +
                            ", max |x| = " + format_number(range_.max_abs()));
    return s;
  }

  size_t memory_bytes() const override { return counts_.capacity() * sizeof(int64_t); }

 private:
  double bin_width() const { return std::ldexp(1.0, exp_ - log2_bins_); }

  // Makes ax < R = 2^exp_, merging bins 2:1 per doubling.
  void grow_to(double ax) {
    int e = 0;
    std::frexp(ax, &e);  // ax = m * 2^e, 0.5 <= m < 1, so ax < 2^e
    if (!has_range_) { has_range_ = true; exp_ = e; return; }
    if (e <= exp_) return;
    const int shift = e - exp_;
    const size_t n = counts_.size();
    for (size_t i = 0; i < n; ++i) {
      const int64_t c = counts_[i];
      counts_[i] = 0;
      const size_t to = shift >= 63 ? 0 : static_cast<size_t>(i >> shift);
      counts_[to] += c;  // to <= i, so a bin is read before anything lands on it
    }
    exp_ = e;
  }

  // Nearest-rank percentile of finite |x|, interpolated inside its bin, clamped to max |x|.
  double percentile(double p) const {
    const int64_t n = range_.finite_count();
    const auto ppm = static_cast<int64_t>(std::llround(p * 1e4));  // parts per million, exact for 99.99
    const int64_t k = std::max<int64_t>(1, (n / 1000000) * ppm + ((n % 1000000) * ppm + 999999) / 1000000);
    int64_t before = 0;
    size_t i = 0;
    while (i + 1 < counts_.size() && before + counts_[i] < k) before += counts_[i++];
    const double frac = counts_[i] > 0 ? static_cast<double>(k - before) / static_cast<double>(counts_[i]) : 1.0;
    return std::min((static_cast<double>(i) + frac) * bin_width(), range_.max_abs());
  }

  double percentile_;
  int log2_bins_ = 0;
  bool has_range_ = false;
  int exp_ = 0;                  // R = 2^exp_ once has_range_
  std::vector<int64_t> counts_;  // fixed size: the bound on memory
  FiniteRange range_;
};

}  // namespace

std::unique_ptr<Observer> make_histogram_observer(int bins, double percentile) {
  return std::make_unique<HistogramObserver>(bins, percentile);
}

}  // namespace fxq::quant
