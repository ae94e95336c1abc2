// Command-line and timing helpers shared by the benchmark programs.
#pragma once
#include <algorithm>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

namespace fxq::bench {

inline std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> r;
  std::stringstream ss(s);
  std::string t;
  while (std::getline(ss, t, ','))
    if (!t.empty()) r.push_back(t);
  return r;
}

// The value after flag `name` in args, or `def`.
inline std::string flag_value(const std::vector<std::string>& args, const std::string& name, const std::string& def) {
  auto it = std::find(args.begin(), args.end(), name);
  return it != args.end() && it + 1 != args.end() ? *(it + 1) : def;
}

// Microseconds of the fastest of `reps` calls of f(), after 3 warm-up calls (the kernel micro-benchmarks).
template <class F>
double best_us(int reps, F&& f) {
  for (int r = 0; r < 3; ++r) f();
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace fxq::bench
