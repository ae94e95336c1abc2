// Helpers for kernel tests: build one node and run its registered float kernel.
#pragma once
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "ops/registry.h"

namespace fxq::test {

inline Attribute attr_i(int64_t v) { Attribute a; a.kind = Attribute::Kind::kInt; a.i = v; return a; }
inline Attribute attr_f(float v) { Attribute a; a.kind = Attribute::Kind::kFloat; a.f = v; return a; }
inline Attribute attr_s(const std::string& v) { Attribute a; a.kind = Attribute::Kind::kString; a.s = v; return a; }
inline Attribute attr_ints(std::vector<int64_t> v) { Attribute a; a.kind = Attribute::Kind::kInts; a.ints = std::move(v); return a; }
inline Attribute attr_floats(std::vector<float> v) { Attribute a; a.kind = Attribute::Kind::kFloats; a.floats = std::move(v); return a; }

// Runs op `type` on `inputs` (nullptr = absent optional input) and returns its outputs.
inline std::vector<Tensor> run_op(const std::string& type, const std::vector<const Tensor*>& inputs,
                                  std::map<std::string, Attribute> attrs = {}, size_t num_outputs = 1,
                                  int64_t opset = 13) {
  const OpDef* def = find_op(type);
  REQUIRE(def != nullptr);
  Node n;
  n.name = "test_" + type;
  n.op_type = type;
  n.attrs = std::move(attrs);
  for (size_t k = 0; k < inputs.size(); ++k) n.inputs.push_back(inputs[k] ? "in" + std::to_string(k) : "");
  for (size_t k = 0; k < num_outputs; ++k) n.outputs.push_back("out" + std::to_string(k));
  std::vector<Tensor> out(num_outputs);
  KernelArgs args{n, opset, inputs, out};
  def->run(args);
  return out;
}

inline void require_close(const Tensor& got, const Shape& shape, const std::vector<float>& want, float tol = 1e-5f) {
  REQUIRE(got.shape == shape);
  REQUIRE(got.f.size() == want.size());
  for (size_t k = 0; k < want.size(); ++k) {
    INFO("element " << k << ": got " << got.f[k] << ", want " << want[k]);
    REQUIRE(std::abs(got.f[k] - want[k]) <= tol * std::max(1.0f, std::abs(want[k])));
  }
}

}  // namespace fxq::test
