#include "export/qdq_export.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "common/error.h"
#include "export/opset_upgrade.h"
#include "export/opencv_compat.h"
#include "export/qdq_nodes.h"
#include "io/atomic_file.h"
#include "onnx/model_writer.h"

namespace fxq::exporter {

using fixedpoint::QFormat;
using TP = onnx::TensorProto;

namespace {

constexpr const char* kMicrosoft = "com.microsoft";

// The integer container of a format: 8 bits (default domain) or 16 bits (com.microsoft Q/DQ).
struct Container {
  int bits;
  int proto_type;  // TP::INT8 ...
  bool microsoft;
};

Container container_of(const QFormat& f, const std::string& what) {
  if (f.bits <= 8) return {8, f.is_signed ? TP::INT8 : TP::UINT8, false};
  if (f.bits <= 16) return {16, f.is_signed ? TP::INT16 : TP::UINT16, true};
  fail_unsupported(what + " has format " + f.str() +
                   ": the QDQ export supports 2..16-bit activations and weights (int8/uint8, int16/uint16 containers)");
}

Attribute int_attr(int64_t v) {
  Attribute a;
  a.kind = Attribute::Kind::kInt;
  a.i = v;
  return a;
}

class QdqWriter {
 public:
  QdqWriter(const Graph& src, const quant::QuantPlan& plan, const QdqOptions& opt)
      : src_(src), plan_(plan), opt_(opt), g_(src), names_(src) {}

  onnx::ModelProto run() {
    validate();
    upgrade_opset(g_, target_opset());
    names_ = NameTable(g_);
    write_explicit_attributes(g_);
    if (opt_.style == QdqStyle::kOpenCV && g_.opset >= 11) rewrite_clips_as_max_min(g_, names_);
    for (const auto& [w, f] : plan_.weights) quantize_weight(w, f);
    for (const auto& [b, f] : plan_.biases) quantize_bias(b, f);
    if (opt_.style == QdqStyle::kOpenCV) transpose_gemm_weights(g_, names_);
    for (const auto& [v, f] : plan_.activations) quantize_activation(v, f);
    assemble();
    onnx::ModelProto m = onnxio::to_model_proto(g_);
    retype_16bit(&m);
    try {
      onnx::checker::check_model(m);
    } catch (const std::exception& e) {
      std::string msg = e.what();
      std::replace(msg.begin(), msg.end(), '\n', ' ');
      fail(ExitCode::kInternal, src_.path + ": the exported QDQ model fails the ONNX checker (a bug in fxq): " + msg);
    }
    return m;
  }

 private:
  void validate() const {
    auto where = [&](const char* kind, const std::string& name) {
      return src_.path + ": plan " + kind + " '" + name + "'";
    };
    for (const auto& [v, f] : plan_.activations) {
      FXQ_CHECK(f.valid(), where("activation", v) + " has an invalid format " + f.str());
      FXQ_CHECK(!src_.is_initializer(v), where("activation", v) + " is an initializer (weights go in plan.weights)");
      if (container_of(f, where("activation", v)).bits > 8 && opt_.style == QdqStyle::kOpenCV)
        fail_unsupported(where("activation", v) + " has format " + f.str() +
                         ": the OpenCV style is limited to 8-bit activations (OpenCV 4.6 reads no int16 tensor)");
    }
    for (const auto& [w, f] : plan_.weights) {
      const Tensor* t = src_.initializer(w);
      FXQ_CHECK(t && t->is_float(), where("weight", w) + " is not a float initializer of the graph");
      FXQ_CHECK(f.valid(), where("weight", w) + " has an invalid format " + f.str());
      container_of(f, where("weight", w));
      auto pc = plan_.weight_channel_frac.find(w);
      if (pc != plan_.weight_channel_frac.end() && !pc->second.empty())
        FXQ_CHECK(t->rank() >= 1 && static_cast<int64_t>(pc->second.size()) == t->dim(0),
                  where("weight", w) + " has " + std::to_string(pc->second.size()) + " channel fracs for shape " +
                      shape_str(t->shape));
      if (pc != plan_.weight_channel_frac.end())
        for (int fr : pc->second)
          FXQ_CHECK((QFormat{f.bits, fr, f.is_signed}.valid()), where("weight", w) + " has channel frac " + std::to_string(fr));
    }
    for (const auto& [b, f] : plan_.biases) {
      const Tensor* t = src_.initializer(b);
      FXQ_CHECK(t && t->is_float(), where("bias", b) + " is not a float initializer of the graph");
      FXQ_CHECK(f.valid(), where("bias", b) + " has an invalid format " + f.str());
      if (!f.is_signed) fail_unsupported(where("bias", b) + " is unsigned (" + f.str() + "); biases are int32");
    }
  }

  bool per_channel(const std::string& w) const {
    auto it = plan_.weight_channel_frac.find(w);
    return it != plan_.weight_channel_frac.end() && !it->second.empty();
  }

  // The model's opset when it has QuantizeLinear-10; 13 when a default-domain per-channel DQ is written.
  int64_t target_opset() const {
    int64_t to = std::max<int64_t>(src_.opset, 10);
    if (opt_.style == QdqStyle::kOrt)
      for (const auto& [w, f] : plan_.weights)
        if (per_channel(w) && f.bits <= 8) to = std::max<int64_t>(to, 13);
    return to;
  }

  std::string fresh(const std::string& base) { return names_.fresh(base); }

  // Scalar (or [n]) scale 2^-frac; zero points 0 in the container type (16-bit ones are retyped later).
  std::string add_scale(const std::string& name, const std::vector<int>& fracs) {
    std::vector<float> s;
    for (int f : fracs) s.push_back(std::ldexp(1.0f, -f));
    Shape shape = fracs.size() == 1 ? Shape{} : Shape{static_cast<int64_t>(fracs.size())};
    g_.initializers[name] = Tensor::from_floats(shape, s);
    return name;
  }
  std::string add_zero_point(const std::string& name, const Container& c, size_t n, bool scalar) {
    Shape shape = scalar ? Shape{} : Shape{static_cast<int64_t>(n)};
    DType dt = c.proto_type == TP::INT8 ? DType::kInt8 : c.proto_type == TP::UINT8 ? DType::kUInt8 : DType::kInt32;
    if (c.bits == 16) retype_[name] = c.proto_type;
    g_.initializers[name] = Tensor::from_ints(shape, std::vector<int64_t>(n, 0), dt);
    return name;
  }
  Node qdq_node(const char* op, const std::string& base, std::vector<std::string> in, std::string out, bool ms) {
    Node n;
    n.op_type = op;
    n.domain = ms ? kMicrosoft : "";
    n.name = fresh(base + "_" + op);
    n.inputs = std::move(in);
    n.outputs = {std::move(out)};
    return n;
  }

  void quantize_weight(const std::string& w, const QFormat& f) {
    Tensor t = src_.initializers.at(w);
    std::vector<int> fracs = per_channel(w) ? plan_.weight_channel_frac.at(w) : std::vector<int>{f.frac};
    const size_t per = fracs.size() == 1 ? t.f.size() : t.f.size() / fracs.size();
    std::vector<int64_t> q(t.f.size());
    for (size_t k = 0; k < t.f.size(); ++k) {
      QFormat fc = f;
      fc.frac = fracs[per ? k / per : 0];
      q[k] = fixedpoint::quantize(t.f[k], fc);
      t.f[k] = static_cast<float>(fixedpoint::dequantize(q[k], fc));
    }
    auto off = plan_.weight_offsets.find(w);
    const bool centred = off != plan_.weight_offsets.end();
    if (opt_.style == QdqStyle::kOpenCV) {
      if (centred)
        for (float& v : t.f) v += off->second;  // the simulation's float add
      g_.initializers[w] = std::move(t);
      return;
    }
    const Container c = container_of(f, "weight '" + w + "'");
    const std::string b = names_.fresh_base(w);
    DType dt = c.proto_type == TP::INT8 ? DType::kInt8 : c.proto_type == TP::UINT8 ? DType::kUInt8 : DType::kInt32;
    if (c.bits == 16) retype_[b + "_quantized"] = c.proto_type;
    g_.initializers.erase(w);
    g_.initializers[b + "_quantized"] = Tensor::from_ints(t.shape, std::move(q), dt);
    add_scale(b + "_scale", fracs);
    add_zero_point(b + "_zero_point", c, fracs.size(), fracs.size() == 1);
    const std::string dq_out = centred ? b + "_centred" : w;
    Node dq = qdq_node("DequantizeLinear", b, {b + "_quantized", b + "_scale", b + "_zero_point"}, dq_out, c.microsoft);
    if (fracs.size() > 1) dq.attrs["axis"] = int_attr(0);
    head_.push_back(std::move(dq));
    if (centred) {  // zero-centred: the weights' mean, added back (plan.h weight_offsets)
      g_.initializers[b + "_mean"] = Tensor::from_floats({}, {off->second});
      Node add;
      add.op_type = "Add";
      add.name = fresh(b + "_AddMean");
      add.inputs = {dq_out, b + "_mean"};
      add.outputs = {w};
      head_.push_back(std::move(add));
    }
  }

  void quantize_bias(const std::string& name, const QFormat& f) {
    Tensor t = src_.initializers.at(name);
    std::vector<int64_t> q(t.f.size());
    for (size_t k = 0; k < t.f.size(); ++k) {
      q[k] = fixedpoint::quantize(t.f[k], f);
      t.f[k] = fixedpoint::fake_quantize(t.f[k], f);
    }
    if (opt_.style == QdqStyle::kOpenCV) {
      g_.initializers[name] = std::move(t);
      return;
    }
    const std::string b = names_.fresh_base(name);
    g_.initializers.erase(name);
    g_.initializers[b + "_quantized"] = Tensor::from_ints(t.shape, std::move(q), DType::kInt32);
    add_scale(b + "_scale", {f.frac});
    g_.initializers[b + "_zero_point"] = Tensor::from_ints({}, {0}, DType::kInt32);
    head_.push_back(qdq_node("DequantizeLinear", b, {b + "_quantized", b + "_scale", b + "_zero_point"}, name, false));
  }

  void quantize_activation(const std::string& v, const QFormat& f) {
    const Container c = container_of(f, "activation '" + v + "'");
    const bool is_input = std::any_of(g_.inputs.begin(), g_.inputs.end(), [&](const ValueInfo& vi) { return vi.name == v; });
    Node* producer = nullptr;
    size_t out_index = 0;
    for (auto& n : g_.nodes)
      for (size_t k = 0; k < n.outputs.size(); ++k)
        if (n.outputs[k] == v) producer = &n, out_index = k;
    FXQ_CHECK(is_input || producer, src_.path + ": plan activation '" + v + "' is neither a graph input nor a node output");

    const std::string b = names_.fresh_base(v);
    std::string x = v, out = v;
    if (producer) {  // the DQ output takes over the name v: readers and graph outputs stay as they are
      x = fresh(b + "_float");
      producer->outputs[out_index] = x;
    } else {  // a graph input keeps its name: its readers move to the DQ output
      out = fresh(b + "_dequant");
      for (auto& n : g_.nodes)
        for (auto& in : n.inputs)
          if (in == v) in = out;
    }
    std::vector<Node>& chain = producer ? after_[x] : head_;
    if (f.bits < c.bits) x = add_clamp(b, x, f, chain);
    add_scale(b + "_scale", {f.frac});
    add_zero_point(b + "_zero_point", c, 1, true);
    chain.push_back(qdq_node("QuantizeLinear", b, {x, b + "_scale", b + "_zero_point"}, b + "_quantized", c.microsoft));
    chain.push_back(qdq_node("DequantizeLinear", b, {b + "_quantized", b + "_scale", b + "_zero_point"}, out, c.microsoft));
  }

  // Clamp to the b-bit range [qmin, qmax] * 2^-frac before a wider container: clamping to integers of
  // the grid commutes with rounding, so clamp + QuantizeLinear = the b-bit quantization exactly.
  std::string add_clamp(const std::string& b, const std::string& x, const QFormat& f, std::vector<Node>& chain) {
    const float lo = static_cast<float>(f.min_value()), hi = static_cast<float>(f.max_value());
    if (g_.opset >= 11) {
      const std::string mn = fresh(b + "_clip_min"), mx = fresh(b + "_clip_max");
      g_.initializers[mn] = Tensor::from_floats({}, {lo});
      g_.initializers[mx] = Tensor::from_floats({}, {hi});
      return append_clamp(g_, names_, chain, b, x, mn, mx, opt_.style == QdqStyle::kOpenCV);
    }
    const std::string out = append_node(names_, chain, b, "Clip", {x});  // Clip-6: bounds are attributes
    Attribute a;
    a.kind = Attribute::Kind::kFloat;
    a.f = lo;
    chain.back().attrs["min"] = a;
    a.f = hi;
    chain.back().attrs["max"] = a;
    return out;
  }

  void assemble() {
    std::vector<Node> nodes = std::move(head_);
    for (auto& n : g_.nodes) {
      nodes.push_back(std::move(n));
      for (const auto& o : nodes.back().outputs) {
        auto it = after_.find(o);
        if (it != after_.end())
          for (auto& c : it->second) nodes.push_back(std::move(c));
      }
    }
    g_.nodes = std::move(nodes);
  }

  // 16-bit integers travel through the IR as int32 tensors; here they get their ONNX type.
  void retype_16bit(onnx::ModelProto* m) const {
    for (auto& t : *m->mutable_graph()->mutable_initializer()) {
      auto it = retype_.find(t.name());
      if (it == retype_.end()) continue;
      const std::string& raw = t.raw_data();
      std::string out(raw.size() / 2, '\0');
      for (size_t k = 0; k < raw.size() / 4; ++k) {
        int32_t v;
        std::memcpy(&v, raw.data() + 4 * k, 4);
        const uint16_t u = static_cast<uint16_t>(v);  // two's complement for int16, plain for uint16
        std::memcpy(&out[2 * k], &u, 2);
      }
      t.set_data_type(it->second);
      t.set_raw_data(out);
    }
  }

  const Graph& src_;
  const quant::QuantPlan& plan_;
  QdqOptions opt_;
  Graph g_;
  NameTable names_;
  std::map<std::string, int> retype_;                // initializer -> INT16 / UINT16
  std::vector<Node> head_;                           // before every original node
  std::map<std::string, std::vector<Node>> after_;   // right after the node producing the key
};

}  // namespace

onnx::ModelProto export_qdq(const Graph& g, const quant::QuantPlan& plan, const QdqOptions& opt) {
  if (plan.values.empty()) return QdqWriter(g, plan, opt).run();
  // Methods replaced some weights/biases (plan.h): quantize those values, as the simulation does.
  Graph replaced = g;
  quant::apply_values(plan, replaced);
  return QdqWriter(replaced, plan, opt).run();
}

bool same_file(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec)) return true;
  const fs::path ca = fs::weakly_canonical(fs::absolute(a, ec), ec);
  const fs::path cb = fs::weakly_canonical(fs::absolute(b, ec), ec);
  return ca == cb;
}

std::string qdq_bytes(const Graph& g, const quant::QuantPlan& plan, const std::string& out_path,
                      const std::string& input_path, const QdqOptions& opt) {
  if (same_file(out_path, input_path))
    fail(ExitCode::kUsage, out_path + ": the output would overwrite the input model " + input_path +
                               "; choose another output path (fxq never modifies the float model in place)");
  return onnxio::serialize_model_proto(export_qdq(g, plan, opt), out_path);
}

void write_qdq(const Graph& g, const quant::QuantPlan& plan, const std::string& out_path, const std::string& input_path,
               const QdqOptions& opt) {
  write_file_atomic(out_path, qdq_bytes(g, plan, out_path, input_path, opt));
}

}  // namespace fxq::exporter
