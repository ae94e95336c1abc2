// TEMPORARY debug (export): removed before hand-off.
#include <catch2/catch.hpp>
#include "engine/prepare.h"
#include "export/qdq_export.h"
#include "onnx/model_writer.h"
#include "qdq_fixture.h"
#include "shared_models.h"
using namespace fxq;
TEST_CASE("zz debug yolox per channel", "[.zzdebug]") {
  const std::string file = test::shared_data() + "/models/det/yolox_nano.onnx";
  const Graph g = prepare_model(file).graph;
  const auto in = test::shared_images("images/coco", "yolox-416", 1, image_input(g).name);
  test::PlanSpec s; s.per_channel_convs = std::atoi(std::getenv("PC"));
  const quant::QuantPlan plan = test::make_plan(g, in, s);
  exporter::write_qdq(g, plan, "/tmp/qdqexp/yolox_dbg.onnx", file);
  for (const char* opt : {"disabled", "basic", "all"}) {
    std::vector<test::Tensors> sim{test::simulate(g, plan, in[0])};
    auto a = test::compare(g, plan, sim, test::run_ort("/tmp/qdqexp/yolox_dbg.onnx", in, opt));
    std::printf("PC %d opt %s: differ %zu max rel %.3g\n", s.per_channel_convs, opt, a.off_grid, a.max_rel);
  }
  int k = 0;
  for (const auto& [w, fr] : plan.weight_channel_frac) { int mn = 99, mx = -99; for (int f : fr) mn = std::min(mn, f), mx = std::max(mx, f);
    if (k++ < 200 && mx - mn > 6) std::printf("%s fw %d channel fracs %d..%d\n", w.c_str(), plan.weights.at(w).frac, mn, mx); }
}
#include "export/opset_upgrade.h"
TEST_CASE("zz debug yolox upgrade", "[.zzdebug2]") {
  const std::string file = test::shared_data() + "/models/det/yolox_nano.onnx";
  Graph g = prepare_model(file).graph;
  const auto in = test::shared_images("images/coco", "yolox-416", 1, image_input(g).name);
  onnxio::save_model(g, "/tmp/qdqexp/yolox11.onnx");
  exporter::upgrade_opset(g, 13);
  onnxio::save_model(g, "/tmp/qdqexp/yolox13.onnx");
  auto a = test::run_ort("/tmp/qdqexp/yolox11.onnx", in, "disabled");
  auto b = test::run_ort("/tmp/qdqexp/yolox13.onnx", in, "disabled");
  double m = 0; for (size_t e = 0; e < a[0][0].f.size(); ++e) m = std::max(m, (double)std::fabs(a[0][0].f[e] - b[0][0].f[e]));
  std::printf("11 vs 13 max diff %g\n", m);
  for (const auto& n : g.nodes) if (n.op_type == "Resize") { std::printf("Resize %s inputs", n.name.c_str()); for (auto& i : n.inputs) std::printf(" '%s'", i.c_str()); for (auto& [k, v] : n.attrs) std::printf(" %s=%s", k.c_str(), v.s.c_str()); std::printf("\n"); }
}
TEST_CASE("zz debug yolox weight only", "[.zzdebug3]") {
  const std::string file = test::shared_data() + "/models/det/yolox_nano.onnx";
  const Graph g = prepare_model(file).graph;
  const auto in = test::shared_images("images/coco", "yolox-416", 1, image_input(g).name);
  test::PlanSpec s; s.per_channel_convs = 1;
  quant::QuantPlan full = test::make_plan(g, in, s);
  for (int variant = 0; variant < 4; ++variant) {
    quant::QuantPlan plan;
    const std::string w = full.weight_channel_frac.begin()->first;
    plan.weights[w] = full.weights[w];
    plan.weight_channel_frac[w] = full.weight_channel_frac[w];
    if (variant == 1) plan.weight_channel_frac.clear();
    if (variant == 2) for (auto& f : plan.weight_channel_frac[w]) f = plan.weights[w].frac;
    if (variant == 3) for (auto& f : plan.weight_channel_frac[w]) f = std::min(f, 16);
    exporter::write_qdq(g, plan, "/tmp/qdqexp/yolox_dbg3.onnx", file);
    std::vector<test::Tensors> sim{test::simulate(g, plan, in[0])};
    auto a = test::compare(g, plan, sim, test::run_ort("/tmp/qdqexp/yolox_dbg3.onnx", in, "disabled"));
    std::printf("variant %d (%s): differ %zu max rel %.3g\n", variant, w.c_str(), a.off_grid, a.max_rel);
    for (int f : full.weight_channel_frac[w]) std::printf("%d ", f);
    std::printf("\n");
  }
}
TEST_CASE("zz debug yolox equal fracs", "[.zzdebug4]") {
  const std::string file = test::shared_data() + "/models/det/yolox_nano.onnx";
  const Graph g = prepare_model(file).graph;
  const auto in = test::shared_images("images/coco", "yolox-416", 1, image_input(g).name);
  test::PlanSpec s; s.per_channel_convs = 1;
  quant::QuantPlan plan = test::make_plan(g, in, s);
  const std::string w = plan.weight_channel_frac.begin()->first;
  for (auto& f : plan.weight_channel_frac[w]) f = plan.weights[w].frac;
  exporter::write_qdq(g, plan, "/tmp/qdqexp/yolox_dbg4.onnx", file);
  std::vector<test::Tensors> sim{test::simulate(g, plan, in[0])};
  auto a = test::compare(g, plan, sim, test::run_ort("/tmp/qdqexp/yolox_dbg4.onnx", in, "disabled"));
  std::printf("equal fracs opset 13: differ %zu max rel %.3g\n", a.off_grid, a.max_rel);
  plan.weight_channel_frac.clear();
  exporter::write_qdq(g, plan, "/tmp/qdqexp/yolox_dbg5.onnx", file);
  a = test::compare(g, plan, sim, test::run_ort("/tmp/qdqexp/yolox_dbg5.onnx", in, "disabled"));
  std::printf("per tensor opset 11: differ %zu max rel %.3g\n", a.off_grid, a.max_rel);
}
TEST_CASE("zz debug yolox first conv", "[.zzdebug5]") {
  const std::string file = test::shared_data() + "/models/det/yolox_nano.onnx";
  Graph g = prepare_model(file).graph;
  const auto in = test::shared_images("images/coco", "yolox-416", 1, image_input(g).name);
  test::PlanSpec s; s.per_channel_convs = 1;
  quant::QuantPlan plan = test::make_plan(g, in, s);
  const std::string w = plan.weight_channel_frac.begin()->first;
  const Node* conv = nullptr; for (auto& n : g.nodes) if (n.op_type == "Conv" && n.inputs[1] == w) conv = &n;
  std::printf("conv %s in %s (%s) out %s (%s) bias %s\n", conv->name.c_str(), conv->inputs[0].c_str(), plan.activations.count(conv->inputs[0]) ? plan.activations[conv->inputs[0]].str().c_str() : "-",
    conv->outputs[0].c_str(), plan.activations[conv->outputs[0]].str().c_str(), conv->inputs.size() > 2 ? (conv->inputs[2] + " " + plan.biases[conv->inputs[2]].str()).c_str() : "none");
  ValueInfo vi; vi.name = conv->outputs[0]; g.outputs = {vi};
  exporter::write_qdq(g, plan, "/tmp/qdqexp/yolox_dbg6.onnx", file);
  std::vector<test::Tensors> sim{test::simulate(g, plan, in[0])};
  auto ort = test::run_ort("/tmp/qdqexp/yolox_dbg6.onnx", in, "disabled");
  const Tensor& a = sim[0].at(vi.name); const Tensor& b = ort[0][0];
  int shown = 0; size_t per = a.f.size() / a.shape[1];
  for (size_t e = 0; e < a.f.size() && shown < 10; ++e) if (a.f[e] != b.f[e]) { std::printf("e %zu ch %zu sim %g ort %g\n", e, e / per, a.f[e], b.f[e]); ++shown; }
}
TEST_CASE("zz debug yolox all outputs", "[.zzdebug6]") {
  const std::string file = test::shared_data() + "/models/det/yolox_nano.onnx";
  Graph g = prepare_model(file).graph;
  const auto in = test::shared_images("images/coco", "yolox-416", 1, image_input(g).name);
  test::PlanSpec s; s.per_channel_convs = std::atoi(std::getenv("PC"));
  quant::QuantPlan plan = test::make_plan(g, in, s);
  std::vector<std::string> names;
  for (auto& n : g.nodes) if (n.op_type == "Conv" && g.value_info.count(n.outputs[0])) { names.push_back(n.outputs[0]); g.outputs.push_back(g.value_info.at(n.outputs[0])); }
  exporter::write_qdq(g, plan, "/tmp/qdqexp/yolox_dbg7.onnx", file);
  std::vector<test::Tensors> sim{test::simulate(g, plan, in[0])};
  auto ort = test::run_ort("/tmp/qdqexp/yolox_dbg7.onnx", in, "disabled");
  for (size_t o = 1; o < g.outputs.size(); ++o) {
    const Tensor& a = sim[0].at(g.outputs[o].name); const Tensor& b = ort[0][o];
    size_t d = 0; double m = 0; for (size_t e = 0; e < a.f.size(); ++e) { d += a.f[e] != b.f[e]; m = std::max(m, (double)std::fabs(a.f[e]-b.f[e])); }
    if (d) { std::printf("first differing conv output #%zu %s (%s): %zu differ, max %g\n", o, g.outputs[o].name.c_str(), plan.activations[g.outputs[o].name].str().c_str(), d, m);
      for (auto& n : g.nodes) if (n.outputs[0] == g.outputs[o].name) { std::printf("node %s inputs", n.name.c_str()); for (auto& i : n.inputs) std::printf(" %s", i.c_str()); std::printf(" pc %d\n", (int)plan.weight_channel_frac.count(n.inputs[1])); }
      break; }
  }
}
TEST_CASE("zz debug yolox final", "[.zzdebug7]") {
  const std::string file = test::shared_data() + "/models/det/yolox_nano.onnx";
  Graph g = prepare_model(file).graph;
  const auto in = test::shared_images("images/coco", "yolox-416", 1, image_input(g).name);
  test::PlanSpec s; s.per_channel_convs = std::atoi(std::getenv("PC"));
  quant::QuantPlan plan = test::make_plan(g, in, s);
  for (int rep = 0; rep < 2; ++rep) {
  exporter::write_qdq(g, plan, "/tmp/qdqexp/yolox_dbg8.onnx", file);
  std::vector<test::Tensors> sim{test::simulate(g, plan, in[0])};
  auto ort = test::run_ort("/tmp/qdqexp/yolox_dbg8.onnx", in, "disabled");
  const Tensor& a = sim[0].at(g.outputs[0].name); const Tensor& b = ort[0][0];
  int shown = 0;
  for (size_t e = 0; e < a.f.size() && shown < 8; ++e) if (std::fabs(a.f[e] - b.f[e]) > 1e-3 * std::max(1.f, std::fabs(a.f[e]))) { std::printf("e %zu row %zu col %zu sim %g ort %g\n", e, e / 85, e % 85, a.f[e], b.f[e]); ++shown; }
  auto sim2 = test::simulate(g, plan, in[0]);
  std::printf("sim deterministic: %d\n", (int)(sim2.at(g.outputs[0].name).f == a.f));
  }
}
TEST_CASE("zz debug yolox act outputs", "[.zzdebug8]") {
  const std::string file = test::shared_data() + "/models/det/yolox_nano.onnx";
  Graph g = prepare_model(file).graph;
  const auto in = test::shared_images("images/coco", "yolox-416", 1, image_input(g).name);
  test::PlanSpec s; s.per_channel_convs = std::atoi(std::getenv("PC"));
  quant::QuantPlan plan = test::make_plan(g, in, s);
  for (auto& n : g.nodes) if (plan.activations.count(n.outputs[0]) && g.value_info.count(n.outputs[0])) g.outputs.push_back(g.value_info.at(n.outputs[0]));
  exporter::write_qdq(g, plan, "/tmp/qdqexp/yolox_dbg9.onnx", file);
  std::vector<test::Tensors> sim{test::simulate(g, plan, in[0])};
  auto ort = test::run_ort("/tmp/qdqexp/yolox_dbg9.onnx", in, "disabled");
  int shown = 0;
  for (size_t o = 1; o < g.outputs.size() && shown < 6; ++o) {
    const Tensor& a = sim[0].at(g.outputs[o].name); const Tensor& b = ort[0][o];
    size_t d = 0; double m = 0; for (size_t e = 0; e < a.f.size(); ++e) { d += a.f[e] != b.f[e]; m = std::max(m, (double)std::fabs(a.f[e]-b.f[e])); }
    if (d) { ++shown; const Node* p = nullptr; for (auto& n : g.nodes) if (n.outputs[0] == g.outputs[o].name) p = &n;
      std::printf("#%zu %s (%s) by %s: %zu differ, max %g\n", o, g.outputs[o].name.c_str(), plan.activations[g.outputs[o].name].str().c_str(), p->describe().c_str(), d, m); }
  }
}
TEST_CASE("zz dump for opencv", "[.zzcv]") {
  for (const char* key : {"mnist8", "resnet20_cifar10", "squeezenet1.1", "yolox_nano", "nanodet_m_416", "mobilenetv2"}) {
    const test::SharedModel* sm = nullptr; for (auto& m : test::shared_models()) if (std::string(m.key) == key) sm = &m;
    const std::string file = test::shared_data() + "/" + sm->file;
    const Graph g = prepare_model(file).graph;
    const auto in = test::shared_images(sm->images, sm->preset, 2, image_input(g).name);
    for (int bits : {8, 6}) {
      test::PlanSpec s; s.act_bits = bits;
      const quant::QuantPlan plan = test::make_plan(g, in, s);
      const std::string dir = std::string("/tmp/qdqexp/cv/") + key + "_a" + std::to_string(bits);
      std::filesystem::create_directories(dir);
      exporter::QdqOptions o; o.style = exporter::QdqStyle::kOpenCV;
      exporter::write_qdq(g, plan, dir + "/opencv.onnx", file, o);
      exporter::write_qdq(g, plan, dir + "/ort.onnx", file);
      for (size_t k = 0; k < in.size(); ++k) {
        write_npy(dir + "/in" + std::to_string(k) + ".npy", in[k].begin()->second);
        auto sim = test::simulate(g, plan, in[k]);
        for (size_t j = 0; j < g.outputs.size(); ++j) write_npy(dir + "/sim" + std::to_string(k) + "_" + std::to_string(j) + ".npy", sim.at(g.outputs[j].name));
      }
    }
  }
}
