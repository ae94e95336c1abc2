// QuantizeLinear / DequantizeLinear against hand-computed values (ONNX spec: round half to even,
// saturate, per-axis from opset 13).
#include "op_test_util.h"

using namespace fxq;
using namespace fxq::test;

TEST_CASE("QuantizeLinear rounds half to even and saturates", "[ops]") {
  Tensor x = Tensor::from_floats({8}, {0.25f, 0.75f, -0.25f, 1.25f, 100.0f, -100.0f, 0.26f, -0.75f});
  Tensor scale = Tensor::from_floats({}, {0.5f});
  Tensor zp = Tensor::from_ints({}, {0}, DType::kInt8);
  auto y = run_op("QuantizeLinear", {&x, &scale, &zp});
  // x/scale = 0.5 -> 0, 1.5 -> 2, -0.5 -> -0, 2.5 -> 2, 200 -> 127, -200 -> -128, 0.52 -> 1, -1.5 -> -2
  REQUIRE(y[0].dtype == DType::kInt8);
  REQUIRE(y[0].i == std::vector<int64_t>{0, 2, 0, 2, 127, -128, 1, -2});
  // no zero point: uint8, negatives saturate to 0
  auto u = run_op("QuantizeLinear", {&x, &scale});
  REQUIRE(u[0].dtype == DType::kUInt8);
  REQUIRE(u[0].i == std::vector<int64_t>{0, 2, 0, 2, 200, 0, 1, 0});
}

TEST_CASE("QuantizeLinear and DequantizeLinear per axis (opset 13)", "[ops]") {
  Tensor x = Tensor::from_floats({2, 3}, {1, 2, 3, 1, 2, 3});
  Tensor scale = Tensor::from_floats({2}, {0.5f, 0.25f});
  Tensor zp = Tensor::from_ints({2}, {0, 10}, DType::kUInt8);
  auto q = run_op("QuantizeLinear", {&x, &scale, &zp}, {{"axis", attr_i(0)}});
  REQUIRE(q[0].i == std::vector<int64_t>{2, 4, 6, 14, 18, 22});
  auto d = run_op("DequantizeLinear", {&q[0], &scale, &zp}, {{"axis", attr_i(0)}});
  require_close(d[0], {2, 3}, {1, 2, 3, 1, 2, 3}, 0.0f);
  // a scale that does not fit the axis is a bad input
  Tensor bad = Tensor::from_floats({3}, {1, 1, 1});
  REQUIRE_THROWS_AS(run_op("QuantizeLinear", {&x, &bad}, {{"axis", attr_i(0)}}), Error);
}

TEST_CASE("DequantizeLinear of int32 biases", "[ops]") {
  Tensor b = Tensor::from_ints({3}, {-1000, 0, 123456}, DType::kInt32);
  Tensor scale = Tensor::from_floats({}, {0.0078125f});  // 2^-7
  auto d = run_op("DequantizeLinear", {&b, &scale});
  require_close(d[0], {3}, {-7.8125f, 0.0f, 964.5f}, 0.0f);
}
