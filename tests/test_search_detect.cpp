// What detectors need from the per-layer search: SiLU written as x * Sigmoid(x) is the layer's
// activation (no point on the pre-activation), and per channel, a channel of tiny weights (frac near 70)
// neither saturates the bias nor makes the accumulator inexact. Hand-built models and hand-computed values; the
// exported QDQ of the real detectors is checked against ONNX Runtime in test_quantize_e2e.cpp.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "engine/prepare.h"
#include "quant/search.h"
#include "quant/simulate.h"
#include "test_support.h"

using namespace fxq;
using fxq::test::ModelBuilder;
using fxq::test::random_feeds;

namespace {


}  // namespace

TEST_CASE("search: SiLU as Conv -> Sigmoid, Mul is the layer's activation, the pre-activation is no point", "[quant][detect]") {
  ModelBuilder b;
  b.input("x", {1, 2, 3, 3});
  b.init("w", {2, 2, 1, 1}, {0.5f, -0.75f, 1.0f, 0.25f});
  b.init("bias", {2}, {0.125f, -0.5f});
  b.node("Conv", {"x", "w", "bias"}, {"c"}, "conv");
  b.node("Sigmoid", {"c"}, {"s"}, "sig");
  b.node("Mul", {"s", "c"}, {"y"}, "silu");  // either input order is a SiLU
  b.output("y", {1, 2, 3, 3});
  PreparedModel m = prepare_model(b.save(test::temp_dir("silu") + "/m.onnx"));
  const auto feeds = random_feeds("x", {1, 2, 3, 3}, 4, 7);
  auto res = quant::search_plan(m.graph, feeds, quant::SearchOptions{});
  const auto& p = res.plan;
  REQUIRE(!p.activations.count("c"));  // the pre-activation: not a point
  REQUIRE(p.activations.count("s"));   // the sigmoid's table output: 8-bit unsigned
  REQUIRE(!p.activations.at("s").is_signed);
  REQUIRE(p.activations.count("y"));
  REQUIRE(res.layers.size() == 3);  // the input, the layer with its activation, the sigmoid's point
  REQUIRE(res.layers[1].op == "Conv+SiLU");
  REQUIRE(res.layers[1].output_value == "y");
  REQUIRE(res.layers[2].op == "Sigmoid");
  // The simulation: y = q_y( c~ * q_s(sigmoid(c~)) ), c~ the conv of the quantized input and weights, by hand.
  quant::SimulatedModel sim(m.graph, p);
  const Tensor& x = feeds[0].at("x");
  const auto fx = p.activations.at("x"), fy = p.activations.at("y"), fs = p.activations.at("s"), fw = p.weights.at("w");
  const auto q = [](double v, const fixedpoint::QFormat& f) {
    double t = std::nearbyint(v / f.step());
    t = std::min<double>(std::max<double>(t, f.qmin()), f.qmax());
    return t * f.step();
  };
  const std::vector<float> w = {0.5f, -0.75f, 1.0f, 0.25f}, bias = {0.125f, -0.5f};
  const Tensor y = sim.run({{"x", x}}).at("y");
  for (int oc = 0; oc < 2; ++oc)
    for (int px = 0; px < 9; ++px) {
      double c = bias[oc];  // the bias's grid (input frac + weight frac) holds 0.125 and -0.5 exactly
      for (int ic = 0; ic < 2; ++ic) c += q(w[oc * 2 + ic], fw) * q(x.f[ic * 9 + px], fx);
      const double expected = q(c * q(1 / (1 + std::exp(-c)), fs), fy);
      REQUIRE(y.f[oc * 9 + px] == Approx(expected).margin(1e-6));
    }
}

TEST_CASE("search: a Sigmoid that is not part of a SiLU keeps its own point", "[quant][detect]") {
  ModelBuilder b;
  b.input("x", {1, 1, 2, 2});
  b.init("w", {1, 1, 1, 1}, {0.5f});
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  b.node("Sigmoid", {"c"}, {"s"}, "sig");
  b.node("Mul", {"s", "x"}, {"y"}, "gate");  // x * sigmoid(conv(x)): not a SiLU
  b.output("y", {1, 1, 2, 2});
  PreparedModel m = prepare_model(b.save(test::temp_dir("nosilu") + "/m.onnx"));
  auto res = quant::search_plan(m.graph, random_feeds("x", {1, 1, 2, 2}, 4, 3), quant::SearchOptions{});
  REQUIRE(res.plan.activations.count("c"));
  REQUIRE(res.plan.activations.count("s"));
  REQUIRE(res.plan.activations.count("y"));
}

TEST_CASE("search: per channel, a nearly dead channel does not push the bias grid past the bias range", "[quant][detect]") {
  ModelBuilder b;
  b.input("x", {1, 1, 2, 2});
  // channel 0: ordinary weights; channel 1: ~1e-20 (BN-folded dead channel), frac ~ 72 on its own
  b.init("w", {2, 1, 1, 1}, {0.5f, 1e-20f});
  b.init("bias", {2}, {0.75f, -1.5f});
  b.node("Conv", {"x", "w", "bias"}, {"y"}, "conv");
  b.output("y", {1, 2, 2, 2});
  PreparedModel m = prepare_model(b.save(test::temp_dir("deadch") + "/m.onnx"));
  quant::SearchOptions o;
  o.per_channel = true;
  auto res = quant::search_plan(m.graph, random_feeds("x", {1, 1, 2, 2}, 4, 5), o);
  const auto& bf = res.plan.biases.at("bias");
  // 32-bit signed: the range at frac f is 2^(31 - f); -1.5 needs f <= 30.
  REQUIRE(bf.frac <= 30);
  quant::SimulatedModel sim(m.graph, res.plan);
  Tensor x = Tensor::zeros({1, 1, 2, 2});
  const Tensor y = sim.run({{"x", x}}).at("y");
  // x = 0: the outputs are the biases (exact on the 32-bit grid), quantized at the output's format.
  const auto fy = res.plan.activations.at("y");
  REQUIRE(y.f[0] == Approx(std::min(0.75, fy.max_value())).margin(fy.step()));
  REQUIRE(y.f[4] == Approx(std::max(-1.5, -fy.max_value() - fy.step())).margin(fy.step()));
  REQUIRE(y.f[4] < -0.5);  // before the fix the bias saturated to ~1e-12: y was 0
}
