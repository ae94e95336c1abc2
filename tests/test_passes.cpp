// Graph passes: each keeps what the graph computes (compared with the unmodified graph).
#include <catch2/catch.hpp>
#include <random>

#include "engine/executor.h"
#include "ir/passes/passes.h"
#include "onnx/model_loader.h"
#include "test_support.h"

using namespace fxq;
using fxq::test::ModelBuilder;

namespace {

std::vector<float> random_values(size_t n, unsigned seed, float lo = -1, float hi = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

Tensor run_single(const Graph& g, const Tensor& x) {
  Executor exec(g);
  auto out = exec.run({{g.inputs[0].name, x}});
  return out.at(g.outputs[0].name);
}

void require_close(const Tensor& a, const Tensor& b, float tol) {
  REQUIRE(a.shape == b.shape);
  for (size_t k = 0; k < a.f.size(); ++k) {
    INFO("element " << k << ": " << a.f[k] << " vs " << b.f[k]);
    REQUIRE(std::abs(a.f[k] - b.f[k]) <= tol * std::max(1.0f, std::abs(b.f[k])));
  }
}

}  // namespace

TEST_CASE("BatchNorm after Conv is folded and the output is unchanged", "[passes]") {
  const std::string dir = test::temp_dir("bn");
  ModelBuilder b;
  b.input("x", {1, 3, 5, 5});
  b.init("w", {4, 3, 3, 3}, random_values(108, 1));
  b.init("cb", {4}, random_values(4, 2));
  b.init("gamma", {4}, random_values(4, 3, 0.5f, 2.0f));
  b.init("beta", {4}, random_values(4, 4));
  b.init("mean", {4}, random_values(4, 5));
  b.init("var", {4}, random_values(4, 6, 0.1f, 3.0f));
  auto* conv = b.node("Conv", {"x", "w", "cb"}, {"c"}, "conv");
  ModelBuilder::attr(conv, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("BatchNormalization", {"c", "gamma", "beta", "mean", "var"}, {"bn"}, "bn");
  b.node("Identity", {"bn"}, {"id"}, "id");
  b.node("Relu", {"id"}, {"y"}, "relu");
  b.output("y", {1, 4, 5, 5});
  const std::string path = b.save(dir + "/bn.onnx");

  Graph plain = onnxio::load_model(path).graph;
  Graph folded = plain;
  auto s = passes::run_default_passes(folded);
  REQUIRE(s.batchnorms == 1);
  REQUIRE(s.identities == 1);
  REQUIRE(folded.nodes.size() == 2);
  REQUIRE(folded.nodes[0].op_type == "Conv");
  REQUIRE(folded.initializers.count("gamma") == 0);  // dead initializers dropped
  const Tensor x = Tensor::from_floats({1, 3, 5, 5}, random_values(75, 7, -3, 3));
  require_close(run_single(folded, x), run_single(plain, x), 1e-5f);
}

TEST_CASE("BatchNorm after a Gemm (transB) is folded", "[passes]") {
  const std::string dir = test::temp_dir("bngemm");
  ModelBuilder b;
  b.input("x", {2, 6});
  b.init("w", {3, 6}, random_values(18, 11));
  b.init("c", {3}, random_values(3, 12));
  b.init("gamma", {3}, random_values(3, 13, 0.5f, 2.0f));
  b.init("beta", {3}, random_values(3, 14));
  b.init("mean", {3}, random_values(3, 15));
  b.init("var", {3}, random_values(3, 16, 0.1f, 3.0f));
  auto* gemm = b.node("Gemm", {"x", "w", "c"}, {"g"}, "gemm");
  ModelBuilder::attr(gemm, "transB", int64_t{1});
  ModelBuilder::attr(gemm, "alpha", 0.5f);
  b.node("BatchNormalization", {"g", "gamma", "beta", "mean", "var"}, {"y"}, "bn");
  b.output("y", {2, 3});
  Graph plain = onnxio::load_model(b.save(dir + "/g.onnx")).graph;
  Graph folded = plain;
  REQUIRE(passes::run_default_passes(folded).batchnorms == 1);
  REQUIRE(folded.nodes.size() == 1);
  const Tensor x = Tensor::from_floats({2, 6}, random_values(12, 17, -3, 3));
  require_close(run_single(folded, x), run_single(plain, x), 1e-5f);
}

TEST_CASE("a Shape-Gather-Unsqueeze-Concat-Reshape chain on static shapes folds to a constant", "[passes]") {
  const std::string dir = test::temp_dir("fold");
  ModelBuilder b;
  b.input("x", {1, 2, 3, 3});
  b.init_i64("idx0", {}, {0});
  b.init_i64("minus1", {1}, {-1});
  b.node("Relu", {"x"}, {"r"}, "relu");
  b.node("Shape", {"r"}, {"s"}, "shape");
  auto* gather = b.node("Gather", {"s", "idx0"}, {"n"}, "gather");
  ModelBuilder::attr(gather, "axis", int64_t{0});
  b.init_i64("axes0", {1}, {0});
  b.node("Unsqueeze", {"n", "axes0"}, {"n1"}, "unsq");
  auto* cat = b.node("Concat", {"n1", "minus1"}, {"shape2"}, "concat");
  ModelBuilder::attr(cat, "axis", int64_t{0});
  b.node("Reshape", {"r", "shape2"}, {"y"}, "reshape");
  b.output("y", {1, 18});
  Graph plain = onnxio::load_model(b.save(dir + "/f.onnx")).graph;
  Graph folded = plain;
  auto s = passes::run_default_passes(folded);
  REQUIRE(s.constants == 4);
  REQUIRE(folded.nodes.size() == 2);  // Relu, Reshape
  REQUIRE(folded.initializer(folded.nodes[1].inputs[1])->i == std::vector<int64_t>{1, -1});
  const Tensor x = Tensor::from_floats({1, 2, 3, 3}, random_values(18, 21, -3, 3));
  Tensor y = run_single(folded, x);
  REQUIRE(y.shape == Shape{1, 18});
  require_close(y, run_single(plain, x), 0.0f);
}

TEST_CASE("constant Adds after a Conv and a MatMul become their biases", "[passes]") {
  const std::string dir = test::temp_dir("biasadd");
  ModelBuilder b;
  b.input("x", {1, 2, 4, 4});
  b.init("w", {3, 2, 3, 3}, random_values(54, 31));
  b.init("c", {3, 1, 1}, random_values(3, 32));
  b.node("Conv", {"x", "w"}, {"conv"}, "conv");
  b.node("Add", {"conv", "c"}, {"a"}, "add_bias");
  b.init_i64("shape", {2}, {1, 12});
  b.node("Reshape", {"a", "shape"}, {"flat"}, "reshape");
  b.init("m", {12, 5}, random_values(60, 33));
  b.init("d", {1, 5}, random_values(5, 34));
  b.node("MatMul", {"flat", "m"}, {"mm"}, "matmul");
  b.node("Add", {"d", "mm"}, {"y"}, "add_bias2");
  b.output("y", {1, 5});
  Graph plain = onnxio::load_model(b.save(dir + "/b.onnx")).graph;
  Graph folded = plain;
  REQUIRE(passes::run_default_passes(folded).bias_adds == 2);
  REQUIRE(folded.nodes.size() == 3);
  REQUIRE(folded.nodes[0].inputs.size() == 3);
  REQUIRE(folded.nodes[2].op_type == "Gemm");
  const Tensor x = Tensor::from_floats({1, 2, 4, 4}, random_values(32, 35, -3, 3));
  require_close(run_single(folded, x), run_single(plain, x), 1e-5f);
}
