// Calibration observers: each watches one tensor's values stream by (observe, many times, one image
// batch after another) and, at the end, reports its statistics and the |x| it recommends covering
// (finish). Memory is bounded: it does not grow with the number of values seen (memory_bytes()).
// One file per method (minmax.cpp, histogram.cpp); THE table of methods is in observer_table.cpp.
//
// Degenerate statistics policy (the same for every method, applied by FiniteRange::fill):
//  - NaN and +-Inf values are counted (nan_count, inf_count) and excluded from everything else;
//    the note says how many.
//  - no finite value (nothing observed, or all NaN/Inf): min = max = range_max_abs = 0; note says so.
//  - all finite values zero: all_zero = constant = true, min = max = range_max_abs = 0; note says so
//    (the format chooser then sets frac by its default policy).
//  - all finite values equal to c != 0: constant = true, range_max_abs = |c|; note says so.
//  No field is ever NaN or Inf.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fxq::quant {

struct TensorStats {                // what an observer reports when finished
  std::string method;               // "minmax", "histogram", ...
  int64_t count = 0;                // elements seen, NaN and Inf included
  double min = 0, max = 0;          // finite min/max seen (0 when there is none)
  int64_t nan_count = 0, inf_count = 0;
  bool all_zero = false, constant = false;  // degenerate cases, for the report (all_zero implies constant)
  double range_max_abs = 0;         // the |x| the method recommends covering
  std::vector<double> histogram;    // empty for minmax; for histogram the final bin counts of |x|
  std::vector<double> bin_edges;    // histogram.size() + 1 edges (or empty)
  std::string note;                 // degenerate cases, NaN/Inf, percentiles; "" when nothing to say
};

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void observe(const float* data, size_t n) = 0;  // called many times (streaming)
  virtual TensorStats finish() const = 0;                  // statistics of everything observed so far
  virtual size_t memory_bytes() const = 0;                 // heap storage held; never grows with n
};

struct ObserverMethod {
  const char* name;
  const char* help;
  std::unique_ptr<Observer> (*make)();
};

const std::vector<ObserverMethod>& observer_methods();  // THE table (one line per method)
std::string observer_names();                           // "minmax, histogram" (from the table)
// Unknown name: Error kUsage "unknown observer 'x' (known: minmax, histogram)".
std::unique_ptr<Observer> make_observer(const std::string& name);

// Per-method factories (one file each).
std::unique_ptr<Observer> make_minmax_observer();
// bins: a power of two >= 2; percentile in (0, 100]: range_max_abs is that percentile of finite |x|.
std::unique_ptr<Observer> make_histogram_observer(int bins = 2048, double percentile = 99.99);

// Streaming finite min/max with NaN/Inf counts, shared by every method; fill() applies the policy above.
class FiniteRange {
 public:
  // Records x; returns false (and counts it) when x is NaN or Inf.
  bool add(float x);
  // Records n values: the same statistics as add() on each (a loop that vectorizes; calibration
  // runs it on every activation of every image).
  void add(const float* data, size_t n);
  int64_t finite_count() const { return count_ - nan_count_ - inf_count_; }
  double max_abs() const;  // max(|min|, |max|) of the finite values, 0 if none
  // Sets method, count, min, max, nan/inf counts, all_zero, constant, range_max_abs = max_abs(), note.
  void fill(TensorStats& s, const std::string& method) const;

 private:
  int64_t count_ = 0, nan_count_ = 0, inf_count_ = 0;
  float min_ = 0, max_ = 0;  // meaningful once finite_count() > 0
};

// "; "-joined append (for notes).
void append_note(std::string& note, const std::string& more);
std::string format_number(double v);  // "%.6g"

}  // namespace fxq::quant
