#include <map>

#include "ir/passes/passes.h"

namespace fxq::passes {

namespace {
bool is_identity(const Node& n) {
  if (!n.domain.empty()) return false;
  if (n.op_type == "Identity") return true;
  // Dropout in inference is the identity on output 0; keep it if its mask is read.
  return n.op_type == "Dropout" && (n.outputs.size() < 2 || n.outputs[1].empty());
}
}  // namespace

int remove_identities(Graph& g) {
  int removed = 0;
  std::map<std::string, std::string> rename;  // output -> the value it copies
  std::vector<Node> kept;
  for (auto& n : g.nodes) {
    for (auto& in : n.inputs) {
      auto it = rename.find(in);
      if (it != rename.end()) in = it->second;
    }
    if (is_identity(n) && !n.inputs.empty() && !n.inputs[0].empty() && !g.is_graph_output(n.outputs[0])) {
      rename[n.outputs[0]] = n.inputs[0];
      ++removed;
      continue;
    }
    kept.push_back(std::move(n));
  }
  g.nodes = std::move(kept);
  return removed;
}

}  // namespace fxq::passes
