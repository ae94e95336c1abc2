#include "onnx/model_writer.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <set>

#include "common/error.h"
#include "io/atomic_file.h"
#include "onnx/tensor_proto.h"

#ifndef FXQ_VERSION
#define FXQ_VERSION "dev"
#endif

namespace fxq::onnxio {
namespace {

using TP = onnx::TensorProto;

void write_value_info(const ValueInfo& vi, onnx::ValueInfoProto* p) {
  p->set_name(vi.name);
  auto* tt = p->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(dtype_to_proto(vi.dtype));
  if (!vi.has_shape) return;
  auto* shape = tt->mutable_shape();
  for (size_t k = 0; k < vi.shape.size(); ++k) {
    auto* d = shape->add_dim();
    const std::string param = k < vi.dim_params.size() ? vi.dim_params[k] : "";
    if (!param.empty()) d->set_dim_param(param);
    else if (vi.shape[k] >= 0) d->set_dim_value(vi.shape[k]);
    // else: an unknown dim, written as a dim with neither value nor param (as ONNX does)
  }
}

void write_attribute(const Node& n, const std::string& key, const Attribute& a, onnx::AttributeProto* p) {
  using AP = onnx::AttributeProto;
  p->set_name(key);
  switch (a.kind) {
    case Attribute::Kind::kFloat: p->set_type(AP::FLOAT); p->set_f(a.f); break;
    case Attribute::Kind::kInt: p->set_type(AP::INT); p->set_i(a.i); break;
    case Attribute::Kind::kString: p->set_type(AP::STRING); p->set_s(a.s); break;
    case Attribute::Kind::kTensor:
      FXQ_CHECK(a.t != nullptr, n.describe() + ": tensor attribute '" + key + "' without a tensor");
      p->set_type(AP::TENSOR);
      to_proto(*a.t, "", p->mutable_t());
      break;
    case Attribute::Kind::kFloats:
      p->set_type(AP::FLOATS);
      for (float v : a.floats) p->add_floats(v);
      break;
    case Attribute::Kind::kInts:
      p->set_type(AP::INTS);
      for (int64_t v : a.ints) p->add_ints(v);
      break;
    case Attribute::Kind::kStrings:
      p->set_type(AP::STRINGS);
      for (const auto& v : a.strings) p->add_strings(v);
      break;
    case Attribute::Kind::kOther:
      fail_unsupported(n.describe() + ": attribute '" + key +
                       "' is of a kind fxq does not keep (graph or sparse tensor); the model cannot be written back");
  }
}

}  // namespace

onnx::ModelProto to_model_proto(const Graph& g) {
  onnx::ModelProto m;
  m.set_ir_version(std::max<int64_t>(7, g.ir_version));
  m.set_producer_name("fxq");
  m.set_producer_version(FXQ_VERSION);
  auto* os = m.add_opset_import();
  os->set_domain("");
  os->set_version(g.opset);
  std::set<std::string> domains;
  for (const auto& n : g.nodes)
    if (!n.domain.empty() && n.domain != "ai.onnx") domains.insert(n.domain);
  for (const auto& d : domains) {
    auto* o = m.add_opset_import();
    o->set_domain(d);
    o->set_version(1);
  }

  auto* gp = m.mutable_graph();
  gp->set_name(g.name.empty() ? "fxq" : g.name);
  for (const auto& vi : g.inputs) write_value_info(vi, gp->add_input());
  for (const auto& vi : g.outputs) write_value_info(vi, gp->add_output());
  for (const auto& [name, t] : g.initializers) to_proto(t, name, gp->add_initializer());

  // value_info only for values some node still produces, and that are not graph outputs: after the
  // passes, shapes recorded for removed values would only confuse the reader.
  std::set<std::string> produced;
  for (const auto& n : g.nodes)
    for (const auto& o : n.outputs) produced.insert(o);
  for (const auto& [name, vi] : g.value_info)
    if (produced.count(name) && !g.is_graph_output(name) && !g.is_initializer(name)) write_value_info(vi, gp->add_value_info());

  for (const auto& n : g.nodes) {
    auto* np = gp->add_node();
    np->set_name(n.name);
    np->set_op_type(n.op_type);
    if (!n.domain.empty()) np->set_domain(n.domain);
    for (const auto& i : n.inputs) np->add_input(i);
    for (const auto& o : n.outputs) np->add_output(o);
    for (const auto& [key, a] : n.attrs) write_attribute(n, key, a, np->add_attribute());
  }
  return m;
}

std::string serialize_model_proto(const onnx::ModelProto& m, const std::string& path) {
  const size_t size = m.ByteSizeLong();
  if (size > static_cast<size_t>(INT32_MAX))
    fail_unsupported(path + ": the model is " + std::to_string(size) +
                     " bytes, over protobuf's 2 GiB limit (external data is not written)");
  std::string bytes;
  FXQ_CHECK(m.SerializeToString(&bytes), path + ": protobuf serialization failed");
  return bytes;
}

void save_model_proto(const onnx::ModelProto& m, const std::string& path) {
  write_file_atomic(path, serialize_model_proto(m, path));
}

void save_model(const Graph& g, const std::string& path) { save_model_proto(to_model_proto(g), path); }

}  // namespace fxq::onnxio
