// Loading ONNX files: every bad input is one Error naming the file, with the documented exit code.
#include <catch2/catch.hpp>
#include <filesystem>

#include "common/error.h"
#include "engine/executor.h"
#include "onnx/model_loader.h"
#include "onnx/tensor_proto.h"
#include "test_support.h"

using namespace fxq;
using fxq::test::ModelBuilder;

namespace {

// A 1x1 conv model: y = Relu(Conv(x, w) + b), 2 channels in, 1 out.
ModelBuilder tiny_model(int64_t opset = 13) {
  ModelBuilder b(opset);
  b.input("x", {1, 2, 2, 2});
  b.init("w", {1, 2, 1, 1}, {1.0f, -2.0f});
  b.init("b", {1}, {0.5f});
  b.node("Conv", {"x", "w", "b"}, {"c"}, "conv");
  b.node("Relu", {"c"}, {"y"}, "relu");
  b.output("y", {1, 1, 2, 2});
  return b;
}

// Expects load_model(path) to fail with `code`, a one-line message naming the file and containing `what`.
void require_load_error(const std::string& path, ExitCode code, const std::string& what) {
  try {
    onnxio::load_model(path);
    FAIL("loading " << path << " should have failed");
  } catch (const Error& e) {
    const std::string msg = e.what();
    INFO(msg);
    REQUIRE(e.code() == code);
    REQUIRE(msg.find(path) != std::string::npos);
    REQUIRE(msg.find(what) != std::string::npos);
    REQUIRE(msg.find('\n') == std::string::npos);
  }
}

}  // namespace

TEST_CASE("a model built in code loads and runs", "[onnx]") {
  const std::string dir = test::temp_dir("load");
  const std::string path = tiny_model().save(dir + "/tiny.onnx");
  auto r = onnxio::load_model(path);
  REQUIRE(r.graph.opset == 13);
  REQUIRE(r.graph.inputs.size() == 1);
  REQUIRE(r.graph.nodes.size() == 2);
  Executor exec(r.graph);
  auto out = exec.run({{"x", Tensor::from_floats({1, 2, 2, 2}, {1, 2, 3, 4, 0, 1, 1, 3})}});
  // y = relu(x0 - 2*x1 + 0.5)
  REQUIRE(out.at("y").f == std::vector<float>{1.5f, 0.5f, 1.5f, 0.0f});
}

TEST_CASE("bad model files give one-line errors with exit code 4 or 5", "[onnx]") {
  const std::string dir = test::temp_dir("bad");
  const std::string good = tiny_model().save(dir + "/good.onnx");

  SECTION("missing file") { require_load_error(dir + "/nope.onnx", ExitCode::kBadInput, "cannot open"); }
  SECTION("a folder") { require_load_error(dir, ExitCode::kBadInput, "folder"); }
  SECTION("empty file") {
    test::write_bytes(dir + "/empty.onnx", "");
    require_load_error(dir + "/empty.onnx", ExitCode::kBadInput, "empty");
  }
  SECTION("truncated file") {
    const std::string bytes = test::read_bytes(good);
    test::write_bytes(dir + "/trunc.onnx", bytes.substr(0, bytes.size() / 2));
    require_load_error(dir + "/trunc.onnx", ExitCode::kBadInput, "not a valid ONNX model");
  }
  SECTION("a text file") {
    test::write_bytes(dir + "/text.onnx", "this is not a model, just some words\n");
    try {
      onnxio::load_model(dir + "/text.onnx");
      FAIL("should fail");
    } catch (const Error& e) {
      REQUIRE(e.code() == ExitCode::kBadInput);
      REQUIRE(std::string(e.what()).find(dir + "/text.onnx") != std::string::npos);
    }
  }
  SECTION("a PNG image") {
    test::write_bytes(dir + "/img.onnx", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
    try {
      onnxio::load_model(dir + "/img.onnx");
      FAIL("should fail");
    } catch (const Error& e) {
      REQUIRE(e.code() == ExitCode::kBadInput);
    }
  }
  SECTION("opset above the range") {
    tiny_model(18).save(dir + "/op18.onnx");
    require_load_error(dir + "/op18.onnx", ExitCode::kUnsupported, "opset 18 is outside the supported range 7..17");
  }
  SECTION("opset below the range") {
    tiny_model(6).save(dir + "/op6.onnx");
    require_load_error(dir + "/op6.onnx", ExitCode::kUnsupported, "opset 6");
  }
  SECTION("no float input") {
    ModelBuilder b;
    b.input("ids", {4}, onnx::TensorProto::INT64);
    b.node("Identity", {"ids"}, {"y"});
    b.output("y", {4}, onnx::TensorProto::INT64);
    b.save(dir + "/int.onnx");
    require_load_error(dir + "/int.onnx", ExitCode::kUnsupported, "no float32 input");
  }
  SECTION("a checker failure (node reads a value nobody makes)") {
    ModelBuilder b = tiny_model();
    b.node("Relu", {"ghost"}, {"z"}, "orphan");
    b.save(dir + "/ghost.onnx");
    require_load_error(dir + "/ghost.onnx", ExitCode::kBadInput, "ghost");
  }
}

TEST_CASE("an unsupported op names the op type, the node and the file", "[onnx]") {
  const std::string dir = test::temp_dir("unsup");
  ModelBuilder b;
  b.input("x", {1, 4});
  b.node("Hardmax", {"x"}, {"y"}, "the_hardmax");
  b.output("y", {1, 4});
  const std::string path = b.save(dir + "/hardmax.onnx");
  auto r = onnxio::load_model(path);
  try {
    Executor exec(r.graph);
    FAIL("should fail");
  } catch (const Error& e) {
    const std::string msg = e.what();
    REQUIRE(e.code() == ExitCode::kUnsupported);
    REQUIRE(msg.find("Hardmax") != std::string::npos);
    REQUIRE(msg.find("the_hardmax") != std::string::npos);
    REQUIRE(msg.find(path) != std::string::npos);
  }
}

TEST_CASE("external-data initializers are read relative to the model", "[onnx]") {
  const std::string dir = test::temp_dir("ext");
  ModelBuilder b = tiny_model();
  // Move the weight 'w' into weights.bin at offset 8.
  auto* w = b.m.mutable_graph()->mutable_initializer(0);
  REQUIRE(w->name() == "w");
  const float vals[2] = {1.0f, -2.0f};
  std::string blob(8, '\0');
  blob.append(reinterpret_cast<const char*>(vals), sizeof vals);
  test::write_bytes(dir + "/weights.bin", blob);
  w->clear_float_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto add_kv = [&](const char* k, const std::string& v) {
    auto* e = w->add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  add_kv("location", "weights.bin");
  add_kv("offset", "8");
  add_kv("length", "8");
  const std::string path = b.save(dir + "/ext.onnx");
  auto r = onnxio::load_model(path);
  REQUIRE(r.graph.initializer("w")->f == std::vector<float>{1.0f, -2.0f});

  std::filesystem::remove(dir + "/weights.bin");
  require_load_error(path, ExitCode::kBadInput, "weights.bin");
}

TEST_CASE("TensorProto files round-trip", "[onnx]") {
  const std::string dir = test::temp_dir("pb");
  Tensor t = Tensor::from_floats({2, 3}, {1, -2, 3.5f, 0, 1e-8f, -7});
  onnxio::write_tensor_pb(t, "x", dir + "/x.pb");
  std::string name;
  Tensor back = onnxio::read_tensor_pb(dir + "/x.pb", &name);
  REQUIRE(name == "x");
  REQUIRE(back.shape == t.shape);
  REQUIRE(back.f == t.f);
  Tensor ti = Tensor::from_ints({3}, {-1, 0, 1LL << 40});
  onnxio::write_tensor_pb(ti, "i", dir + "/i.pb");
  REQUIRE(onnxio::read_tensor_pb(dir + "/i.pb").i == ti.i);
  test::write_bytes(dir + "/bad.pb", "");
  REQUIRE_THROWS_AS(onnxio::read_tensor_pb(dir + "/bad.pb"), Error);
}
