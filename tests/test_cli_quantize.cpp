// fxq quantize from the command line: the summary, the outputs, and every bad input with its exit
// code, one line, and no file written.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/sha256.h"
#include "test_support.h"

using namespace fxq;
using test::run_fxq;

namespace {

std::string mnist_model() { return test::shared_data() + "/models/cls/mnist8_zoo.onnx"; }

// calib: the first `n` MNIST images; eval: the next `n` with a labels TSV.
struct Sets {
  std::string calib, eval;
};
Sets mnist_sets(size_t n) {
  const std::string src = test::shared_data() + "/images/mnist";
  Sets s{test::temp_dir("qcalib"), test::temp_dir("qeval")};
  std::ifstream labels(src + "/labels.tsv");
  std::ofstream out(s.eval + "/labels.tsv");
  std::string line;
  for (size_t k = 0; k < 2 * n && std::getline(labels, line); ++k) {
    const std::string file = line.substr(0, line.find('\t'));
    std::filesystem::copy_file(src + "/" + file, (k < n ? s.calib : s.eval) + "/" + file);
    if (k >= n) out << line << "\n";
  }
  return s;
}

void require_error(const test::CommandResult& r, ExitCode code, const std::string& mention) {
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == static_cast<int>(code));
  REQUIRE(r.err.find(mention) != std::string::npos);
  REQUIRE(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

bool folder_has_files(const std::string& dir) {
  return std::filesystem::exists(dir) && !std::filesystem::is_empty(dir);
}

}  // namespace

TEST_CASE("fxq quantize writes a QDQ model, a report and an HTML page and prints a summary", "[cli][quant][models]") {
  const Sets s = mnist_sets(40);
  const std::string out = test::temp_dir("qout");
  auto r = run_fxq("quantize " + mnist_model() + " --calib " + s.calib + " --preset mnist-28 --eval " + s.eval +
                   " --labels " + s.eval + "/labels.tsv -o " + out + "/m.onnx --html " + out + "/m.html --quiet");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.err.empty());  // --quiet: no progress
  INFO(r.out);
  REQUIRE(r.out.find("accuracy") != std::string::npos);
  REQUIRE(r.out.find("weights") != std::string::npos);
  REQUIRE(std::count(r.out.begin(), r.out.end(), '\n') <= 25);
  REQUIRE(r.out.find("wrote        " + out + "/m.onnx  (QDQ ONNX)") != std::string::npos);
  REQUIRE(r.out.find(out + "/m.json  (JSON report)") != std::string::npos);
  REQUIRE(r.out.find(out + "/m.html  (HTML report)") != std::string::npos);
  REQUIRE(test::file_exists(out + "/m.onnx"));
  const auto report = nlohmann::json::parse(test::read_bytes(out + "/m.json"));
  REQUIRE(report["schema_version"] == 2);
  REQUIRE(report["model"]["sha256"] == sha256_file(mnist_model()));
  REQUIRE(report["calibration"]["count"] == 40);
  REQUIRE(report["accuracy"]["images"] == 40);
  REQUIRE(report["layers"].size() >= 3);
  for (const auto& l : report["layers"]) {
    INFO(l.dump());
    REQUIRE(l.contains("sqnr_db"));
    if (!l["weight"].is_null()) REQUIRE(l["weight"]["bits"] == 8);
  }
  REQUIRE(report["totals"]["weight_memory_vs_float32"].get<double>() < 0.3);
  REQUIRE(report["outputs"]["html"] == out + "/m.html");
  // 8-bit weights and inputs everywhere: bit-ops are 8x8/32x32 of float32's, counted the same way
  REQUIRE(report["totals"]["bitops_vs_float32"].get<double>() == Approx(64.0 / 1024));
  // the summary's accuracy is the report's
  char acc[96];
  std::snprintf(acc, sizeof acc, "top-1 float %.2f %% -> quantized %.2f %%", report["accuracy"]["float"]["top1"].get<double>(),
                report["accuracy"]["quantized"]["top1"].get<double>());
  REQUIRE(r.out.find(acc) != std::string::npos);
  // the HTML page: well-formed for Python's html.parser, nothing external, one row per layer
  const auto h = test::run_command("/usr/bin/python3 " + std::string(FXQ_SOURCE_DIR) + "/tests/check_html.py " + out + "/m.html");
  REQUIRE(h.exit_code == 0);
  const auto check = nlohmann::json::parse(h.out);
  INFO(check.dump());
  REQUIRE(check["errors"].empty());
  REQUIRE(check["external"].empty());
  REQUIRE(check["counts"]["tr.layer"] == report["layers"].size());
  // the report follows docs/report.schema.json (checked with Debian's python3-jsonschema)
  const auto v = test::run_command("/usr/bin/python3 -c \"import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), "
                                   "json.load(open(sys.argv[2])))\" " + out + "/m.json " + FXQ_SOURCE_DIR + "/docs/report.schema.json");
  INFO("schema validation: " << v.err);
  REQUIRE(v.exit_code == 0);
  // the model it wrote loads back in fxq, and fxq runs it
  REQUIRE(run_fxq("info " + out + "/m.onnx --no-layers").exit_code == 0);
  const auto e = run_fxq("eval " + out + "/m.onnx --images " + s.eval + " --labels " + s.eval + "/labels.tsv --preset mnist-28 -q");
  INFO(e.err);
  REQUIRE(e.exit_code == 0);
}

TEST_CASE("fxq quantize refuses bad inputs without writing anything", "[cli][quant][models]") {
  const Sets s = mnist_sets(10);
  const std::string out = test::temp_dir("qbad");
  const std::string base = "quantize " + mnist_model() + " --preset mnist-28 --quiet ";

  SECTION("the output would overwrite the input model") {
    const std::string copy = out + "/model.onnx";
    std::filesystem::copy_file(mnist_model(), copy);
    const std::string before = sha256_file(copy);
    require_error(run_fxq("quantize " + copy + " --preset mnist-28 --quiet --calib " + s.calib + " -o " + out + "/./model.onnx"),
                  ExitCode::kUsage, "overwrite");
    REQUIRE(sha256_file(copy) == before);
  }
  SECTION("a calibration folder without images") {
    const std::string empty = test::temp_dir("qempty");
    require_error(run_fxq(base + "--calib " + empty + " -o " + out + "/m.onnx"), ExitCode::kBadInput, empty);
    REQUIRE(!folder_has_files(out));
  }
  SECTION("evaluation images that are calibration images") {
    require_error(run_fxq(base + "--calib " + s.eval + " --eval " + s.eval + " --labels " + s.eval + "/labels.tsv -o " +
                          out + "/m.onnx"),
                  ExitCode::kUsage, "also calibration images");
    REQUIRE(!folder_has_files(out));
  }
  SECTION("a bit-width out of range") {
    require_error(run_fxq(base + "--calib " + s.calib + " --wbits 1 -o " + out + "/m.onnx"), ExitCode::kUsage, "wbits");
  }
  SECTION("--profile-error detections on a classifier, or without a gate, or an unknown name") {
    require_error(run_fxq(base + "--calib " + s.calib + " --eval " + s.eval + " --labels " + s.eval +
                          "/labels.tsv --max-loss 1 --profile-error detections -o " + out + "/m.onnx"),
                  ExitCode::kUsage, "--profile-error detections needs a detector");
    require_error(run_fxq(base + "--calib " + s.calib + " --profile-error detections -o " + out + "/m.onnx"), ExitCode::kUsage,
                  "--profile-error");
    require_error(run_fxq(base + "--calib " + s.calib + " --profile-error boxes -o " + out + "/m.onnx"), ExitCode::kUsage,
                  "boxes");
    REQUIRE(!folder_has_files(out));
  }
  SECTION("an unknown observer") {
    require_error(run_fxq(base + "--calib " + s.calib + " --observer magic -o " + out + "/m.onnx"), ExitCode::kUsage, "magic");
    REQUIRE(!folder_has_files(out));
  }
  SECTION("an --html folder that does not exist: refused before any work, nothing written") {
    require_error(run_fxq(base + "--calib " + s.calib + " -o " + out + "/m.onnx --html " + out + "/no/dir/r.html"),
                  ExitCode::kOutput, out + "/no/dir/r.html");
    REQUIRE(!folder_has_files(out));
  }
  SECTION("an --html path that is a folder") {
    std::filesystem::create_directory(out + "/page");
    require_error(run_fxq(base + "--calib " + s.calib + " -o " + out + "/m.onnx --html " + out + "/page"), ExitCode::kOutput,
                  "is a folder");
    REQUIRE(!test::file_exists(out + "/m.onnx"));
  }
  SECTION("--html naming the same file as the model output") {
    require_error(run_fxq(base + "--calib " + s.calib + " -o " + out + "/m.onnx --html " + out + "/./m.onnx"),
                  ExitCode::kUsage, "two outputs");
    REQUIRE(!folder_has_files(out));
  }
  SECTION("an output folder that does not exist") {
    require_error(run_fxq(base + "--calib " + s.calib + " -o " + out + "/no/such/dir/m.onnx"), ExitCode::kOutput,
                  out + "/no/such/dir/m.onnx");
    REQUIRE(!folder_has_files(out));
  }
}

TEST_CASE("fxq quantize shows progress: plain lines when not on a terminal, a bar on one", "[cli][quant][models]") {
  const Sets s = mnist_sets(20);
  const std::string out = test::temp_dir("qprog");
  const std::string args = "quantize " + mnist_model() + " --calib " + s.calib + " --preset mnist-28 --eval " + s.eval +
                           " --labels " + s.eval + "/labels.tsv -o " + out + "/m.onnx";
  // stderr to a file: one plain line per ~10 %, each with counts, unit and ETA, for every long phase
  const auto plain = run_fxq(args);
  INFO(plain.err);
  REQUIRE(plain.exit_code == 0);
  for (const char* phase : {"calibrate: 20/20 images (", "search: ", "evaluate float: 20/20 images (",
                            "evaluate quantized: 20/20 images ("})
    REQUIRE(plain.err.find(phase) != std::string::npos);
  REQUIRE(plain.err.find(" nodes (") != std::string::npos);
  REQUIRE(plain.err.find("ETA ") != std::string::npos);
  REQUIRE(plain.err.find('\r') == std::string::npos);
  // a terminal (util-linux's script gives the command a pseudo-terminal): a redrawn bar
  const auto tty = test::run_command("script -qec '" + std::string(FXQ_BINARY) + " " + args + " >/dev/null' /dev/null");
  INFO(tty.out);
  REQUIRE(tty.exit_code == 0);
  REQUIRE(tty.out.find("\rcalibrate [") != std::string::npos);
  REQUIRE(tty.out.find("20/20 images") != std::string::npos);
  REQUIRE(tty.out.find("took ") != std::string::npos);
}

// --equalize on ResNet-20 (Conv -> Relu -> Conv in every block): the report records the equalized pairs,
// the summary says so, and the quantized model still classifies (every 40th of the 2000 CIFAR-10 images).
TEST_CASE("fxq quantize --equalize records the equalized conv pairs in the report and the summary", "[cli][quant][models][equalize]") {
  const std::string src = test::shared_data() + "/images/cifar10";
  const std::string calib = test::temp_dir("eq-calib"), eval = test::temp_dir("eq-eval"), out = test::temp_dir("eq-out");
  std::ifstream labels(src + "/labels.tsv");
  std::ofstream eval_labels(eval + "/labels.tsv");
  std::string line;
  for (size_t k = 0; std::getline(labels, line); ++k) {
    if (k % 40 > 1) continue;
    const std::string file = line.substr(0, line.find('\t'));
    std::filesystem::create_symlink(src + "/" + file, (k % 40 == 0 ? calib : eval) + "/" + file);
    if (k % 40 == 1) eval_labels << line << "\n";
  }
  eval_labels.close();
  auto r = run_fxq("quantize " + test::shared_data() + "/models/cls/resnet20_cifar10.onnx --calib " + calib +
                   " --preset cifar10-32 --eval " + eval + " --labels " + eval + "/labels.tsv -o " + out +
                   "/m.onnx --equalize --quiet");
  INFO(r.err << r.out);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.find("; equalized ") != std::string::npos);
  std::ifstream in(out + "/m.json");
  const auto rep = nlohmann::json::parse(in);
  const auto& e = rep.at("options").at("equalize");
  REQUIRE(e.at("pairs").get<int>() >= 9);  // the first conv of each of the 9 basic blocks, at least
  REQUIRE(e.at("channels_scaled").get<int>() > 0);
  REQUIRE(e.at("silu_prescales").get<int>() == 0);  // Relu: nothing added to the graph
  REQUIRE(test::validates_report_schema(out + "/m.json"));
  // Float accuracy is the model's own (the pass changes no prediction), quantized stays close.
  const double f = rep.at("accuracy").at("float").at("top1").get<double>();
  const double q = rep.at("accuracy").at("quantized").at("top1").get<double>();
  REQUIRE(f > 60);
  REQUIRE(q > f - 10);
}
