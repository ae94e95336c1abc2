#include "export/qdq_nodes.h"

namespace fxq::exporter {

NameTable::NameTable(const Graph& g) {
  for (const auto& [name, t] : g.initializers) names_.insert(name);
  for (const auto& vi : g.inputs) names_.insert(vi.name);
  for (const auto& vi : g.outputs) names_.insert(vi.name);
  for (const auto& n : g.nodes) {
    names_.insert(n.name);
    for (const auto& o : n.outputs) names_.insert(o);
  }
}

std::string NameTable::fresh(const std::string& base) {
  std::string name = base;
  for (int k = 1; names_.count(name); ++k) name = base + "_" + std::to_string(k);
  names_.insert(name);
  return name;
}

std::string NameTable::fresh_base(const std::string& v) {
  static const char* const kSuffixes[] = {"_quantized", "_scale", "_zero_point"};
  auto taken = [&](const std::string& b) {
    for (const char* s : kSuffixes)
      if (names_.count(b + s)) return true;
    return false;
  };
  std::string b = v;
  for (int k = 1; taken(b); ++k) b = v + "_" + std::to_string(k);
  for (const char* s : kSuffixes) names_.insert(b + s);
  return b;
}

std::string append_node(NameTable& names, std::vector<Node>& chain, const std::string& base, const std::string& op,
                        std::vector<std::string> in, std::string out) {
  Node n;
  n.op_type = op;
  n.name = names.fresh(base + "_" + op);
  n.inputs = std::move(in);
  n.outputs = {out.empty() ? names.fresh(base + "_" + op + "_out") : std::move(out)};
  chain.push_back(std::move(n));
  return chain.back().outputs[0];
}

std::string append_clamp(Graph& g, NameTable& names, std::vector<Node>& chain, const std::string& base,
                         const std::string& x, const std::string& lo, const std::string& hi, bool max_min,
                         const std::string& out) {
  if (!max_min) {
    std::vector<std::string> in = {x, lo, hi};
    while (in.back().empty()) in.pop_back();
    return append_node(names, chain, base, "Clip", std::move(in), out);
  }
  if (lo.empty() && hi.empty()) return append_node(names, chain, base, "Identity", {x}, out);
  const std::string zero_init = names.fresh(base + "_zero");
  g.initializers[zero_init] = Tensor::from_floats({}, {0.f});
  const std::string zero = append_node(names, chain, base, "Mul", {x, zero_init});
  std::string y = x;
  if (!lo.empty()) {
    const std::string lo_t = append_node(names, chain, base, "Add", {zero, lo});
    y = append_node(names, chain, base, "Max", {y, lo_t}, hi.empty() ? out : "");
  }
  if (!hi.empty()) {
    const std::string hi_t = append_node(names, chain, base, "Add", {zero, hi});
    y = append_node(names, chain, base, "Min", {y, hi_t}, out);
  }
  return y;
}

}  // namespace fxq::exporter
