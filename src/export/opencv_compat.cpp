#include "export/opencv_compat.h"

#include <algorithm>

namespace fxq::exporter {

namespace {
Attribute int_attr(int64_t v) {
  Attribute a;
  a.kind = Attribute::Kind::kInt;
  a.i = v;
  return a;
}
}  // namespace

void write_explicit_attributes(Graph& g) {
  for (auto& n : g.nodes) {
    if (!n.domain.empty()) continue;
    if (n.op_type == "Gemm")
      for (const char* key : {"transA", "transB"})
        if (!n.has_attr(key)) n.attrs[key] = int_attr(0);
    if (n.op_type != "Conv" || n.has_attr("kernel_shape") || n.inputs.size() < 2) continue;
    const Tensor* w = g.initializer(n.inputs[1]);
    const ValueInfo* vi = g.find_value(n.inputs[1]);
    const Shape s = w ? w->shape : (vi && vi->has_shape ? vi->shape : Shape{});
    if (s.size() < 3 || std::any_of(s.begin() + 2, s.end(), [](int64_t d) { return d < 0; })) continue;
    Attribute a;
    a.kind = Attribute::Kind::kInts;
    a.ints.assign(s.begin() + 2, s.end());
    n.attrs["kernel_shape"] = a;
  }
}

void rewrite_clips_as_max_min(Graph& g, NameTable& names) {
  std::vector<Node> nodes;
  for (auto& n : g.nodes) {
    const bool constant_bounds = std::all_of(n.inputs.begin() + std::min<size_t>(1, n.inputs.size()), n.inputs.end(),
                                             [&](const std::string& v) { return v.empty() || g.is_initializer(v); });
    if (n.op_type != "Clip" || !n.domain.empty() || n.inputs.empty() || !constant_bounds) {
      nodes.push_back(std::move(n));
      continue;
    }
    const std::string lo = n.inputs.size() > 1 ? n.inputs[1] : "", hi = n.inputs.size() > 2 ? n.inputs[2] : "";
    append_clamp(g, names, nodes, n.name, n.inputs[0], lo, hi, /*max_min=*/true, n.outputs[0]);
  }
  g.nodes = std::move(nodes);
}

void transpose_gemm_weights(Graph& g, NameTable& names) {
  for (auto& n : g.nodes) {
    if (n.op_type != "Gemm" || !n.domain.empty() || n.attr_int("transB", 0) != 0 || n.inputs.size() < 2) continue;
    const Tensor* b = g.initializer(n.inputs[1]);
    if (!b || b->rank() != 2 || !b->is_float()) continue;
    const int64_t rows = b->dim(0), cols = b->dim(1);
    Tensor t = Tensor::zeros({cols, rows});
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) t.f[c * rows + r] = b->f[r * cols + c];
    const std::string old = n.inputs[1];
    n.inputs[1] = names.fresh(old + "_transposed");
    g.initializers[n.inputs[1]] = std::move(t);
    n.attrs["transB"] = int_attr(1);
    if (!g.use_counts().count(old)) g.initializers.erase(old);
  }
}

}  // namespace fxq::exporter
