// 'fxq eval' on detectors from the command line: mAP output, --json, --detections, and every bad input
// (annotations missing or malformed, preset and flags that do not fit) with its exit code on one line.
#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "test_support.h"

using namespace fxq;
using test::run_fxq;
using nlohmann::json;

namespace {

void require_error(const test::CommandResult& r, ExitCode code, const std::string& mention) {
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == static_cast<int>(code));
  REQUIRE(r.err.find(mention) != std::string::npos);
  REQUIRE(r.err.rfind("fxq: ", 0) == 0);
  REQUIRE(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line, no warnings before it
}

std::string yolox() { return test::shared_data() + "/models/det/yolox_nano.onnx"; }
std::string coco() { return test::shared_data() + "/images/coco"; }

// A folder with the first n annotated COCO images and an instances.json restricted to them.
std::string coco_subset(size_t n) {
  const std::string dir = test::temp_dir("coco-sub");
  std::ifstream in(coco() + "/instances.json");
  json j = json::parse(in);
  json images = json::array(), anns = json::array();
  std::set<int64_t> ids;
  for (size_t k = 0; k < n; ++k) {
    images.push_back(j["images"][k]);
    ids.insert(j["images"][k]["id"].get<int64_t>());
    const std::string f = j["images"][k]["file_name"];
    std::filesystem::copy_file(coco() + "/" + f, dir + "/" + f);
  }
  for (const auto& a : j["annotations"])
    if (ids.count(a["image_id"].get<int64_t>())) anns.push_back(a);
  j["images"] = images;
  j["annotations"] = anns;
  test::write_bytes(dir + "/instances.json", j.dump());
  return dir;
}

}  // namespace

TEST_CASE("fxq eval on a detector: mAP lines, per-class AP, json and COCO-format detections", "[cli][detect][models]") {
  const std::string dir = coco_subset(6), out = test::temp_dir("det-out");
  const auto r = run_fxq("eval " + yolox() + " --images " + dir + " --annotations " + dir +
                         "/instances.json --preset yolox-416 --quiet --per-class --json " + out + "/r.json --detections " +
                         out + "/dets.json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find("images      6 from") != std::string::npos);
  CHECK(r.out.find("mAP@0.5       ") != std::string::npos);
  CHECK(r.out.find("(COCO-style 101-point interpolation") != std::string::npos);
  CHECK(r.out.find("mAP@0.5:0.95  ") != std::string::npos);
  CHECK(r.out.find("AP@0.5:0.95") != std::string::npos);  // the --per-class table header

  const json j = json::parse(test::read_bytes(out + "/r.json"));
  CHECK(j["images"] == 6);
  CHECK(j["map"]["interpolation"] == "coco-101-point");
  CHECK(j["map"]["iou_thresholds"].size() == 10);
  double sum = 0;
  for (const auto& c : j["map"]["per_class"]) sum += c["ap50"].get<double>();
  CHECK(j["map"]["map50"].get<double>() == Approx(sum / j["map"]["per_class"].size()));
  CHECK(j["map"]["classes"] == j["map"]["per_class"].size());

  const json d = json::parse(test::read_bytes(out + "/dets.json"));
  CHECK(d.size() == j["detections"].get<size_t>());
  REQUIRE(d.size() > 6);
  json sub = json::parse(test::read_bytes(dir + "/instances.json"));
  std::map<int64_t, std::pair<double, double>> size;
  for (const auto& im : sub["images"]) size[im["id"]] = {im["width"].get<double>(), im["height"].get<double>()};
  for (const auto& x : d) {
    REQUIRE(size.count(x["image_id"].get<int64_t>()));
    const auto [w, h] = size[x["image_id"].get<int64_t>()];
    const auto b = x["bbox"];
    CHECK((b[0] >= 0 && b[1] >= 0 && b[2] >= 0 && b[3] >= 0));
    CHECK(b[0].get<double>() + b[2].get<double>() <= w + 1e-9);  // clipped to the original image
    CHECK(b[1].get<double>() + b[3].get<double>() <= h + 1e-9);
    CHECK((x["category_id"] >= 1 && x["category_id"] <= 90));
    CHECK((x["score"] > 0.001 && x["score"] <= 1));
  }

  SECTION("without annotations: detections only") {
    const auto n = run_fxq("eval " + yolox() + " --images " + dir + " --preset yolox-416 --quiet --limit 2");
    INFO(n.err);
    REQUIRE(n.exit_code == 0);
    CHECK(n.out.find("detections  ") != std::string::npos);
    CHECK(n.out.find("mAP") == std::string::npos);
  }
  SECTION("annotated images missing from the folder are a warning") {
    const auto w = run_fxq("eval " + yolox() + " --images " + dir + " --annotations " + coco() +
                           "/instances.json --preset yolox-416 --quiet");
    INFO(w.err);
    REQUIRE(w.exit_code == 0);
    CHECK(w.err.find("153 image(s) of " + coco() + "/instances.json are not in the folder") != std::string::npos);
  }
  SECTION("an unwritable --detections file exits 6 and writes nothing else") {
    test::write_bytes(out + "/afile", "x");
    require_error(run_fxq("eval " + yolox() + " --images " + dir + " --annotations " + dir +
                          "/instances.json --preset yolox-416 --quiet --json " + out + "/r2.json --detections " + out +
                          "/afile/d.json"),
                  ExitCode::kOutput, out + "/afile/d.json");
    CHECK_FALSE(test::file_exists(out + "/r2.json"));
  }
}

TEST_CASE("fxq eval on a detector: bad annotations, presets and flags", "[cli][detect]") {
  const std::string dir = test::temp_dir("det-bad");
  const std::string base = "eval " + yolox() + " --images " + coco() + " ";
  SECTION("a missing annotations file exits 4 naming it") {
    require_error(run_fxq(base + "--preset yolox-416 --annotations " + dir + "/nope.json"), ExitCode::kBadInput,
                  dir + "/nope.json: cannot open annotations file");
  }
  SECTION("malformed JSON exits 4 naming the file") {
    test::write_bytes(dir + "/bad.json", "{\"images\": [");
    require_error(run_fxq(base + "--preset yolox-416 --annotations " + dir + "/bad.json"), ExitCode::kBadInput,
                  dir + "/bad.json: invalid JSON");
  }
  SECTION("a missing field exits 4 naming the entry") {
    test::write_bytes(dir + "/nobox.json", R"({"images": [{"id": 1, "file_name": "a.jpg"}],
      "categories": [{"id": 1, "name": "person"}], "annotations": [{"image_id": 1, "category_id": 1}]})");
    require_error(run_fxq(base + "--preset yolox-416 --annotations " + dir + "/nobox.json"), ExitCode::kBadInput,
                  "annotations[0] has no 'bbox'");
  }
  SECTION("annotations with another number of categories than the model's classes exit 4") {
    test::write_bytes(dir + "/one.json", R"({"images": [{"id": 1, "file_name": "000000000139.jpg"}],
      "categories": [{"id": 1, "name": "person"}], "annotations": []})");
    require_error(run_fxq(base + "--preset yolox-416 --annotations " + dir + "/one.json"), ExitCode::kBadInput,
                  "1 categories, but");
  }
  SECTION("a classifier preset with --annotations is a usage error") {
    require_error(run_fxq(base + "--preset imagenet-224 --annotations " + coco() + "/instances.json"), ExitCode::kUsage,
                  "--annotations is for detectors, but preprocessing 'imagenet-224'");
  }
  SECTION("--detections with a classifier preset, --per-class without annotations: usage errors") {
    require_error(run_fxq(base + "--preset imagenet-224 --detections " + dir + "/d.json"), ExitCode::kUsage,
                  "--detections is for detectors");
    require_error(run_fxq(base + "--preset yolox-416 --per-class"), ExitCode::kUsage, "--per-class needs --annotations");
  }
  SECTION("--labels with a detector preset is a usage error") {
    require_error(run_fxq(base + "--preset yolox-416 --labels " + coco() + "/classes.tsv"), ExitCode::kUsage,
                  "--labels is for classifiers");
  }
  SECTION("a detect section that does not fit the model's outputs exits 4 naming config and model") {
    test::write_bytes(dir + "/wrong.json", R"({"color": "bgr", "width": 416, "height": 416, "resize": "letterbox",
      "pad_value": 114, "task": "detect", "detect": {"layout": "nanodet", "num_classes": 80, "strides": [8, 16, 32]}})");
    require_error(run_fxq(base + "--config " + dir + "/wrong.json --annotations " + coco() + "/instances.json"),
                  ExitCode::kBadInput, dir + "/wrong.json with " + yolox() + ": layout 'nanodet' expects");
  }
}
