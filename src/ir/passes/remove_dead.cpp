#include <set>

#include "ir/passes/passes.h"

namespace fxq::passes {

int remove_dead(Graph& g) {
  int removed = 0;
  std::set<std::string> live;
  for (const auto& o : g.outputs) live.insert(o.name);
  std::vector<bool> keep(g.nodes.size(), false);
  for (size_t k = g.nodes.size(); k-- > 0;) {
    const Node& n = g.nodes[k];
    for (const auto& o : n.outputs) keep[k] = keep[k] || (!o.empty() && live.count(o));
    if (!keep[k]) continue;
    for (const auto& in : n.inputs) live.insert(in);
  }
  std::vector<bool> drop(keep.size());
  for (size_t k = 0; k < keep.size(); ++k) removed += drop[k] = !keep[k];
  g.remove_nodes(drop);
  for (auto it = g.initializers.begin(); it != g.initializers.end();) {
    if (live.count(it->first)) ++it;
    else it = g.initializers.erase(it);
  }
  return removed;
}

}  // namespace fxq::passes
