// The QDQ exporter on small graphs built in code: ONNX Runtime on the exported model against the
// test's own simulation of the plan (tests/qdq_fixture.h), for 8-bit (int8/uint8), 4- and 6-bit
// (Clip path), per-channel, 9..16-bit (com.microsoft Q/DQ) and both styles; the structure written;
// opset upgrades; refusals. Real models: test_qdq_models.cpp.
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

#include "common/error.h"
#include "engine/prepare.h"
#include "export/qdq_export.h"
#include "onnx/model_loader.h"
#include "onnx/model_writer.h"
#include "qdq_fixture.h"

using namespace fxq;
using exporter::QdqStyle;

namespace {

std::vector<float> ramp(size_t n, float scale, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// x[1,3,8,8] -> Conv 3x3 (w1, b1) -> Relu -> Conv 1x1 (w2) -> y[1,5,8,8], no kernel_shape written.
std::string small_net(const std::string& dir) {
  test::ModelBuilder b(13);
  b.input("x", {1, 3, 8, 8});
  b.output("y", {1, 5, 8, 8});
  b.init("w1", {4, 3, 3, 3}, ramp(108, 0.4f, 1));
  b.init("b1", {4}, ramp(4, 0.3f, 2));
  b.init("w2", {5, 4, 1, 1}, ramp(20, 0.5f, 3));
  b.attr(b.node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1"), "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  b.node("Conv", {"r1", "w2"}, {"y"}, "conv2");
  return b.save(dir + "/small.onnx");
}

std::vector<test::Tensors> random_inputs(const Graph& g, size_t n, float scale) {
  std::vector<test::Tensors> out;
  for (size_t k = 0; k < n; ++k) {
    const ValueInfo& vi = g.inputs.at(0);
    out.push_back({{vi.name, Tensor::from_floats(vi.shape, ramp(static_cast<size_t>(numel(vi.shape)), scale, 10 + k))}});
  }
  return out;
}

size_t count_ops(const onnx::ModelProto& m, const std::string& op, const std::string& domain = "") {
  size_t n = 0;
  for (const auto& node : m.graph().node()) n += node.op_type() == op && node.domain() == domain;
  return n;
}

// Exports, checks, writes, runs ORT and the simulation; returns the agreement.
test::Agreement export_and_compare(const Graph& g, const quant::QuantPlan& plan, const std::vector<test::Tensors>& in,
                                   const std::string& path, QdqStyle style = QdqStyle::kOrt,
                                   const std::string& ort_opt = "all") {
  exporter::QdqOptions opt;
  opt.style = style;
  const onnx::ModelProto m = exporter::export_qdq(g, plan, opt);
  CHECK_NOTHROW(onnx::checker::check_model(m));
  onnxio::save_model_proto(m, path);
  std::vector<test::Tensors> sim;
  for (const auto& x : in) sim.push_back(test::simulate(g, plan, x));
  return test::compare(g, plan, sim, test::run_ort(path, in, ort_opt));
}

}  // namespace

TEST_CASE("QDQ export of a small conv net equals the simulation in ONNX Runtime", "[export]") {
  const std::string dir = test::temp_dir("qdq-small");
  const Graph g = prepare_model(small_net(dir)).graph;
  const auto in = random_inputs(g, 3, 1.0f);
  test::PlanSpec spec;
  SECTION("8 bits, int8 and uint8 (after Relu)") {}
  SECTION("4-bit activations and weights (Clip path)") { spec.act_bits = spec.weight_bits = 4; }
  SECTION("6-bit activations, 5-bit weights") { spec.act_bits = 6, spec.weight_bits = 5; }
  SECTION("per-channel weights") { spec.per_channel_convs = 2; }
  SECTION("12-bit activations, 10-bit weights (int16 in com.microsoft Q/DQ)") { spec.act_bits = 12, spec.weight_bits = 10; }
  const quant::QuantPlan plan = test::make_plan(g, in, spec);
  REQUIRE(plan.activations.at("r1").is_signed == false);
  REQUIRE(plan.biases.count("b1"));
  const onnx::ModelProto m = exporter::export_qdq(g, plan);
  const bool wide = spec.act_bits > 8;
  const std::string dom = wide ? "com.microsoft" : "";
  CHECK(count_ops(m, "QuantizeLinear", dom) == plan.activations.size());
  CHECK(count_ops(m, "Clip") == (spec.act_bits % 8 ? plan.activations.size() : 0));
  CHECK(m.graph().output(0).name() == "y");
  CHECK(m.graph().input(0).name() == "x");
  CHECK(m.opset_import(0).version() == 13);
  for (const auto& n : m.graph().node())
    if (n.op_type() == "Conv") CHECK(std::any_of(n.attribute().begin(), n.attribute().end(), [](const auto& a) { return a.name() == "kernel_shape"; }));
  for (const auto& t : m.graph().initializer())
    if (t.name() == "w1_quantized") CHECK(t.data_type() == (spec.weight_bits > 8 ? onnx::TensorProto::INT16 : onnx::TensorProto::INT8));

  // kOpenCV keeps float weights: ORT >= 1.20's basic optimizations re-quantize float Conv weights that
  // sit between QDQ activations with their own (non-power-of-two) scales, so that style is compared
  // with ORT's graph optimizations disabled (docs/qdq-export.md).
  for (QdqStyle style : {QdqStyle::kOpenCV, QdqStyle::kOrt}) {
    const bool ocv = style == QdqStyle::kOpenCV;
    if (ocv && wide) {  // OpenCV 4.6 reads no int16 tensor: the OpenCV style refuses wide activations
      exporter::QdqOptions o;
      o.style = style;
      CHECK_THROWS_AS(exporter::export_qdq(g, plan, o), Error);
      continue;
    }
    const auto a = export_and_compare(g, plan, in, dir + "/small_qdq.onnx", style, ocv ? "disabled" : "all");
    std::printf("QDQ small net a%d w%d pc%d %s: %zu elements, %zu differ, max %.3g steps\n", spec.act_bits,
                spec.weight_bits, spec.per_channel_convs, ocv ? "kOpenCV" : "kOrt", a.elements, a.off_grid, a.max_steps);
    CHECK(a.max_steps == 0);  // products and sums of these few grid values are exact in float
  }
  if (!wide) {  // fxq's loader knows int8/uint8/int32 tensors (not int16)
    const Graph back = onnxio::load_model(dir + "/small_qdq.onnx").graph;
    CHECK(back.outputs.at(0).name == "y");
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("QDQ export of a quantized graph input and graph output", "[export]") {
  const std::string dir = test::temp_dir("qdq-io");
  const Graph g = prepare_model(small_net(dir)).graph;
  const auto in = random_inputs(g, 2, 3.0f);
  quant::QuantPlan plan;
  plan.activations["x"] = {8, 5, true};   // saturates: inputs reach ~ +-9
  plan.activations["y"] = {6, 2, true};   // the graph output, 6-bit
  plan.weights["w2"] = {3, 2, true};      // a 3-bit weight in int8
  const auto a = export_and_compare(g, plan, in, dir + "/io.onnx");
  CHECK(a.max_steps == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("QDQ export keeps or raises the opset and converts old nodes", "[export]") {
  const std::string dir = test::temp_dir("qdq-opset");
  // opset 9: Slice, Pad, Clip, Split, Squeeze, Unsqueeze all with attributes that later became inputs.
  test::ModelBuilder b(9);
  b.input("x", {1, 3, 10, 10});
  b.output("y", {1, 4, 8, 8});
  b.init("w", {4, 3, 3, 3}, ramp(108, 0.4f, 5));
  auto* s = b.node("Slice", {"x"}, {"s"});
  b.attr(s, "starts", std::vector<int64_t>{1, 1});
  b.attr(s, "ends", std::vector<int64_t>{9, 9});
  b.attr(s, "axes", std::vector<int64_t>{2, 3});
  b.attr(b.node("Pad", {"s"}, {"p"}), "pads", std::vector<int64_t>{0, 0, 1, 1, 0, 0, 1, 1});
  b.node("Conv", {"p", "w"}, {"c"}, "conv");
  auto* clip = b.node("Clip", {"c"}, {"k"});
  b.attr(clip, "min", 0.0f);
  b.attr(clip, "max", 6.0f);
  auto* split = b.node("Split", {"k"}, {"k1", "k2"});
  b.attr(split, "axis", int64_t{1});
  b.attr(split, "split", std::vector<int64_t>{1, 3});
  b.attr(b.node("Squeeze", {"k1"}, {"q"}), "axes", std::vector<int64_t>{0});
  b.attr(b.node("Unsqueeze", {"q"}, {"u"}), "axes", std::vector<int64_t>{0});
  b.attr(b.node("Concat", {"u", "k2"}, {"y"}), "axis", int64_t{1});
  const Graph g = prepare_model(b.save(dir + "/old.onnx")).graph;
  const auto in = random_inputs(g, 2, 1.0f);
  test::PlanSpec spec;
  SECTION("per tensor: opset 9 becomes 10") {}
  SECTION("per channel: opset 9 becomes 13") { spec.per_channel_convs = 1; }
  const quant::QuantPlan plan = test::make_plan(g, in, spec);
  const onnx::ModelProto m = exporter::export_qdq(g, plan);
  CHECK(m.opset_import(0).version() == (spec.per_channel_convs ? 13 : 10));
  const auto a = export_and_compare(g, plan, in, dir + "/old_qdq.onnx");
  CHECK(a.max_rel <= 1e-6);
  std::filesystem::remove_all(dir);
}

TEST_CASE("QDQ export names the op it cannot convert", "[export]") {
  const std::string dir = test::temp_dir("qdq-upsample");
  test::ModelBuilder b(9);
  b.input("x", {1, 1, 2, 2});
  b.output("y", {1, 1, 4, 4});
  b.init("scales", {4}, {1, 1, 2, 2});
  b.node("Upsample", {"x", "scales"}, {"y"}, "up");
  const Graph g = prepare_model(b.save(dir + "/up.onnx")).graph;
  quant::QuantPlan plan;
  plan.activations["x"] = {8, 4, true};
  try {
    exporter::export_qdq(g, plan);
    FAIL("expected kUnsupported");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kUnsupported);
    CHECK(std::string(e.what()).find("Upsample 'up'") != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("QDQ export refuses formats and plans it cannot write", "[export]") {
  const std::string dir = test::temp_dir("qdq-refuse");
  const Graph g = prepare_model(small_net(dir)).graph;
  auto code_of = [&](const quant::QuantPlan& p) {
    try {
      exporter::export_qdq(g, p);
    } catch (const Error& e) {
      return e.code();
    }
    return ExitCode::kOk;
  };
  quant::QuantPlan p;
  p.activations["r1"] = {17, 4, false};
  CHECK(code_of(p) == ExitCode::kUnsupported);
  p = {};
  p.weights["w1"] = {24, 10, true};
  CHECK(code_of(p) == ExitCode::kUnsupported);
  p = {};
  p.biases["b1"] = {16, 10, false};
  CHECK(code_of(p) == ExitCode::kUnsupported);
  p = {};
  p.activations["nowhere"] = {8, 4, true};
  CHECK(code_of(p) == ExitCode::kInternal);
  p = {};
  p.activations["w1"] = {8, 4, true};  // an initializer is not an activation
  CHECK(code_of(p) == ExitCode::kInternal);
  std::filesystem::remove_all(dir);
}

TEST_CASE("QDQ export never overwrites its input model", "[export]") {
  const std::string dir = test::temp_dir("qdq-same");
  const std::string model = small_net(dir);
  const Graph g = prepare_model(model).graph;
  quant::QuantPlan plan;
  plan.activations["r1"] = {8, 4, false};
  const std::string before = test::read_bytes(model);
  std::filesystem::create_directories(dir + "/sub");
  std::filesystem::create_symlink(model, dir + "/link.onnx");
  for (const std::string& out : {model, dir + "/./small.onnx", dir + "/sub/../small.onnx", dir + "/link.onnx"}) {
    INFO(out);
    try {
      exporter::write_qdq(g, plan, out, model);
      FAIL("expected kUsage");
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::kUsage);
    }
  }
  CHECK(test::read_bytes(model) == before);
  exporter::write_qdq(g, plan, dir + "/q.onnx", model);
  CHECK(test::file_exists(dir + "/q.onnx"));
  CHECK_FALSE(test::file_exists(dir + "/q.onnx.tmp-" + std::to_string(::getpid())));
  try {
    exporter::write_qdq(g, plan, dir + "/missing/q.onnx", model);
    FAIL("expected kOutput");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kOutput);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("QDQ export rounds ties to even in ONNX Runtime's fused int8 convolution", "[export]") {
  // y = Conv1x1(x, ones) = 3x on integers, quantized with step 4: every x = 2 (mod 4)/3 is a tie.
  const std::string dir = test::temp_dir("qdq-ties");
  test::ModelBuilder b(13);
  b.input("x", {1, 3, 8, 8});
  b.output("y", {1, 3, 8, 8});
  b.init("w", {3, 3, 1, 1}, std::vector<float>(9, 1.f));
  b.node("Conv", {"x", "w"}, {"y"}, "conv");
  const Graph g = prepare_model(b.save(dir + "/ties.onnx")).graph;
  std::vector<float> x(192);
  for (size_t k = 0; k < x.size(); ++k) x[k] = static_cast<float>(static_cast<int>(k % 64) - 32);
  const std::vector<test::Tensors> in = {{{"x", Tensor::from_floats({1, 3, 8, 8}, x)}}};
  quant::QuantPlan plan;
  plan.activations["x"] = {8, 0, true};
  plan.weights["w"] = {8, 0, true};
  plan.activations["y"] = {8, -2, true};
  const auto sim = test::simulate(g, plan, in[0]).at("y");
  for (size_t k = 0; k < 64; ++k) {  // the golden values: 4 * round_half_even(3x / 4)
    const double q = fixedpoint::round_half_even(3.0 * x[k] / 4.0);
    REQUIRE(sim.f[k] == static_cast<float>(4 * q));
  }
  const auto a = export_and_compare(g, plan, in, dir + "/ties_qdq.onnx");
  CHECK(a.max_steps == 0);
  std::filesystem::remove_all(dir);
}
