#include "ir/graph.h"

#include <set>

#include "common/error.h"

namespace fxq {

namespace {
const Attribute* find_attr(const Node& n, const std::string& key, Attribute::Kind kind) {
  auto it = n.attrs.find(key);
  if (it == n.attrs.end()) return nullptr;
  if (it->second.kind != kind) fail_input(n.describe() + ": attribute '" + key + "' has the wrong type");
  return &it->second;
}
}  // namespace

int64_t Node::attr_int(const std::string& key, int64_t def) const {
  const Attribute* a = find_attr(*this, key, Attribute::Kind::kInt);
  return a ? a->i : def;
}
float Node::attr_float(const std::string& key, float def) const {
  const Attribute* a = find_attr(*this, key, Attribute::Kind::kFloat);
  return a ? a->f : def;
}
std::string Node::attr_string(const std::string& key, const std::string& def) const {
  const Attribute* a = find_attr(*this, key, Attribute::Kind::kString);
  return a ? a->s : def;
}
std::vector<int64_t> Node::attr_ints(const std::string& key, const std::vector<int64_t>& def) const {
  const Attribute* a = find_attr(*this, key, Attribute::Kind::kInts);
  return a ? a->ints : def;
}
std::vector<float> Node::attr_floats(const std::string& key, const std::vector<float>& def) const {
  const Attribute* a = find_attr(*this, key, Attribute::Kind::kFloats);
  return a ? a->floats : def;
}
const Tensor* Node::attr_tensor(const std::string& key) const {
  const Attribute* a = find_attr(*this, key, Attribute::Kind::kTensor);
  return a ? a->t.get() : nullptr;
}

const Tensor* Graph::initializer(const std::string& v) const {
  auto it = initializers.find(v);
  return it == initializers.end() ? nullptr : &it->second;
}

const ValueInfo* Graph::find_value(const std::string& v) const {
  for (const auto& vi : inputs)
    if (vi.name == v) return &vi;
  for (const auto& vi : outputs)
    if (vi.name == v && vi.has_shape) return &vi;
  auto it = value_info.find(v);
  return it == value_info.end() ? nullptr : &it->second;
}

bool Graph::is_graph_output(const std::string& v) const {
  for (const auto& vi : outputs)
    if (vi.name == v) return true;
  return false;
}

const Node* Graph::find_node(const std::string& name) const {
  for (const auto& n : nodes)
    if (n.name == name) return &n;
  return nullptr;
}

std::map<std::string, int> Graph::use_counts() const {
  std::map<std::string, int> uses;
  for (const auto& n : nodes)
    for (const auto& in : n.inputs)
      if (!in.empty()) ++uses[in];
  for (const auto& o : outputs) ++uses[o.name];
  return uses;
}

std::map<std::string, size_t> Graph::producers() const {
  std::map<std::string, size_t> p;
  for (size_t k = 0; k < nodes.size(); ++k)
    for (const auto& o : nodes[k].outputs)
      if (!o.empty()) p[o] = k;
  return p;
}

void Graph::remove_nodes(const std::vector<bool>& drop) {
  std::vector<Node> kept;
  for (size_t k = 0; k < nodes.size(); ++k)
    if (!drop[k]) kept.push_back(std::move(nodes[k]));
  nodes = std::move(kept);
}

void Graph::topo_sort() {
  std::set<std::string> available;
  for (const auto& vi : inputs) available.insert(vi.name);
  for (const auto& kv : initializers) available.insert(kv.first);
  std::vector<Node> sorted;
  sorted.reserve(nodes.size());
  std::vector<bool> done(nodes.size(), false);
  size_t remaining = nodes.size();
  while (remaining > 0) {
    bool progress = false;
    for (size_t k = 0; k < nodes.size(); ++k) {
      if (done[k]) continue;
      bool ready = true;
      for (const auto& in : nodes[k].inputs)
        if (!in.empty() && !available.count(in)) { ready = false; break; }
      if (!ready) continue;
      for (const auto& o : nodes[k].outputs) available.insert(o);
      sorted.push_back(std::move(nodes[k]));
      done[k] = true;
      --remaining;
      progress = true;
    }
    if (!progress) {
      for (size_t k = 0; k < nodes.size(); ++k)
        if (!done[k])
          for (const auto& in : nodes[k].inputs)
            if (!in.empty() && !available.count(in))
              fail_input(nodes[k].describe() + " reads '" + in +
                         "', which no node, input or initializer provides (or the graph has a cycle)");
    }
  }
  nodes = std::move(sorted);
  for (const auto& o : outputs)
    if (!available.count(o.name)) fail_input("graph output '" + o.name + "' is never produced");
}

}  // namespace fxq
