#include "engine/model_stats.h"

#include <set>

#include "common/error.h"
#include "engine/executor.h"
#include "ops/registry.h"

namespace fxq {

ModelStats compute_stats(const Graph& g, const std::map<std::string, Shape>& shapes) {
  ModelStats st;
  std::map<std::string, Tensor> inputs;
  for (const auto& vi : g.inputs) {
    Shape s = vi.shape;
    auto it = shapes.find(vi.name);
    if (it != shapes.end()) s = it->second;
    for (size_t d = 0; d < s.size(); ++d) {
      if (s[d] >= 0) continue;
      if (d == 0) { s[d] = 1; continue; }
      fail_unsupported(g.path + ": input '" + vi.name + "' has a dynamic dim " + std::to_string(d) + " " +
                       shape_str(vi.shape) + "; give its shape with --shape " + vi.name + "=1x3x224x224");
    }
    Tensor t;
    t.dtype = vi.dtype;
    t.shape = s;
    if (t.is_float()) t.f.assign(static_cast<size_t>(numel(s)), 0.0f);
    else t.i.assign(static_cast<size_t>(numel(s)), 0);
    st.input_shapes[vi.name] = s;
    inputs[vi.name] = std::move(t);
  }
  std::map<std::string, Shape> value_shapes;
  for (const auto& kv : inputs) value_shapes[kv.first] = kv.second.shape;
  for (const auto& kv : g.initializers) value_shapes[kv.first] = kv.second.shape;
  ExecHooks hooks;
  hooks.on_value = [&](const Node&, const std::string& v, Tensor& t) { value_shapes[v] = t.shape; };
  Executor exec(g);
  auto outs = exec.run(std::move(inputs), &hooks);
  for (const auto& kv : outs) st.output_shapes[kv.first] = kv.second.shape;

  std::set<std::string> counted;
  for (const auto& n : g.nodes) {
    LayerStats l;
    l.name = n.name;
    l.op = n.op_type;
    ShapeArgs sa{n, {}, {}};
    const bool qdq = n.op_type == "QuantizeLinear" || n.op_type == "DequantizeLinear";
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const std::string& in = n.inputs[k];
      sa.in.push_back(in.empty() ? Shape{} : value_shapes[in]);
      const Tensor* w = g.initializer(in);
      // Weights: float or integer constants; not int64 shape/index data, not Q/DQ scales or zero points.
      if (w && w->dtype != DType::kInt64 && !(qdq && k > 0)) {
        l.params += w->size();
        if (counted.insert(in).second) { st.params += w->size(); st.weight_bytes += static_cast<int64_t>(w->bytes()); }
      }
    }
    for (const auto& o : n.outputs) {
      sa.out.push_back(o.empty() ? Shape{} : value_shapes[o]);
      l.out_shapes.push_back(sa.out.back());
    }
    const OpDef* def = find_op(n.op_type);
    l.macs = def && def->macs ? def->macs(sa) : 0;
    st.macs += l.macs;
    ++st.op_histogram[n.op_type];
    st.layers.push_back(std::move(l));
  }
  return st;
}

}  // namespace fxq
