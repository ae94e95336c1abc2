// NMS, average precision, the inverse letterbox, and the label-free gate metrics (detection agreement,
// output SQNR) on hand-made cases whose results are worked out by hand in the comments.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <opencv2/core.hpp>

#include "data/preprocess.h"
#include "detect/average_precision.h"
#include "detect/letterbox.h"
#include "detect/nms.h"
#include "eval/detection_agreement.h"
#include "eval/sqnr.h"

using namespace fxq;
using namespace fxq::detect;

namespace {

Detection det(double x1, double y1, double x2, double y2, double score, int cls = 0) {
  return {{x1, y1, x2, y2}, score, cls};
}
GroundTruth gt(double x1, double y1, double x2, double y2, int cls = 0, bool crowd = false) {
  return {{x1, y1, x2, y2}, cls, crowd};
}

}  // namespace

TEST_CASE("iou: overlap, touching and degenerate boxes", "[detect]") {
  CHECK(iou({0, 0, 10, 10}, {0, 0, 10, 10}) == 1.0);
  CHECK(iou({0, 0, 10, 10}, {5, 0, 15, 10}) == Approx(50.0 / 150));
  CHECK(iou({0, 0, 10, 10}, {10, 0, 20, 10}) == 0);  // touching edges
  CHECK(iou({0, 0, 10, 10}, {0, 0, 10, 6}) == 0.6);  // 60 / 100, exactly the double 0.6
  CHECK(iou({0, 0, 10, 10}, {5, 5, 5, 8}) == 0);     // zero width
}

TEST_CASE("nms: class-wise, strict IoU, top-k before, max detections after, stable ties", "[detect]") {
  NmsParams p;  // 1000, 0.6, 100
  const auto kept = nms({det(0, 0, 10, 10, 0.8),        // A
                         det(1, 0, 11, 10, 0.9),        // B: IoU(A, B) = 90/110 = 0.82 -> A suppressed by B
                         det(1, 0, 11, 10, 0.7, 1),     // another class: kept
                         det(1, 0, 11, 6, 0.6),         // IoU with B = 60/100 = 0.6, not > 0.6: kept
                         det(50, 50, 60, 60, 0.5)},     // far away: kept
                        p);
  REQUIRE(kept.size() == 4);
  CHECK(kept[0].score == 0.9);
  CHECK(kept[1].score == 0.7);
  CHECK(kept[2].score == 0.6);
  CHECK(kept[3].score == 0.5);

  SECTION("pre_nms_top_k drops the weakest before NMS") {
    p.pre_nms_top_k = 2;
    const auto k = nms({det(0, 0, 1, 1, 0.1), det(5, 5, 6, 6, 0.3), det(9, 9, 10, 10, 0.2)}, p);
    REQUIRE(k.size() == 2);
    CHECK(k[0].score == 0.3);
    CHECK(k[1].score == 0.2);
  }
  SECTION("a box suppressed by one outside the top k survives") {
    p.pre_nms_top_k = 1;
    const auto k = nms({det(0, 0, 10, 10, 0.9), det(0, 0, 10, 10, 0.8, 1)}, p);
    REQUIRE(k.size() == 1);
  }
  SECTION("max_detections keeps the best after NMS") {
    p.max_detections = 2;
    const auto k = nms({det(0, 0, 1, 1, 0.1), det(5, 5, 6, 6, 0.3), det(9, 9, 10, 10, 0.2), det(5, 5, 6, 6, 0.29)}, p);
    REQUIRE(k.size() == 2);  // 0.29 is suppressed by 0.3, so 0.1 would be third
    CHECK(k[1].score == 0.2);
  }
  SECTION("equal scores keep their decode order") {
    const auto k = nms({det(0, 0, 1, 1, 0.5, 3), det(5, 5, 6, 6, 0.5, 1), det(9, 9, 10, 10, 0.5, 2)}, p);
    REQUIRE(k.size() == 3);
    CHECK((k[0].cls == 3 && k[1].cls == 1 && k[2].cls == 2));
  }
}

TEST_CASE("interpolated_ap_101: COCO's 101 recall points", "[detect]") {
  // TP, FP, TP with 2 GT: recall 0.5, 0.5, 1; precision 1, 1/2, 2/3 -> monotone 1, 2/3, 2/3.
  // r = 0.00 .. 0.50 (51 points) read precision 1, r = 0.51 .. 1.00 (50 points) read 2/3.
  CHECK(interpolated_ap_101({1, 0, 1}, 2) == Approx((51 + 50 * 2.0 / 3) / 101).epsilon(1e-12));
  CHECK(interpolated_ap_101({1, 1}, 2) == 1.0);
  CHECK(interpolated_ap_101({}, 3) == 0.0);
  // 1 of 3 found, first: recall 1/3 -> points r = 0 .. 0.33 (34 points) at precision 1.
  CHECK(interpolated_ap_101({1, 0, 0}, 3) == Approx(34.0 / 101).epsilon(1e-12));
  // FP then TP with one GT: precision 0, 1/2 -> monotone 1/2, 1/2 -> every point reads 1/2.
  CHECK(interpolated_ap_101({0, 1}, 1) == Approx(0.5).epsilon(1e-12));
}

TEST_CASE("MapEvaluator: matching, crowd, duplicates, IoU thresholds, classes without GT", "[detect]") {
  MapEvaluator ev(3);
  // Image A (order 0): two class-0 objects and a crowd region; image B (order 1): one class-0 object.
  ev.add_image(0, {gt(0, 0, 10, 10), gt(20, 0, 30, 10), gt(50, 50, 100, 100, 0, true)},
               {det(0, 0, 10, 10, 0.9),         // TP (IoU 1)
                det(1, 0, 11, 10, 0.85),        // same object again: FP (its GT is used)
                det(55, 55, 95, 95, 0.8),       // only on the crowd region (IoU 0.64): ignored
                det(20, 0, 30, 6, 0.7),         // IoU 0.6 with the second object: TP up to t = 0.60
                det(200, 200, 210, 210, 0.6, 2)});  // class 2 has no GT: left out of the mean
  ev.add_image(1, {gt(0, 0, 10, 10), gt(0, 0, 4, 4, 1)}, {});  // class 1: one object, never found
  const MapResult r = ev.finish();
  REQUIRE(r.per_class.size() == 2);
  CHECK(r.objects == 4);
  CHECK(r.crowd == 1);
  CHECK(r.detections == 5);
  // Class 0 at t = 0.5: TP, FP, TP over 3 GT: recall 1/3, 1/3, 2/3; precision 1, 1/2, 2/3 -> monotone
  // 1, 2/3, 2/3: r = 0 .. 0.33 (34 points) at 1, r = 0.34 .. 0.66 (33 points) at 2/3, the rest 0.
  const double ap50 = (34 + 33 * 2.0 / 3) / 101;
  CHECK(ev.average_precision(0, 0.5) == Approx(ap50).epsilon(1e-12));
  CHECK(r.per_class[0].ap50 == Approx(ap50).epsilon(1e-12));
  // t = 0.65 .. 0.95: the IoU-0.6 box is a FP: TP, FP, FP: 34 points at 1.
  CHECK(ev.average_precision(0, 0.65) == Approx(34.0 / 101).epsilon(1e-12));
  CHECK(r.per_class[0].ap50_95 == Approx((3 * ap50 + 7 * 34.0 / 101) / 10).epsilon(1e-12));
  CHECK(r.per_class[1].cls == 1);
  CHECK(r.per_class[1].ap50 == 0.0);
  CHECK(ev.average_precision(2, 0.5) == -1);
  CHECK(r.map50 == Approx(ap50 / 2).epsilon(1e-12));
  CHECK(r.map50_95 == Approx(r.per_class[0].ap50_95 / 2).epsilon(1e-12));
}

TEST_CASE("MapEvaluator: equal scores rank by image order, as the reference", "[detect]") {
  // One object in image 'second'; a false positive in image 'first' with the same score. The order given to
  // add_image (the annotation file's), not the order of the calls, decides which comes first.
  auto ap = [](size_t order_tp, size_t order_fp) {
    MapEvaluator ev(1);
    ev.add_image(order_tp, {gt(0, 0, 10, 10)}, {det(0, 0, 10, 10, 0.5)});
    ev.add_image(order_fp, {}, {det(0, 0, 10, 10, 0.5)});
    return ev.finish().map50;
  };
  CHECK(ap(0, 1) == 1.0);                                   // TP first
  CHECK(ap(1, 0) == Approx(0.5).epsilon(1e-12));            // FP first: precision 1/2 at recall 1
}

TEST_CASE("coco_iou_thresholds: 0.50:0.05:0.95", "[detect]") {
  const auto t = coco_iou_thresholds();
  REQUIRE(t.size() == 10);
  CHECK(t[0] == 0.5);
  CHECK(t[2] == 0.6);
  CHECK(t[9] == 0.95);
}

TEST_CASE("inverse letterbox: top-left (YOLOX) and centred (NanoDet) geometry, clipping", "[detect]") {
  data::PreprocessConfig cfg;
  cfg.width = cfg.height = 416;
  cfg.color = data::ColorOrder::kBGR;
  cfg.resize = data::ResizePolicy::kLetterbox;
  data::Geometry g;
  const cv::Mat wide(100, 200, CV_8UC3, cv::Scalar::all(7)), tall(300, 100, CV_8UC3, cv::Scalar::all(7));

  SECTION("top-left: r = min(416/100, 416/200) = 2.08, no offset") {
    data::preprocess_geometry(wide, cfg, &g);
    CHECK(g.sx == 2.08);
    const Box b = to_original(Box{104, 52, 208, 104}, g);
    CHECK(b.x1 == Approx(50));
    CHECK(b.y1 == Approx(25));
    CHECK(b.x2 == Approx(100));
    CHECK(b.y2 == Approx(50));
    const Box c = to_original(Box{-5, 210, 416, 300}, g);  // below the image (y > 208): clipped
    CHECK(c.x1 == 0);
    CHECK(c.x2 == 200);
    CHECK(c.y1 == 100);
    CHECK(c.y2 == 100);
  }
  SECTION("centred, wider image: nh = int(416 * 0.5) = 208, top = int((416 - 208) / 2) = 104") {
    cfg.letterbox_center = true;
    data::preprocess_geometry(wide, cfg, &g);
    CHECK(g.py == 104);
    const Box b = to_original(Box{0, 104, 416, 312}, g);
    CHECK(b.x1 == 0);
    CHECK(b.y1 == 0);
    CHECK(b.x2 == Approx(200));
    CHECK(b.y2 == Approx(100));
    CHECK(to_original(Box{0, 0, 10, 50}, g).y2 == 0);  // in the top padding
  }
  SECTION("centred, taller image: nw = int(416 / 3) = 138, left = int(278 / 2) = 139, sx = 1.38") {
    cfg.letterbox_center = true;
    data::preprocess_geometry(tall, cfg, &g);
    CHECK(g.px == 139);
    CHECK(g.sx == Approx(1.38));
    const Box b = to_original(Box{208, 208, 277, 416}, g);
    CHECK(b.x1 == Approx(50));
    CHECK(b.x2 == Approx(100));
    CHECK(b.y1 == Approx(150));
    CHECK(b.y2 == Approx(300));
  }
}

TEST_CASE("detection_agreement: F1 of quantized detections against float ones", "[detect]") {
  const std::vector<Detection> fl = {det(0, 0, 10, 10, 0.9), det(20, 20, 30, 30, 0.8), det(0, 0, 10, 10, 0.7, 1)};
  SECTION("identical detections agree fully") {
    CHECK(detection_agreement({fl}, {fl}) == 1.0);
  }
  SECTION("a shifted box (IoU 0.6), a lost box, a wrong class, an extra box") {
    const std::vector<Detection> q = {det(0, 0, 10, 6, 0.9),        // IoU 0.6 with float box 0: match
                                      det(20, 20, 30, 30, 0.8, 2),  // right place, wrong class: no match
                                      det(60, 60, 70, 70, 0.5)};    // extra
    const AgreementCounts c = agreement_counts({fl}, {q});
    CHECK(c.matched == 1);
    CHECK(c.reference == 3);
    CHECK(c.test == 3);
    CHECK(c.f1() == Approx(2.0 / 6));
    CHECK(detection_agreement({fl}, {q}, 0.65) == 0.0);  // IoU 0.6 no longer counts
  }
  SECTION("min_score leaves out the low-confidence tail, over several images") {
    const std::vector<Detection> q = {det(0, 0, 10, 10, 0.9), det(0, 0, 10, 10, 0.2, 1)};
    // score >= 0.5: float keeps its 3 boxes (image 1), quant 1 of 2, matched 1 -> 2 * 1 / (3 + 1); image 2
    // is empty in both. Without min_score the quant class-1 box matches too: 2 * 2 / (3 + 2).
    CHECK(detection_agreement({fl, {}}, {q, {}}, 0.5, 0.5) == Approx(0.5));
    CHECK(detection_agreement({fl, {}}, {q, {}}) == Approx(0.8));
  }
  SECTION("each float box matches once; nothing detected by either model is full agreement") {
    CHECK(agreement_counts({{det(0, 0, 10, 10, 0.9)}}, {{det(0, 0, 10, 10, 0.9), det(0, 0, 10, 10, 0.8)}}).matched == 1);
    CHECK(detection_agreement({{}, {}}, {{}, {}}) == 1.0);
  }
}

TEST_CASE("output_sqnr_db: 10 log10(signal / noise) over all outputs", "[detect]") {
  const Tensor a = Tensor::from_floats({2, 2}, {3, 4, 0, 0});       // signal 25
  const Tensor b = Tensor::from_floats({2, 2}, {3, 4.5f, 0, 0.5f});  // noise 0.25 + 0.25 = 0.5
  CHECK(output_sqnr_db({a}, {b}) == Approx(10 * std::log10(50.0)));
  const Tensor c = Tensor::from_floats({1}, {10});                   // + signal 100, noise 0
  CHECK(output_sqnr_db({a, c}, {b, c}) == Approx(10 * std::log10(125 / 0.5)));
  CHECK(output_sqnr_db({a}, {a}) == std::numeric_limits<double>::infinity());
  const Tensor z = Tensor::zeros({2, 2});
  CHECK(output_sqnr_db({z}, {a}) == -std::numeric_limits<double>::infinity());
  const Tensor n = Tensor::from_floats({1}, {std::numeric_limits<float>::quiet_NaN()});
  CHECK(std::isnan(output_sqnr_db({c}, {n})));
  SqnrAccumulator acc;
  acc.add(a, b);
  acc.add(a, b);
  CHECK(acc.signal() == 50);
  CHECK(acc.noise() == 1);
  CHECK(acc.db() == Approx(10 * std::log10(50.0)));
}
