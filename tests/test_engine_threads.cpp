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

TEST_CASE("fusion plan: which activations fuse into a Conv", "[engine]") {
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
  b.node("LeakyRelu", {"c6"}, {"y"});
  b.output("y", {1, 2, 5, 5});
  // pads keep 5x5
  for (auto& n : *b.m.mutable_graph()->mutable_node())
    if (n.op_type() == "Conv") test::ModelBuilder::attr(&n, "pads", std::vector<int64_t>{1, 1, 1, 1});
  PreparedModel m = prepare_model(b.save(dir + "/fusion.onnx"));
  const FusionPlan p = plan_fusions(m.graph);
  std::map<std::string, Epilogue::Kind> kinds;
  for (const auto& f : p.fusions) kinds[m.graph.nodes[f.layer].name] = f.act.kind;
  CHECK(kinds.size() == 4);
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
