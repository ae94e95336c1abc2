// IR -> ONNX: every attribute kind, symbolic dims, and a round trip of every shared model
// (prepare -> write -> load -> run) with bit-identical outputs.
#include <onnx/onnx_pb.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

#include "common/error.h"
#include "engine/executor.h"
#include "engine/prepare.h"
#include "onnx/model_loader.h"
#include "onnx/model_writer.h"
#include "shared_models.h"
#include "test_support.h"

using namespace fxq;

namespace {

Attribute make_attr(Attribute::Kind k) {
  Attribute a;
  a.kind = k;
  return a;
}

// x [N,3] -> Relu -> a custom-domain node carrying one attribute of every kind -> y
Graph attribute_graph() {
  Graph g;
  g.opset = 13;
  g.ir_version = 7;
  g.name = "attrs";
  ValueInfo x{"x", DType::kFloat32, true, {-1, 3}, {"batch", ""}};
  g.inputs.push_back(x);
  ValueInfo y{"y", DType::kFloat32, true, {-1, 3}, {"batch", ""}};
  g.outputs.push_back(y);
  g.initializers["k"] = Tensor::from_ints({2}, {4, -5}, DType::kInt64);
  Node relu;
  relu.name = "relu";
  relu.op_type = "Relu";
  relu.inputs = {"x"};
  relu.outputs = {"r"};
  Node c;
  c.name = "custom";
  c.op_type = "Everything";
  c.domain = "fxq.test";
  c.inputs = {"r", "", "k"};
  c.outputs = {"y"};
  Attribute a = make_attr(Attribute::Kind::kFloat);
  a.f = 0.25f;
  c.attrs["f"] = a;
  a = make_attr(Attribute::Kind::kInt);
  a.i = -7;
  c.attrs["i"] = a;
  a = make_attr(Attribute::Kind::kString);
  a.s = "SAME_UPPER";
  c.attrs["s"] = a;
  a = make_attr(Attribute::Kind::kTensor);
  a.t = std::make_shared<Tensor>(Tensor::from_floats({2, 2}, {1, 2, 3, 4.5f}));
  c.attrs["t"] = a;
  a = make_attr(Attribute::Kind::kFloats);
  a.floats = {1.5f, -2};
  c.attrs["fs"] = a;
  a = make_attr(Attribute::Kind::kInts);
  a.ints = {1, 2, 3};
  c.attrs["is"] = a;
  a = make_attr(Attribute::Kind::kStrings);
  a.strings = {"a", "bc"};
  c.attrs["ss"] = a;
  g.nodes = {relu, c};
  return g;
}

}  // namespace

TEST_CASE("model writer keeps every attribute kind and symbolic dims", "[export]") {
  const Graph g = attribute_graph();
  const onnx::ModelProto m = onnxio::to_model_proto(g);
  CHECK(m.producer_name() == "fxq");
  CHECK(m.ir_version() >= 7);
  REQUIRE(m.graph().input_size() == 1);
  CHECK(m.graph().input(0).type().tensor_type().shape().dim(0).dim_param() == "batch");
  CHECK(m.graph().input(0).type().tensor_type().shape().dim(1).dim_value() == 3);

  const std::string dir = test::temp_dir("writer");
  const std::string path = dir + "/attrs.onnx";
  onnxio::save_model(g, path);
  const Graph r = onnxio::load_model(path).graph;
  CHECK(r.opset == 13);
  REQUIRE(r.inputs.size() == 1);
  CHECK(r.inputs[0].dim_params == std::vector<std::string>{"batch", ""});
  CHECK(r.initializers.at("k").i == std::vector<int64_t>{4, -5});
  REQUIRE(r.nodes.size() == 2);
  const Node& c = r.nodes[1];
  CHECK(c.domain == "fxq.test");
  CHECK(c.inputs == std::vector<std::string>{"r", "", "k"});
  CHECK(c.attr_float("f", 0) == 0.25f);
  CHECK(c.attr_int("i", 0) == -7);
  CHECK(c.attr_string("s", "") == "SAME_UPPER");
  REQUIRE(c.attr_tensor("t") != nullptr);
  CHECK(c.attr_tensor("t")->f == std::vector<float>{1, 2, 3, 4.5f});
  CHECK(c.attr_floats("fs") == std::vector<float>{1.5f, -2});
  CHECK(c.attr_ints("is") == std::vector<int64_t>{1, 2, 3});
  CHECK(c.attrs.at("ss").strings == std::vector<std::string>{"a", "bc"});
  std::filesystem::remove_all(dir);
}

TEST_CASE("model writer refuses attributes it could not keep", "[export]") {
  Graph g = attribute_graph();
  g.nodes[1].attrs["g"] = Attribute{};  // kOther, e.g. a subgraph
  try {
    onnxio::to_model_proto(g);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kUnsupported);
    CHECK(std::string(e.what()).find("'custom'") != std::string::npos);
  }
  CHECK_THROWS_AS(onnxio::save_model(attribute_graph(), "/nonexistent-dir/x.onnx"), Error);
}

TEST_CASE("every shared model round-trips through the writer with identical outputs", "[export][models]") {
  const std::string data = test::shared_data();
  std::vector<std::string> files;
  for (const auto& dir : {"/models/cls", "/models/det"})
    for (const auto& e : std::filesystem::directory_iterator(data + dir))
      if (e.path().extension() == ".onnx") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= test::shared_models().size());
  const std::string out = test::temp_dir("writer-models");
  for (const auto& file : files) {
    DYNAMIC_SECTION(std::filesystem::path(file).filename().string()) {
      PreparedModel m = prepare_model(file);
      const std::string path = out + "/" + std::filesystem::path(file).filename().string();
      onnxio::save_model(m.graph, path);
      const Graph back = onnxio::load_model(path).graph;
      CHECK(back.opset == m.graph.opset);
      CHECK(back.nodes.size() == m.graph.nodes.size());
      CHECK(back.initializers.size() == m.graph.initializers.size());

      std::mt19937 rng(7);
      std::uniform_real_distribution<float> u(-1.f, 1.f);
      std::map<std::string, Tensor> in;
      for (const auto& vi : m.graph.inputs) {
        Shape s = vi.shape;
        for (auto& d : s) d = d < 0 ? 1 : d;
        Tensor t = Tensor::zeros(s);
        for (auto& v : t.f) v = u(rng);
        in[vi.name] = t;
      }
      const auto a = Executor(m.graph).run(in);
      const auto b = Executor(back).run(in);
      REQUIRE(a.size() == b.size());
      for (const auto& [name, t] : a) {
        INFO(file << " output " << name);
        REQUIRE(b.count(name));
        CHECK(b.at(name).shape == t.shape);
        CHECK(b.at(name).f == t.f);  // the same graph: bit-identical
      }
    }
  }
  std::filesystem::remove_all(out);
}
