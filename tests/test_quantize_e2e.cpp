// fxq quantize end to end: calibrate, search, export; then ONNX Runtime runs the exported QDQ model on
// images that were not used for calibration and must equal fxq's simulation of the plan within one
// step of the output's format.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <functional>

#include "data/image_folder.h"
#include "data/image_stream.h"
#include "engine/prepare.h"
#include "io/npy.h"
#include "quant/quantize.h"
#include "quant/simulate.h"
#include "shared_models.h"
#include "test_support.h"

using namespace fxq;

namespace {

// A folder of symlinks to every `stride`-th image of `images` (offset `first`).
std::string subset(const std::vector<data::ImageEntry>& images, size_t first, size_t stride, size_t count,
                    const std::string& tag) {
  const std::string dir = test::temp_dir(tag);
  for (size_t k = first, n = 0; k < images.size() && n < count; k += stride, ++n)
    std::filesystem::create_symlink(images[k].path, dir + "/" + std::filesystem::path(images[k].path).filename().string());
  return dir;
}

// Mixed precision: every layer and quantization point gets its own bit-width, cycling through
// 2..8 bits for weights and 3..8 bits for activations, plus one 12-bit weight and one 10-bit point
// (int16 containers through com.microsoft Q/DQ).
void mixed_bits(quant::QuantizeOptions& o) {
  PreparedModel m = prepare_model(o.model);
  int k = 0;
  for (const auto& n : m.graph.nodes) {
    if (n.op_type != "Conv" && n.op_type != "Gemm") continue;
    o.search.layer_weight_bits[n.name] = k == 1 ? 12 : 2 + (k % 7);
    o.search.point_act_bits[n.outputs[0]] = k == 2 ? 10 : 3 + (k % 6);
    ++k;
  }
}

void check_model(const test::SharedModel& sm, int bits, bool per_channel = false,
                 const std::function<void(quant::QuantizeOptions&)>& tweak = {}) {
  const std::string data = test::shared_data();
  auto all = data::list_images(data + "/" + sm.images);
  quant::QuantizeOptions o;
  o.model = data + "/" + sm.file;
  o.calib_dir = subset(all, 0, all.size() / 32, 32, "q-calib");
  o.preprocessing = data::load_preset(sm.preset);
  o.search.weight_bits = o.search.act_bits = bits;
  o.search_images = 16;
  o.search.per_channel = per_channel;
  o.quiet = true;
  if (tweak) tweak(o);
  const std::string out = test::temp_dir("q-out");
  o.out_path = out + "/model.fxq.onnx";
  o.report_path = out + "/model.fxq.json";
  auto r = quant::run_quantize(o, [](const std::string&) {});
  REQUIRE(test::file_exists(o.out_path));
  REQUIRE(test::file_exists(o.report_path));

  // Held-out images (odd offsets are never calibration images).
  PreparedModel m = prepare_model(o.model);
  if (o.equalize) passes::equalize_layers(m.graph);  // the graph the plan is for (as run_quantize does)
  quant::SimulatedModel sim(m.graph, r.search.plan);
  const std::string cases = test::temp_dir("q-cases");
  std::vector<data::ImageEntry> held;
  for (size_t k = 1; k < all.size() && held.size() < 6; k += all.size() / 6) held.push_back(all[k]);
  data::ImageStream stream(held, {}, o.preprocessing, 8, [](const std::string& w) { FAIL(w); });
  std::vector<data::Sample> batch;
  std::vector<Tensor> inputs;
  while (stream.next(batch))
    for (auto& s : batch) inputs.push_back(s.tensor);
  const std::string in_name = m.graph.inputs[0].name;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const std::string d = cases + "/case_" + std::to_string(k) + "/inputs";
    std::filesystem::create_directories(d);
    write_npy(d + "/" + in_name + ".npy", inputs[k]);
  }
  const auto run = test::run_command("node " + std::string(FXQ_SOURCE_DIR) + "/tests/ort/run_ort.js " + o.out_path + " " +
                                     cases + " --threads 1");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  double worst_steps = 0;
  for (size_t k = 0; k < inputs.size(); ++k) {
    auto sim_out = sim.run({{in_name, inputs[k]}});
    for (size_t o2 = 0; o2 < m.graph.outputs.size(); ++o2) {
      const std::string& name = m.graph.outputs[o2].name;
      const Tensor ref = read_npy(cases + "/case_" + std::to_string(k) + "/ort/" + std::to_string(o2) + ".npy");
      const Tensor& got = sim_out.at(name);
      REQUIRE(ref.shape == got.shape);
      auto f = r.search.value_formats.find(name);
      REQUIRE(f != r.search.value_formats.end());
      const double step = f->second.step();
      for (size_t e = 0; e < ref.f.size(); ++e) worst_steps = std::max(worst_steps, std::abs(ref.f[e] - got.f[e]) / step);
    }
  }
  std::string what = "W" + std::to_string(bits) + "A" + std::to_string(bits);
  if (!o.search.layer_weight_bits.empty()) what = "mixed W2-12/A3-10";
  bool fitted = false;  // a method other than nearest rounding: it replaces weights and biases
  for (const auto& m : o.search.methods)
    if (m != "nearest") what += " " + m, fitted = true;
  if (o.equalize) what += " equalized";
  std::printf("QDQ %-18s %s%s: ORT vs fxq simulation, worst |diff| = %.3g output steps on %zu held-out images\n", sm.key,
              what.c_str(), per_channel ? " per-channel" : "", worst_steps, inputs.size());
  if (fitted) REQUIRE(!r.search.plan.values.empty());
  REQUIRE(worst_steps <= (tweak ? 0.0 : 1.0));
}

}  // namespace

TEST_CASE("quantize end to end: ONNX Runtime runs the QDQ model as fxq simulated it", "[quant][models]") {
  for (const auto& sm : test::shared_models()) {
    if (std::string(sm.key) != "mnist8" && std::string(sm.key) != "resnet20_cifar10" && std::string(sm.key) != "squeezenet1.1")
      continue;
    for (int bits : {8, 6}) {
      DYNAMIC_SECTION(sm.key << " W" << bits << "A" << bits) { check_model(sm, bits); }
    }
    DYNAMIC_SECTION(sm.key << " W6A6 per-channel") { check_model(sm, 6, true); }
  }
}

TEST_CASE("quantize end to end: mixed bit-widths and every weight method, ONNX Runtime equals the simulation exactly",
          "[quant][mixed][models]") {
  for (const auto& sm : test::shared_models()) {
    if (std::string(sm.key) != "mnist8" && std::string(sm.key) != "resnet20_cifar10") continue;
    for (bool per_channel : {false, true}) {
      DYNAMIC_SECTION(sm.key << (per_channel ? " per-channel" : " per-tensor")) {
        check_model(sm, 8, per_channel, [](quant::QuantizeOptions& o) {
          mixed_bits(o);
          o.search.methods = {"adaround", "bias-correction"};
        });
      }
    }
  }
}

// YOLOX per channel: its SiLUs (pre-activation no point, sigmoid a point) and its BN-folded channels of tiny
// weights (capped fracs, the bias grid within 24 bits): both would otherwise differ by whole output steps.
TEST_CASE("quantize end to end: a detector (YOLOX, fused SiLU, per channel), ONNX Runtime runs it as simulated",
          "[quant][detect][models]") {
  for (const auto& sm : test::shared_models())
    if (std::string(sm.key) == "yolox_nano") check_model(sm, 8, true);
}

// --equalize on YOLOX per tensor: the equalized SiLUs (u * Sigmoid(S * u), S a per-channel power of two)
// export as a float Mul before the Sigmoid, and ONNX Runtime computes exactly what fxq simulated.
TEST_CASE("quantize end to end: YOLOX equalized, per tensor, adaround and bias correction, ONNX Runtime runs it as simulated",
          "[quant][detect][models][equalize]") {
  for (const auto& sm : test::shared_models())
    if (std::string(sm.key) == "yolox_nano")
      check_model(sm, 8, false, [](quant::QuantizeOptions& o) {
        o.equalize = true;
        o.search.methods = {"adaround", "bias-correction"};
      });
}
