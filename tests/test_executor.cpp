// The executor's buffer donation (KernelArgs::donor): an op that passes its input on unchanged
// (Reshape, Flatten, Squeeze, Unsqueeze, Identity) moves input 0 when it is that value's last reader
// and reads it once, and copies it otherwise: a value another node still reads, a graph output, a
// graph input read twice. Checked by value on a hand-built graph, with and without hooks, run twice.
#include <catch2/catch.hpp>

#include <vector>

#include "engine/executor.h"

using namespace fxq;

namespace {

Node node(const std::string& type, std::vector<std::string> in, std::vector<std::string> out) {
  Node n;
  n.name = type + "_" + out.at(0);
  n.op_type = type;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  return n;
}

ValueInfo value(const std::string& name) {
  ValueInfo v;
  v.name = name;
  return v;
}

}  // namespace

TEST_CASE("executor: pass-through ops move a value only at its last reader, else copy", "[engine]") {
  Graph g;
  g.opset = 13;
  g.inputs = {value("X")};
  g.initializers["shape32"] = Tensor::from_ints({2}, {3, 2});
  g.initializers["axes0"] = Tensor::from_ints({1}, {0});
  g.nodes = {
      node("Reshape", {"X", "shape32"}, {"R1"}),  // X is read again below: a copy
      node("Identity", {"R1"}, {"I1"}),           // R1's last reader: moved
      node("Flatten", {"I1"}, {"F"}),             // moved
      node("Identity", {"X"}, {"G"}),             // X read again below: a copy; G is a graph output
      node("Unsqueeze", {"G", "axes0"}, {"U"}),   // G is a graph output: never moved
      node("Squeeze", {"U", "axes0"}, {"S"}),     // moved
      node("Add", {"X", "X"}, {"A"}),             // X's last reader, twice
  };
  g.outputs = {value("F"), value("G"), value("S"), value("A")};
  Executor exec(g);
  const Tensor x = Tensor::from_floats({2, 3}, {1, 2, 3, 4, 5, 6});
  int seen = 0;
  ExecHooks hooks;
  hooks.on_value = [&](const Node&, const std::string&, Tensor& t) { seen += t.size() > 0; };
  const std::vector<const ExecHooks*> runs = {nullptr, &hooks, nullptr};
  for (const ExecHooks* h : runs) {
    const auto out = exec.run({{"X", x}}, h);
    CHECK(out.at("F").shape == Shape{3, 2});
    CHECK(out.at("F").f == x.f);
    CHECK(out.at("G").shape == Shape{2, 3});
    CHECK(out.at("G").f == x.f);
    CHECK(out.at("S").shape == Shape{2, 3});
    CHECK(out.at("S").f == x.f);
    CHECK(out.at("A").f == std::vector<float>{2, 4, 6, 8, 10, 12});
  }
  CHECK(seen == 7);  // the hooked run saw every node's output, none emptied by a move
}

// Initializers are resolved once per Executor: a value changed in place between runs is seen (fake
// quantization and bias correction change weights that way), and a run after an initializer was added
// or removed looks every name up again.
TEST_CASE("executor: initializers changed between runs are seen", "[engine]") {
  Graph g;
  g.opset = 13;
  g.inputs = {value("X")};
  g.initializers["B"] = Tensor::from_floats({2}, {10, 20});
  g.nodes = {node("Add", {"X", "B"}, {"Y"})};
  g.outputs = {value("Y")};
  Executor exec(g);
  const Tensor x = Tensor::from_floats({2}, {1, 2});
  CHECK(exec.run({{"X", x}}).at("Y").f == std::vector<float>{11, 22});
  g.initializers["B"].f[1] = 30;  // in place
  CHECK(exec.run({{"X", x}}).at("Y").f == std::vector<float>{11, 32});
  g.initializers["B"] = Tensor::from_floats({2}, {40, 50});  // a new tensor under the same name
  CHECK(exec.run({{"X", x}}).at("Y").f == std::vector<float>{41, 52});
  g.initializers["C"] = Tensor::from_floats({1}, {0});  // another initializer: names are looked up again
  g.initializers.erase("B");
  g.initializers["B"] = Tensor::from_floats({2}, {60, 70});
  CHECK(exec.run({{"X", x}}).at("Y").f == std::vector<float>{61, 72});
}
