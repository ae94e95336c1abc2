// Shape ops: hand-computed values and edge cases; the longer expected values (Slice sentinels, Pad
// modes, DepthToSpace/SpaceToDepth, Gather, Expand, Tile, Split) were checked against ONNX Runtime.
#include <cstdint>
#include <limits>
#include <memory>
#include <numeric>
#include <random>

#include "common/parallel.h"
#include "op_test_util.h"

using namespace fxq;
using namespace fxq::test;

namespace {
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

Tensor ints(Shape s, std::vector<int64_t> v) { return Tensor::from_ints(std::move(s), std::move(v)); }
Tensor floats(Shape s, std::vector<float> v) { return Tensor::from_floats(std::move(s), std::move(v)); }
// 0, 1, 2, ... in the given shape.
Tensor iota(Shape s) {
  std::vector<float> v(static_cast<size_t>(numel(s)));
  std::iota(v.begin(), v.end(), 0.0f);
  return floats(std::move(s), std::move(v));
}
void require_ints(const Tensor& t, const Shape& shape, const std::vector<int64_t>& want, DType dtype = DType::kInt64) {
  REQUIRE(t.dtype == dtype);
  REQUIRE(t.shape == shape);
  REQUIRE(t.i == want);
}
Attribute attr_t(const Tensor& t) {
  Attribute a;
  a.kind = Attribute::Kind::kTensor;
  a.t = std::make_shared<Tensor>(t);
  return a;
}
// The exit code of the fxq::Error the op throws (kOk if none).
ExitCode error_code(const std::string& type, const std::vector<const Tensor*>& in,
                    std::map<std::string, Attribute> attrs = {}, size_t nout = 1, int64_t opset = 13) {
  try {
    run_op(type, in, std::move(attrs), nout, opset);
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::kOk;
}
}  // namespace

TEST_CASE("Concat joins float and int tensors along an axis", "[ops]") {
  Tensor a = iota({2, 1}), b = floats({2, 2}, {10, 11, 12, 13});
  require_close(run_op("Concat", {&a, &b}, {{"axis", attr_i(-1)}})[0], {2, 3}, {0, 10, 11, 1, 12, 13});
  require_close(run_op("Concat", {&a, &a}, {{"axis", attr_i(0)}})[0], {4, 1}, {0, 1, 0, 1});
  Tensor i = ints({2}, {1, 2}), j = ints({1}, {-1});
  require_ints(run_op("Concat", {&i, &j}, {{"axis", attr_i(0)}})[0], {3}, {1, 2, -1});
  REQUIRE(error_code("Concat", {&a, &i}, {{"axis", attr_i(0)}}) == ExitCode::kBadInput);
  // large enough for several copy tasks whose boundaries fall inside segments, at 1 and 2 threads:
  // [2, 3, 90, 97] ++ [2, 5, 90, 97] ++ an empty [2, 0, 90, 97] along the channels
  const Tensor p = iota({2, 3, 90, 97}), q = iota({2, 5, 90, 97}), none = Tensor::zeros({2, 0, 90, 97});
  std::vector<float> want;
  for (int64_t n = 0; n < 2; ++n) {
    for (int64_t e = 0; e < 3 * 90 * 97; ++e) want.push_back(p.f[static_cast<size_t>(n * 3 * 90 * 97 + e)]);
    for (int64_t e = 0; e < 5 * 90 * 97; ++e) want.push_back(q.f[static_cast<size_t>(n * 5 * 90 * 97 + e)]);
  }
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    require_close(run_op("Concat", {&p, &none, &q}, {{"axis", attr_i(1)}})[0], {2, 8, 90, 97}, want);
  }
  set_num_threads(0);
}

TEST_CASE("Split: input (opset 13), attribute (opset 11), equal parts", "[ops]") {
  Tensor x = iota({2, 6}), sizes = ints({3}, {1, 2, 3});
  auto out = run_op("Split", {&x, &sizes}, {{"axis", attr_i(-1)}}, 3, 13);
  require_close(out[0], {2, 1}, {0, 6});
  require_close(out[1], {2, 2}, {1, 2, 7, 8});
  require_close(out[2], {2, 3}, {3, 4, 5, 9, 10, 11});
  out = run_op("Split", {&x}, {{"axis", attr_i(1)}, {"split", attr_ints({1, 2, 3})}}, 3, 11);
  require_close(out[1], {2, 2}, {1, 2, 7, 8});
  Tensor v = iota({6});
  out = run_op("Split", {&v}, {}, 3);
  require_close(out[0], {2}, {0, 1});
  require_close(out[2], {2}, {4, 5});
  REQUIRE(error_code("Split", {&v}, {}, 4) == ExitCode::kBadInput);
  Tensor bad = ints({2}, {1, 2});
  REQUIRE(error_code("Split", {&v, &bad}, {}, 2) == ExitCode::kBadInput);
}

TEST_CASE("Slice: negative steps, sentinels, clamping, empty results", "[ops]") {
  Tensor x = iota({10});
  Tensor s = ints({1}, {-1}), e = ints({1}, {kMin}), st = ints({1}, {-1});
  require_close(run_op("Slice", {&x, &s, &e, nullptr, &st})[0], {10}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0});
  s = ints({1}, {1}), e = ints({1}, {kMax}), st = ints({1}, {2});
  require_close(run_op("Slice", {&x, &s, &e, nullptr, &st})[0], {5}, {1, 3, 5, 7, 9});
  s = ints({1}, {20}), e = ints({1}, {-20}), st = ints({1}, {-3});
  require_close(run_op("Slice", {&x, &s, &e, nullptr, &st})[0], {4}, {9, 6, 3, 0});
  s = ints({1}, {-100}), e = ints({1}, {100});
  require_close(run_op("Slice", {&x, &s, &e})[0], {10}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  s = ints({1}, {5}), e = ints({1}, {2});
  REQUIRE(run_op("Slice", {&x, &s, &e})[0].shape == Shape{0});
  s = ints({1}, {2}), e = ints({1}, {5}), st = ints({1}, {-1});
  REQUIRE(run_op("Slice", {&x, &s, &e, nullptr, &st})[0].shape == Shape{0});
  // every other column of rows of 5..70 (the vectorized stride-2 copy and its scalar tail), from 0 and 1
  for (int64_t w = 5; w <= 70; ++w)
    for (int64_t start : {0, 1}) {
      const Tensor rows = iota({3, w}), s3 = ints({1}, {start}), e3 = ints({1}, {kMax}), ax3 = ints({1}, {1}),
                   st3 = ints({1}, {2});
      std::vector<float> want;
      for (int64_t r = 0; r < 3; ++r)
        for (int64_t c = start; c < w; c += 2) want.push_back(static_cast<float>(r * w + c));
      INFO("width " << w << " start " << start);
      require_close(run_op("Slice", {&rows, &s3, &e3, &ax3, &st3})[0], {3, (w - start + 1) / 2}, want);
    }

  Tensor m = iota({3, 4});
  Tensor s2 = ints({2}, {0, 3}), e2 = ints({2}, {-1, 0}), ax = ints({2}, {0, -1}), st2 = ints({2}, {1, -2});
  require_close(run_op("Slice", {&m, &s2, &e2, &ax, &st2})[0], {2, 2}, {3, 1, 7, 5});
  // Opset 9: attributes.
  auto attrs = std::map<std::string, Attribute>{
      {"starts", attr_ints({1})}, {"ends", attr_ints({3})}, {"axes", attr_ints({1})}};
  require_close(run_op("Slice", {&m}, attrs, 1, 9)[0], {3, 2}, {1, 2, 5, 6, 9, 10});
  // Integer tensors (a shape vector).
  Tensor shp = ints({4}, {1, 3, 4, 5}), one = ints({1}, {1}), big = ints({1}, {kMax});
  require_ints(run_op("Slice", {&shp, &one, &big})[0], {3}, {3, 4, 5});
  Tensor zero = ints({1}, {0});
  REQUIRE(error_code("Slice", {&x, &s, &e, nullptr, &zero}) == ExitCode::kBadInput);
}

TEST_CASE("Reshape: 0 copies a dim, -1 is inferred, allowzero, mismatch is bad input", "[ops]") {
  Tensor x = iota({2, 3, 4});
  Tensor s = ints({2}, {0, -1});
  Tensor y = run_op("Reshape", {&x, &s})[0];
  REQUIRE(y.shape == Shape{2, 12});
  REQUIRE(y.f == x.f);
  s = ints({1}, {-1});
  REQUIRE(run_op("Reshape", {&x, &s})[0].shape == Shape{24});
  s = ints({3}, {4, 0, 2});
  REQUIRE(run_op("Reshape", {&x, &s})[0].shape == Shape{4, 3, 2});
  REQUIRE(run_op("Reshape", {&x}, {{"shape", attr_ints({6, -1})}}, 1, 4)[0].shape == Shape{6, 4});
  Tensor empty = Tensor::zeros({0, 3});
  s = ints({2}, {3, 0});
  REQUIRE(run_op("Reshape", {&empty, &s}, {{"allowzero", attr_i(1)}}, 1, 14)[0].shape == Shape{3, 0});

  s = ints({2}, {5, -1});
  try {
    run_op("Reshape", {&x, &s});
    FAIL("no error");
  } catch (const Error& e) {
    REQUIRE(e.code() == ExitCode::kBadInput);
    const std::string msg = e.what();
    REQUIRE(msg.find("test_Reshape") != std::string::npos);
    REQUIRE(msg.find("[2,3,4]") != std::string::npos);
    REQUIRE(msg.find("[5,?]") != std::string::npos);  // shape_str prints -1 as "?"
  }
  s = ints({2}, {5, 5});
  REQUIRE(error_code("Reshape", {&x, &s}) == ExitCode::kBadInput);
  s = ints({2}, {-1, -1});
  REQUIRE(error_code("Reshape", {&x, &s}) == ExitCode::kBadInput);
}

TEST_CASE("Transpose on random shapes and perms matches a direct index loop (row copies, merged dims, 2-D tiles)", "[ops]") {
  // The copy merges dims that stay contiguous and copies batches of 2-D transposes in 16x16 tiles
  // (ops/tensor_copy.cpp); here every element is checked against the index arithmetic of the definition,
  // on shapes from 1 to 40 per axis (tiles, ragged tile edges, size-1 dims) and the detectors' shuffles.
  std::mt19937 rng(11);
  std::uniform_int_distribution<int64_t> d(0, 1 << 20);
  std::vector<std::pair<Shape, std::vector<int64_t>>> cases = {
      {{1, 2, 58, 26, 26}, {0, 2, 1, 3, 4}}, {{1, 80, 2704}, {0, 2, 1}}, {{1, 3, 17, 40}, {0, 1, 3, 2}},
      {{2, 33, 16}, {2, 1, 0}}, {{16, 16}, {1, 0}}, {{1, 1, 5}, {2, 0, 1}}};
  for (int t = 0; t < 120; ++t) {
    const size_t rank = 1 + d(rng) % 5;
    Shape shape(rank);
    for (auto& e : shape) e = d(rng) % 4 == 0 ? 1 : 1 + d(rng) % 40;
    if (numel(shape) > 200000) continue;
    std::vector<int64_t> perm(rank);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    cases.push_back({shape, perm});
  }
  for (const auto& [shape, perm] : cases) {
    Tensor x = iota(shape);
    const Tensor y = run_op("Transpose", {&x}, {{"perm", attr_ints(perm)}})[0];
    const size_t rank = shape.size();
    Shape out(rank);
    for (size_t k = 0; k < rank; ++k) out[k] = shape[perm[k]];
    REQUIRE(y.shape == out);
    std::vector<int64_t> in_strides(rank, 1);
    for (size_t k = rank - 1; k-- > 0;) in_strides[k] = in_strides[k + 1] * shape[k + 1];
    for (int64_t e = 0; e < y.size(); ++e) {
      int64_t rest = e, src = 0;
      for (size_t k = rank; k-- > 0;) {
        src += (rest % out[k]) * in_strides[perm[k]];
        rest /= out[k];
      }
      INFO("shape " << shape_str(shape) << " element " << e);
      REQUIRE(y.f[e] == static_cast<float>(src));
    }
  }
}

TEST_CASE("Transpose and Flatten", "[ops]") {
  Tensor x = iota({2, 3});
  require_close(run_op("Transpose", {&x})[0], {3, 2}, {0, 3, 1, 4, 2, 5});
  Tensor y = iota({1, 2, 3});
  require_close(run_op("Transpose", {&y}, {{"perm", attr_ints({0, 2, 1})}})[0], {1, 3, 2}, {0, 3, 1, 4, 2, 5});
  REQUIRE(error_code("Transpose", {&y}, {{"perm", attr_ints({0, 0, 1})}}) == ExitCode::kBadInput);

  Tensor z = iota({2, 3, 4});
  REQUIRE(run_op("Flatten", {&z})[0].shape == Shape{2, 12});
  REQUIRE(run_op("Flatten", {&z}, {{"axis", attr_i(-1)}})[0].shape == Shape{6, 4});
  REQUIRE(run_op("Flatten", {&z}, {{"axis", attr_i(0)}})[0].shape == Shape{1, 24});
  REQUIRE(run_op("Flatten", {&z}, {{"axis", attr_i(3)}})[0].shape == Shape{24, 1});
  REQUIRE(run_op("Flatten", {&z})[0].f == z.f);
}

TEST_CASE("Squeeze and Unsqueeze: attribute (opset 11) and input (opset 13) forms", "[ops]") {
  Tensor x = iota({1, 3, 1});
  REQUIRE(run_op("Squeeze", {&x}, {{"axes", attr_ints({-1})}}, 1, 11)[0].shape == Shape{1, 3});
  Tensor ax = ints({1}, {0});
  REQUIRE(run_op("Squeeze", {&x, &ax})[0].shape == Shape{3, 1});
  REQUIRE(run_op("Squeeze", {&x})[0].shape == Shape{3});
  ax = ints({1}, {1});
  REQUIRE(error_code("Squeeze", {&x, &ax}) == ExitCode::kBadInput);

  Tensor y = iota({2, 3});
  ax = ints({2}, {0, -1});
  Tensor u = run_op("Unsqueeze", {&y, &ax})[0];
  REQUIRE(u.shape == Shape{1, 2, 3, 1});
  REQUIRE(u.f == y.f);
  REQUIRE(run_op("Unsqueeze", {&y}, {{"axes", attr_ints({1})}}, 1, 11)[0].shape == Shape{2, 1, 3});
  ax = ints({2}, {1, 1});
  REQUIRE(error_code("Unsqueeze", {&y, &ax}) == ExitCode::kBadInput);
}

TEST_CASE("Shape (with opset-15 start/end) and Size", "[ops]") {
  Tensor x = Tensor::zeros({1, 3, 4, 5});
  require_ints(run_op("Shape", {&x})[0], {4}, {1, 3, 4, 5});
  require_ints(run_op("Shape", {&x}, {{"start", attr_i(1)}, {"end", attr_i(-1)}}, 1, 15)[0], {2}, {3, 4});
  require_ints(run_op("Shape", {&x}, {{"start", attr_i(-10)}, {"end", attr_i(10)}}, 1, 15)[0], {4}, {1, 3, 4, 5});
  require_ints(run_op("Shape", {&x}, {{"start", attr_i(3)}, {"end", attr_i(1)}}, 1, 15)[0], {0}, {});
  require_ints(run_op("Size", {&x})[0], {}, {60});
}

TEST_CASE("Gather: 2-D and negative indices on axis 1, scalar index, int data", "[ops]") {
  Tensor x = iota({3, 4}), idx = ints({2, 2}, {0, -1, 1, 2});
  require_close(run_op("Gather", {&x, &idx}, {{"axis", attr_i(1)}})[0], {3, 2, 2},
                {0, 3, 1, 2, 4, 7, 5, 6, 8, 11, 9, 10});
  Tensor s = ints({}, {-1});
  require_close(run_op("Gather", {&x, &s})[0], {4}, {8, 9, 10, 11});
  require_close(run_op("Gather", {&x, &s}, {{"axis", attr_i(-1)}})[0], {3}, {3, 7, 11});
  Tensor shp = ints({4}, {2, 3, 4, 5}), zero = ints({}, {0});
  require_ints(run_op("Gather", {&shp, &zero})[0], {}, {2});
  Tensor bad = ints({1}, {4});
  REQUIRE(error_code("Gather", {&x, &bad}, {{"axis", attr_i(1)}}) == ExitCode::kBadInput);
}

TEST_CASE("torch flatten chain Shape->Gather->Unsqueeze->Concat->Reshape keeps int64", "[ops]") {
  Tensor x = iota({2, 3, 4, 5});
  Tensor shp = run_op("Shape", {&x})[0];
  Tensor zero = ints({}, {0});
  Tensor batch = run_op("Gather", {&shp, &zero})[0];
  require_ints(batch, {}, {2});
  Tensor ax = ints({1}, {0});
  Tensor b1 = run_op("Unsqueeze", {&batch, &ax})[0];
  require_ints(b1, {1}, {2});
  Tensor minus1 = ints({1}, {-1});
  Tensor target = run_op("Concat", {&b1, &minus1}, {{"axis", attr_i(0)}})[0];
  require_ints(target, {2}, {2, -1});
  Tensor y = run_op("Reshape", {&x, &target})[0];
  REQUIRE(y.shape == Shape{2, 60});
  REQUIRE(y.f == x.f);
}

TEST_CASE("Constant and ConstantOfShape", "[ops]") {
  Tensor t = ints({2}, {7, 8});
  require_ints(run_op("Constant", {}, {{"value", attr_t(t)}})[0], {2}, {7, 8});
  require_close(run_op("Constant", {}, {{"value_float", attr_f(1.5f)}})[0], {}, {1.5f});
  require_close(run_op("Constant", {}, {{"value_floats", attr_floats({1, 2})}})[0], {2}, {1, 2});
  require_ints(run_op("Constant", {}, {{"value_int", attr_i(3)}})[0], {}, {3});
  require_ints(run_op("Constant", {}, {{"value_ints", attr_ints({4, 5, 6})}})[0], {3}, {4, 5, 6});
  REQUIRE(error_code("Constant", {}, {{"value_string", attr_s("x")}}) == ExitCode::kUnsupported);

  Tensor shape = ints({2}, {2, 3});
  require_close(run_op("ConstantOfShape", {&shape})[0], {2, 3}, {0, 0, 0, 0, 0, 0});
  Tensor seven = ints({1}, {7});
  require_ints(run_op("ConstantOfShape", {&shape}, {{"value", attr_t(seven)}})[0], {2, 3}, {7, 7, 7, 7, 7, 7});
  Tensor half = floats({1}, {0.5f}), scalar_shape = ints({0}, {});
  require_close(run_op("ConstantOfShape", {&scalar_shape}, {{"value", attr_t(half)}})[0], {}, {0.5f});
}

TEST_CASE("Identity and Dropout copy; Dropout's mask is all true", "[ops]") {
  Tensor x = iota({2, 2}), i = ints({3}, {1, 2, 3});
  require_close(run_op("Identity", {&x})[0], {2, 2}, {0, 1, 2, 3});
  require_ints(run_op("Identity", {&i})[0], {3}, {1, 2, 3});
  auto out = run_op("Dropout", {&x}, {{"ratio", attr_f(0.5f)}}, 2, 7);
  require_close(out[0], {2, 2}, {0, 1, 2, 3});
  require_ints(out[1], {2, 2}, {1, 1, 1, 1}, DType::kBool);
  Tensor ratio = floats({}, {0.3f}), train = Tensor::from_ints({}, {1}, DType::kBool);
  REQUIRE(error_code("Dropout", {&x, &ratio, &train}) == ExitCode::kUnsupported);
}

TEST_CASE("Pad: constant (opset 10 and 13), reflect, edge, negative pads", "[ops]") {
  Tensor x = floats({3}, {1, 2, 3});
  Tensor p = ints({2}, {2, 2});
  require_close(run_op("Pad", {&x, &p}, {{"mode", attr_s("reflect")}})[0], {7}, {3, 2, 1, 2, 3, 2, 1});
  p = ints({2}, {2, 1});
  require_close(run_op("Pad", {&x, &p}, {{"mode", attr_s("edge")}})[0], {6}, {1, 1, 1, 2, 3, 3});
  p = ints({2}, {-1, 2});
  Tensor nine = floats({}, {9});
  require_close(run_op("Pad", {&x, &p, &nine})[0], {4}, {2, 3, 9, 9});
  require_close(run_op("Pad", {&x}, {{"pads", attr_ints({1, 2})}, {"value", attr_f(5)}}, 1, 10)[0], {6},
                {5, 1, 2, 3, 5, 5});
  Tensor x4 = floats({4}, {1, 2, 3, 4});
  p = ints({2}, {-2, 2});
  require_close(run_op("Pad", {&x4, &p}, {{"mode", attr_s("edge")}})[0], {4}, {3, 4, 4, 4});
  p = ints({2}, {-1, 2});
  require_close(run_op("Pad", {&x4, &p}, {{"mode", attr_s("reflect")}})[0], {5}, {2, 3, 4, 3, 2});

  Tensor m = iota({2, 3});
  p = ints({4}, {1, 1, 1, 1});
  require_close(run_op("Pad", {&m, &p}, {{"mode", attr_s("reflect")}})[0], {4, 5},
                {4, 3, 4, 5, 4, 1, 0, 1, 2, 1, 4, 3, 4, 5, 4, 1, 0, 1, 2, 1});
  // CIFAR ResNet shortcut: zero channels on both sides of NCHW.
  Tensor c = iota({1, 1, 2, 2});
  p = ints({8}, {0, 1, 0, 0, 0, 2, 0, 0});
  require_close(run_op("Pad", {&c, &p})[0], {1, 4, 2, 2}, {0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0});
  Tensor iv = ints({2}, {4, 5});
  p = ints({2}, {1, 0});
  require_ints(run_op("Pad", {&iv, &p})[0], {3}, {0, 4, 5});
  p = ints({2}, {-2, -2});
  REQUIRE(error_code("Pad", {&x, &p}) == ExitCode::kBadInput);
}

TEST_CASE("Expand and Tile", "[ops]") {
  Tensor x = floats({3, 1}, {1, 2, 3}), s = ints({3}, {2, 1, 4});
  require_close(run_op("Expand", {&x, &s})[0], {2, 3, 4},
                {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3});
  Tensor r = floats({1, 3}, {1, 2, 3});
  s = ints({2}, {2, 1});
  require_close(run_op("Expand", {&r, &s})[0], {2, 3}, {1, 2, 3, 1, 2, 3});
  s = ints({1}, {2});
  REQUIRE(error_code("Expand", {&x, &s}) == ExitCode::kOk);  // [3,1] with [2] -> [3,2]
  s = ints({2}, {2, 2});
  REQUIRE(error_code("Expand", {&x, &s}) == ExitCode::kBadInput);

  Tensor t = floats({2, 2}, {1, 2, 3, 4}), rep = ints({2}, {2, 3});
  require_close(run_op("Tile", {&t, &rep})[0], {4, 6},
                {1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4});
  Tensor iv = ints({2}, {7, 8}), rep1 = ints({1}, {2});
  require_ints(run_op("Tile", {&iv, &rep1})[0], {4}, {7, 8, 7, 8});
}

TEST_CASE("DepthToSpace (DCR, CRD) and SpaceToDepth", "[ops]") {
  Tensor x = iota({1, 8, 1, 1});
  require_close(run_op("DepthToSpace", {&x}, {{"blocksize", attr_i(2)}})[0], {1, 2, 2, 2}, {0, 2, 4, 6, 1, 3, 5, 7});
  require_close(run_op("DepthToSpace", {&x}, {{"blocksize", attr_i(2)}, {"mode", attr_s("CRD")}})[0], {1, 2, 2, 2},
                {0, 1, 2, 3, 4, 5, 6, 7});
  Tensor big = iota({1, 8, 2, 3});
  require_close(run_op("DepthToSpace", {&big}, {{"blocksize", attr_i(2)}})[0], {1, 2, 4, 6},
                {0,  12, 1,  13, 2,  14, 24, 36, 25, 37, 26, 38, 3,  15, 4,  16, 5,  17, 27, 39, 28, 40, 29, 41,
                 6,  18, 7,  19, 8,  20, 30, 42, 31, 43, 32, 44, 9,  21, 10, 22, 11, 23, 33, 45, 34, 46, 35, 47});
  require_close(run_op("DepthToSpace", {&big}, {{"blocksize", attr_i(2)}, {"mode", attr_s("CRD")}})[0], {1, 2, 4, 6},
                {0,  6,  1,  7,  2,  8,  12, 18, 13, 19, 14, 20, 3,  9,  4,  10, 5,  11, 15, 21, 16, 22, 17, 23,
                 24, 30, 25, 31, 26, 32, 36, 42, 37, 43, 38, 44, 27, 33, 28, 34, 29, 35, 39, 45, 40, 46, 41, 47});
  Tensor s = iota({1, 2, 4, 4});
  Tensor d = run_op("SpaceToDepth", {&s}, {{"blocksize", attr_i(2)}})[0];
  require_close(d, {1, 8, 2, 2}, {0, 2, 8, 10, 16, 18, 24, 26, 1, 3, 9, 11, 17, 19, 25, 27,
                                  4, 6, 12, 14, 20, 22, 28, 30, 5, 7, 13, 15, 21, 23, 29, 31});
  // SpaceToDepth is the inverse of DCR DepthToSpace.
  require_close(run_op("DepthToSpace", {&d}, {{"blocksize", attr_i(2)}})[0], {1, 2, 4, 4}, to_vector(s.f));
  REQUIRE(error_code("SpaceToDepth", {&big}, {{"blocksize", attr_i(2)}}) == ExitCode::kBadInput);
}

TEST_CASE("Pad constant on 4-D with mixed pads and crops matches a direct loop", "[ops]") {
  Tensor x = iota({2, 3, 4, 5});
  const std::vector<int64_t> pads = {0, 2, -1, 1, 1, -2, 1, 0};  // begin n,c,h,w then end n,c,h,w
  Tensor p = ints({8}, pads), v = floats({}, {-7});
  const Tensor y = run_op("Pad", {&x, &p, &v})[0];
  Shape out(4);
  for (int d = 0; d < 4; ++d) out[d] = x.shape[d] + pads[d] + pads[d + 4];
  REQUIRE(y.shape == out);
  for (int64_t n = 0; n < out[0]; ++n)
    for (int64_t c = 0; c < out[1]; ++c)
      for (int64_t h = 0; h < out[2]; ++h)
        for (int64_t w = 0; w < out[3]; ++w) {
          const int64_t i[4] = {n - pads[0], c - pads[1], h - pads[2], w - pads[3]};
          bool inside = true;
          for (int d = 0; d < 4; ++d) inside &= i[d] >= 0 && i[d] < x.shape[d];
          const float expect = inside ? x.f[((i[0] * 3 + i[1]) * 4 + i[2]) * 5 + i[3]] : -7.0f;
          REQUIRE(y.f[((n * out[1] + c) * out[2] + h) * out[3] + w] == expect);
        }
}
