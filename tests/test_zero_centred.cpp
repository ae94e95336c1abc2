// The zero-centred weight method (seed 001; quant/methods/zero_centred.cpp): its offset and grid on a
// hand-made layer against values worked out by hand, and the exported QDQ model (DequantizeLinear, then
// Add of the mean) against the simulation in ONNX Runtime, exactly.
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "engine/prepare.h"
#include "export/qdq_export.h"
#include "onnx/model_writer.h"
#include "qdq_fixture.h"
#include "quant/methods/method.h"
#include "quant/search.h"

using namespace fxq;
using fxq::test::ModelBuilder;

namespace {

// y = Conv(x, w) with 4 weights around 1.0 (a layer whose weights sit off zero): 1x1 conv, 4 -> 1 channels.
Graph offset_layer(const std::string& tag) {
  ModelBuilder b;
  b.input("x", {1, 4, 2, 2});
  b.init("w", {1, 4, 1, 1}, {0.9f, 1.1f, 0.95f, 1.05f});
  b.node("Conv", {"x", "w"}, {"y"}, "conv");
  b.output("y", {1, 1, 2, 2});
  return prepare_model(b.save(test::temp_dir(tag) + "/m.onnx")).graph;
}

std::vector<test::Tensors> feeds(size_t n) {
  std::vector<test::Tensors> f;
  for (size_t k = 0; k < n; ++k) {
    Tensor x = Tensor::zeros({1, 4, 2, 2});
    for (size_t e = 0; e < x.f.size(); ++e) x.f[e] = 0.25f * static_cast<float>((e * 7 + k * 3) % 9) - 1.0f;
    f.push_back({{"x", x}});
  }
  return f;
}

}  // namespace

TEST_CASE("zero-centred: the offset is the mean on an 8-bit grid, or 0 below one step", "[methods]") {
  Tensor w = Tensor::from_floats({4}, {0.9f, 1.1f, 0.95f, 1.05f});
  REQUIRE(quant::zero_centred_offset(w, 4) == 1.0f);  // mean 1.0: exact at frac 6 (8-bit, range +-2)
  Tensor z = Tensor::from_floats({4}, {-0.5f, 0.5f, -0.25f, 0.26f});
  // mean 0.0025; the 4-bit grid for max |w| 0.5 has step 2^-4: below one step, not applied
  REQUIRE(quant::zero_centred_offset(z, 4) == 0.0f);
  Tensor t = Tensor::from_floats({2}, {0.3f, 0.4f});  // mean 0.35: 8-bit frac 8 (range +-0.5): 90/256
  REQUIRE(quant::zero_centred_offset(t, 8) == Approx(90.0 / 256).margin(0));
  REQUIRE_THROWS_AS(quant::parse_methods({"zero-centred", "adaround"}), Error);
  REQUIRE(quant::parse_methods({"zero-centred"}).front()->name == std::string("nearest"));
}

TEST_CASE("zero-centred at 4 bits: mean + Q(W - mean) by hand, better than nearest on the same layer", "[methods]") {
  const Graph g = offset_layer("zc");
  quant::SearchOptions o;
  o.weight_bits = 4;
  o.methods = {"zero-centred"};
  const auto res = quant::search_plan(g, feeds(4), o);
  REQUIRE(res.plan.weight_offsets.at("w") == 1.0f);
  // W - 1 = {-0.1, 0.1, -0.05, 0.05}: the 4-bit no-clip frac for 0.1 is 6 (7/64 >= 0.1), step 1/64.
  REQUIRE(res.plan.weights.at("w").frac == 6);
  const std::vector<double> hand = {1 - 6 / 64.0, 1 + 6 / 64.0, 1 - 3 / 64.0, 1 + 3 / 64.0};
  quant::SimulatedModel sim(g, res.plan);
  const Tensor& wq = *sim.graph().initializer("w");
  for (size_t k = 0; k < 4; ++k) REQUIRE(wq.f[k] == Approx(hand[k]).margin(1e-7));
  // nearest alone: the 4-bit grid for max 1.1 has step 1/4 (frac 2), every weight rounds to 1.0
  quant::SearchOptions on = o;
  on.methods = {"nearest"};
  const auto plain = quant::search_plan(g, feeds(4), on);
  quant::SimulatedModel sim_plain(g, plain.plan);
  const Tensor& wp = *sim_plain.graph().initializer("w");
  const std::vector<float> w = {0.9f, 1.1f, 0.95f, 1.05f};
  double e_centred = 0, e_plain = 0;
  for (size_t k = 0; k < 4; ++k) {
    e_centred += std::pow(wq.f[k] - w[k], 2);
    e_plain += std::pow(wp.f[k] - w[k], 2);
  }
  REQUIRE(e_centred < e_plain / 10);
  REQUIRE(res.layers[1].note.find("zero-centred: mean 1 subtracted") != std::string::npos);
}

TEST_CASE("zero-centred: the QDQ model (DequantizeLinear + Add of the mean) runs in ONNX Runtime exactly as simulated",
          "[methods][export]") {
  const Graph g = offset_layer("zc-ort");
  quant::SearchOptions o;
  o.weight_bits = 4;
  o.methods = {"zero-centred", "bias-correction"};
  const auto res = quant::search_plan(g, feeds(4), o);
  REQUIRE(res.plan.weight_offsets.count("w"));
  const onnx::ModelProto m = exporter::export_qdq(g, res.plan, {});
  CHECK_NOTHROW(onnx::checker::check_model(m));
  size_t adds = 0;
  for (const auto& n : m.graph().node()) adds += n.op_type() == "Add";
  REQUIRE(adds == 1);
  const std::string path = test::temp_dir("zc-qdq") + "/m.qdq.onnx";
  onnxio::save_model_proto(m, path);
  const auto in = feeds(6);
  std::vector<test::Tensors> sim;
  for (const auto& x : in) sim.push_back(test::simulate(g, res.plan, x));
  const test::Agreement a = test::compare(g, res.plan, sim, test::run_ort(path, in));
  REQUIRE(a.elements == 6 * 4);
  REQUIRE(a.off_grid == 0);  // bit-identical
}
