// The "detect" section of presets and the COCO annotations loader: what loads, and every bad value as a
// one-line bad-input error naming the file and the field.
#include <catch2/catch.hpp>
#include <filesystem>

#include "common/error.h"
#include "data/image_folder.h"
#include "data/preprocess_config.h"
#include "detect/coco_annotations.h"
#include "test_support.h"

using namespace fxq;

namespace {

const std::string kBase = R"("width": 64, "height": 64, "resize": "letterbox", "task": "detect")";

Error load_error(const std::string& path) {
  try {
    data::load_config_file(path);
  } catch (const Error& e) {
    return e;
  }
  FAIL("no error for " << path);
  throw;
}

std::string write_config(const std::string& dir, const std::string& name, const std::string& body) {
  const std::string path = dir + "/" + name + ".json";
  test::write_bytes(path, "{" + body + "}");
  return path;
}

Error coco_error(const std::string& path) {
  try {
    detect::load_coco_annotations(path);
  } catch (const Error& e) {
    return e;
  }
  FAIL("no error for " << path);
  throw;
}

}  // namespace

TEST_CASE("detector presets load their detect section; classifier presets have none", "[detect]") {
  const std::string dir = FXQ_SOURCE_DIR "/configs/";
  const data::PreprocessConfig y = data::load_config_file(dir + "yolox-416.json");
  CHECK(y.is_detector());
  CHECK(y.detect.layout == "yolox");
  CHECK(y.detect.num_classes == 80);
  CHECK(y.detect.strides == std::vector<int>{8, 16, 32});
  CHECK(y.detect.score_threshold == 0.001);
  CHECK(y.detect.pre_nms_top_k == 1000);
  CHECK(y.detect.nms_iou == 0.6);
  CHECK(y.detect.max_detections == 100);
  const data::PreprocessConfig n = data::load_config_file(dir + "nanodet-416.json");
  CHECK(n.detect.layout == "nanodet");
  CHECK(n.detect.anchor_point == detect::AnchorPoint::kCenterPixel);
  CHECK_THAT(data::summary(n), Catch::Contains("detect: nanodet, 80 classes, strides 8/16/32"));
  for (const char* cls : {"imagenet-224", "cifar10-32", "mnist-28", "fashion-mnist-28"}) {
    INFO(cls);
    CHECK_FALSE(data::load_config_file(dir + cls + ".json").is_detector());
  }
}

TEST_CASE("a yolo-anchors and a yolov8 config with every field", "[detect]") {
  const std::string dir = test::temp_dir("detcfg-ok");
  const auto a = data::load_config_file(write_config(dir, "v5", kBase + R"(, "detect": {"layout": "yolo-anchors",
      "num_classes": 3, "strides": [8, 16], "anchors": [[10,13, 16,30], [30,61, 62,45, 59,119]],
      "box_encoding": "v5", "score_activation": "sigmoid", "score_threshold": 0.25, "pre_nms_top_k": 300,
      "nms_iou": 0.45, "max_detections": 50})"));
  CHECK(a.detect.anchors.size() == 2);
  CHECK(a.detect.anchors_at(1) == 3);
  CHECK(a.detect.box_encoding == detect::BoxEncoding::kV5);
  CHECK(a.detect.nms_iou == 0.45);
  const auto b = data::load_config_file(write_config(dir, "v8", kBase + R"(, "detect": {"layout": "yolov8",
      "num_classes": 80, "strides": [8, 16, 32], "score_activation": "none", "anchor_point": "center"})"));
  CHECK(b.detect.score_activation == detect::ScoreActivation::kNone);
}

TEST_CASE("detect config errors: one line, the file and the field named", "[detect]") {
  const std::string dir = test::temp_dir("detcfg");
  const std::string ok = R"("layout": "yolox", "num_classes": 80, "strides": [8, 16, 32])";
  struct Case {
    const char* name;
    std::string body, mention;
  };
  const std::vector<Case> cases = {
      {"no-section", kBase, "\"task\": \"detect\" needs a 'detect' section"},
      {"section-without-task", R"("width": 8, "height": 8, "detect": {)" + ok + "}", "a 'detect' section needs \"task\": \"detect\""},
      {"bad-task", R"("width": 8, "height": 8, "task": "segment")", "'task' has unknown value \"segment\""},
      {"not-object", kBase + R"(, "detect": [1])", "'detect' must be a JSON object"},
      {"unknown-field", kBase + R"(, "detect": {)" + ok + R"(, "iou": 0.5})", "unknown field 'detect.iou'"},
      {"no-layout", kBase + R"(, "detect": {"num_classes": 80, "strides": [8]})", "'detect.layout' is required"},
      {"bad-layout", kBase + R"(, "detect": {"layout": "ssd", "num_classes": 80, "strides": [8]})",
       "'detect.layout' has unknown value \"ssd\" (allowed: yolox, nanodet, yolo-anchors, yolov8)"},
      {"classes-zero", kBase + R"(, "detect": {"layout": "yolox", "num_classes": 0, "strides": [8]})",
       "'detect.num_classes' must be in 1..100000, got 0"},
      {"classes-float", kBase + R"(, "detect": {"layout": "yolox", "num_classes": 8.5, "strides": [8]})",
       "'detect.num_classes' must be an integer"},
      {"strides-empty", kBase + R"(, "detect": {"layout": "yolox", "num_classes": 8, "strides": []})",
       "'detect.strides' must be a non-empty array"},
      {"strides-bad", kBase + R"(, "detect": {"layout": "yolox", "num_classes": 8, "strides": [8, -16]})",
       "'detect.strides' values must be integers in 1..4096, got -16"},
      {"threshold", kBase + R"(, "detect": {)" + ok + R"(, "score_threshold": 1.5})", "'detect.score_threshold' must be in [0, 1)"},
      {"nms-iou", kBase + R"(, "detect": {)" + ok + R"(, "nms_iou": 0})", "'detect.nms_iou' must be in (0, 1]"},
      {"nms-iou-type", kBase + R"(, "detect": {)" + ok + R"(, "nms_iou": "0.5"})", "'detect.nms_iou' must be a number"},
      {"top-k", kBase + R"(, "detect": {)" + ok + R"(, "pre_nms_top_k": 0})", "'detect.pre_nms_top_k' must be in 1..1000000"},
      {"max-det", kBase + R"(, "detect": {)" + ok + R"(, "max_detections": -1})", "'detect.max_detections' must be in 1..1000000"},
      {"activation", kBase + R"(, "detect": {)" + ok + R"(, "score_activation": "relu"})",
       "'detect.score_activation' has unknown value \"relu\" (allowed: none, sigmoid, softmax)"},
      {"softmax-yolox", kBase + R"(, "detect": {)" + ok + R"(, "score_activation": "softmax"})",
       "'detect.score_activation \"softmax\"' is not used by layout 'yolox'"},
      {"anchors-yolox", kBase + R"(, "detect": {)" + ok + R"(, "anchors": [[1,2],[3,4],[5,6]]})",
       "'detect.anchors' is not used by layout 'yolox'"},
      {"anchor-point-yolox", kBase + R"(, "detect": {)" + ok + R"(, "anchor_point": "center"})",
       "'detect.anchor_point' is not used by layout 'yolox'"},
      {"anchor-point-bad", kBase + R"(, "detect": {"layout": "nanodet", "num_classes": 8, "strides": [8], "anchor_point": "middle"})",
       "'detect.anchor_point' has unknown value \"middle\" (allowed: corner, center, center-pixel)"},
      {"encoding-nanodet", kBase + R"(, "detect": {"layout": "nanodet", "num_classes": 8, "strides": [8], "box_encoding": "v5"})",
       "'detect.box_encoding' is not used by layout 'nanodet'"},
      {"v8-no-activation", kBase + R"(, "detect": {"layout": "yolov8", "num_classes": 8, "strides": [8]})",
       "'detect.score_activation' is required by layout 'yolov8'"},
      {"anchors-missing", kBase + R"(, "detect": {"layout": "yolo-anchors", "num_classes": 8, "strides": [8], "box_encoding": "exp", "score_activation": "sigmoid"})",
       "'detect.anchors' is required by layout 'yolo-anchors'"},
      {"encoding-missing", kBase + R"(, "detect": {"layout": "yolo-anchors", "num_classes": 8, "strides": [8], "anchors": [[1,2]], "score_activation": "sigmoid"})",
       "'detect.box_encoding' is required by layout 'yolo-anchors'"},
      {"anchors-levels", kBase + R"(, "detect": {"layout": "yolo-anchors", "num_classes": 8, "strides": [8, 16], "anchors": [[1,2]], "box_encoding": "v5", "score_activation": "sigmoid"})",
       "'detect.anchors' has 1 level(s) but 'detect.strides' has 2"},
      {"anchors-odd", kBase + R"(, "detect": {"layout": "yolo-anchors", "num_classes": 8, "strides": [8], "anchors": [[1,2,3]], "box_encoding": "v5", "score_activation": "sigmoid"})",
       "level 0 is not a non-empty array of an even number of values"},
      {"anchors-negative", kBase + R"(, "detect": {"layout": "yolo-anchors", "num_classes": 8, "strides": [8], "anchors": [[1,-2]], "box_encoding": "v5", "score_activation": "sigmoid"})",
       "'detect.anchors' values must be finite numbers > 0"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const std::string path = write_config(dir, c.name, c.body);
    const Error e = load_error(path);
    CHECK(e.code() == ExitCode::kBadInput);
    CHECK_THAT(e.what(), Catch::StartsWith(path + ": ") && Catch::Contains(c.mention));
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
}

TEST_CASE("COCO annotations: categories in id order, crowd flags, boxes as corners", "[detect]") {
  const std::string dir = test::temp_dir("coco-ok");
  test::write_bytes(dir + "/a.json", R"({
    "images": [{"id": 7, "file_name": "b.jpg", "width": 20, "height": 10}, {"id": 3, "file_name": "a.jpg"}],
    "categories": [{"id": 90, "name": "toothbrush"}, {"id": 1, "name": "person"}, {"id": 5, "name": "airplane"}],
    "annotations": [
      {"image_id": 3, "category_id": 5, "bbox": [1, 2, 3, 4], "iscrowd": 0},
      {"image_id": 3, "category_id": 90, "bbox": [0, 0, 10, 10], "iscrowd": 1},
      {"image_id": 7, "category_id": 1, "bbox": [5.5, 1, 2, 2]}]})");
  const detect::CocoAnnotations a = detect::load_coco_annotations(dir + "/a.json");
  REQUIRE(a.categories.size() == 3);
  CHECK(a.categories[0].name == "person");  // ids 1, 5, 90 -> classes 0, 1, 2
  CHECK(a.categories[2].id == 90);
  REQUIRE(a.images.size() == 2);
  CHECK(a.images[0].file_name == "b.jpg");  // file order kept
  CHECK(a.images[0].width == 20);
  REQUIRE(a.images[1].objects.size() == 2);
  const auto& g = a.images[1].objects[0];
  CHECK((g.cls == 1 && !g.crowd && g.box.x1 == 1 && g.box.y1 == 2 && g.box.x2 == 4 && g.box.y2 == 6));
  CHECK((a.images[1].objects[1].cls == 2 && a.images[1].objects[1].crowd));
  CHECK(a.object_count() == 2);
  CHECK(a.crowd_count() == 1);

  SECTION("images match by relative path, then by a unique base name; the rest is warned about") {
    std::vector<data::ImageEntry> folder = {{dir + "/x/a.jpg", "x/a.jpg"}, {dir + "/c.jpg", "c.jpg"}};
    std::vector<std::string> warnings;
    const auto m = detect::match_annotated_images(folder, a, [&](const std::string& w) { warnings.push_back(w); });
    REQUIRE(m.size() == 1);
    CHECK(m[0].first.rel == "x/a.jpg");
    CHECK(m[0].second == 1);
    REQUIRE(warnings.size() == 2);
    CHECK_THAT(warnings[0], Catch::Contains("1 image(s) of the folder are not in"));
    CHECK_THAT(warnings[1], Catch::Contains("1 image(s) of " + dir + "/a.json are not in the folder"));
    const std::vector<data::ImageEntry> none = {{dir + "/c.jpg", "c.jpg"}};
    try {
      detect::match_annotated_images(none, a, [](const std::string&) {});
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::kBadInput);
      CHECK_THAT(e.what(), Catch::Contains("none of its 2 images is among the 1 images of the folder"));
    }
  }
}

TEST_CASE("COCO annotation errors: one line naming the file and the entry", "[detect]") {
  const std::string dir = test::temp_dir("coco-bad");
  const std::string img = R"("images": [{"id": 1, "file_name": "a.jpg"}])";
  const std::string cat = R"("categories": [{"id": 1, "name": "person"}])";
  auto ann = [](const std::string& a) { return R"("annotations": [)" + a + "]"; };
  const std::string good = R"({"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]})";
  struct Case {
    const char* name;
    std::string body, mention;
  };
  const std::vector<Case> cases = {
      {"truncated", R"({"images": [)", "invalid JSON: "},
      {"not-object", "[1, 2]", "the top level must be a JSON object"},
      {"no-images", "{" + cat + ", " + ann(good) + "}", "no 'images' array"},
      {"no-categories", "{" + img + ", " + ann(good) + "}", "no 'categories' array"},
      {"no-annotations", "{" + img + ", " + cat + "}", "no 'annotations' array"},
      {"images-not-array", R"({"images": {}, )" + cat + ", " + ann(good) + "}", "'images' must be an array"},
      {"empty-categories", "{" + img + R"(, "categories": [], )" + ann(good) + "}", "'categories' is empty"},
      {"image-no-id", R"({"images": [{"file_name": "a.jpg"}], )" + cat + ", " + ann(good) + "}", "images[0] has no 'id'"},
      {"image-name-type", R"({"images": [{"id": 1, "file_name": 5}], )" + cat + ", " + ann(good) + "}",
       "images[0].file_name must be a string"},
      {"dup-image", R"({"images": [{"id": 1, "file_name": "a.jpg"}, {"id": 1, "file_name": "b.jpg"}], )" + cat + ", " +
                        ann(good) + "}", "images[1]: image id 1 appears twice"},
      {"dup-file", R"({"images": [{"id": 1, "file_name": "a.jpg"}, {"id": 2, "file_name": "a.jpg"}], )" + cat + ", " +
                       ann(good) + "}", "file_name 'a.jpg' appears twice"},
      {"dup-category", "{" + img + R"(, "categories": [{"id": 1, "name": "a"}, {"id": 1, "name": "b"}], )" + ann(good) + "}",
       "category id 1 appears twice"},
      {"no-bbox", "{" + img + ", " + cat + ", " + ann(R"({"image_id": 1, "category_id": 1})") + "}",
       "annotations[0] has no 'bbox'"},
      {"short-bbox", "{" + img + ", " + cat + ", " + ann(R"({"image_id": 1, "category_id": 1, "bbox": [0, 0, 1]})") + "}",
       "annotations[0].bbox must be [x, y, width, height]"},
      {"text-bbox", "{" + img + ", " + cat + ", " + ann(R"({"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, "2"]})") + "}",
       "annotations[0].bbox must hold 4 finite numbers"},
      {"negative-bbox", "{" + img + ", " + cat + ", " + ann(R"({"image_id": 1, "category_id": 1, "bbox": [0, 0, -1, 2]})") + "}",
       "negative width or height"},
      {"unknown-image", "{" + img + ", " + cat + ", " + ann(good + R"(, {"image_id": 9, "category_id": 1, "bbox": [0, 0, 1, 1]})") + "}",
       "annotations[1]: image_id 9 is not in 'images'"},
      {"unknown-category", "{" + img + ", " + cat + ", " + ann(R"({"image_id": 1, "category_id": 3, "bbox": [0, 0, 1, 1]})") + "}",
       "annotations[0]: category_id 3 is not in 'categories'"},
      {"bad-crowd", "{" + img + ", " + cat + ", " + ann(R"({"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "iscrowd": 2})") + "}",
       "annotations[0].iscrowd must be 0 or 1"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const std::string path = dir + "/" + c.name + ".json";
    test::write_bytes(path, c.body);
    const Error e = coco_error(path);
    CHECK(e.code() == ExitCode::kBadInput);
    CHECK_THAT(e.what(), Catch::StartsWith(path + ": ") && Catch::Contains(c.mention));
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
  const Error missing = coco_error(dir + "/nope.json");
  CHECK_THAT(missing.what(), Catch::Equals(dir + "/nope.json: cannot open annotations file"));
}
