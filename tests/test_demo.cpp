// The README's first command, end to end: the demo images made from Debian's dataset-fashion-mnist
// (tools/make_demo_images.py, into a temporary folder), `fxq quantize` on the project's demo model
// exactly as tools/demo.sh runs it (plus --html), the summary it prints, and ONNX Runtime running the
// QDQ model it wrote: ORT's top-1 on the 1000 demo evaluation images, preprocessed by NumPy/OpenCV
// rather than by fxq, must equal the quantized top-1 fxq reports, and ORT on the float model must
// give the float top-1 the model's own record (models/demo/fashion_cnn.json, torch and ORT) states.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/npy.h"
#include "test_support.h"

using namespace fxq;
using json = nlohmann::json;

namespace {

const std::string kSource = FXQ_SOURCE_DIR;

// Top-1 correct count of ORT's outputs `run` (ORT --out name) over the cases written by make_gray_cases.py.
size_t ort_correct(const std::string& cases, const std::string& run, size_t n) {
  std::ifstream labels(cases + "/labels.txt");
  size_t correct = 0;
  for (size_t k = 0; k < n; ++k) {
    int label = -1;
    labels >> label;
    const Tensor logits = read_npy(cases + "/case_" + std::to_string(k) + "/" + run + "/0.npy");
    REQUIRE(logits.f.size() == 10);
    size_t best = 0;
    for (size_t c = 1; c < logits.f.size(); ++c)
      if (logits.f[c] > logits.f[best]) best = c;
    correct += static_cast<int>(best) == label;
  }
  return correct;
}

}  // namespace

TEST_CASE("demo: fxq quantize prints the summary and ONNX Runtime runs its QDQ model at the reported accuracy",
          "[demo][quant][models]") {
  // 1. the demo images, as tools/demo.sh makes them (needs the Debian package dataset-fashion-mnist)
  const std::string images = test::temp_dir("demo-images") + "/fashion-mnist";
  const auto made = test::run_command("/usr/bin/python3 " + kSource + "/tools/make_demo_images.py --out " + images);
  INFO("make_demo_images.py: " << made.err);
  REQUIRE(made.exit_code == 0);
  const std::string calib = images + "/calib", eval = images + "/eval";

  // 2. the README's command (tools/demo.sh), run from the source folder as a user would
  const std::string out = test::temp_dir("demo-out");
  const auto r = test::run_command("cd " + kSource + " && " + FXQ_BINARY +
                                   " quantize models/demo/fashion_cnn.onnx --preset fashion-mnist-28 --calib " + calib +
                                   " --eval " + eval + " --labels " + eval + "/labels.tsv -o " + out +
                                   "/fashion_cnn.fxq.onnx --html " + out + "/report.html --max-loss 1 --objective bitops --method adaround,bias-correction");
  INFO("stderr: " << r.err);
  INFO("stdout: " << r.out);
  REQUIRE(r.exit_code == 0);
  std::printf("demo summary:\n%s", r.out.c_str());
  const json report = json::parse(test::read_bytes(out + "/fashion_cnn.fxq.json"));
  REQUIRE(report["accuracy"]["images"] == 1000);
  const double float_top1 = report["accuracy"]["float"]["top1"], quant_top1 = report["accuracy"]["quantized"]["top1"];
  char acc[96];
  std::snprintf(acc, sizeof acc, "top-1 float %.2f %% -> quantized %.2f %%", float_top1, quant_top1);
  REQUIRE(r.out.rfind("fxq quantize  models/demo/fashion_cnn.onnx", 0) == 0);
  REQUIRE(r.out.find(acc) != std::string::npos);
  REQUIRE(r.out.find("  gate         met: top1 loss ") != std::string::npos);
  REQUIRE(report["gate"]["met"] == true);
  REQUIRE(float_top1 - quant_top1 <= 1.0 + 1e-9);
  REQUIRE(report["totals"]["bitops_vs_all_8bit"].get<double>() < 0.5);  // the gate found a real saving
  REQUIRE(r.out.find("less than all-8-bit") != std::string::npos);
  REQUIRE(r.out.find("less than float32") != std::string::npos);
  REQUIRE(r.out.find("wrote        " + out + "/fashion_cnn.fxq.onnx  (QDQ ONNX)") != std::string::npos);
  REQUIRE(r.out.find(out + "/report.html  (HTML report)") != std::string::npos);
  REQUIRE(std::count(r.out.begin(), r.out.end(), '\n') <= 25);

  // 3. ONNX Runtime on both models, inputs preprocessed independently of fxq (NumPy/OpenCV)
  const std::string cases = test::temp_dir("demo-cases");
  const auto mk = test::run_command("/usr/bin/python3 " + kSource + "/tests/make_gray_cases.py " + eval + "/labels.tsv " +
                                    eval + " 0.2860 0.3530 input " + cases);
  INFO("make_gray_cases.py: " << mk.err);
  REQUIRE(mk.exit_code == 0);
  const std::string ort = "node " + kSource + "/tests/ort/run_ort.js ";
  const auto rq = test::run_command(ort + out + "/fashion_cnn.fxq.onnx " + cases + " --threads 1 --out quant");
  INFO("ORT (QDQ): " << rq.err);
  REQUIRE(rq.exit_code == 0);
  const auto rf = test::run_command(ort + kSource + "/models/demo/fashion_cnn.onnx " + cases + " --threads 1 --out float");
  INFO("ORT (float): " << rf.err);
  REQUIRE(rf.exit_code == 0);
  const size_t quant_ok = ort_correct(cases, "quant", 1000), float_ok = ort_correct(cases, "float", 1000);
  const json record = json::parse(test::read_bytes(kSource + "/models/demo/fashion_cnn.json"));
  const double recorded = record["accuracy"]["onnxruntime"]["demo_eval_1000_top1_percent"];
  std::printf("demo: ORT top-1 float %zu/1000 (record %.2f %%, fxq %.2f %%), QDQ %zu/1000 (fxq's simulation %.2f %%)\n",
              float_ok, recorded, float_top1, quant_ok, quant_top1);
  REQUIRE(float_ok == static_cast<size_t>(std::lround(recorded * 10)));
  REQUIRE(float_ok == static_cast<size_t>(std::lround(float_top1 * 10)));
  REQUIRE(quant_ok == static_cast<size_t>(std::lround(quant_top1 * 10)));

  // 4. the page it wrote is well-formed and self-contained, one row per layer
  const auto h = test::run_command("/usr/bin/python3 " + kSource + "/tests/check_html.py " + out + "/report.html");
  REQUIRE(h.exit_code == 0);
  const json check = json::parse(h.out);
  INFO(check.dump());
  REQUIRE(check["errors"].empty());
  REQUIRE(check["external"].empty());
  REQUIRE(check["counts"]["tr.layer"] == report["layers"].size());
}
