// The QDQ exporter on the shared models: ONNX Runtime (all graph optimizations, so its int8 QLinear*
// kernels run where it fuses) on the exported model against the test's simulation of a hand-built
// plan, on real preprocessed images. Every element of a quantized output must be within one step of
// its format; outputs left in float within 1e-4 * max(1, |sim|). The figures are printed.
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "engine/prepare.h"
#include "export/qdq_export.h"
#include "onnx/model_loader.h"
#include "onnx/model_writer.h"
#include "qdq_fixture.h"
#include "shared_models.h"

using namespace fxq;
using fixedpoint::QFormat;

namespace {

const test::SharedModel& shared(const std::string& key) {
  for (const auto& m : test::shared_models())
    if (key == m.key) return m;
  FAIL("no shared model " << key);
  throw;
}

struct Case {
  const char* label;
  test::PlanSpec spec;
  int64_t expected_opset;
};

// ORT and the simulation compute float ops between quantized tensors (Sigmoid, Mul, Resize, ...) with
// different float code; a value within an ulp of a rounding boundary then lands one step apart, and in
// deep detectors such flips propagate. For those models (Check::kFirstDivergence) every planned
// activation is also made a graph output, and the test requires the FIRST planned activation (in
// topological order) where the two differ to differ by at most one step in at most 0.1% of its
// elements: a wrong scale, axis or clip would break that at once. The final outputs are printed.
enum class Check { kStrict, kFirstDivergence };

void check_model(const std::string& key, size_t n_images, const std::vector<Case>& cases, Check check = Check::kStrict) {
  const test::SharedModel& sm = shared(key);
  const std::string file = test::shared_data() + "/" + sm.file;
  const Graph g = prepare_model(file).graph;
  const auto in = test::shared_images(sm.images, sm.preset, n_images, image_input(g).name);
  const std::string dir = test::temp_dir(std::string("qdq-") + key);
  for (const Case& c : cases) {
    const quant::QuantPlan plan = test::make_plan(g, in, c.spec);
    Graph gx = g;  // g, plus (kFirstDivergence) every planned activation as an output
    if (check == Check::kFirstDivergence)
      for (const auto& n : g.nodes)
        for (const auto& o : n.outputs)
          if (plan.activations.count(o) && g.value_info.count(o) && !g.is_graph_output(o)) gx.outputs.push_back(g.value_info.at(o));
    const std::string out = dir + "/" + key + "_qdq.onnx";
    exporter::write_qdq(gx, plan, out, file);
    CHECK(exporter::export_qdq(g, plan).opset_import(0).version() == c.expected_opset);
    CHECK_NOTHROW(onnx::checker::check_model(out));
    if (c.spec.act_bits <= 8 && c.spec.weight_bits <= 8) {
      const Graph back = onnxio::load_model(out).graph;  // fxq's loader reads it back
      CHECK(back.outputs.size() == gx.outputs.size());
    }
    std::vector<test::Tensors> sim;
    for (const auto& x : in) sim.push_back(test::simulate(gx, plan, x));
    auto ort = test::run_ort(out, in);
    std::string first = "none";
    for (size_t o = g.outputs.size(); o < gx.outputs.size() && first == "none"; ++o) {
      size_t differ = 0, n = 0;
      double steps = 0;
      const QFormat& f = plan.activations.at(gx.outputs[o].name);
      for (size_t k = 0; k < in.size(); ++k) {
        const Tensor& a = sim[k].at(gx.outputs[o].name);
        n += a.f.size();
        for (size_t e = 0; e < a.f.size(); ++e) {
          const double d = std::fabs(static_cast<double>(a.f[e]) - ort[k][o].f[e]);
          differ += d != 0;
          steps = std::max(steps, d / f.step());
        }
      }
      if (!differ) continue;
      first = gx.outputs[o].name + " (" + f.str() + "): " + std::to_string(differ) + " of " + std::to_string(n) +
              " elements differ, by at most " + std::to_string(steps) + " steps";
      INFO(key << " " << c.label << ": first divergence at " << first);
      CHECK(steps <= 1.0);
      CHECK(differ <= n / 1000);
    }
    for (auto& o : ort) o.resize(g.outputs.size());
    const test::Agreement a = test::compare(g, plan, sim, ort);
    std::printf("QDQ vs simulation %-16s %-28s opset %lld: %zu output values, %zu planned activations, %zu differ; max %.3g "
                "steps (quantized outputs), max rel %.3g (float outputs), %zu beyond tolerance%s%s\n",
                key.c_str(), c.label, static_cast<long long>(c.expected_opset), a.elements, plan.activations.size(),
                a.off_grid, a.max_steps, a.max_rel, a.outside,
                check == Check::kFirstDivergence ? "; first divergence: " : "",
                check == Check::kFirstDivergence ? first.c_str() : "");
    if (check == Check::kStrict) {
      INFO(key << " " << c.label);
      CHECK(a.max_steps <= 1.0);
      CHECK(a.max_rel <= 1e-4);
    }
  }
  std::filesystem::remove_all(dir);
}

test::PlanSpec spec(int act_bits, int weight_bits, int per_channel = 0) {
  test::PlanSpec s;
  s.act_bits = act_bits;
  s.weight_bits = weight_bits;
  s.per_channel_convs = per_channel;
  return s;
}

}  // namespace

TEST_CASE("QDQ export of MNIST (opset 8 raised to 10) matches the simulation in ONNX Runtime", "[export][models]") {
  check_model("mnist8", 4, {{"a8 w8", spec(8, 8), 10}, {"a4 w4 (Clip)", spec(4, 4), 10}, {"a8 w8 per-channel", spec(8, 8, 2), 13}});
}

TEST_CASE("QDQ export of ResNet-20 matches the simulation in ONNX Runtime", "[export][models]") {
  check_model("resnet20_cifar10", 4,
              {{"a8 w8", spec(8, 8), 13}, {"a6 w6 (Clip)", spec(6, 6), 13}, {"a4 w4 (Clip)", spec(4, 4), 13},
               {"a8 w8 per-channel", spec(8, 8, 100), 13}, {"a12 w10 (int16)", spec(12, 10), 13}});
}

TEST_CASE("QDQ export of SqueezeNet matches the simulation in ONNX Runtime", "[export][models]") {
  check_model("squeezenet1.1", 2, {{"a8 w8", spec(8, 8), 13}, {"a6 w8 per-channel (Clip)", spec(6, 8, 100), 13}});
}

TEST_CASE("QDQ export of YOLOX-Nano (opset 11) matches the simulation in ONNX Runtime", "[export][models]") {
  check_model("yolox_nano", 1, {{"a8 w8 (opset kept)", spec(8, 8), 11}, {"a8 w8 per-channel", spec(8, 8, 1000), 13}}, Check::kFirstDivergence);
}

TEST_CASE("QDQ export of NanoDet (opset 11 with Split) matches the simulation in ONNX Runtime", "[export][models]") {
  check_model("nanodet_m_416", 1, {{"a8 w8 per-channel (Split 13)", spec(8, 8, 1000), 13}}, Check::kFirstDivergence);
}

#ifdef FXQ_HAVE_OPENCV_DNN
// Needs opencv_dnn linked into fxq_tests (tests/CMakeLists.txt: find_package(OpenCV REQUIRED COMPONENTS
// dnn), target_link_libraries(fxq_tests PRIVATE opencv_dnn), target_compile_definitions(fxq_tests
// PRIVATE FXQ_HAVE_OPENCV_DNN=1)).
#include <opencv2/dnn.hpp>

TEST_CASE("QDQ export in the OpenCV style runs in OpenCV's DNN module like the simulation", "[export][models]") {
  for (const auto& sm : test::shared_models()) {
    DYNAMIC_SECTION(sm.key) {
      const std::string file = test::shared_data() + "/" + sm.file;
      const Graph g = prepare_model(file).graph;
      const auto in = test::shared_images(sm.images, sm.preset, 1, image_input(g).name);
      for (int bits : {8, 6}) {
        const quant::QuantPlan plan = test::make_plan(g, in, spec(bits, 8));
        const std::string out = test::temp_dir("qdq-opencv") + "/opencv.onnx";
        exporter::QdqOptions opt;
        opt.style = exporter::QdqStyle::kOpenCV;
        exporter::write_qdq(g, plan, out, file, opt);
        cv::dnn::Net net = cv::dnn::readNetFromONNX(out);
        Tensor x = in[0].begin()->second;
        std::vector<int> dims(x.shape.begin(), x.shape.end());
        for (auto& d : dims) d = d < 0 ? 1 : d;
        net.setInput(cv::Mat(static_cast<int>(dims.size()), dims.data(), CV_32F, x.f.data()));
        std::vector<cv::String> names;
        for (const auto& o : g.outputs) names.push_back(o.name);
        std::vector<cv::Mat> outs;
        net.forward(outs, names);
        std::vector<test::Tensors> sim = {test::simulate(g, plan, in[0])};
        std::vector<std::vector<Tensor>> got(1);
        for (size_t o = 0; o < outs.size(); ++o) {
          const Tensor& s = sim[0].at(g.outputs[o].name);
          REQUIRE(outs[o].total() == s.f.size());
          const float* p = outs[o].ptr<float>();
          got[0].push_back(Tensor::from_floats(s.shape, std::vector<float>(p, p + s.f.size())));
        }
        const test::Agreement a = test::compare(g, plan, sim, got);
        std::printf("OpenCV %s vs simulation %-16s a%d: %zu values, %zu differ, max %.3g steps, max rel %.3g, %zu beyond\n",
                    CV_VERSION, sm.key, bits, a.elements, a.off_grid, a.max_steps, a.max_rel, a.outside);
        CHECK(a.outside <= a.elements / 1000);  // float ops (Sigmoid...) may flip rare roundings, as with ORT
        std::filesystem::remove_all(std::filesystem::path(out).parent_path());
      }
    }
  }
}
#endif
