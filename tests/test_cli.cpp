// The fxq binary end to end: help, exit codes, one-line errors, no partial outputs.
#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "io/npy.h"
#include "test_support.h"

using namespace fxq;
using test::run_fxq;

namespace {

int code(ExitCode c) { return static_cast<int>(c); }

void require_one_line_error(const test::CommandResult& r, ExitCode want, const std::string& mention) {
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == code(want));
  REQUIRE(r.err.find(mention) != std::string::npos);
  // exactly one line (warnings aside): the last line is the error, no stack traces
  REQUIRE(r.err.rfind("fxq: ", 0) == 0);
  REQUIRE(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

std::string mnist_model() { return test::shared_data() + "/models/cls/mnist8_zoo.onnx"; }

// A folder with the first `n` MNIST images and a labels TSV for them.
std::string mnist_subset(size_t n) {
  const std::string src = test::shared_data() + "/images/mnist";
  const std::string dir = test::temp_dir("mnist");
  std::ifstream labels(src + "/labels.tsv");
  std::ofstream out(dir + "/labels.tsv");
  std::string line;
  for (size_t k = 0; k < n && std::getline(labels, line); ++k) {
    const std::string file = line.substr(0, line.find('\t'));
    std::filesystem::copy_file(src + "/" + file, dir + "/" + file);
    out << line << "\n";
  }
  return dir;
}

}  // namespace

TEST_CASE("help teaches every command with an example", "[cli]") {
  auto r = run_fxq("--help");
  REQUIRE(r.exit_code == 0);
  for (const char* cmd : {"info", "eval", "run", "ops"}) REQUIRE(r.out.find(cmd) != std::string::npos);
  for (const char* cmd : {"info", "eval", "run", "ops"}) {
    auto h = run_fxq(std::string(cmd) + " --help");
    INFO(cmd);
    REQUIRE(h.exit_code == 0);
    REQUIRE(h.out.find("Example: fxq") != std::string::npos);
  }
  auto ops = run_fxq("ops");
  REQUIRE(ops.exit_code == 0);
  REQUIRE(ops.out.find("Conv") != std::string::npos);
}

TEST_CASE("usage errors exit 2", "[cli]") {
  require_one_line_error(run_fxq("info --bogus x.onnx"), ExitCode::kUsage, "bogus");
  require_one_line_error(run_fxq(""), ExitCode::kUsage, "subcommand");
  require_one_line_error(run_fxq("eval " + mnist_model() + " --images /tmp"), ExitCode::kUsage, "--preset");
  require_one_line_error(run_fxq("--threads -2 ops"), ExitCode::kUsage, "--threads");
}

TEST_CASE("fxq -j gives the same outputs at 1 and 2 threads", "[cli]") {
  const std::string dir = test::temp_dir("cli-threads");
  for (const char* t : {"1", "2"}) {
    auto r = run_fxq(std::string("-j ") + t + " eval " + mnist_model() + " --images " + test::shared_data() +
                     "/images/mnist --labels " + test::shared_data() + "/images/mnist/labels.tsv --preset mnist-28 "
                     "--limit 50 --dump " + dir + "/t" + t + " -q");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/t1")) {
    const std::string other = dir + "/t2/" + e.path().filename().string();
    REQUIRE(std::filesystem::exists(other));
    CHECK(test::read_bytes(e.path().string()) == test::read_bytes(other));
    ++files;
  }
  CHECK(files >= 50);
}

TEST_CASE("bad model files exit 4 with the file named", "[cli]") {
  const std::string dir = test::temp_dir("cli-bad");
  test::write_bytes(dir + "/empty.onnx", "");
  require_one_line_error(run_fxq("info " + dir + "/empty.onnx"), ExitCode::kBadInput, dir + "/empty.onnx: file is empty");
  const std::string bytes = test::read_bytes(mnist_model());
  test::write_bytes(dir + "/cut.onnx", bytes.substr(0, bytes.size() / 3));
  require_one_line_error(run_fxq("info " + dir + "/cut.onnx"), ExitCode::kBadInput, dir + "/cut.onnx");
  require_one_line_error(run_fxq("info " + dir + "/missing.onnx"), ExitCode::kBadInput, "cannot open");
}

TEST_CASE("fxq info describes a real model", "[cli][models]") {
  auto r = run_fxq("info " + mnist_model());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.find("Input3") != std::string::npos);
  REQUIRE(r.out.find("Conv 2") != std::string::npos);
  // MNIST CNN: conv 8x1x5x5 on 28x28 (SAME) = 156800 MACs, conv 16x8x5x5 on 14x14 = 627200, MatMul 256x10 = 2560
  REQUIRE(r.out.find("MACs      786560") != std::string::npos);
  REQUIRE(r.out.find("156800") != std::string::npos);
}

TEST_CASE("fxq eval: accuracy, json, dump, bad folders and unreadable images", "[cli][models]") {
  const std::string dir = mnist_subset(40);
  const std::string out = test::temp_dir("eval-out");
  auto r = run_fxq("eval " + mnist_model() + " --images " + dir + " --labels " + dir + "/labels.tsv --preset mnist-28 --json " +
                   out + "/r.json --dump " + out + "/dump --quiet");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.find("top-1") != std::string::npos);
  REQUIRE(test::file_exists(out + "/r.json"));
  size_t dumped = 0;
  for (const auto& e : std::filesystem::directory_iterator(out + "/dump")) dumped += e.path().extension() == ".npy";
  REQUIRE(dumped == 40);

  SECTION("an unreadable image is a warning and is skipped") {
    test::write_bytes(dir + "/broken.png", "not a png at all");
    auto w = run_fxq("eval " + mnist_model() + " --images " + dir + " --preset mnist-28 --quiet");
    INFO(w.err);
    REQUIRE(w.exit_code == 0);
    REQUIRE(w.err.find("broken.png") != std::string::npos);
    REQUIRE(w.out.find("40 from") != std::string::npos);
  }
  SECTION("a folder with no image is an error") {
    const std::string empty = test::temp_dir("empty");
    test::write_bytes(empty + "/notes.txt", "hello");
    require_one_line_error(run_fxq("eval " + mnist_model() + " --images " + empty + " --preset mnist-28"),
                           ExitCode::kBadInput, empty);
  }
  SECTION("a preset that does not fit the model is an error") {
    require_one_line_error(run_fxq("eval " + mnist_model() + " --images " + dir + " --preset imagenet-224"),
                           ExitCode::kBadInput, "imagenet-224");
  }
  SECTION("an unknown preset is an error listing the known ones") {
    require_one_line_error(run_fxq("eval " + mnist_model() + " --images " + dir + " --preset nope"), ExitCode::kBadInput,
                           "mnist-28");
  }
  SECTION("an unwritable dump folder exits 6") {
    test::write_bytes(out + "/afile", "x");
    require_one_line_error(run_fxq("eval " + mnist_model() + " --images " + dir + " --preset mnist-28 --quiet --dump " +
                                   out + "/afile/sub"),
                           ExitCode::kOutput, out + "/afile/sub");
  }
}

TEST_CASE("fxq run: npy and pb inputs, every output as npy and pb", "[cli][models]") {
  const std::string dir = test::temp_dir("run");
  Tensor x = Tensor::zeros({1, 1, 28, 28});
  for (int k = 0; k < 28; ++k) x.f[static_cast<size_t>(k * 28 + 14)] = 255.0f;  // a vertical stroke: a "1"
  write_npy(dir + "/x.npy", x);
  auto r = run_fxq("run " + mnist_model() + " --input Input3=" + dir + "/x.npy --dump " + dir + "/out");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  Tensor y = read_npy(dir + "/out/Plus214_Output_0.npy");
  REQUIRE(y.shape == Shape{1, 10});
  REQUIRE(test::file_exists(dir + "/out/Plus214_Output_0.pb"));
  // the .pb written can be fed back as an input of the same kind
  auto r2 = run_fxq("run " + mnist_model() + " --input " + dir + "/x.npy --dump " + dir + "/out2");
  REQUIRE(r2.exit_code == 0);
  REQUIRE(read_npy(dir + "/out2/Plus214_Output_0.npy").f == y.f);

  SECTION("a wrong shape is a bad input and writes nothing") {
    write_npy(dir + "/bad.npy", Tensor::zeros({1, 1, 27, 28}));
    require_one_line_error(run_fxq("run " + mnist_model() + " --input Input3=" + dir + "/bad.npy --dump " + dir + "/out3"),
                           ExitCode::kBadInput, "[1,1,27,28]");
    REQUIRE(!test::file_exists(dir + "/out3"));
  }
  SECTION("an unknown input name is a bad input") {
    require_one_line_error(run_fxq("run " + mnist_model() + " --input nope=" + dir + "/x.npy --dump " + dir + "/o4"),
                           ExitCode::kBadInput, "nope");
  }
  SECTION("a file that is not a tensor is a bad input") {
    test::write_bytes(dir + "/junk.npy", "junk");
    require_one_line_error(run_fxq("run " + mnist_model() + " --input " + dir + "/junk.npy --dump " + dir + "/o5"),
                           ExitCode::kBadInput, "junk.npy");
  }
}
