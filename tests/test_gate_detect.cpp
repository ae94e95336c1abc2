// The gate's detector metrics and the decoder-free sqnr (quant/metric.h), and `fxq quantize` on
// detectors: map50 against the MANIFEST's ONNX Runtime figure, box agreement and SQNR against hand-applied
// formulas, the report's detection accuracy, the gate with map50 / agreement / --min-sqnr, and every
// incompatible flag combination (exit 2, one line, nothing written).
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "data/image_folder.h"
#include "data/preprocess_config.h"
#include "engine/executor.h"
#include "engine/prepare.h"
#include "quant/metric.h"
#include "test_support.h"

using namespace fxq;
using namespace fxq::quant;
using fxq::test::manifest_map50;
using test::run_fxq;

namespace {

std::string coco() { return test::shared_data() + "/images/coco"; }
std::string yolox() { return test::shared_data() + "/models/det/yolox_nano.onnx"; }
std::string nanodet() { return test::shared_data() + "/models/det/nanodet_m_416.onnx"; }
std::string mnist_model() { return test::shared_data() + "/models/cls/mnist8_zoo.onnx"; }


// calib: COCO images [0, n) of the sorted folder; eval: [n, n + m). Symlinks.
struct Sets {
  std::string calib, eval;
};
Sets coco_sets(size_t n, size_t m) {
  Sets s{test::temp_dir("dcalib"), test::temp_dir("deval")};
  const auto images = data::list_images(coco());
  for (size_t k = 0; k < n + m && k < images.size(); ++k)
    std::filesystem::create_symlink(std::filesystem::absolute(images[k].path), (k < n ? s.calib : s.eval) + "/" + images[k].rel);
  return s;
}

void require_one_line_error(const test::CommandResult& r, ExitCode code, const std::string& mention) {
  test::require_one_line_error(r, static_cast<int>(code), mention);
}

bool validates(const std::string& report) { return test::validates_report_schema(report); }

void no_warning(const std::string& w) { FAIL(w); }

}  // namespace

TEST_CASE("metric table: names, what each applies to, usage problems", "[gate][detect]") {
  std::vector<std::string> names;
  for (const auto& m : metrics()) names.push_back(m.name);
  REQUIRE(names == std::vector<std::string>{"top1", "top5", "agreement", "map50", "sqnr"});
  for (const auto& m : metrics()) REQUIRE(parse_metric(m.name) == m.id);
  REQUIRE_THROWS_AS(parse_metric("map"), Error);
  REQUIRE(metric_usage_problem(Metric::kMap50, true, false, true).empty());
  REQUIRE(metric_usage_problem(Metric::kAgreement, true, false, false).empty());
  REQUIRE(metric_usage_problem(Metric::kSqnr, true, false, false).empty());
  REQUIRE(metric_usage_problem(Metric::kSqnr, false, false, false).empty());
  REQUIRE(metric_usage_problem(Metric::kMap50, true, false, false).find("needs --annotations") != std::string::npos);
  REQUIRE(metric_usage_problem(Metric::kTop1, true, true, true).find("is for classifiers") != std::string::npos);
  REQUIRE(metric_usage_problem(Metric::kMap50, false, true, false).find("is for detectors") != std::string::npos);
  REQUIRE(metric_usage_problem(Metric::kTop5, false, false, false).find("needs --labels") != std::string::npos);
}

TEST_CASE("detector metrics: float mAP50 is the MANIFEST's ORT figure, loss 0 for the float model, agreement by hand",
          "[gate][detect][models]") {
  // Prepared once for all sections (159 images through the float model).
  static const PreparedModel m = prepare_model(yolox());
  static const Executor exec(m.graph);
  const RunFn float_run = [](std::map<std::string, Tensor> f) { return exec.run(std::move(f)); };
  static const EvalSet set = prepare_detector_eval_set(
      m.graph, float_run, data::list_images(coco()),
      std::make_shared<const detect::CocoAnnotations>(detect::load_coco_annotations(coco() + "/instances.json")),
      data::load_preset("yolox-416"), true, no_warning);
  REQUIRE(set.size() == 159);
  REQUIRE(set.detector);
  // ONNX Runtime + the reference script, on the same 159 images (fxq's float engine is not bit-identical to ORT).
  REQUIRE(100 * set.float_map.map50 == Approx(100 * manifest_map50("yolox_nano")).margin(0.05));
  REQUIRE(set.float_map.objects == 1350);

  SECTION("the float model as the 'quantized' one: no loss, full agreement") {
    const MetricResult map = evaluate_metric(set, float_run, Metric::kMap50);
    REQUIRE(map.complete);
    REQUIRE(map.loss_pp == 0.0);
    REQUIRE(map.float_pct == Approx(100 * set.float_map.map50));
    REQUIRE(map.boxes.f1() == 1.0);
    REQUIRE(map.boxes.matched > 100);  // there are confident boxes to agree on
  }
  SECTION("every other image loses all its boxes: F1 = 2M / (R + T) from the per-image counts") {
    size_t call = 0;
    const RunFn half = [&call](std::map<std::string, Tensor> f) {
      auto out = exec.run(std::move(f));
      if (call++ % 2 == 1)
        for (auto& [name, t] : out) std::fill(t.f.begin(), t.f.end(), 0.0f);  // yolox: scores 0, no candidate
      return out;
    };
    const MetricResult r = evaluate_metric(set, half, Metric::kAgreement);
    size_t all = 0, kept = 0;
    for (size_t i = 0; i < set.size(); ++i) {
      size_t confident = 0;
      for (const auto& d : set.float_dets[i]) confident += d.score >= kAgreementMinScore ? 1 : 0;
      all += confident;
      if (i % 2 == 0) kept += confident;
    }
    REQUIRE(kept > 0);
    REQUIRE(r.boxes.reference == all);
    REQUIRE(r.boxes.test == kept);
    REQUIRE(r.boxes.matched == kept);
    const double f1 = 100.0 * 2 * static_cast<double>(kept) / static_cast<double>(all + kept);
    REQUIRE(r.float_pct == 100.0);
    REQUIRE(r.quant_pct == Approx(f1));
    REQUIRE(r.loss_pp == Approx(100 - f1));
    REQUIRE(100 * r.quant_map.map50 < 100 * set.float_map.map50 - 5);  // half the images lost their boxes
  }
  SECTION("metrics that do not fit a detector's set are usage errors") {
    try {
      evaluate_metric(set, float_run, Metric::kTop1);
      FAIL("top1 on a detector");
    } catch (const Error& e) {
      REQUIRE(e.code() == ExitCode::kUsage);
    }
    REQUIRE_THROWS_AS(evaluate_metric(set, float_run, Metric::kSqnr), Error);  // float outputs not kept
  }
}

TEST_CASE("sqnr metric: 10 log10(sum x^2 / sum (x - q)^2) over the raw outputs, loss is -SQNR", "[gate][detect][models]") {
  PreparedModel m = prepare_model(mnist_model());
  Executor exec(m.graph);
  const data::PreprocessConfig cfg = data::load_preset("mnist-28");
  std::vector<data::ImageEntry> images = data::list_images(test::shared_data() + "/images/mnist");
  images.resize(20);
  const RunFn float_run = [&exec](std::map<std::string, Tensor> f) { return exec.run(std::move(f)); };
  const EvalSet set = prepare_eval_set(m.graph, float_run, images, {}, cfg, true, no_warning, true);
  REQUIRE(set.float_outputs.size() == 20);
  const float delta = 0.25f;
  const RunFn noisy = [&](std::map<std::string, Tensor> f) {
    auto out = exec.run(std::move(f));
    for (auto& [name, t] : out)
      for (float& v : t.f) v += delta;
    return out;
  };
  double signal = 0, n = 0;
  for (const auto& outs : set.float_outputs)
    for (const auto& t : outs)
      for (float v : t.f) signal += static_cast<double>(v) * v, n += 1;
  const double expected = 10 * std::log10(signal / (n * delta * delta));
  const MetricResult r = evaluate_metric(set, noisy, Metric::kSqnr);
  REQUIRE(r.sqnr_db == Approx(expected).epsilon(1e-4));
  REQUIRE(r.loss_pp == Approx(-expected).epsilon(1e-4));
  REQUIRE(std::isinf(evaluate_metric(set, float_run, Metric::kSqnr).sqnr_db));  // identical outputs
}

TEST_CASE("fxq quantize --eval --annotations on a detector: float vs quantized mAP in the report and the summary",
          "[gate][detect][cli][models]") {
  const Sets s = coco_sets(4, 6);
  const std::string out = test::temp_dir("dquant");
  const std::string ann = coco() + "/instances.json";
  const auto r = run_fxq("quantize " + yolox() + " --calib " + s.calib + " --preset yolox-416 --eval " + s.eval +
                         " --annotations " + ann + " --search-images 4 --wbits 16 --abits 16 --quiet -o " + out + "/y.onnx --html " + out + "/y.html");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(validates(out + "/y.json"));
  const auto report = nlohmann::json::parse(test::read_bytes(out + "/y.json"));
  const auto& a = report["accuracy"];
  REQUIRE(a["task"] == "detect");
  REQUIRE(a["images"] == 6);
  // The float figure is `fxq eval`'s on the same folder (which reproduces ORT's, test_detect_models.cpp).
  const auto e = test::run_fxq("eval " + yolox() + " --images " + s.eval + " --annotations " + ann +
                               " --preset yolox-416 --quiet --json " + out + "/eval.json");
  REQUIRE(e.exit_code == 0);
  const std::string text = e.out;
  const size_t at = text.find("mAP@0.5 ");
  REQUIRE(at != std::string::npos);
  const double eval_map50 = std::stod(text.substr(text.find_first_of("0123456789", at + 8)));
  REQUIRE(a["float"]["map50"].get<double>() == Approx(eval_map50).margin(0.006));
  // 16/16 bits: close to float (a plain sanity bound, not a target)
  REQUIRE(a["loss_map50_pp"].get<double>() == Approx(a["float"]["map50"].get<double>() - a["quantized"]["map50"].get<double>()));
  REQUIRE(a["agreement_pct"].get<double>() > 80);
  REQUIRE(r.out.find("mAP@0.5 float ") != std::string::npos);
  REQUIRE(r.out.find("box agreement") != std::string::npos);
  const std::string html = test::read_bytes(out + "/y.html");
  REQUIRE(html.find("quantized mAP@0.5") != std::string::npos);
}

TEST_CASE("fxq quantize --max-loss on a multi-output detector (nanodet, 6 outputs): map50 gate, ranking shown",
          "[gate][detect][cli][models]") {
  const Sets s = coco_sets(4, 4);
  const std::string out = test::temp_dir("dgate");
  // The profile's output error: the raw elements by default, the decoded candidates when asked for.
  std::string profile_error = "elements", flag;
  SECTION("default profile") {}
  SECTION("--profile-error detections") { profile_error = "detections", flag = "--profile-error detections "; }
  const auto r = run_fxq("quantize " + nanodet() + " --calib " + s.calib + " --preset nanodet-416 --eval " + s.eval +
                         " --annotations " + coco() + "/instances.json --max-loss 100 --max-evals 1 --search-images 2 "
                         "--profile-images 2 " + flag + "--quiet -o " + out + "/n.onnx");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(validates(out + "/n.json"));
  const auto report = nlohmann::json::parse(test::read_bytes(out + "/n.json"));
  REQUIRE(report["gate"]["metric"] == "map50");  // the default with annotations
  REQUIRE(report["gate"]["met"] == true);
  REQUIRE(report["gate"]["float_metric_pct"].get<double>() == Approx(report["accuracy"]["float"]["map50"].get<double>()));
  const auto& chosen = report["gate"]["evaluated"][report["gate"]["chosen"].get<size_t>()];
  REQUIRE(chosen["loss_pp"].get<double>() == Approx(report["accuracy"]["loss_map50_pp"].get<double>()));
  // the profile measured gains on the detector's own outputs (all six)
  double gains = 0;
  for (const auto& l : report["gate"]["profile"]["layers"]) gains += l["gain"].get<double>();
  REQUIRE(gains > 0);
  REQUIRE(report["gate"]["profile"]["output_error"] == profile_error);
  REQUIRE(r.out.find("sensitive") != std::string::npos);
  REQUIRE(r.out.find("gate         met: map50 loss") != std::string::npos);
}

TEST_CASE("fxq quantize --min-sqnr: the decoder-free gate, met and impossible", "[gate][detect][cli][models]") {
  const std::string calib = test::temp_dir("scalib"), eval = test::temp_dir("seval");
  const auto images = data::list_images(test::shared_data() + "/images/mnist");
  for (size_t k = 0; k < 60; ++k)
    std::filesystem::create_symlink(std::filesystem::absolute(images[k].path), (k < 30 ? calib : eval) + "/" + images[k].rel);
  const std::string out = test::temp_dir("sout");
  const std::string base = "quantize " + mnist_model() + " --calib " + calib + " --preset mnist-28 --eval " + eval +
                           " --search-images 16 --max-evals 3 --quiet -o " + out + "/m.onnx ";
  SECTION("met") {
    const auto r = run_fxq(base + "--min-sqnr 15");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(validates(out + "/m.json"));
    const auto report = nlohmann::json::parse(test::read_bytes(out + "/m.json"));
    REQUIRE(report["gate"]["metric"] == "sqnr");
    REQUIRE(report["gate"]["min_sqnr_db"] == 15.0);
    REQUIRE(report["gate"]["profile"]["output_error"] == "elements");
    const auto& chosen = report["gate"]["evaluated"][report["gate"]["chosen"].get<size_t>()];
    REQUIRE(chosen["sqnr_db"].get<double>() >= 15.0);
    REQUIRE(chosen["loss_pp"].get<double>() == Approx(-chosen["sqnr_db"].get<double>()));
    REQUIRE(r.out.find("met: output SQNR") != std::string::npos);
  }
  SECTION("impossible: exit 3, one line, nothing written") {
    const auto r = run_fxq(base + "--min-sqnr 300 --wbits 4 --abits 4");
    require_one_line_error(r, ExitCode::kAccuracyNotMet, "below --min-sqnr 300.00 dB");
    REQUIRE(std::filesystem::is_empty(out));
  }
}

TEST_CASE("fxq quantize detector flags: incompatible combinations are usage errors, one line, nothing written",
          "[gate][detect][cli][models]") {
  const Sets s = coco_sets(2, 2);
  const std::string out = test::temp_dir("dflags");
  const std::string ann = " --annotations " + coco() + "/instances.json ";
  const std::string det = "quantize " + yolox() + " --calib " + s.calib + " --preset yolox-416 --quiet -o " + out + "/y.onnx --eval " + s.eval + " ";
  require_one_line_error(run_fxq(det + "--max-loss 1 --metric map50"), ExitCode::kUsage, "--metric map50 needs --annotations");
  require_one_line_error(run_fxq(det + ann + "--max-loss 1 --metric top1"), ExitCode::kUsage, "--metric top1 is for classifiers");
  require_one_line_error(run_fxq(det + "--labels " + s.eval + "/labels.tsv"), ExitCode::kUsage, "--labels is for classifiers");
  require_one_line_error(run_fxq(det), ExitCode::kUsage, "needs --annotations");
  require_one_line_error(run_fxq(det + ann + "--max-loss 1 --metric sqnr"), ExitCode::kUsage, "--min-sqnr");
  require_one_line_error(run_fxq(det + "--max-loss 1 --min-sqnr 20"), ExitCode::kUsage, "not both");
  require_one_line_error(run_fxq(det + "--min-sqnr nan"), ExitCode::kUsage, "--min-sqnr");
  require_one_line_error(run_fxq(det + ann + "--min-sqnr 20 --metric map50"), ExitCode::kUsage, "--min-sqnr is the limit");
  const std::string cls = "quantize " + mnist_model() + " --calib " + s.calib + " --preset mnist-28 --quiet -o " + out + "/m.onnx --eval " + s.eval + " ";
  require_one_line_error(run_fxq(cls + ann), ExitCode::kUsage, "--annotations is for detectors");
  require_one_line_error(run_fxq(cls + "--max-loss 1 --metric map50"), ExitCode::kUsage, "--metric map50 is for detectors");
  REQUIRE(std::filesystem::is_empty(out));
}
