// The accuracy gate and the mixed-precision search: the greedy path on a hand-made profile, the
// metric's early stop, the profile's gains, and `fxq quantize --max-loss` end to end on MNIST
// (met, impossible, --write-best, --eval-split, and every bad flag combination).
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "common/error.h"
#include "engine/model_stats.h"
#include "engine/prepare.h"
#include "quant/metric.h"
#include "quant/mixed_precision.h"
#include "quant/search.h"
#include "test_support.h"

using namespace fxq;
using namespace fxq::quant;
using test::run_fxq;

namespace {

// x -> conv1 (4 weights, 10 MACs) -> relu -> conv2 (8 weights, 20 MACs) -> y
Graph two_convs() {
  test::ModelBuilder b;
  b.input("x", {1, 1, 3, 3});
  b.init("w1", {2, 1, 1, 2}, {0.5f, -0.25f, 0.75f, 0.1f});
  b.node("Conv", {"x", "w1"}, {"c1"}, "conv1");
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  b.init("w2", {4, 2, 1, 1}, {0.5f, -0.5f, 0.25f, 1.0f, -1.0f, 0.75f, 0.2f, 0.3f});
  b.node("Conv", {"r1", "w2"}, {"y"}, "conv2");
  b.output("y", {1, 4, 3, 2});
  return prepare_model(b.save(test::temp_dir("gate-graph") + "/m.onnx")).graph;
}

NoiseProfile table(double gain, std::map<int, double> noise) {
  NoiseProfile p;
  p.gain = gain;
  p.noise = std::move(noise);
  return p;
}

std::string mnist_model() { return test::shared_data() + "/models/cls/mnist8_zoo.onnx"; }

// calib: MNIST images [0, n); eval: [n, n + m) with a labels TSV.
struct Sets {
  std::string calib, eval;
};
Sets mnist_sets(size_t n, size_t m) {
  const std::string src = test::shared_data() + "/images/mnist";
  Sets s{test::temp_dir("gcalib"), test::temp_dir("geval")};
  std::ifstream labels(src + "/labels.tsv");
  std::ofstream out(s.eval + "/labels.tsv");
  std::string line;
  for (size_t k = 0; k < n + m && std::getline(labels, line); ++k) {
    const std::string file = line.substr(0, line.find('\t'));
    std::filesystem::create_symlink(src + "/" + file, (k < n ? s.calib : s.eval) + "/" + file);
    if (k >= n) out << line << "\n";
  }
  return s;
}

void require_one_line_error(const test::CommandResult& r, ExitCode code, const std::string& mention) {
  test::require_one_line_error(r, static_cast<int>(code), mention);
}

bool validates(const std::string& report) { return test::validates_report_schema(report); }

}  // namespace

TEST_CASE("greedy path: cheapest error per saved bit first, costs as in the report", "[mixed]") {
  const Graph g = two_convs();
  const ModelStats stats = compute_stats(g);
  SearchProfile prof;
  // conv1: cheap to shrink in error terms; conv2: its 4-bit step costs a lot of error.
  prof.layers.push_back({"conv1", "w1", "c1", "x", 4, table(1.0, {{2, 5.0}, {4, 1.0}, {8, 0.0}})});
  prof.layers.push_back({"conv2", "w2", "y", "r1", 8, table(2.0, {{2, 90.0}, {4, 10.0}, {8, 0.0}})});
  prof.points.push_back({"x", table(1.0, {{2, 4.0}, {4, 1.0}, {8, 0.0}})});
  prof.points.push_back({"r1", table(1.0, {{2, 50.0}, {4, 2.0}, {8, 0.0}})});
  prof.points.push_back({"y", table(1.0, {{2, 9.0}, {4, 3.0}, {8, 0.0}})});

  SECTION("memory") {
    const auto path = greedy_path(g, prof, stats, Objective::kMemory, {2, 4, 8}, {2, 4, 8});
    // added error per saved weight bit at the start: conv1 8->4: 1/16, conv1 8->2: 5/24, conv2 8->4:
    // 2*10/32, conv2 8->2: 2*90/48; the smallest ratio is taken at each step
    REQUIRE(path.front().move == "upper bound");
    REQUIRE(path.front().weight_bits == 8 * 4 + 8 * 8);
    REQUIRE(path[1].move == "conv1 w 8->4");
    REQUIRE(path[2].move == "conv1 w 4->2");  // ratio 4 / 8 = 0.5 < conv2 8->4: 20 / 32 = 0.625
    REQUIRE(path[3].move == "conv2 w 8->4");
    REQUIRE(path[4].move == "conv2 w 4->2");
    REQUIRE(path.size() == 5);  // activations cost no memory: they stay at 8 bits
    for (const auto& s : path)
      for (const auto& [v, b] : s.bits.activation) REQUIRE(b == 8);
    REQUIRE(path[3].predicted_noise == Approx(5.0 + 2 * 10.0));
    REQUIRE(path.back().weight_bits == 2 * 4 + 2 * 8);
    for (size_t k = 1; k < path.size(); ++k) REQUIRE(path[k].weight_bits < path[k - 1].weight_bits);
  }
  SECTION("bit-ops: activations move too, each priced by the MACs of the layers that read them") {
    const auto path = greedy_path(g, prof, stats, Objective::kBitops, {2, 4, 8}, {2, 4, 8});
    int64_t macs1 = 0, macs2 = 0;
    for (const auto& l : stats.layers) {
      if (l.name == "conv1") macs1 = l.macs;
      if (l.name == "conv2") macs2 = l.macs;
    }
    REQUIRE(macs1 == 2 * 3 * 2 * 2);  // [1,2,3,2] outputs x 2 taps
    REQUIRE(macs2 == 4 * 3 * 2 * 2);  // [1,4,3,2] outputs x 2 input channels
    REQUIRE(path.front().bitops == Approx(64.0 * (macs1 + macs2)));
    bool moved_act = false;
    for (const auto& s : path) moved_act |= s.bits.activation.at("x") < 8 || s.bits.activation.at("r1") < 8;
    REQUIRE(moved_act);
    REQUIRE(path.back().bits.activation.at("y") == 8);  // no layer reads y: shrinking it saves nothing
    for (size_t k = 1; k < path.size(); ++k) REQUIRE(path[k].bitops < path[k - 1].bitops);
    const auto& last = path.back();
    REQUIRE(last.bitops == Approx(static_cast<double>(macs1) * 2 * 2 + static_cast<double>(macs2) * 2 * 2));
  }
  SECTION("balanced: memory and bit-ops, each relative to the upper bound, summed") {
    REQUIRE(parse_objective("balanced") == Objective::kBalanced);
    const auto path = greedy_path(g, prof, stats, Objective::kBalanced, {2, 4, 8}, {2, 4, 8});
    // upper bound: memory 96 weight bits, bit-ops 64 x (24 + 48) = 4608. Saved per bit: conv1's
    // weights 4/96 + 24*8/4608 = 1/12, conv2's 8/96 + 48*8/4608 = 1/6, x's 24*8/4608 = 1/24, r1's
    // 48*8/4608 = 1/12. Added error per unit saved: conv1 8->4: 1/(4/12) = 3; x 8->4: 1/(4/24) = 6;
    // r1 8->4: 2/(4/12) = 6; conv2 8->4: 20/(4/6) = 30. Then, with conv1 at 4 bits (x now saves
    // 24*4/4608 per bit: 1/(4/48) = 12), r1 8->4 at 6 beats conv1 4->2 (4/(2/12) = 24).
    REQUIRE(path[1].move == "conv1 w 8->4");
    REQUIRE(path[2].move == "r1 a 8->4");
    for (size_t k = 1; k < path.size(); ++k) {
      REQUIRE(path[k].weight_bits <= path[k - 1].weight_bits);
      REQUIRE(path[k].bitops <= path[k - 1].bitops);
    }
    REQUIRE(path.back().weight_bits == 2 * 4 + 2 * 8);
    REQUIRE(path.back().bits.activation.at("x") == 2);
    REQUIRE(path.back().bits.activation.at("r1") == 2);
  }
}

TEST_CASE("metric: loss in pp, early stop exactly when the limit can no longer be met", "[gate]") {
  EvalSet set;
  set.input_name = "x";
  set.output_name = "y";
  for (int i = 0; i < 10; ++i) {
    set.inputs.push_back(Tensor::from_floats({1, 1}, {static_cast<float>(i)}));
    set.labels.push_back(i % 3);
    set.float_class.push_back(i % 3);
    set.float_hit.push_back(3);  // the float model is right on every image (top-1 and top-5)
  }
  // A "quantized model" that is wrong on images 0..wrong-1 (class 2 instead of the label 0/1) and right after.
  auto model = [](int wrong) {
    return [wrong](std::map<std::string, Tensor> f) {
      const int i = static_cast<int>(f.at("x").f[0]);
      std::vector<float> s(3, 0.0f);
      s[static_cast<size_t>(i < wrong ? (i % 3 + 1) % 3 : i % 3)] = 1.0f;
      return std::map<std::string, Tensor>{{"y", Tensor::from_floats({1, 3}, s)}};
    };
  };
  const auto full = evaluate_metric(set, model(3), Metric::kTop1);
  REQUIRE(full.complete);
  REQUIRE(full.loss_pp == Approx(30.0));
  REQUIRE(full.float_pct == Approx(100.0));
  REQUIRE(full.agreement == 7);
  // limit 20 pp: after the 3rd wrong image the best possible loss is 30 pp > 20: stop there
  const auto stopped = evaluate_metric(set, model(3), Metric::kTop1, 20.0);
  REQUIRE(!stopped.complete);
  REQUIRE(stopped.images == 3);
  REQUIRE(stopped.loss_pp == Approx(30.0));
  // limit 30 pp: it can still be met (exactly): evaluated to the end
  REQUIRE(evaluate_metric(set, model(3), Metric::kTop1, 30.0).complete);
  // agreement needs no labels; the float model agrees with itself
  const auto agree = evaluate_metric(set, model(1), Metric::kAgreement);
  REQUIRE(agree.loss_pp == Approx(10.0));
}

TEST_CASE("profile: noise tables shrink with more bits; an error injected at the output has gain 1", "[mixed]") {
  const Graph g = two_convs();
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<std::map<std::string, Tensor>> feeds;
  for (int i = 0; i < 8; ++i) {
    Tensor t = Tensor::zeros({1, 1, 3, 3});
    for (auto& v : t.f) v = u(rng);
    feeds.push_back({{"x", t}});
  }
  ProfileOptions po;
  po.weight_bits = {2, 3, 4, 6, 8};
  po.act_bits = {2, 4, 8};
  po.probe_images = 4;
  SearchProfile prof;
  SearchOptions so;
  so.methods = {"adaround"};
  search_plan(g, feeds, so, {}, {}, {nullptr, &po, &prof});
  REQUIRE(prof.probe_images == 4);
  REQUIRE(prof.layers.size() == 2);
  REQUIRE(prof.points.size() == 3);  // x, r1 (conv1 + relu), y
  for (const auto& l : prof.layers) {
    INFO(l.node);
    REQUIRE(l.noise.noise.size() == 5);
    REQUIRE(l.noise.noise.at(2) > l.noise.noise.at(8));
    REQUIRE(l.noise.gain > 0);
  }
  REQUIRE(prof.layers[0].input_point == "x");
  REQUIRE(prof.layers[1].input_point == "r1");
  for (const auto& p : prof.points) {
    INFO(p.value);
    REQUIRE(p.noise.noise.at(2) >= p.noise.noise.at(8));
    if (p.value == "y") REQUIRE(p.noise.gain == Approx(1.0));  // y is the model's output
  }
  // conv2 is linear with no activation and y its output: its pre-activation value is y, gain 1 too
  REQUIRE(prof.layers[1].noise.gain == Approx(1.0));
}

TEST_CASE("fxq quantize --max-loss meets the limit on MNIST with a mixed plan", "[gate][cli][models]") {
  const Sets s = mnist_sets(64, 200);
  const std::string out = test::temp_dir("gout");
  auto r = run_fxq("quantize " + mnist_model() + " --calib " + s.calib + " --preset mnist-28 --eval " + s.eval + " --labels " +
                   s.eval + "/labels.tsv -o " + out + "/m.onnx --max-loss 1 --objective bitops --method adaround,bias-correction "
                   "--search-images 32 --quiet");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.find("gate         met") != std::string::npos);
  const auto report = nlohmann::json::parse(test::read_bytes(out + "/m.json"));
  REQUIRE(validates(out + "/m.json"));
  const auto& gate = report["gate"];
  REQUIRE(gate["met"] == true);
  REQUIRE(gate["metric"] == "top1");
  const auto& chosen = gate["evaluated"][gate["chosen"].get<size_t>()];
  REQUIRE(chosen["passed"] == true);
  REQUIRE(chosen["complete"] == true);
  REQUIRE(chosen["loss_pp"].get<double>() <= 1.0);
  REQUIRE(report["accuracy"]["loss_top1_pp"].get<double>() == Approx(chosen["loss_pp"].get<double>()));
  REQUIRE(gate["evaluated"].size() >= 2);
  REQUIRE(gate["evaluated"].size() <= 8);
  // cheaper than all-8-bit, and mixed: the layers do not all have the same weight bit-width
  REQUIRE(report["totals"]["bitops_vs_all_8bit"].get<double>() < 1.0);
  std::set<int> wbits;
  for (const auto& l : report["layers"])
    if (!l["weight"].is_null()) wbits.insert(l["weight"]["bits"].get<int>());
  REQUIRE(wbits.size() > 1);
  REQUIRE(report["options"]["methods"].size() == 2);
  REQUIRE(report["evaluation"]["images"] == 200);
}

TEST_CASE("fxq quantize --max-loss: an impossible limit exits 3 with one line and writes nothing", "[gate][cli][models]") {
  const Sets s = mnist_sets(32, 100);
  const std::string out = test::temp_dir("gimpossible");
  const std::string base = "quantize " + mnist_model() + " --calib " + s.calib + " --preset mnist-28 --eval " + s.eval +
                           " --labels " + s.eval + "/labels.tsv --max-loss 0 --wbits 2 --abits 2 --metric agreement --quiet -o " +
                           out + "/m.onnx";
  SECTION("nothing written") {
    const auto r = run_fxq(base);
    require_one_line_error(r, ExitCode::kAccuracyNotMet, "accuracy limit not met");
    REQUIRE(r.err.find(" pp") != std::string::npos);  // the best loss reached
    REQUIRE(r.out.empty());
    REQUIRE(std::filesystem::is_empty(out));
  }
  SECTION("--write-best writes the closest plan and still exits 3") {
    const auto r = run_fxq(base + " --write-best");
    require_one_line_error(r, ExitCode::kAccuracyNotMet, "accuracy limit not met");
    REQUIRE(test::file_exists(out + "/m.onnx"));
    const auto report = nlohmann::json::parse(test::read_bytes(out + "/m.json"));
    REQUIRE(validates(out + "/m.json"));
    REQUIRE(report["gate"]["met"] == false);
    const auto& chosen = report["gate"]["evaluated"][report["gate"]["chosen"].get<size_t>()];
    REQUIRE(chosen["complete"] == true);  // the closest plan's loss is measured, not bounded
    REQUIRE(chosen["loss_pp"].get<double>() > 0);
  }
}

TEST_CASE("fxq quantize --eval-split holds out part of the calibration folder, agreement without labels", "[gate][cli][models]") {
  const Sets s = mnist_sets(120, 0);
  const std::string out = test::temp_dir("gsplit");
  auto r = run_fxq("quantize " + mnist_model() + " --calib " + s.calib + " --preset mnist-28 --eval-split 0.5 --max-loss 2 "
                   "--max-evals 3 --search-images 16 --quiet -o " + out + "/m.onnx");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto report = nlohmann::json::parse(test::read_bytes(out + "/m.json"));
  REQUIRE(validates(out + "/m.json"));
  REQUIRE(report["evaluation"]["split"] == 0.5);
  REQUIRE(report["evaluation"]["images"] == 60);
  REQUIRE(report["calibration"]["count"] == 60);
  REQUIRE(report["gate"]["metric"] == "agreement");
  REQUIRE(report["gate"]["evaluated"].size() <= 3);
  REQUIRE(report["accuracy"].is_null());  // no labels: top-1/top-5 are not measured
}

TEST_CASE("fxq quantize gate flags: bad combinations are usage errors, one line, nothing written", "[gate][cli][models]") {
  const Sets s = mnist_sets(10, 10);
  const std::string out = test::temp_dir("gflags");
  const std::string base = "quantize " + mnist_model() + " --calib " + s.calib + " --preset mnist-28 --quiet -o " + out + "/m.onnx ";
  const std::string eval = "--eval " + s.eval + " --labels " + s.eval + "/labels.tsv ";
  require_one_line_error(run_fxq(base + "--max-loss 1"), ExitCode::kUsage, "--max-loss needs evaluation images");
  require_one_line_error(run_fxq(base + eval + "--max-loss -1"), ExitCode::kUsage, "max-loss");
  require_one_line_error(run_fxq(base + eval + "--max-loss nan"), ExitCode::kUsage, "max-loss");
  require_one_line_error(run_fxq(base + eval + "--max-loss 1 --metric magic"), ExitCode::kUsage, "magic");
  require_one_line_error(run_fxq(base + eval + "--max-loss 1 --objective magic"), ExitCode::kUsage, "magic");
  require_one_line_error(run_fxq(base + eval + "--method magic"), ExitCode::kUsage, "unknown method 'magic'");
  require_one_line_error(run_fxq(base + eval + "--method nearest,adaround"), ExitCode::kUsage, "more than one rounding method");
  require_one_line_error(run_fxq(base + "--eval " + s.eval + " --max-loss 1 --metric top1"), ExitCode::kUsage, "needs --labels");
  require_one_line_error(run_fxq(base + eval + "--eval-split 0.5 --max-loss 1"), ExitCode::kUsage, "not both");
  require_one_line_error(run_fxq(base + "--eval-split 1.5 --max-loss 1"), ExitCode::kUsage, "--eval-split");
  require_one_line_error(run_fxq(base + eval + "--write-best"), ExitCode::kUsage, "--write-best");
  require_one_line_error(run_fxq(base + eval + "--max-loss 1 --max-evals 0"), ExitCode::kUsage, "max-evals");
  REQUIRE(std::filesystem::is_empty(out));
}
