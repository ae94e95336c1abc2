// Building blocks of the QDQ writer: fresh names, and the clamps that restrict a value to a range.
#pragma once
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace fxq::exporter {

// Every name a graph uses (values, initializers, nodes); hands out names not yet taken.
class NameTable {
 public:
  explicit NameTable(const Graph& g);
  std::string fresh(const std::string& base);  // base, or base_1, base_2, ...
  // A base b with b_quantized, b_scale and b_zero_point all free (reserved on return): OpenCV 4.6
  // recognises an int8 tensor by that naming.
  std::string fresh_base(const std::string& v);

 private:
  std::set<std::string> names_;
};

// A node named fresh(base_op) reading `in`, writing `out` (fresh(base_op_out) when empty); appended
// to `chain`. Returns its output.
std::string append_node(NameTable& names, std::vector<Node>& chain, const std::string& base, const std::string& op,
                        std::vector<std::string> in, std::string out = "");

// Clamps x to [lo, hi], given as names of scalar float initializers ("" = no bound), appending the
// nodes to `chain`; the result is `out` (fresh when empty).
//  max_min = false: Clip(x, lo, hi) (opset >= 11).
//  max_min = true:  Min(Max(x, x*0 + lo), x*0 + hi): exact for finite x (x*0 + lo == lo), and made of
//                   ops OpenCV 4.6 imports (its Clip takes attributes only; its Max/Min need two
//                   non-constant inputs).
std::string append_clamp(Graph& g, NameTable& names, std::vector<Node>& chain, const std::string& base,
                         const std::string& x, const std::string& lo, const std::string& hi, bool max_min,
                         const std::string& out = "");

}  // namespace fxq::exporter
