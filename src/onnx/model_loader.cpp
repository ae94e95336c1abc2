#include "onnx/model_loader.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/error.h"
#include "onnx/tensor_proto.h"

namespace fxq::onnxio {
namespace {

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail_input(path + ": is a folder, not an ONNX file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_input(path + ": cannot open (no such file or no permission)");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Reads external-data tensors into raw_data so the checker and the converter see plain tensors.
void inline_external_data(onnx::GraphProto* g, const std::string& path, const std::string& dir) {
  for (auto& t : *g->mutable_initializer()) {
    if (t.data_location() != onnx::TensorProto::EXTERNAL) continue;
    Tensor loaded = from_proto(t, path + ": initializer '" + t.name() + "'", dir);
    std::string name = t.name();
    to_proto(loaded, name, &t);
  }
}

ValueInfo value_info_from_proto(const onnx::ValueInfoProto& v, const std::string& path, bool require_dtype) {
  ValueInfo vi;
  vi.name = v.name();
  if (!v.type().has_tensor_type()) {
    if (require_dtype) fail_unsupported(path + ": value '" + v.name() + "' is not a tensor (sequences/maps are not supported)");
    return vi;
  }
  const auto& tt = v.type().tensor_type();
  switch (tt.elem_type()) {
    case onnx::TensorProto::FLOAT: vi.dtype = DType::kFloat32; break;
    case onnx::TensorProto::INT64: vi.dtype = DType::kInt64; break;
    case onnx::TensorProto::INT32: vi.dtype = DType::kInt32; break;
    case onnx::TensorProto::INT8: vi.dtype = DType::kInt8; break;
    case onnx::TensorProto::UINT8: vi.dtype = DType::kUInt8; break;
    case onnx::TensorProto::BOOL: vi.dtype = DType::kBool; break;
    default:
      if (require_dtype)
        fail_unsupported(path + ": input/output '" + v.name() + "' has data type " +
                         onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(tt.elem_type())) +
                         " (fxq runs float32 models)");
      return vi;
  }
  if (tt.has_shape()) {
    vi.has_shape = true;
    for (const auto& d : tt.shape().dim()) {
      vi.shape.push_back(d.has_dim_value() ? d.dim_value() : -1);
      vi.dim_params.push_back(d.has_dim_param() ? d.dim_param() : "");
    }
  }
  return vi;
}

Attribute attribute_from_proto(const onnx::AttributeProto& a, const std::string& where) {
  using AP = onnx::AttributeProto;
  Attribute r;
  switch (a.type()) {
    case AP::FLOAT: r.kind = Attribute::Kind::kFloat; r.f = a.f(); break;
    case AP::INT: r.kind = Attribute::Kind::kInt; r.i = a.i(); break;
    case AP::STRING: r.kind = Attribute::Kind::kString; r.s = a.s(); break;
    case AP::TENSOR:
      r.kind = Attribute::Kind::kTensor;
      r.t = std::make_shared<Tensor>(from_proto(a.t(), where + " attribute '" + a.name() + "'"));
      break;
    case AP::FLOATS: r.kind = Attribute::Kind::kFloats; r.floats.assign(a.floats().begin(), a.floats().end()); break;
    case AP::INTS: r.kind = Attribute::Kind::kInts; r.ints.assign(a.ints().begin(), a.ints().end()); break;
    case AP::STRINGS: r.kind = Attribute::Kind::kStrings; r.strings.assign(a.strings().begin(), a.strings().end()); break;
    default: r.kind = Attribute::Kind::kOther; break;
  }
  return r;
}

Graph convert(const onnx::ModelProto& m, const std::string& path, int64_t opset) {
  Graph g;
  g.path = path;
  g.name = m.graph().name();
  g.opset = opset;
  g.ir_version = m.ir_version();
  g.producer = m.producer_name() + (m.producer_version().empty() ? "" : " " + m.producer_version());
  const auto& gp = m.graph();
  for (const auto& t : gp.initializer())
    g.initializers[t.name()] = from_proto(t, path + ": initializer '" + t.name() + "'");
  for (const auto& v : gp.input())
    if (!g.is_initializer(v.name())) g.inputs.push_back(value_info_from_proto(v, path, true));
  for (const auto& v : gp.output()) g.outputs.push_back(value_info_from_proto(v, path, true));
  for (const auto& v : gp.value_info()) g.value_info[v.name()] = value_info_from_proto(v, path, false);
  std::map<std::string, int> seen_names;
  for (int k = 0; k < gp.node_size(); ++k) {
    const auto& np = gp.node(k);
    Node n;
    n.op_type = np.op_type();
    n.domain = np.domain() == "ai.onnx" ? "" : np.domain();
    n.name = np.name().empty() ? n.op_type + "_" + std::to_string(k) : np.name();
    if (seen_names[n.name]++) n.name += "_" + std::to_string(k);  // names are unique in fxq's messages and reports
    n.inputs.assign(np.input().begin(), np.input().end());
    n.outputs.assign(np.output().begin(), np.output().end());
    for (const auto& a : np.attribute()) n.attrs[a.name()] = attribute_from_proto(a, path + ": " + n.describe());
    g.nodes.push_back(std::move(n));
  }
  return g;
}

}  // namespace

LoadResult load_model(const std::string& path) {
  const std::string bytes = read_file(path);
  if (bytes.empty()) fail_input(path + ": file is empty");
  onnx::ModelProto m;
  if (!m.ParseFromString(bytes))
    fail_input(path + ": not a valid ONNX model (protobuf parsing failed: truncated or not an ONNX file)");
  if (!m.has_graph() || m.ir_version() <= 0)
    fail_input(path + ": not an ONNX model (no graph or no IR version; is it an ONNX file?)");

  int64_t opset = -1;
  for (const auto& os : m.opset_import())
    if (os.domain().empty() || os.domain() == "ai.onnx") opset = os.version();
  if (opset < 0) fail_input(path + ": the model imports no default-domain opset");
  if (opset < kMinOpset || opset > kMaxOpset)
    fail_unsupported(path + ": opset " + std::to_string(opset) + " is outside the supported range " +
                     std::to_string(kMinOpset) + ".." + std::to_string(kMaxOpset));

  const std::string dir = std::filesystem::path(path).parent_path().string();
  inline_external_data(m.mutable_graph(), path, dir);

  try {
    onnx::checker::check_model(m);
  } catch (const std::exception& e) {
    fail_input(path + ": ONNX checker: " + one_line(e.what()));
  }

  LoadResult r;
  try {
    onnx::ShapeInferenceOptions opts(/*check_type=*/false, /*error_mode=*/0, /*data_propagation=*/true);
    onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(), opts);
  } catch (const std::exception& e) {
    r.warnings.push_back(path + ": ONNX shape inference stopped early (" + one_line(e.what()) +
                         "); fxq computes shapes while running");
  }

  r.graph = convert(m, path, opset);
  bool has_float_input = false;
  for (const auto& vi : r.graph.inputs) has_float_input |= vi.dtype == DType::kFloat32;
  if (!has_float_input) fail_unsupported(path + ": the model has no float32 input (fxq runs float models on images or tensors)");
  try {
    r.graph.topo_sort();
  } catch (const Error& e) {
    throw e.with_context(path);
  }
  return r;
}

}  // namespace fxq::onnxio
