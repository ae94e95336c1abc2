// The mixed-precision profile's output error for detectors (quant/output_error.h): each candidate's term
// by hand, and on a hand-made YOLOX-layout output, that what no detection reads (the box and class
// values of a cell whose objectness is 0) costs nothing while score and box changes of a real
// candidate cost exactly the formula's value. The elementwise squared error would count all of them.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "common/error.h"
#include "quant/output_error.h"

using namespace fxq;
using fxq::detect::Detection;
using fxq::quant::DetectionOutputError;

namespace {

Detection det(double x1, double y1, double x2, double y2, double score) {
  Detection d;
  d.box = {x1, y1, x2, y2};
  d.score = score;
  return d;
}

// YOLOX, 64x32 input, strides 16 and 32: 8 + 2 rows of [dx, dy, log w, log h, obj, class 0, class 1].
data::PreprocessConfig yolox_config() {
  data::PreprocessConfig c;
  c.width = 64;
  c.height = 32;
  c.task = data::Task::kDetect;
  c.detect.layout = "yolox";
  c.detect.num_classes = 2;
  c.detect.strides = {16, 32};
  return c;
}

Graph one_output_graph() {
  Graph g;
  ValueInfo v;
  v.name = "output";
  g.outputs.push_back(v);
  return g;
}

}  // namespace

TEST_CASE("output error: one candidate's term, (s'-s)^2 + s * capped relative corner errors", "[quant][detect]") {
  // size = sqrt(20 * 40) = sqrt(800); one corner 2 px off: (2 / sqrt(800))^2 = 4 / 800
  const Detection r = det(10, 20, 30, 60, 0.5);
  CHECK(DetectionOutputError::candidate_error(r, det(12, 20, 30, 60, 0.6)) == Approx(0.01 + 0.5 * 4.0 / 800));
  CHECK(DetectionOutputError::candidate_error(r, r) == 0.0);
  // a corner 100 px off counts at most 1 (weighted by the float score), so a wild box stays bounded
  CHECK(DetectionOutputError::candidate_error(r, det(110, 20, 30, 60, 0.5)) == Approx(0.5));
  // a box under one pixel is measured against one pixel
  const Detection tiny = det(5, 5, 5.25, 5.5, 1.0);
  CHECK(DetectionOutputError::candidate_error(tiny, det(5.5, 5, 5.25, 5.5, 1.0)) == Approx(0.25));
  // NaN or infinite values count as the cap, not as NaN
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  CHECK(DetectionOutputError::candidate_error(r, det(nan, 20, 30, 60, 0.5)) == Approx(0.5));
  CHECK(DetectionOutputError::candidate_error(r, det(10, 20, 30, 60, inf)) == Approx(1.0));
}

TEST_CASE("output error: YOLOX layout, what no detection reads costs nothing", "[quant][detect]") {
  const Graph g = one_output_graph();
  DetectionOutputError oe(g, yolox_config());
  CHECK(std::string(oe.name()) == "detections");
  Tensor ref = Tensor::zeros({1, 10, 7});
  auto row = [&](Tensor& t, int r, std::vector<float> v) { std::copy(v.begin(), v.end(), t.f.begin() + r * 7); };
  row(ref, 5, {0.5f, 0.25f, 0.0f, std::log(2.0f), 0.5f, 0.8f, 0.1f});  // box (16, 4, 32, 36), scores 0.4, 0.05
  row(ref, 0, {0.1f, 0.2f, 0.3f, 0.4f, 0.0f, 0.5f, 0.5f});             // objectness 0: scores 0
  oe.set_reference(0, {{"output", &ref}});
  auto error_of = [&](const Tensor& t) { return oe.error(0, {{"output", &t}}); };
  CHECK(error_of(ref) == 0.0);

  Tensor t = ref;
  t.f[0 * 7 + 0] += 5;  // row 0's box: no detection reads it
  t.f[0 * 7 + 3] += 50;
  t.f[0 * 7 + 5] = 1;   // row 0's class: multiplied by objectness 0
  CHECK(error_of(t) == 0.0);

  t = ref;
  t.f[5 * 7 + 4] = 0.6f;  // objectness 0.5 -> 0.6: scores 0.4 -> 0.48, 0.05 -> 0.06
  CHECK(error_of(t) == Approx(0.08 * 0.08 + 0.01 * 0.01).epsilon(1e-5));

  t = ref;
  t.f[5 * 7 + 0] = 0.75f;  // dx 0.5 -> 0.75: both x corners 4 px right; size sqrt(16 * 32)
  CHECK(error_of(t) == Approx((0.4 + 0.05) * 2 * 16.0 / 512).epsilon(1e-5));

  t = ref;
  t.f[0 * 7 + 4] = 0.5f;  // row 0's objectness 0 -> 0.5: scores 0 -> 0.25, 0.25 (a false positive appears)
  CHECK(error_of(t) == Approx(2 * 0.25 * 0.25).epsilon(1e-5));
}

TEST_CASE("output error: a missing output or reference is an internal error, not a wrong number", "[quant][detect]") {
  const Graph g = one_output_graph();
  DetectionOutputError oe(g, yolox_config());
  Tensor ref = Tensor::zeros({1, 10, 7});
  REQUIRE_THROWS_AS(oe.error(0, {{"output", &ref}}), Error);  // no reference set for image 0
  REQUIRE_THROWS_AS(oe.set_reference(0, {{"other", &ref}}), Error);
  CHECK(quant::output_error_for(g, data::PreprocessConfig{}) == nullptr);  // a classifier: every element
  CHECK(quant::output_error_for(g, yolox_config()) != nullptr);
}
