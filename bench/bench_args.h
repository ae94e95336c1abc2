// Command-line helpers shared by the benchmark programs.
#pragma once
#include <algorithm>
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

}  // namespace fxq::bench
