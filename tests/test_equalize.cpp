// Cross-layer equalization (ir/passes/equalize.cpp): power-of-two scales worked out by hand on a
// two-layer net, the float model unchanged on random nets through every link it handles (direct,
// Relu, LeakyRelu, SiLU, depthwise second conv), the links it must leave alone, and the search treating
// the equalized SiLU's Mul as part of the activation.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "engine/executor.h"
#include "engine/prepare.h"
#include "ir/passes/passes.h"
#include "quant/search.h"
#include "test_support.h"

using namespace fxq;
using fxq::test::ModelBuilder;

namespace {

// Weights whose output channels span a wide range: channel c is scaled by 2^(spread * c / (n - 1)).
std::vector<float> spread_values(size_t n, size_t channels, unsigned seed, double spread) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(n);
  const size_t per = n / channels;
  for (size_t k = 0; k < n; ++k)
    v[k] = u(rng) * static_cast<float>(std::exp2(spread * static_cast<double>(k / per) / static_cast<double>(channels - 1)));
  return v;
}

Tensor random_input(const Shape& s, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-2, 2);
  Tensor t = Tensor::zeros(s);
  for (auto& x : t.f) x = u(rng);
  return t;
}

Tensor run(const Graph& g, const Tensor& x) {
  Executor exec(g);
  return exec.run({{g.inputs[0].name, x}}).at(g.outputs[0].name);
}

// Largest |w| of each output channel of a conv's weight.
std::vector<double> row_ranges(const Tensor& w) {
  const int64_t rows = w.dim(0), per = w.size() / rows;
  std::vector<double> r(static_cast<size_t>(rows), 0.0);
  for (int64_t o = 0; o < rows; ++o)
    for (int64_t k = 0; k < per; ++k) r[o] = std::max(r[o], std::abs(static_cast<double>(w.f[o * per + k])));
  return r;
}

const Node& node_named(const Graph& g, const std::string& name) {
  const Node* n = g.find_node(name);
  REQUIRE(n != nullptr);
  return *n;
}

}  // namespace

TEST_CASE("equalize: power-of-two scales by hand on Conv -> Relu -> Conv", "[passes][equalize]") {
  // r1 = (8, 0.5), r2 = (0.5, 2): s = sqrt(r1 / r2) = (4, 0.5), already powers of two. After:
  // W1 = (8/4, 0.5/0.5) = (2, 1), b1 = (2/4, 1/0.5) = (0.5, 2), W2 = (0.5*4, 2*0.5) = (2, 1).
  ModelBuilder b;
  b.input("x", {1, 1, 2, 2});
  b.init("w1", {2, 1, 1, 1}, {8.0f, -0.5f});
  b.init("b1", {2}, {2.0f, 1.0f});
  b.init("w2", {1, 2, 1, 1}, {0.5f, -2.0f});
  b.node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1");
  b.node("Relu", {"c1"}, {"r"}, "relu");
  b.node("Conv", {"r", "w2"}, {"y"}, "conv2");
  b.output("y", {1, 1, 2, 2});
  Graph g = prepare_model(b.save(test::temp_dir("eq-hand") + "/m.onnx")).graph;
  const Graph before = g;
  const auto s = passes::equalize_layers(g);
  REQUIRE(s.pairs == 1);
  REQUIRE(s.channels_scaled == 2);
  REQUIRE(s.silu_scales == 0);
  REQUIRE(g.nodes.size() == 3);  // Relu is homogeneous: nothing added
  CHECK(g.initializers.at(node_named(g, "conv1").inputs[1]).f == std::vector<float>{2.0f, -1.0f});
  CHECK(g.initializers.at(node_named(g, "conv1").inputs[2]).f == std::vector<float>{0.5f, 2.0f});
  CHECK(g.initializers.at(node_named(g, "conv2").inputs[1]).f == std::vector<float>{2.0f, -1.0f});
  const Tensor x = random_input({1, 1, 2, 2}, 3);
  CHECK(run(g, x).f == run(before, x).f);  // power-of-two scales: bit-identical here
  // A second run finds nothing left to do.
  REQUIRE(passes::equalize_layers(g).pairs == 0);
}

TEST_CASE("equalize: the float model is unchanged through SiLU, LeakyRelu, a direct link and a depthwise conv",
          "[passes][equalize]") {
  // conv1 (3->8, 3x3) -> SiLU -> dw (8, 3x3) -> LeakyRelu -> conv3 (8->6, 1x1) -> conv4 (6->4, 1x1) -> y
  ModelBuilder b;
  b.input("x", {1, 3, 6, 6});
  b.init("w1", {8, 3, 3, 3}, spread_values(216, 8, 1, 9));
  b.init("b1", {8}, spread_values(8, 8, 2, 3));
  b.init("wd", {8, 1, 3, 3}, spread_values(72, 8, 3, -6));
  b.init("bd", {8}, spread_values(8, 8, 4, 1));
  b.init("w3", {6, 8, 1, 1}, spread_values(48, 6, 5, 5));
  b.init("w4", {4, 6, 1, 1}, spread_values(24, 4, 6, 2));
  auto* c1 = b.node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1");
  ModelBuilder::attr(c1, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Sigmoid", {"c1"}, {"s1"}, "sig1");
  b.node("Mul", {"c1", "s1"}, {"a1"}, "silu1");
  auto* dw = b.node("Conv", {"a1", "wd", "bd"}, {"cd"}, "dw");
  ModelBuilder::attr(dw, "pads", std::vector<int64_t>{1, 1, 1, 1});
  ModelBuilder::attr(dw, "group", int64_t{8});
  auto* lr = b.node("LeakyRelu", {"cd"}, {"ad"}, "leaky");
  ModelBuilder::attr(lr, "alpha", 0.1f);
  b.node("Conv", {"ad", "w3"}, {"c3"}, "conv3");
  b.node("Conv", {"c3", "w4"}, {"y"}, "conv4");
  b.output("y", {1, 4, 6, 6});
  Graph g = prepare_model(b.save(test::temp_dir("eq-float") + "/m.onnx")).graph;
  const Graph before = g;
  const auto s = passes::equalize_layers(g);
  REQUIRE(s.pairs == 3);
  REQUIRE(s.silu_scales == 1);
  // The SiLU now reads u * Sigmoid(S * u): one Mul by a [1, 8, 1, 1] power-of-two constant before the Sigmoid.
  const Node& pre = node_named(g, "conv1_equalize");
  REQUIRE(pre.op_type == "Mul");
  REQUIRE(node_named(g, "sig1").inputs[0] == pre.outputs[0]);
  const Tensor& scale = g.initializers.at(pre.inputs[1]);
  REQUIRE(scale.shape == Shape{1, 8, 1, 1});
  for (float v : scale.f) {
    int e = 0;
    REQUIRE(std::frexp(v, &e) == 0.5f);  // a power of two
  }
  // Ranges: each pair's two sides within a factor 2 of each other (power-of-two rounding of sqrt).
  const auto r1 = row_ranges(g.initializers.at(node_named(g, "conv1").inputs[1]));
  const auto rd = row_ranges(g.initializers.at(node_named(g, "dw").inputs[1]));
  double lo = 1e30, hi = 0;
  for (size_t c = 0; c < 8; ++c) {
    CHECK(r1[c] / rd[c] <= 2.0 + 1e-9);  // conv1 row c against dw channel c
    CHECK(rd[c] / r1[c] <= 2.0 + 1e-9);
    lo = std::min(lo, r1[c]), hi = std::max(hi, r1[c]);
  }
  const auto r1_before = row_ranges(before.initializers.at(node_named(before, "conv1").inputs[1]));
  const double spread_before = *std::max_element(r1_before.begin(), r1_before.end()) /
                               *std::min_element(r1_before.begin(), r1_before.end());
  CHECK(hi / lo < spread_before / 8);  // conv1's 2^9 spread is mostly gone
  for (unsigned seed = 0; seed < 4; ++seed) {
    const Tensor x = random_input({1, 3, 6, 6}, 10 + seed);
    // Power-of-two factors scale every product and partial sum exactly: bit-identical outputs.
    REQUIRE(run(g, x).f == run(before, x).f);
  }
}

TEST_CASE("equalize: a branch, a Clip, a shared weight and a graph output between the convs are left alone",
          "[passes][equalize]") {
  ModelBuilder b;
  b.input("x", {1, 2, 3, 3});
  b.init("w1", {2, 2, 1, 1}, {16.0f, 0.0f, 0.0f, 0.25f});
  b.init("w2", {2, 2, 1, 1}, {0.25f, 0.0f, 0.0f, 16.0f});
  b.init("lo", {}, {0.0f});
  b.init("hi", {}, {6.0f});
  b.node("Conv", {"x", "w1"}, {"c1"}, "conv1");
  b.node("Clip", {"c1", "lo", "hi"}, {"k"}, "relu6");  // bounds fixed: not homogeneous
  b.node("Conv", {"k", "w2"}, {"c2"}, "conv2");
  b.node("Conv", {"c2", "w2"}, {"c3"}, "conv3");    // w2 is shared by conv2 and conv3
  b.node("Conv", {"c3", "w1"}, {"c4"}, "conv4");    // w1 likewise
  b.node("Relu", {"c4"}, {"y"}, "relu");
  b.node("Conv", {"c4", "w2"}, {"z"}, "conv5");     // c4 read twice
  b.output("y", {1, 2, 3, 3});
  b.output("z", {1, 2, 3, 3});
  Graph g = prepare_model(b.save(test::temp_dir("eq-skip") + "/m.onnx")).graph;
  const Graph before = g;
  REQUIRE(passes::equalize_layers(g).pairs == 0);
  for (const auto& [name, t] : before.initializers) CHECK(g.initializers.at(name).f == t.f);
}

TEST_CASE("equalize: the search takes the SiLU's Mul by S as part of the activation, not a point", "[quant][equalize]") {
  ModelBuilder b;
  b.input("x", {1, 2, 3, 3});
  b.init("w1", {2, 2, 1, 1}, {4.0f, -2.0f, 0.0625f, 0.03125f});
  b.init("w2", {2, 2, 1, 1}, {0.25f, 1.0f, -0.5f, 2.0f});
  b.node("Conv", {"x", "w1"}, {"c1"}, "conv1");
  b.node("Sigmoid", {"c1"}, {"s1"}, "sig");
  b.node("Mul", {"s1", "c1"}, {"a1"}, "silu");
  b.node("Conv", {"a1", "w2"}, {"y"}, "conv2");
  b.output("y", {1, 2, 3, 3});
  Graph g = prepare_model(b.save(test::temp_dir("eq-search") + "/m.onnx")).graph;
  REQUIRE(passes::equalize_layers(g).silu_scales == 1);
  const auto res = quant::search_plan(g, test::random_feeds("x", {1, 2, 3, 3}, 4, 20), quant::SearchOptions{});
  const auto& p = res.plan;
  REQUIRE(!p.activations.count("c1"));            // the accumulator
  REQUIRE(!p.activations.count("c1_equalized"));  // S * accumulator: a shift, no point
  REQUIRE(p.activations.count("s1"));             // the sigmoid table's output
  REQUIRE(p.activations.count("a1"));
  bool silu_layer = false;
  for (const auto& l : res.layers) silu_layer = silu_layer || (l.node == "conv1" && l.op == "Conv+SiLU" && l.output_value == "a1");
  REQUIRE(silu_layer);
}

TEST_CASE("equalize: through Relu and MaxPool (max(x / s) = max(x) / s), bit-identical", "[passes][equalize]") {
  ModelBuilder b;
  b.input("x", {1, 2, 8, 8});
  b.init("w1", {6, 2, 3, 3}, spread_values(108, 6, 7, 8));
  b.init("b1", {6}, spread_values(6, 6, 8, 2));
  b.init("w2", {4, 6, 3, 3}, spread_values(216, 4, 9, -3));
  auto* c1 = b.node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1");
  ModelBuilder::attr(c1, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Relu", {"c1"}, {"r1"}, "relu");
  auto* mp = b.node("MaxPool", {"r1"}, {"p1"}, "pool");
  ModelBuilder::attr(mp, "kernel_shape", std::vector<int64_t>{3, 3});
  ModelBuilder::attr(mp, "strides", std::vector<int64_t>{2, 2});
  ModelBuilder::attr(mp, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Conv", {"p1", "w2"}, {"y"}, "conv2");
  b.output("y", {1, 4, 2, 2});
  Graph g = prepare_model(b.save(test::temp_dir("eq-pool") + "/m.onnx")).graph;
  const Graph before = g;
  const auto s = passes::equalize_layers(g);
  REQUIRE(s.pairs == 1);
  REQUIRE(s.silu_scales == 0);
  REQUIRE(g.nodes.size() == before.nodes.size());
  const auto r1 = row_ranges(g.initializers.at(node_named(g, "conv1").inputs[1]));
  const auto r1_before = row_ranges(before.initializers.at(node_named(before, "conv1").inputs[1]));
  CHECK(*std::max_element(r1.begin(), r1.end()) / *std::min_element(r1.begin(), r1.end()) <
        *std::max_element(r1_before.begin(), r1_before.end()) / *std::min_element(r1_before.begin(), r1_before.end()) / 4);
  for (unsigned seed = 0; seed < 3; ++seed) {
    const Tensor x = random_input({1, 2, 8, 8}, 30 + seed);
    REQUIRE(run(g, x).f == run(before, x).f);
  }
}
