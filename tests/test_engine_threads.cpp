// The engine's results do not depend on the thread count: every shared model, run at 1 and 2 threads
// on the same input (batch 1 and batch 2), gives bit-identical outputs (common/parallel.h explains why).
#include <catch2/catch.hpp>
#include <random>

#include "common/parallel.h"
#include "engine/executor.h"
#include "engine/fusion.h"
#include "engine/prepare.h"
#include "shared_models.h"
#include "test_support.h"

using namespace fxq;

TEST_CASE("engine outputs are bit-identical at 1 and 2 threads on every shared model", "[engine][models]") {
  const std::string data = test::shared_data();
  for (const auto& sm : test::shared_models()) {
    DYNAMIC_SECTION(sm.key) {
      PreparedModel m = prepare_model(data + "/" + sm.file);
      Executor exec(m.graph);
      const auto& vi = m.graph.inputs.at(0);
      Shape shape = vi.shape;
      for (auto& d : shape) d = d < 0 ? 2 : d;  // a dynamic batch runs as batch 2
      std::mt19937 rng(11);
      std::uniform_real_distribution<float> u(0.0f, 1.0f);
      Tensor x = Tensor::zeros(shape);
      for (float& v : x.f) v = u(rng);
      set_num_threads(1);
      const auto one = exec.run({{vi.name, x}});
      set_num_threads(2);
      const auto two = exec.run({{vi.name, x}});
      set_num_threads(0);
      REQUIRE(one.size() == two.size());
      for (const auto& [name, t] : one) {
        INFO(sm.key << " output " << name);
        CHECK(two.at(name).shape == t.shape);
        CHECK(two.at(name).f == t.f);
      }
    }
  }
}

// Fused Conv+activation (runs without hooks) against the unfused graph (a run with an observing hook).
TEST_CASE("fused Conv+activation runs are bit-identical to unfused runs on every shared model", "[engine][models]") {
  const std::string data = test::shared_data();
  for (const auto& sm : test::shared_models()) {
    DYNAMIC_SECTION(sm.key) {
      PreparedModel m = prepare_model(data + "/" + sm.file);
      Executor exec(m.graph);
      const auto& vi = m.graph.inputs.at(0);
      Shape shape = vi.shape;
      for (auto& d : shape) d = d < 0 ? 1 : d;
      std::mt19937 rng(3);
      std::uniform_real_distribution<float> u(-1.0f, 2.0f);
      Tensor x = Tensor::zeros(shape);
      for (float& v : x.f) v = u(rng);
      size_t seen = 0;
      ExecHooks observe;
      observe.on_value = [&](const Node&, const std::string&, Tensor&) { ++seen; };
      const auto fused = exec.run({{vi.name, x}});
      const auto plain = exec.run({{vi.name, x}}, &observe);
      CHECK(seen >= m.graph.nodes.size());  // the hooked run saw every value
      for (const auto& [name, t] : plain) {
        INFO(sm.key << " output " << name);
        CHECK(fused.at(name).f == t.f);
      }
    }
  }
}

TEST_CASE("fusion plan: which activations and residual Adds fuse into a Conv", "[engine]") {
  const std::string dir = test::temp_dir("fusion");
  test::ModelBuilder b(13);
  b.input("x", {1, 2, 5, 5});
  b.init("w", {2, 2, 3, 3}, std::vector<float>(36, 0.1f));
  b.init("lo", {}, {0.0f});
  b.init("hi", {}, {6.0f});
  b.node("Conv", {"x", "w"}, {"c1"}, "conv_relu");
  b.node("Relu", {"c1"}, {"r1"});
  b.node("Conv", {"r1", "w"}, {"c2"}, "conv_clip");
  b.node("Clip", {"c2", "lo", "hi"}, {"r2"});
  b.node("Conv", {"r2", "w"}, {"c3"}, "conv_silu");
  b.node("Sigmoid", {"c3"}, {"s3"});
  b.node("Mul", {"s3", "c3"}, {"r3"});  // operands swapped on purpose
  b.node("Conv", {"r3", "w"}, {"c4"}, "conv_two_readers");
  b.node("LeakyRelu", {"c4"}, {"r4"});
  b.node("Add", {"c4", "r4"}, {"r5"});  // c4 read twice, not a SiLU: no fusion
  b.node("Conv", {"r5", "w"}, {"c6"}, "conv_leaky");
  b.node("LeakyRelu", {"c6"}, {"r6"});
  b.node("Conv", {"r6", "w"}, {"c7"}, "conv_residual_relu");  // ResNet: Add of an earlier value, then Relu
  b.node("Add", {"r5", "c7"}, {"s7"});
  b.node("Relu", {"s7"}, {"r7"});
  b.node("Conv", {"r7", "w"}, {"c8"}, "conv_residual");  // an Add and no activation: its sum is read twice
  b.node("Add", {"c8", "r6"}, {"s8"});
  b.node("Conv", {"s8", "w"}, {"c9"}, "conv_later_operand");  // the Add's other operand comes after it
  b.node("Conv", {"s8", "w"}, {"c10"}, "conv_after");  // ... and this one takes it, c9 being ready
  b.node("Add", {"c9", "c10"}, {"s9"});
  b.init("row", {5}, std::vector<float>(5, 0.5f));
  b.node("Conv", {"s9", "w"}, {"c11"}, "conv_broadcast");  // Add of a [5] row: broadcasting, not fused
  b.node("Add", {"c11", "row"}, {"s11"});
  b.node("Add", {"s11", "s8"}, {"y"});
  b.output("y", {1, 2, 5, 5});
  // pads keep 5x5
  for (auto& n : *b.m.mutable_graph()->mutable_node())
    if (n.op_type() == "Conv") test::ModelBuilder::attr(&n, "pads", std::vector<int64_t>{1, 1, 1, 1});
  PreparedModel m = prepare_model(b.save(dir + "/fusion.onnx"));
  const FusionPlan p = plan_fusions(m.graph);
  std::map<std::string, Epilogue::Kind> kinds;
  std::map<std::string, std::string> residuals;
  for (const auto& f : p.fusions) {
    kinds[m.graph.nodes[f.layer].name] = f.act.kind;
    residuals[m.graph.nodes[f.layer].name] = f.residual;
  }
  CHECK(kinds.size() == 7);
  CHECK(kinds["conv_residual_relu"] == Epilogue::kRelu);
  CHECK(residuals["conv_residual_relu"] == "r5");
  CHECK(kinds["conv_residual"] == Epilogue::kNone);
  CHECK(residuals["conv_residual"] == "r6");
  CHECK(kinds.count("conv_later_operand") == 0);
  CHECK(residuals["conv_after"] == "c9");
  CHECK(kinds.count("conv_broadcast") == 0);
  CHECK(residuals["conv_relu"].empty());
  CHECK(kinds["conv_relu"] == Epilogue::kRelu);
  CHECK(kinds["conv_clip"] == Epilogue::kClip);
  CHECK(kinds["conv_silu"] == Epilogue::kSiLU);
  CHECK(kinds["conv_leaky"] == Epilogue::kLeakyRelu);
  CHECK(kinds.count("conv_two_readers") == 0);
  // and the fused run equals the unfused one, hand-checkable structure aside
  Executor exec(m.graph);
  Tensor x = Tensor::zeros({1, 2, 5, 5});
  for (size_t k = 0; k < x.f.size(); ++k) x.f[k] = static_cast<float>(k % 7) - 3.0f;
  ExecHooks observe;
  observe.on_value = [](const Node&, const std::string&, Tensor&) {};
  CHECK(exec.run({{"x", x}}).at("y").f == exec.run({{"x", x}}, &observe).at("y").f);
}

// A residual Add (and the activation after it) fused into each kind of conv kernel: the stem, depthwise
// 3x3, direct 1x1, direct 3x3 and GEMM paths, against the unfused graph, bit for bit.
TEST_CASE("residual Add fused into every conv path is bit-identical to the unfused graph", "[engine]") {
  const std::string dir = test::temp_dir("fusion-residual");
  test::ModelBuilder b(13);
  const int64_t c = 16, h = 19, w = 23;  // widths that end in partial vectors
  b.input("x", {1, c, h, w});
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-0.3f, 0.3f);
  auto weights = [&](const std::string& name, std::vector<int64_t> shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::vector<float> v(static_cast<size_t>(n));
    for (float& e : v) e = u(rng);
    b.init(name, shape, v);
  };
  weights("w_dw", {c, 1, 3, 3});
  weights("w_1x1", {c, c, 1, 1});
  weights("w_3x3", {c, c, 3, 3});
  weights("w_5x5", {c, c, 5, 5});
  weights("w_stem", {c, 4, 3, 3});
  weights("bias", {c});
  b.init("lo", {}, {-0.5f});
  b.init("hi", {}, {0.5f});
  auto conv = [&](const std::string& in, const std::string& wt, const std::string& out, int64_t group, int64_t pad) {
    auto* n = b.node("Conv", {in, wt, "bias"}, {out}, "conv_" + out);
    test::ModelBuilder::attr(n, "pads", std::vector<int64_t>{pad, pad, pad, pad});
    if (group > 1) test::ModelBuilder::attr(n, "group", group);
  };
  conv("x", "w_dw", "c1", c, 1);  // depthwise 3x3
  b.node("Add", {"c1", "x"}, {"s1"});
  b.node("Relu", {"s1"}, {"r1"});
  conv("r1", "w_1x1", "c2", 1, 0);  // direct 1x1
  b.node("Add", {"x", "c2"}, {"s2"});
  b.node("LeakyRelu", {"s2"}, {"r2"});
  conv("r2", "w_3x3", "c3", 1, 1);  // direct 3x3
  b.node("Add", {"c3", "r1"}, {"s3"});
  b.node("Clip", {"s3", "lo", "hi"}, {"r3"});
  conv("r3", "w_5x5", "c4", 1, 2);  // im2col + GEMM
  b.node("Add", {"c4", "r2"}, {"r4"});  // no activation
  b.node("Slice", {"r4", "starts", "ends", "axes"}, {"q4"});
  b.init_i64("starts", {1}, {0});
  b.init_i64("ends", {1}, {4});
  b.init_i64("axes", {1}, {1});
  conv("q4", "w_stem", "c5", 1, 1);  // the stem kernel (4 input channels)
  b.node("Add", {"c5", "r3"}, {"s5"});
  b.node("Relu", {"s5"}, {"y"});
  b.output("y", {1, c, h, w});
  PreparedModel m = prepare_model(b.save(dir + "/residual.onnx"));
  const FusionPlan p = plan_fusions(m.graph);
  size_t with_residual = 0;
  for (const auto& f : p.fusions) with_residual += !f.residual.empty();
  CHECK(with_residual == 5);
  Executor exec(m.graph);
  Tensor x = Tensor::zeros({1, c, h, w});
  std::uniform_real_distribution<float> ux(-1.0f, 1.0f);
  for (float& v : x.f) v = ux(rng);
  ExecHooks observe;
  observe.on_value = [](const Node&, const std::string&, Tensor&) {};
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    const Tensor fused = exec.run({{"x", x}}).at("y");
    const Tensor plain = exec.run({{"x", x}}, &observe).at("y");
    CHECK(fused.f == plain.f);
  }
  set_num_threads(0);
}
