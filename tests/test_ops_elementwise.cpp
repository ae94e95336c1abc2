// Elementwise, broadcasting, Cast and Reduce* kernels against hand-computed values (ONNX Runtime 1.30
// CPU gives the same values for the NaN, Clip-bound, Cast-overflow and integer cases pinned here).
#include <cmath>
#include <limits>

#include "op_test_util.h"
#include "test_support.h"

using namespace fxq;
using namespace fxq::test;

namespace {
const float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kFltMax = std::numeric_limits<float>::max();

Tensor F(Shape s, std::vector<float> v) { return Tensor::from_floats(std::move(s), std::move(v)); }
Tensor I(Shape s, std::vector<int64_t> v, DType t = DType::kInt64) { return Tensor::from_ints(std::move(s), std::move(v), t); }
Tensor B(Shape s, std::vector<int64_t> v) { return Tensor::from_ints(std::move(s), std::move(v), DType::kBool); }
std::vector<float> iota(int n, float from = 0) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int k = 0; k < n; ++k) v[static_cast<size_t>(k)] = from + static_cast<float>(k);
  return v;
}

Tensor run1(const std::string& type, const std::vector<const Tensor*>& in, std::map<std::string, Attribute> attrs = {},
            int64_t opset = 13) {
  return run_op(type, in, std::move(attrs), 1, opset)[0];
}
// Output of a one-input float op on x, as a vector.
std::vector<float> un(const std::string& type, std::vector<float> x, std::map<std::string, Attribute> attrs = {},
                      int64_t opset = 13) {
  const Tensor t = F({static_cast<int64_t>(x.size())}, x);
  return to_vector(run1(type, {&t}, std::move(attrs), opset).f);
}
void require_ints(const Tensor& got, DType dtype, const Shape& shape, const std::vector<int64_t>& want) {
  REQUIRE(got.dtype == dtype);
  REQUIRE(got.shape == shape);
  REQUIRE(got.i == want);
}
}  // namespace

TEST_CASE("binary ops broadcast numpy-style", "[ops]") {
  const Tensor a = F({2, 3, 4}, iota(24)), b = F({4}, {10, 20, 30, 40});
  std::vector<float> want(24);
  for (int k = 0; k < 24; ++k) want[k] = static_cast<float>(k) + 10.0f * static_cast<float>(k % 4 + 1);
  require_close(run1("Add", {&a, &b}), {2, 3, 4}, want);

  const Tensor c = F({2, 1, 4}, iota(8)), d = F({3, 1}, {1, 2, 3});
  std::vector<float> want_mul;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) want_mul.push_back(static_cast<float>((i * 4 + k) * (j + 1)));
  require_close(run1("Mul", {&c, &d}), {2, 3, 4}, want_mul);

  const Tensor s = F({}, {2}), m = F({2, 2}, {1, 2, 3, 4});
  require_close(run1("Sub", {&s, &m}), {2, 2}, {1, 0, -1, -2});
  require_close(run1("Div", {&m, &s}), {2, 2}, {0.5f, 1, 1.5f, 2});
  require_close(run1("Add", {&s, &s}), {}, {4});

  const Tensor one = F({1}, {5}), empty = F({0}, {}), col = F({2, 1}, {1, 2});
  require_close(run1("Add", {&one, &empty}), {0}, {});
  require_close(run1("Mul", {&col, &empty}), {2, 0}, {});

  const Tensor bad = F({2, 3}, iota(6)), four = F({4}, iota(4)), two = F({2}, iota(2));
  REQUIRE(code_of([&] { run1("Add", {&bad, &four}); }) == ExitCode::kBadInput);
  REQUIRE(code_of([&] { run1("Mul", {&empty, &two}); }) == ExitCode::kBadInput);
}

TEST_CASE("Add Sub Mul Div on integers keep the dtype; Div truncates toward zero", "[ops]") {
  const Tensor x = I({4}, {-7, 7, -7, 7}), y = I({4}, {2, -2, -2, 2});
  require_ints(run1("Div", {&x, &y}), DType::kInt64, {4}, {-3, -3, 3, 3});
  require_ints(run1("Add", {&x, &y}), DType::kInt64, {4}, {-5, 5, -9, 9});
  require_ints(run1("Sub", {&x, &y}), DType::kInt64, {4}, {-9, 9, -5, 5});
  require_ints(run1("Mul", {&x, &y}), DType::kInt64, {4}, {-14, -14, 14, 14});

  // Shape -> Div -> Concat style: int64 shape by a scalar.
  const Tensor shape = I({4}, {1, 64, 56, 56}), two = I({}, {2});
  require_ints(run1("Div", {&shape, &two}), DType::kInt64, {4}, {0, 32, 28, 28});

  const Tensor x32 = I({2}, {-7, 2147483647}, DType::kInt32), y32 = I({1}, {2}, DType::kInt32);
  require_ints(run1("Div", {&x32, &y32}), DType::kInt32, {2}, {-3, 1073741823});
  const Tensor one32 = I({1}, {1}, DType::kInt32);
  require_ints(run1("Add", {&x32, &one32}), DType::kInt32, {2}, {-6, -2147483648});  // wraps as ORT

  const Tensor f = F({1}, {1}), zero = I({1}, {0});
  REQUIRE(code_of([&] { run1("Add", {&x, &f}); }) == ExitCode::kBadInput);         // mixed dtypes
  REQUIRE(code_of([&] { run1("Div", {&x32, &x}); }) == ExitCode::kBadInput);       // int32 with int64
  REQUIRE(code_of([&] { run1("Div", {&x, &zero}); }) == ExitCode::kBadInput);      // integer / 0
  const Tensor fx = F({3}, {1, -1, 0}), fz = F({3}, {0, 0, 0});
  const Tensor q = run1("Div", {&fx, &fz});
  REQUIRE(q.f[0] == kInf);
  REQUIRE(q.f[1] == -kInf);
  REQUIRE(std::isnan(q.f[2]));
}

TEST_CASE("Pow takes a float or integer exponent", "[ops]") {
  const Tensor x = F({4}, {2, -2, 0.5f, -8}), ei = I({4}, {3, 3, -2, 0}), ef = F({4}, {0.5f, 2, -1, 1.0f / 3});
  require_close(run1("Pow", {&x, &ei}), {4}, {8, -8, 4, 1});
  const Tensor p = run1("Pow", {&x, &ef});
  require_close(F({3}, {p.f[0], p.f[1], p.f[2]}), {3}, {1.41421356f, 4, 2});
  REQUIRE(std::isnan(p.f[3]));  // negative base, fractional exponent
  const Tensor xi = I({1}, {2});
  REQUIRE(code_of([&] { run1("Pow", {&xi, &ei}); }) == ExitCode::kUnsupported);
}

TEST_CASE("variadic Max Min Sum Mean broadcast and propagate NaN", "[ops]") {
  const Tensor a = F({2}, {1, 2}), b = F({}, {3}), c = F({2, 1}, {0.5f, 1});
  require_close(run1("Sum", {&a, &b, &c}), {2, 2}, {4.5f, 5.5f, 5, 6});
  require_close(run1("Mean", {&a, &b, &c}), {2, 2}, {1.5f, 5.5f / 3, 5.0f / 3, 2});
  require_close(run1("Max", {&a, &c}), {2, 2}, {1, 2, 1, 2});
  require_close(run1("Min", {&a, &b, &c}), {2, 2}, {0.5f, 0.5f, 1, 1});
  require_close(run1("Sum", {&a}), {2}, {1, 2});
  require_close(run1("Mean", {&a, &a}), {2}, {1, 2});

  const Tensor n1 = F({3}, {kNaN, 1, 2}), n2 = F({3}, {0, kNaN, 3});
  const Tensor mx = run1("Max", {&n1, &n2}), mn = run1("Min", {&n1, &n2});
  REQUIRE((std::isnan(mx.f[0]) && std::isnan(mx.f[1]) && mx.f[2] == 3));
  REQUIRE((std::isnan(mn.f[0]) && std::isnan(mn.f[1]) && mn.f[2] == 2));

  const Tensor i1 = I({2}, {1, 5}), i2 = I({1}, {3}), i3 = I({2, 1}, {0, 9});
  require_ints(run1("Max", {&i1, &i2, &i3}), DType::kInt64, {2, 2}, {3, 5, 9, 9});
  require_ints(run1("Min", {&i1, &i2}), DType::kInt64, {2}, {1, 3});
  REQUIRE(code_of([&] { run1("Max", {}); }) == ExitCode::kBadInput);
}

TEST_CASE("Equal Greater Less give bool; Where selects with broadcasting", "[ops]") {
  const Tensor x = F({2, 2}, {1, 2, 3, kNaN}), y = F({2}, {2, 2});
  require_ints(run1("Equal", {&x, &y}), DType::kBool, {2, 2}, {0, 1, 0, 0});
  require_ints(run1("Greater", {&x, &y}), DType::kBool, {2, 2}, {0, 0, 1, 0});
  require_ints(run1("Less", {&x, &y}), DType::kBool, {2, 2}, {1, 0, 0, 0});
  const Tensor z0 = F({1}, {0.0f}), zn = F({1}, {-0.0f});
  require_ints(run1("Equal", {&z0, &zn}), DType::kBool, {1}, {1});
  const Tensor xi = I({3}, {1, 2, 3}), yi = I({}, {2});
  require_ints(run1("Equal", {&xi, &yi}), DType::kBool, {3}, {0, 1, 0});
  require_ints(run1("Greater", {&xi, &yi}), DType::kBool, {3}, {0, 0, 1});
  const Tensor bt = B({2}, {1, 0}), bf = B({1}, {0});
  require_ints(run1("Equal", {&bt, &bf}), DType::kBool, {2}, {0, 1});
  REQUIRE(code_of([&] { run1("Less", {&x, &xi}); }) == ExitCode::kBadInput);

  const Tensor c = B({2}, {1, 0}), one = F({1}, {1}), m = F({2, 2}, {5, 6, 7, 8});
  require_close(run1("Where", {&c, &one, &m}), {2, 2}, {1, 6, 1, 8});
  const Tensor ci = B({3, 1}, {0, 1, 0}), li = I({3}, {1, 2, 3}), ri = I({}, {-1});
  require_ints(run1("Where", {&ci, &li, &ri}), DType::kInt64, {3, 3}, {-1, -1, -1, 1, 2, 3, -1, -1, -1});
  const Tensor notbool = I({2}, {1, 0});
  REQUIRE(code_of([&] { run1("Where", {&notbool, &one, &m}); }) == ExitCode::kBadInput);
  REQUIRE(code_of([&] { run1("Where", {&c, &one, &li}); }) == ExitCode::kBadInput);
}

TEST_CASE("activation-style unary ops", "[ops]") {
  const std::vector<float> x = {-3, -1, 0, 1, 3};
  require_close(F({5}, un("LeakyRelu", x)), {5}, {-0.03f, -0.01f, 0, 1, 3});
  require_close(F({5}, un("LeakyRelu", x, {{"alpha", attr_f(0.5f)}})), {5}, {-1.5f, -0.5f, 0, 1, 3});
  require_close(F({5}, un("Sigmoid", x)), {5}, {0.04742587f, 0.26894142f, 0.5f, 0.73105858f, 0.95257413f});
  require_close(F({2}, un("Sigmoid", {-100, 100})), {2}, {0, 1});
  require_close(F({5}, un("HardSigmoid", x)), {5}, {0, 0.3f, 0.5f, 0.7f, 1});
  require_close(F({5}, un("HardSigmoid", x, {{"alpha", attr_f(0.5f)}, {"beta", attr_f(0.25f)}})), {5},
                {0, 0, 0.25f, 0.75f, 1});
  require_close(F({7}, un("HardSwish", {-4, -3, -1, 0, 1, 3, 4})), {7}, {0, 0, -1.0f / 3, 0, 2.0f / 3, 3, 4});
  require_close(F({5}, un("Tanh", x)), {5}, {-0.99505475f, -0.76159416f, 0, 0.76159416f, 0.99505475f});
  require_close(F({5}, un("Elu", x)), {5}, {-0.95021293f, -0.63212056f, 0, 1, 3});
  require_close(F({5}, un("Elu", x, {{"alpha", attr_f(2)}})), {5}, {-1.90042586f, -1.26424112f, 0, 1, 3});
  require_close(F({4}, un("Selu", {-2, -0.5f, 0, 1})), {4}, {-1.52016652f, -0.69175816f, 0, 1.05070102f});
  require_close(F({5}, un("Softplus", {-100, -1, 0, 1, 100})), {5}, {0, 0.31326169f, 0.69314718f, 1.31326169f, 100});
  require_close(F({5}, un("Softsign", x)), {5}, {-0.75f, -0.5f, 0, 0.5f, 0.75f});
  require_close(F({5}, un("Mish", {-10, -1, 0, 1, 10})), {5}, {-0.00045399f, -0.30340144f, 0, 0.86509840f, 10});
  require_close(F({5}, un("Erf", {-2, -0.5f, 0, 0.3f, 1.5f})), {5},
                {-0.99532227f, -0.52049988f, 0, 0.32862676f, 0.96610515f});

  const Tensor xs = F({2, 2}, {-1, 2, -3, 4}), slope = F({2}, {0.1f, 0.5f});
  require_close(run1("PRelu", {&xs, &slope}), {2, 2}, {-0.1f, 2, -0.3f, 4});
  const Tensor slope3 = F({2, 1}, {0.1f, 0.5f});
  require_close(run1("PRelu", {&xs, &slope3}), {2, 2}, {-0.1f, 2, -1.5f, 4});
  const Tensor wide = F({2, 2, 2}, iota(8));
  REQUIRE(code_of([&] { run1("PRelu", {&xs, &wide}); }) == ExitCode::kBadInput);  // slope must not widen x
}

TEST_CASE("math unary ops; Neg and Abs on integers; Round half to even", "[ops]") {
  require_close(F({3}, un("Exp", {-1, 0, 2})), {3}, {0.36787944f, 1, 7.3890561f});
  const std::vector<float> lg = un("Log", {-1, 0, 1, 2});
  REQUIRE((std::isnan(lg[0]) && lg[1] == -kInf && lg[2] == 0));
  REQUIRE(lg[3] == Approx(0.69314718f));
  const std::vector<float> sq = un("Sqrt", {-1, 0, 4});
  REQUIRE((std::isnan(sq[0]) && sq[1] == 0 && sq[2] == 2));
  const std::vector<float> rc = un("Reciprocal", {0, -0.0f, 4});
  REQUIRE((rc[0] == kInf && rc[1] == -kInf && rc[2] == 0.25f));
  require_close(F({4}, un("Floor", {-1.5f, -0.2f, 0.2f, 2})), {4}, {-2, -1, 0, 2});
  require_close(F({4}, un("Ceil", {-1.5f, -0.2f, 0.2f, 2})), {4}, {-1, 0, 1, 2});
  require_close(F({3}, un("Neg", {-1.5f, 0, 2})), {3}, {1.5f, 0, -2});
  require_close(F({3}, un("Abs", {-1.5f, 0, 2})), {3}, {1.5f, 0, 2});
  require_close(F({11}, un("Round", {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 2.4f, 2.6f, -2.6f, 0.49999997f, 3})),
                {11}, {0, 2, 2, 0, -2, -2, 2, 3, -3, 0, 3});
  const std::vector<float> rs = un("Round", {kNaN, kInf, -kInf});
  REQUIRE((std::isnan(rs[0]) && rs[1] == kInf && rs[2] == -kInf));

  const Tensor i8 = I({3}, {-128, -3, 4}, DType::kInt8), i32 = I({3}, {-2147483648LL, -3, 4}, DType::kInt32);
  require_ints(run1("Abs", {&i8}), DType::kInt8, {3}, {-128, 3, 4});  // wraps as ORT
  require_ints(run1("Neg", {&i32}), DType::kInt32, {3}, {-2147483648LL, 3, -4});
  const Tensor i64 = I({2}, {-5, 6});
  require_ints(run1("Neg", {&i64}), DType::kInt64, {2}, {5, -6});
  REQUIRE(code_of([&] { run1("Exp", {&i64}); }) == ExitCode::kUnsupported);
}

TEST_CASE("Clip: attributes before opset 11 and optional inputs after", "[ops]") {
  const Tensor x = F({5}, {-kInf, -2, 0.5f, 5, kInf});
  const Tensor lo = F({}, {0}), hi = F({}, {1}), big = F({}, {2});
  // Opset 13, only max given (min is an absent input).
  require_close(run1("Clip", {&x, nullptr, &hi}), {5}, {-kFltMax, -2, 0.5f, 1, 1});
  require_close(run1("Clip", {&x, &lo}), {5}, {0, 0, 0.5f, 5, kFltMax});  // absent max: +inf -> FLT_MAX (ORT)
  require_close(run1("Clip", {&x, &lo, &hi}), {5}, {0, 0, 0.5f, 1, 1});
  require_close(run1("Clip", {&x, &big, &hi}), {5}, {1, 1, 1, 1, 1});  // min > max gives max
  const Tensor nan = F({1}, {kNaN});
  REQUIRE(std::isnan(run1("Clip", {&nan, &lo, &hi}).f[0]));
  // Opset 8: attributes, each defaulting to the lowest/highest float.
  require_close(run1("Clip", {&x}, {{"max", attr_f(2)}}, 8), {5}, {-kFltMax, -2, 0.5f, 2, 2});
  require_close(run1("Clip", {&x}, {{"min", attr_f(-1)}, {"max", attr_f(1)}}, 8), {5}, {-1, -1, 0.5f, 1, 1});
  require_close(run1("Clip", {&x}, {}, 6), {5}, {-kFltMax, -2, 0.5f, 5, kFltMax});
  // Opset 12+: integers.
  const Tensor xi = I({3}, {-5, 3, 9}), loi = I({}, {0}), hii = I({}, {6});
  require_ints(run1("Clip", {&xi, &loi, &hii}), DType::kInt64, {3}, {0, 3, 6});
  require_ints(run1("Clip", {&xi, nullptr, &hii}), DType::kInt64, {3}, {-5, 3, 6});
  const Tensor vec = F({2}, {0, 1});
  REQUIRE(code_of([&] { run1("Clip", {&x, &vec}); }) == ExitCode::kBadInput);  // bound must be a scalar
  REQUIRE(code_of([&] { run1("Clip", {&x, &loi}); }) == ExitCode::kBadInput);  // bound dtype differs
}

TEST_CASE("Cast between float32 int64 int32 int8 uint8 and bool as ONNX Runtime", "[ops]") {
  const Tensor x = F({13}, {300.5f, -200.7f, 1e10f, -1e10f, 2.9f, -2.9f, 255.9f, 256, -0.9f, -1, 127.5f, -128.9f, -129});
  auto cast = [](const Tensor& t, int64_t to) { return run1("Cast", {&t}, {{"to", attr_i(to)}}); };
  require_ints(cast(x, 3), DType::kInt8, {13}, {44, 56, 0, 0, 2, -2, -1, 0, 0, -1, 127, -128, 127});
  require_ints(cast(x, 2), DType::kUInt8, {13}, {44, 56, 0, 0, 2, 254, 255, 0, 0, 255, 127, 128, 127});
  require_ints(cast(x, 6), DType::kInt32, {13},
               {300, -200, -2147483648LL, -2147483648LL, 2, -2, 255, 256, 0, -1, 127, -128, -129});
  require_ints(cast(x, 7), DType::kInt64, {13},
               {300, -200, 10000000000LL, -10000000000LL, 2, -2, 255, 256, 0, -1, 127, -128, -129});
  const Tensor odd = F({3}, {kNaN, kInf, -kInf});
  require_ints(cast(odd, 6), DType::kInt32, {3}, {-2147483648LL, -2147483648LL, -2147483648LL});
  require_ints(cast(odd, 7), DType::kInt64, {3}, {INT64_MIN, INT64_MIN, INT64_MIN});
  require_ints(cast(odd, 3), DType::kInt8, {3}, {0, 0, 0});
  const Tensor zb = F({3}, {kNaN, 0, -0.0f});
  require_ints(cast(zb, 9), DType::kBool, {3}, {1, 0, 0});

  const Tensor i = I({5}, {300, -129, 128, 255, -1});
  require_ints(cast(i, 3), DType::kInt8, {5}, {44, 127, -128, -1, -1});
  require_ints(cast(i, 2), DType::kUInt8, {5}, {44, 127, 128, 255, 255});
  require_ints(cast(i, 9), DType::kBool, {5}, {1, 1, 1, 1, 1});
  require_close(cast(i, 1), {5}, {300, -129, 128, 255, -1});
  const Tensor big = I({2}, {2147483648LL, -2147483649LL});
  require_ints(cast(big, 6), DType::kInt32, {2}, {-2147483648LL, 2147483647});
  const Tensor u8 = I({2}, {200, 5}, DType::kUInt8), b = B({2}, {1, 0});
  require_ints(cast(u8, 3), DType::kInt8, {2}, {-56, 5});
  require_close(cast(b, 1), {2}, {1, 0});
  require_close(cast(x, 1), {13}, to_vector(x.f));

  REQUIRE(code_of([&] { cast(x, 10); }) == ExitCode::kUnsupported);  // float16
  REQUIRE(code_of([&] { run1("Cast", {&x}); }) == ExitCode::kBadInput);  // 'to' is required
}

TEST_CASE("ReduceMean ReduceSum ReduceMax ReduceMin: axes and negative axes and keepdims", "[ops]") {
  const Tensor x = F({2, 3}, {0, 1, 2, 3, 4, 5});
  auto axes = [](std::vector<int64_t> v) { return attr_ints(std::move(v)); };
  require_close(run1("ReduceMean", {&x}, {{"axes", axes({-1})}, {"keepdims", attr_i(0)}}), {2}, {1, 4});
  require_close(run1("ReduceMean", {&x}, {{"axes", axes({-1})}}), {2, 1}, {1, 4});
  require_close(run1("ReduceMean", {&x}), {1, 1}, {2.5f});  // no axes: all
  require_close(run1("ReduceMax", {&x}, {{"axes", axes({0})}, {"keepdims", attr_i(0)}}), {3}, {3, 4, 5});
  require_close(run1("ReduceMin", {&x}, {{"axes", axes({-2, 1})}}), {1, 1}, {0});
  require_close(run1("ReduceMax", {&x}, {{"axes", axes({1, -1})}}), {2, 1}, {2, 5});  // repeats ignored
  // ReduceSum: attribute before opset 13, input 1 from 13.
  require_close(run1("ReduceSum", {&x}, {{"axes", axes({-2})}}, 11), {1, 3}, {3, 5, 7});
  const Tensor ax = I({1}, {-2}), none = I({0}, {});
  require_close(run1("ReduceSum", {&x, &ax}, {{"keepdims", attr_i(0)}}), {3}, {3, 5, 7});
  require_close(run1("ReduceSum", {&x}, {{"keepdims", attr_i(0)}}), {}, {15});
  require_close(run1("ReduceSum", {&x, &none}), {1, 1}, {15});
  require_close(run1("ReduceSum", {&x, &none}, {{"noop_with_empty_axes", attr_i(1)}}), {2, 3}, to_vector(x.f));
  require_close(run1("ReduceSum", {&x}, {{"noop_with_empty_axes", attr_i(1)}}), {2, 3}, to_vector(x.f));

  const Tensor x3 = F({2, 2, 2}, iota(8));
  require_close(run1("ReduceMean", {&x3}, {{"axes", axes({0, -1})}, {"keepdims", attr_i(0)}}), {2}, {2.5f, 4.5f});
  require_close(run1("ReduceSum", {&x3}, {{"axes", axes({1})}}, 12), {2, 1, 2}, {2, 4, 10, 12});

  const Tensor e = F({2, 0}, {});  // empty slices: sum 0, mean 0 (ORT), max -inf, min +inf
  const std::map<std::string, Attribute> a1 = {{"axes", axes({1})}, {"keepdims", attr_i(0)}};
  require_close(run1("ReduceMean", {&e}, a1), {2}, {0, 0});
  require_close(run1("ReduceSum", {&e}, a1, 11), {2}, {0, 0});
  REQUIRE(run1("ReduceMax", {&e}, a1).f == std::vector<float>{-kInf, -kInf});
  REQUIRE(run1("ReduceMin", {&e}, a1).f == std::vector<float>{kInf, kInf});
  require_close(run1("ReduceSum", {&e}, {{"axes", axes({0})}}, 11), {1, 0}, {});

  const Tensor n = F({2, 2}, {kNaN, 1, 1, 2});
  const Tensor nm = run1("ReduceMax", {&n}, {{"axes", axes({1})}});
  REQUIRE((std::isnan(nm.f[0]) && nm.f[1] == 2));

  const Tensor xi = I({2, 2}, {1, 2, 4, 4});
  require_ints(run1("ReduceMean", {&xi}, {{"axes", axes({1})}}), DType::kInt64, {2, 1}, {1, 4});  // truncates
  require_ints(run1("ReduceSum", {&xi, &ax}), DType::kInt64, {1, 2}, {5, 6});
  require_ints(run1("ReduceMax", {&xi}, {{"axes", axes({0})}, {"keepdims", attr_i(0)}}), DType::kInt64, {2}, {4, 4});

  REQUIRE(code_of([&] { run1("ReduceMean", {&x}, {{"axes", axes({2})}}); }) == ExitCode::kBadInput);
  REQUIRE(code_of([&] { run1("ReduceMax", {&x}, {{"axes", axes({-3})}}); }) == ExitCode::kBadInput);
}
