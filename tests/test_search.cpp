// The per-layer search: plan consistency on a hand-built model, and accuracy of real models at 8/8.
#include <catch2/catch.hpp>
#include <random>

#include "data/image_folder.h"
#include "data/image_stream.h"
#include "data/labels.h"
#include "data/preprocess_config.h"
#include "engine/prepare.h"
#include "eval/image_eval.h"
#include "quant/search.h"
#include "quant/search_walk.h"
#include "quant/simulate.h"
#include "shared_models.h"
#include "test_support.h"

using namespace fxq;
using fxq::test::ModelBuilder;
using fxq::test::random_feeds;

namespace {


}  // namespace

TEST_CASE("add_channel_errors: per output channel, the sum of squared differences in element order", "[quant]") {
  // Against the definition (channel of element k = (k / inner) % channels), bit for bit: the runs
  // it adds per (image, channel) must give the same double sums as adding element by element.
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  for (const Shape& shape : {Shape{2, 3, 4, 5}, Shape{1, 7, 1, 1}, Shape{3, 5}, Shape{1, 1, 9, 2}, Shape{2, 4, 0, 3}}) {
    Tensor y = Tensor::zeros(shape), ref = Tensor::zeros(shape);
    for (float& v : y.f) v = u(rng);
    for (float& v : ref.f) v = u(rng);
    const int64_t channels = shape[1];
    const int64_t inner = shape.size() > 2 ? numel(shape) / (shape[0] * shape[1]) : 1;
    std::vector<double> want(static_cast<size_t>(channels), 0.25), got = want;  // sums carried in, too
    for (int64_t k = 0; k < numel(shape); ++k) {
      const double d = static_cast<double>(y.f[k]) - ref.f[k];
      want[static_cast<size_t>((k / inner) % channels)] += d * d;
    }
    quant::walk::add_channel_errors(y, ref, channels, got);
    INFO(shape_str(shape));
    CHECK(got == want);
  }
}

TEST_CASE("search: every layer gets formats and biases sit at input frac plus weight frac", "[quant]") {
  const std::string dir = test::temp_dir("search");
  ModelBuilder b;
  b.input("x", {1, 2, 4, 4});
  b.init("w1", {3, 2, 3, 3}, std::vector<float>(54, 0.25f));
  b.init("b1", {3}, {0.1f, -0.2f, 0.3f});
  auto* c1 = b.node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1");
  test::ModelBuilder::attr(c1, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  b.node("MaxPool", {"r1"}, {"p1"}, "pool1");
  test::ModelBuilder::attr(b.m.mutable_graph()->mutable_node(2), "kernel_shape", std::vector<int64_t>{2, 2});
  b.init("w2", {2, 3, 1, 1}, {0.5f, -0.5f, 0.125f, 1.5f, -1.0f, 0.75f});
  b.node("Conv", {"p1", "w2"}, {"y"}, "conv2");
  b.output("y", {1, 2, 2, 2});
  PreparedModel m = prepare_model(b.save(dir + "/m.onnx"));
  auto res = quant::search_plan(m.graph, random_feeds("x", {1, 2, 4, 4}, 8, 3), quant::SearchOptions{});
  const auto& p = res.plan;
  REQUIRE(p.activations.count("x"));
  REQUIRE(!p.activations.count("c1"));  // fused into the Relu
  REQUIRE(p.activations.count("r1"));
  REQUIRE(!p.activations.count("p1"));  // MaxPool keeps the Relu's format
  REQUIRE(p.activations.count("y"));
  REQUIRE(!p.activations.at("r1").is_signed);  // after a Relu
  REQUIRE(p.weights.at("w1").bits == 8);
  // every weight value of w1 is 0.25: frac 9 (s8 range +-0.248) clips, frac 8 (+-0.496) is exact... the search
  // picks the candidate with the smallest output error, which must represent 0.25 exactly
  REQUIRE(fixedpoint::fake_quantize(0.25f, p.weights.at("w1")) == 0.25f);
  REQUIRE(p.biases.at("b1").bits == 32);
  REQUIRE(p.biases.at("b1").frac == p.activations.at("x").frac + p.weights.at("w1").frac);
  REQUIRE(p.float_nodes.empty());
  for (const auto& l : res.layers) {
    INFO(l.node);
    REQUIRE(l.sqnr_db > 20.0);
  }
}

TEST_CASE("8/8 quantized MNIST loses at most 0.5 pp top-1 on images it was not calibrated on", "[quant][models]") {
  const std::string data = test::shared_data();
  PreparedModel m = prepare_model(data + "/models/cls/mnist8_zoo.onnx");
  const auto cfg = data::load_preset("mnist-28");
  auto li = data::load_labelled_images(data + "/images/mnist", data + "/images/mnist/labels.tsv", [](const std::string&) {});
  // calibration: every 20th image (100); evaluation: all the others (1900)
  std::vector<data::ImageEntry> calib, eval;
  std::vector<int> eval_labels;
  for (size_t k = 0; k < li.images.size(); ++k) {
    if (k % 20 == 0) calib.push_back(li.images[k]);
    else { eval.push_back(li.images[k]); eval_labels.push_back(li.labels[k]); }
  }
  std::vector<std::map<std::string, Tensor>> feeds;
  data::ImageStream stream(calib, {}, cfg, 16, [](const std::string& w) { FAIL(w); });
  std::vector<data::Sample> batch;
  while (stream.next(batch))
    for (auto& s : batch) feeds.push_back({{m.graph.inputs[0].name, s.tensor}});
  auto res = quant::search_plan(m.graph, feeds, quant::SearchOptions{});
  quant::SimulatedModel sim(m.graph, res.plan);
  Executor exec(m.graph);
  ImageEvalOptions eo;
  eo.quiet = true;
  auto fl = evaluate_images(exec, eval, eval_labels, cfg, eo, [](const std::string&) {});
  auto qz = evaluate_images(m.graph, [&](std::map<std::string, Tensor> f) { return sim.run(std::move(f)); }, eval,
                            eval_labels, cfg, eo, [](const std::string&) {});
  std::printf("mnist8 8/8: float top-1 %.2f %%, quantized %.2f %% on %zu images\n", fl.topk.top1_pct(), qz.topk.top1_pct(),
              qz.topk.count);
  REQUIRE(fl.topk.top1_pct() - qz.topk.top1_pct() <= 0.5);
}
