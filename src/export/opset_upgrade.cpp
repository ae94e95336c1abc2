#include "export/opset_upgrade.h"

#include <onnx/defs/schema.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"

namespace fxq::exporter {
namespace {

// Versions whose change is compatible for every node of the previous version (ONNX Changelog: type
// extensions, negative axes, optional attributes/inputs with meaning-preserving defaults).
const std::map<std::string, std::set<int>>& compatible_versions() {
  static const std::map<std::string, std::set<int>> table = {
      {"Abs", {13}}, {"Add", {13, 14}}, {"ArgMax", {11, 12, 13}}, {"ArgMin", {11, 12, 13}},
      {"AveragePool", {10, 11}}, {"BatchNormalization", {14, 15}}, {"Cast", {9, 13}}, {"Ceil", {13}},
      {"Clip", {12, 13}}, {"Concat", {11, 13}}, {"Constant", {9, 11, 12, 13}}, {"Conv", {11}},
      {"ConvTranspose", {11}}, {"DepthToSpace", {11, 13}}, {"Div", {13, 14}}, {"Dropout", {10, 12, 13}},
      {"Equal", {11, 13}}, {"Erf", {13}}, {"Exp", {13}}, {"Expand", {13}}, {"Flatten", {9, 11, 13}},
      {"Floor", {13}}, {"Gather", {11, 13}}, {"Gemm", {9, 11, 13}}, {"Greater", {9, 13}},
      {"Identity", {13, 14, 16}}, {"LeakyRelu", {16}}, {"Less", {9, 13}}, {"Log", {13}}, {"MatMul", {9, 13}},
      {"Max", {12, 13}}, {"MaxPool", {10, 11, 12}}, {"Mean", {13}}, {"Min", {12, 13}}, {"Mul", {13, 14}},
      {"Neg", {13}}, {"PRelu", {9, 16}}, {"Pow", {12, 13, 15}}, {"Pad", {13}}, {"Reciprocal", {13}},
      {"ReduceMax", {11, 12, 13}}, {"ReduceMean", {11, 13}}, {"ReduceMin", {11, 12, 13}}, {"ReduceSum", {11}},
      {"Relu", {13, 14}}, {"Reshape", {13, 14}}, {"Shape", {13, 15}}, {"Sigmoid", {13}}, {"Size", {13}},
      {"Slice", {11, 13}}, {"Softmax", {11}}, {"LogSoftmax", {11}}, {"SpaceToDepth", {13}}, {"Split", {11}},
      {"Sqrt", {13}}, {"Squeeze", {11}}, {"Sub", {13, 14}}, {"Sum", {13}}, {"Tanh", {13}}, {"Tile", {13}},
      {"Transpose", {13}}, {"Unsqueeze", {11}}, {"Where", {16}},
  };
  return table;
}

// Versions of `op` introduced in (from, to], ascending.
std::vector<int> changes(const std::string& op, int64_t from, int64_t to) {
  std::vector<int> out;
  int v = static_cast<int>(to);
  while (v > from) {
    const onnx::OpSchema* s = onnx::OpSchemaRegistry::Schema(op, v);
    if (!s || s->SinceVersion() <= from) break;
    out.insert(out.begin(), s->SinceVersion());
    v = s->SinceVersion() - 1;
  }
  return out;
}

class Upgrader {
 public:
  explicit Upgrader(Graph& g) : g_(g) {
    for (const auto& [name, t] : g.initializers) names_.insert(name);
    for (const auto& vi : g.inputs) names_.insert(vi.name);
    for (const auto& n : g.nodes)
      for (const auto& o : n.outputs) names_.insert(o);
  }

  void apply(Node& n, int version) {
    const std::string& op = n.op_type;
    auto it = compatible_versions().find(op);
    if (it != compatible_versions().end() && it->second.count(version)) return;
    if (op == "Clip" && version == 11) return attrs_to_inputs_clip(n);
    if (op == "Slice" && version == 10) return ints_to_inputs(n, {"starts", "ends", "axes"}, 1);
    if (op == "Pad" && version == 11) return pad_to_inputs(n);
    if (op == "Split" && version == 13) return ints_to_inputs(n, {"split"}, 1);
    if ((op == "Squeeze" || op == "Unsqueeze" || op == "ReduceSum") && version == 13)
      return ints_to_inputs(n, {"axes"}, 1);
    if (op == "BatchNormalization" && version == 9 && n.attr_int("spatial", 1) == 1) {
      n.attrs.erase("spatial");
      return;
    }
    if ((op == "Softmax" || op == "LogSoftmax") && version == 13 && axis_is_last(n)) return;
    if (op == "Resize" && version == 13 &&
        n.attr_string("coordinate_transformation_mode", "half_pixel") != "tf_half_pixel_for_nn")
      return;
    fail_unsupported(g_.path + ": " + n.describe() + " would need a conversion to " + op + "-" +
                     std::to_string(version) + " that fxq does not implement (model opset " +
                     std::to_string(g_.opset) + "); export the model at opset >= " + std::to_string(version));
  }

 private:
  std::string fresh(const std::string& base) {
    std::string name = base;
    for (int k = 1; names_.count(name); ++k) name = base + "_" + std::to_string(k);
    names_.insert(name);
    return name;
  }
  std::string add_init(const Node& n, const std::string& key, Tensor t) {
    const std::string name = fresh(n.name + "_" + key);
    g_.initializers[name] = std::move(t);
    return name;
  }
  void set_input(Node& n, size_t k, const std::string& v) {
    if (n.inputs.size() <= k) n.inputs.resize(k + 1);
    n.inputs[k] = v;
  }
  // Attributes `keys` (INTS) become int64 initializer inputs first_input, first_input+1, ...;
  // an absent attribute leaves its input absent ("").
  void ints_to_inputs(Node& n, const std::vector<std::string>& keys, size_t first_input) {
    for (size_t k = 0; k < keys.size(); ++k) {
      if (!n.has_attr(keys[k])) continue;
      std::vector<int64_t> v = n.attr_ints(keys[k]);
      const int64_t len = static_cast<int64_t>(v.size());
      set_input(n, first_input + k, add_init(n, keys[k], Tensor::from_ints({len}, std::move(v))));
      n.attrs.erase(keys[k]);
    }
    while (!n.inputs.empty() && n.inputs.back().empty()) n.inputs.pop_back();
  }
  void attrs_to_inputs_clip(Node& n) {
    const char* keys[] = {"min", "max"};
    for (size_t k = 0; k < 2; ++k) {
      if (!n.has_attr(keys[k])) continue;
      set_input(n, 1 + k, add_init(n, keys[k], Tensor::from_floats({}, {n.attr_float(keys[k], 0)})));
      n.attrs.erase(keys[k]);
    }
  }
  void pad_to_inputs(Node& n) {
    ints_to_inputs(n, {"pads"}, 1);
    if (n.has_attr("value")) {
      set_input(n, 2, add_init(n, "value", Tensor::from_floats({}, {n.attr_float("value", 0)})));
      n.attrs.erase("value");
    }
  }
  bool axis_is_last(const Node& n) const {
    const int64_t axis = n.attr_int("axis", 1);
    if (axis == -1) return true;
    const ValueInfo* vi = n.inputs.empty() ? nullptr : g_.find_value(n.inputs[0]);
    return vi && vi->has_shape && axis == static_cast<int64_t>(vi->shape.size()) - 1;
  }

  Graph& g_;
  std::set<std::string> names_;
};

}  // namespace

void upgrade_opset(Graph& g, int64_t to) {
  if (to <= g.opset) return;
  Upgrader up(g);
  for (auto& n : g.nodes) {
    if (!n.domain.empty() && n.domain != "ai.onnx") continue;
    for (int v : changes(n.op_type, g.opset, to)) up.apply(n, v);
  }
  g.opset = to;
}

}  // namespace fxq::exporter
