// Each detector output layout decoded from hand-made tensors, against boxes and scores computed by hand
// from the layout's formulas (docs/detection.md). Values are chosen so the arithmetic is exact or nearly:
// sigmoid(ln 4) = 0.8, softmax of equal logits is uniform, a logit 60 above the rest is one-hot to 1e-26.
#include <catch2/catch.hpp>
#include <cmath>

#include "common/error.h"
#include "detect/decoder.h"
#include "detect/postprocess.h"

using namespace fxq;
using namespace fxq::detect;

namespace {

const float kLn2 = std::log(2.0f), kLn4 = std::log(4.0f);

RawOutputs raw(const std::vector<const Tensor*>& ts) {
  RawOutputs r;
  for (size_t k = 0; k < ts.size(); ++k) {
    r.tensors.push_back(ts[k]);
    r.names.push_back("out" + std::to_string(k));
  }
  return r;
}

DetectConfig config(const std::string& layout, int classes, std::vector<int> strides) {
  DetectConfig c;
  c.layout = layout;
  c.num_classes = classes;
  c.strides = std::move(strides);
  return c;
}

void check_box(const Detection& d, double x1, double y1, double x2, double y2, double score, int cls) {
  INFO("got (" << d.box.x1 << ", " << d.box.y1 << ", " << d.box.x2 << ", " << d.box.y2 << ") score " << d.score
               << " class " << d.cls);
  CHECK(d.cls == cls);
  CHECK(d.score == Approx(score).margin(1e-6));
  CHECK(d.box.x1 == Approx(x1).margin(1e-4));
  CHECK(d.box.y1 == Approx(y1).margin(1e-4));
  CHECK(d.box.x2 == Approx(x2).margin(1e-4));
  CHECK(d.box.y2 == Approx(y2).margin(1e-4));
}

Error decode_error(const DetectConfig& c, int w, int h, const RawOutputs& r) {
  try {
    decode(c, w, h, r);
  } catch (const Error& e) {
    return e;
  }
  FAIL("no error");
  throw;
}

// A distribution of `bins` logits: uniform ("u"), one-hot at bin j ("j"), or two equal bins.
void set_dist(Tensor& t, const std::function<size_t(int bin)>& at, int bins, std::vector<int> hot) {
  for (int j = 0; j < bins; ++j) t.f[at(j)] = hot.empty() ? 0.0f : -60.0f;
  for (int j : hot) t.f[at(j)] = 0.0f;
}

}  // namespace

TEST_CASE("every registered layout has a decoder, a check and a summary", "[detect]") {
  REQUIRE(layouts().size() == 4);
  for (const auto& l : layouts()) {
    INFO(l.name);
    CHECK(l.decode != nullptr);
    CHECK(l.check != nullptr);
    CHECK(std::string(l.summary).size() > 20);
    CHECK(find_layout(l.name) == &l);
  }
  CHECK(find_layout("yolo") == nullptr);
  CHECK(layout_names() == "yolox, nanodet, yolo-anchors, yolov8");
}

TEST_CASE("yolox: grid offsets, exp sizes, objectness x class, level order", "[detect]") {
  // 64x32 input, strides 16 and 32: level 0 is 4x2 cells (rows 0..7), level 1 is 2x1 (rows 8, 9).
  DetectConfig c = config("yolox", 2, {16, 32});
  Tensor t = Tensor::zeros({1, 10, 7});
  auto row = [&](int r, std::vector<float> v) { std::copy(v.begin(), v.end(), t.f.begin() + r * 7); };
  row(5, {0.5f, 0.25f, 0.0f, kLn2, 0.5f, 0.8f, 0.1f});  // level 0, gx 1, gy 1
  row(9, {0.0f, 0.5f, -kLn2, 0.0f, 1.0f, 0.0f, 0.25f});  // level 1, gx 1, gy 0
  const auto d = decode(c, 64, 32, raw({&t}));
  REQUIRE(d.size() == 3);
  // cx = (0.5 + 1) * 16 = 24, cy = (0.25 + 1) * 16 = 20, w = e^0 * 16 = 16, h = e^ln2 * 16 = 32
  check_box(d[0], 16, 4, 32, 36, 0.4, 0);
  check_box(d[1], 16, 4, 32, 36, 0.05, 1);
  // cx = (0 + 1) * 32 = 32, cy = (0.5 + 0) * 32 = 16, w = 0.5 * 32 = 16, h = 32; class 0 scores 0: no candidate
  check_box(d[2], 24, 0, 40, 32, 0.25, 1);

  SECTION("score_threshold is strict") {
    c.score_threshold = 0.25;  // 0.25 exactly is not > 0.25
    const auto e = decode(c, 64, 32, raw({&t}));
    REQUIRE(e.size() == 1);
    CHECK(e[0].score == Approx(0.4));
  }
  SECTION("sigmoid activation for logit outputs") {
    c.score_activation = ScoreActivation::kSigmoid;
    Tensor l = Tensor::zeros({1, 10, 7});
    for (int r = 0; r < 10; ++r) l.f[r * 7 + 4] = -30;  // objectness ~ 1e-13 everywhere ...
    l.f[5 * 7 + 4] = 0;                                  // ... but here: 0.5
    l.f[5 * 7 + 5] = kLn4;                                // class 0: 0.8
    l.f[5 * 7 + 6] = -kLn4;                               // class 1: 0.2
    const auto e = decode(c, 64, 32, raw({&l}));
    REQUIRE(e.size() == 2);
    check_box(e[0], 8, 8, 24, 24, 0.4, 0);  // dx = dy = 0 at (1, 1): cx = cy = (0 + 1) * 16 = 16, w = h = 16
    check_box(e[1], 8, 8, 24, 24, 0.1, 1);
  }
  SECTION("a model whose outputs do not fit is a one-line bad-input error naming shapes") {
    Tensor wrong = Tensor::zeros({1, 10, 8});
    const Error e = decode_error(c, 64, 32, raw({&wrong}));
    CHECK(e.code() == ExitCode::kBadInput);
    CHECK_THAT(e.what(), Catch::Contains("layout 'yolox' expects one output [1,10,7]") &&
                             Catch::Contains("64x32 input with strides 16/32 and 2 classes") &&
                             Catch::Contains("'out0' [1,10,8]"));
  }
}

TEST_CASE("nanodet: outputs picked by shape, DFL expectation, anchor points, clipping", "[detect]") {
  // 64x64 input, strides 16 and 32: level 0 is 4x4 = 16 cells, level 1 is 2x2 = 4; 3 classes, 4 bins.
  DetectConfig c = config("nanodet", 3, {16, 32});
  c.anchor_point = AnchorPoint::kCenterPixel;
  Tensor cls0 = Tensor::zeros({1, 16, 3}), reg0 = Tensor::zeros({1, 16, 16});
  Tensor cls1 = Tensor::zeros({1, 4, 3}), reg1 = Tensor::zeros({1, 4, 16});
  // level 0, cell 5 (gx 1, gy 1): anchor 1*16 + 7.5 = 23.5. l uniform -> 1.5 bins = 24 px; t bin 1 -> 16;
  // r bins 0 and 1 equal -> 0.5 bins = 8; b bin 3 -> 48.
  auto r0 = [&](int side) { return [&reg0, side](int j) { return static_cast<size_t>(5 * 16 + side * 4 + j); }; };
  set_dist(reg0, r0(0), 4, {});
  set_dist(reg0, r0(1), 4, {1});
  set_dist(reg0, r0(2), 4, {0, 1});
  set_dist(reg0, r0(3), 4, {3});
  cls0.f[5 * 3 + 2] = 0.7f;
  // level 1, cell 2 (gx 0, gy 1): anchor (15.5, 47.5). l bin 0, t bin 0, r bin 1 -> 32, b bins 0,1 -> 16.
  auto r1 = [&](int side) { return [&reg1, side](int j) { return static_cast<size_t>(2 * 16 + side * 4 + j); }; };
  set_dist(reg1, r1(0), 4, {0});
  set_dist(reg1, r1(1), 4, {0});
  set_dist(reg1, r1(2), 4, {1});
  set_dist(reg1, r1(3), 4, {0, 1});
  cls1.f[2 * 3 + 0] = 0.2f;
  cls1.f[2 * 3 + 1] = 0.0009f;  // not > 0.001: no candidate

  const auto check_both = [&](const std::vector<Detection>& d, double shift) {
    REQUIRE(d.size() == 2);
    // x1 = 23.5 - 24 = -0.5 -> clipped to 0; y2 = 23.5 + 48 = 71.5 -> clipped to 64 (the input canvas)
    check_box(d[0], std::max(0.0, -0.5 + shift), 7.5 + shift, 31.5 + shift, 64, 0.7, 2);
    check_box(d[1], 15.5 + shift, 47.5 + shift, 47.5 + shift, 63.5 + shift, 0.2, 0);
  };
  // Any output order: tensors are picked by shape.
  check_both(decode(c, 64, 64, raw({&reg1, &cls0, &reg0, &cls1})), 0);

  SECTION("anchor_point center: (g + 0.5) * s, half a pixel further") {
    c.anchor_point = AnchorPoint::kCenter;
    check_both(decode(c, 64, 64, raw({&cls0, &reg0, &cls1, &reg1})), 0.5);
  }
  SECTION("one merged [1, N, C + 4B] output (NanoDet-Plus)") {
    Tensor m = Tensor::zeros({1, 20, 19});
    for (int k = 0; k < 20; ++k) {
      const Tensor& cl = k < 16 ? cls0 : cls1;
      const Tensor& rg = k < 16 ? reg0 : reg1;
      const int kk = k < 16 ? k : k - 16;
      for (int j = 0; j < 3; ++j) m.f[k * 19 + j] = cl.f[kk * 3 + j];
      for (int j = 0; j < 16; ++j) m.f[k * 19 + 3 + j] = rg.f[kk * 16 + j];
    }
    check_both(decode(c, 64, 64, raw({&m})), 0);
  }
  SECTION("missing level -> error listing the expected cells") {
    const Error e = decode_error(c, 64, 64, raw({&cls0, &reg0}));
    CHECK(e.code() == ExitCode::kBadInput);
    CHECK_THAT(e.what(), Catch::Contains("cells 16/4"));
  }
}

TEST_CASE("yolo-anchors: exp, v5 and decoded boxes; sigmoid and softmax scores; three tensor forms", "[detect]") {
  // 64x64 input, one level of stride 32 (2x2 cells), anchors (10,20) and (30,40), 2 classes: 7 values each.
  DetectConfig c = config("yolo-anchors", 2, {32});
  c.anchors = {{10, 20, 30, 40}};
  c.score_activation = ScoreActivation::kSigmoid;
  c.has_score_activation = true;
  const float v[7] = {0, 0, kLn2, 0, 0, kLn4, -kLn4};  // cell 3 (gx 1, gy 1), anchor 1
  // NCHW [1, 2*7, 2, 2]: anchor a, value f at channel a*7 + f.
  Tensor nchw = Tensor::zeros({1, 14, 2, 2});
  for (int a = 0; a < 2; ++a)
    for (int k = 0; k < 4; ++k) nchw.f[(a * 7 + 4) * 4 + k] = -30;  // objectness ~ 0 ...
  for (int f = 0; f < 7; ++f) nchw.f[(7 + f) * 4 + 3] = v[f];       // ... except anchor 1 at cell 3
  // [1, A, gh, gw, 7] and the concatenated [1, A*gh*gw, 7] hold the same values.
  Tensor rank5 = Tensor::zeros({1, 2, 2, 2, 7}), rows = Tensor::zeros({1, 8, 7});
  for (int a = 0; a < 2; ++a)
    for (int k = 0; k < 4; ++k)
      for (int f = 0; f < 7; ++f) rank5.f[(a * 4 + k) * 7 + f] = rows.f[(a * 4 + k) * 7 + f] = nchw.f[(a * 7 + f) * 4 + k];

  SECTION("exp (YOLOv3): cx = (sig(tx) + gx) s, w = anchor_w e^tw") {
    c.box_encoding = BoxEncoding::kExp;
    for (const Tensor* t : {&nchw, &rank5, &rows}) {
      const auto d = decode(c, 64, 64, raw({t}));
      REQUIRE(d.size() == 2);
      // cx = cy = (0.5 + 1) * 32 = 48, w = 30 * 2 = 60, h = 40; scores 0.5 * 0.8, 0.5 * 0.2
      check_box(d[0], 18, 28, 78, 68, 0.4, 0);
      check_box(d[1], 18, 28, 78, 68, 0.1, 1);
    }
  }
  SECTION("v5: cx = (2 sig(tx) - 0.5 + gx) s, w = anchor_w (2 sig(tw))^2") {
    c.box_encoding = BoxEncoding::kV5;
    const auto d = decode(c, 64, 64, raw({&nchw}));
    REQUIRE(d.size() == 2);
    // sig(ln 2) = 2/3: w = 30 * (4/3)^2 = 53.333; h = 40 * 1^2; cx = (1 - 0.5 + 1) * 32 = 48
    check_box(d[0], 48 - 80.0 / 3, 28, 48 + 80.0 / 3, 68, 0.4, 0);
  }
  SECTION("softmax (YOLOv2): sigmoid objectness x softmax classes") {
    c.box_encoding = BoxEncoding::kExp;
    c.score_activation = ScoreActivation::kSoftmax;
    const auto d = decode(c, 64, 64, raw({&rows}));
    REQUIRE(d.size() == 2);
    check_box(d[0], 18, 28, 78, 68, 0.5 * 4 / 4.25, 0);  // e^ln4 / (e^ln4 + e^-ln4)
    check_box(d[1], 18, 28, 78, 68, 0.5 * 0.25 / 4.25, 1);
  }
  SECTION("decoded: cx, cy, w, h as given, any number of rows without anchors") {
    c.box_encoding = BoxEncoding::kDecoded;
    c.score_activation = ScoreActivation::kNone;
    c.anchors.clear();
    Tensor dec = Tensor::zeros({1, 3, 7});
    const float row[7] = {100, 50, 20, 10, 0.9f, 0.5f, 1.0f};
    std::copy(row, row + 7, dec.f.begin() + 7);
    const auto d = decode(c, 64, 64, raw({&dec}));
    REQUIRE(d.size() == 2);
    check_box(d[0], 90, 45, 110, 55, 0.45, 0);
    check_box(d[1], 90, 45, 110, 55, 0.9, 1);
  }
  SECTION("anchors that do not fit the tensor -> error") {
    c.box_encoding = BoxEncoding::kExp;
    c.anchors = {{10, 20, 30, 40, 50, 60}};
    const Error e = decode_error(c, 64, 64, raw({&nchw}));
    CHECK_THAT(e.what(), Catch::Contains("[1,3*7,2,2]") && Catch::Contains("[1,12,7]"));
  }
}

TEST_CASE("yolov8: DFL per level, concatenated in both orientations, and decoded exports", "[detect]") {
  // 64x64 input, stride 32 (2x2 cells), 4 bins, 2 classes: 18 channels.
  DetectConfig c = config("yolov8", 2, {32});
  c.score_activation = ScoreActivation::kSigmoid;
  c.has_score_activation = true;
  Tensor lvl = Tensor::zeros({1, 18, 2, 2});
  for (int k = 0; k < 4; ++k)
    for (int cl = 0; cl < 2; ++cl) lvl.f[(16 + cl) * 4 + k] = -30;  // class logits ~ 0 ...
  lvl.f[(16 + 1) * 4 + 1] = kLn4;                                    // ... cell 1, class 1: 0.8
  // cell 1 (gx 1, gy 0), anchor (48, 16): l uniform 1.5 -> 48, t bin 0 -> 0, r bin 1 -> 32, b bins 2,3 -> 80
  auto at = [&](int side) { return [side](int j) { return static_cast<size_t>((side * 4 + j) * 4 + 1); }; };
  set_dist(lvl, at(0), 4, {});
  set_dist(lvl, at(1), 4, {0});
  set_dist(lvl, at(2), 4, {1});
  set_dist(lvl, at(3), 4, {2, 3});
  const auto expect = [&](const std::vector<Detection>& d) {
    REQUIRE(d.size() == 1);
    check_box(d[0], 0, 16, 80, 96, 0.8, 1);  // no clipping to the canvas in this layout
  };
  expect(decode(c, 64, 64, raw({&lvl})));
  // [1, 18, 4] (Ultralytics orientation) and [1, 4, 18]
  Tensor cf = Tensor::zeros({1, 18, 4}), rf = Tensor::zeros({1, 4, 18});
  for (int ch = 0; ch < 18; ++ch)
    for (int k = 0; k < 4; ++k) cf.f[ch * 4 + k] = rf.f[k * 18 + ch] = lvl.f[ch * 4 + k];
  expect(decode(c, 64, 64, raw({&cf})));
  expect(decode(c, 64, 64, raw({&rf})));

  SECTION("4 + C channels: decoded cx, cy, w, h") {
    c.score_activation = ScoreActivation::kNone;
    Tensor dec = Tensor::zeros({1, 6, 4});
    const float v[6] = {30, 20, 10, 8, 0.25f, 0.6f};
    for (int ch = 0; ch < 6; ++ch) dec.f[ch * 4 + 2] = v[ch];
    const auto d = decode(c, 64, 64, raw({&dec}));
    REQUIRE(d.size() == 2);
    check_box(d[0], 25, 16, 35, 24, 0.25, 0);
    check_box(d[1], 25, 16, 35, 24, 0.6, 1);
  }
}

TEST_CASE("postprocess: decode, NMS and the inverse letterbox together", "[detect]") {
  DetectConfig c = config("yolox", 1, {32});
  Tensor t = Tensor::zeros({1, 4, 6});  // 64x64, 2x2 cells
  auto row = [&](int r, std::vector<float> v) { std::copy(v.begin(), v.end(), t.f.begin() + r * 6); };
  row(0, {0.5f, 0.5f, 0, 0, 1, 0.9f});   // (0, 0, 32, 32)
  row(1, {-0.5f, 0.5f, 0, 0, 1, 0.8f});  // (0, 0, 32, 32) again, from cell 1: suppressed
  row(3, {0.5f, 0.5f, 0, 0, 1, 0.7f});   // (32, 32, 64, 64)
  data::Geometry g;
  g.orig_w = 100, g.orig_h = 40, g.sx = g.sy = 0.64, g.px = 0, g.py = 0;  // a 100x40 image letterboxed top-left
  const auto d = postprocess(c, 64, 64, raw({&t}), g);
  REQUIRE(d.size() == 2);
  check_box(d[0], 0, 0, 50, 40, 0.9, 0);    // y2 = 32 / 0.64 = 50 -> clipped to 40
  check_box(d[1], 50, 40, 100, 40, 0.7, 0);  // in the padding: clipped flat
}
