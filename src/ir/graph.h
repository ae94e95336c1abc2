// Graph IR: nodes in topological order, named values, initializers (constant tensors).
// Only src/onnx knows protobuf; everything else sees this.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/tensor.h"

namespace fxq {

struct Attribute {
  enum class Kind { kFloat, kInt, kString, kTensor, kFloats, kInts, kStrings, kOther };
  Kind kind = Kind::kOther;
  float f = 0;
  int64_t i = 0;
  std::string s;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::shared_ptr<Tensor> t;
};

struct Node {
  std::string name;     // never empty after loading (unnamed nodes get "<op_type>_<index>")
  std::string op_type;  // ONNX op type, e.g. "Conv"
  std::string domain;   // "" for the default ONNX domain
  std::vector<std::string> inputs;   // "" marks an absent optional input
  std::vector<std::string> outputs;
  std::map<std::string, Attribute> attrs;

  bool has_attr(const std::string& key) const { return attrs.count(key) != 0; }
  // Attribute getters with the default the ONNX spec gives; a present attribute of the wrong kind
  // is a bad-input error naming the node.
  int64_t attr_int(const std::string& key, int64_t def) const;
  float attr_float(const std::string& key, float def) const;
  std::string attr_string(const std::string& key, const std::string& def) const;
  std::vector<int64_t> attr_ints(const std::string& key, const std::vector<int64_t>& def = {}) const;
  std::vector<float> attr_floats(const std::string& key, const std::vector<float>& def = {}) const;
  const Tensor* attr_tensor(const std::string& key) const;  // nullptr when absent

  // "Conv 'conv1'" — used in every message about a node.
  std::string describe() const { return op_type + " '" + name + "'"; }
};

struct ValueInfo {
  std::string name;
  DType dtype = DType::kFloat32;
  bool has_shape = false;
  Shape shape;                         // -1 where a dim is unknown or symbolic
  std::vector<std::string> dim_params;  // symbolic names ("batch_size"), "" where numeric
};

struct Graph {
  std::string path;         // the file it came from (for messages)
  std::string name;
  int64_t opset = 0;        // default-domain opset
  int64_t ir_version = 0;
  std::string producer;
  std::vector<ValueInfo> inputs;   // real inputs only (initializers listed as inputs are dropped)
  std::vector<ValueInfo> outputs;
  std::map<std::string, ValueInfo> value_info;  // shapes from ONNX shape inference, by value name
  std::map<std::string, Tensor> initializers;
  std::vector<Node> nodes;  // topological order

  bool is_initializer(const std::string& v) const { return initializers.count(v) != 0; }
  const Tensor* initializer(const std::string& v) const;
  // Shape/dtype known for a value (graph input/output, value_info), or nullptr.
  const ValueInfo* find_value(const std::string& v) const;
  bool is_graph_output(const std::string& v) const;
  const Node* find_node(const std::string& name) const;  // by node name, or nullptr
  // Number of nodes reading each value, plus one for each graph output.
  std::map<std::string, int> use_counts() const;
  // Index of the node producing each value.
  std::map<std::string, size_t> producers() const;
  // Removes the nodes whose flag is set (drop.size() == nodes.size()), keeping the order of the rest.
  void remove_nodes(const std::vector<bool>& drop);
  // Sort nodes topologically (stable: keeps the file's order where it is valid). A cycle or a
  // value read before anything produces it is a bad-input error.
  void topo_sort();
};

}  // namespace fxq
