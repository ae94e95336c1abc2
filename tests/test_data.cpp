// Image input pipeline: presets bit-exact against the reference scripts (shared/data/tools/prep_cache.py for the
// geometry, eval_ort.js for the normalisation), folder listing, labels, streaming, config errors.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "common/error.h"
#include "data/image_folder.h"
#include "data/image_stream.h"
#include "data/labels.h"
#include "data/preprocess.h"
#include "data/preprocess_config.h"

using namespace fxq;
using namespace fxq::data;
namespace fs = std::filesystem;

namespace {

const fs::path kShared = FXQ_SHARED_DATA_DIR;
const fs::path kConfigs = fs::path(FXQ_SOURCE_DIR) / "configs";
const char* const kPython = "/usr/bin/python3";  // Debian's, with python3-opencv and numpy
const char* const kPresets[] = {"cifar10-32", "imagenet-224", "mnist-28", "nanodet-416", "yolox-416"};

// A fresh folder under the temp dir, removed at scope exit.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::temp_directory_path() / ("fxq_test_data_" + tag + "_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void write_file(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <typename F>
Error expect_error(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  FAIL("expected an fxq::Error");
  return Error(ExitCode::kOk, "");
}

void require_shared_data() {
  if (!fs::exists(kShared / "tools" / "prep_cache.py") || !fs::is_directory(kShared / "images"))
    FAIL("shared data missing: " << kShared.string()
                                 << " (FXQ_SHARED_DATA_DIR) has no tools/prep_cache.py or images/; "
                                    "the bit-exactness tests need it");
  if (!fs::exists(kPython)) FAIL(kPython << " is missing: the bit-exactness tests run prep_cache.py with it");
}

PreprocessConfig preset_file(const std::string& name) {
  return load_config_file((kConfigs / (name + ".json")).string());
}

cv::Mat noise_image(int w, int h, int channels, uint64_t seed) {
  cv::Mat m(h, w, CV_8UC(channels));
  cv::RNG rng(seed);
  rng.fill(m, cv::RNG::UNIFORM, 0, 256);
  cv::GaussianBlur(m, m, cv::Size(3, 3), 0);  // some structure, so interpolation differences would show
  return m;
}

// A labels.tsv set: the first n files of a shared image set (symlinked) plus extra synthetic PNGs.
fs::path make_tsv_set(const fs::path& dir, const std::string& set, int n,
                      const std::vector<std::pair<std::string, cv::Mat>>& extra) {
  fs::create_directories(dir);
  std::ifstream in(kShared / "images" / set / "labels.tsv");
  REQUIRE(in.good());
  std::string tsv, line;
  for (int k = 0; k < n && std::getline(in, line); ++k) {
    const std::string file = line.substr(0, line.find('\t'));
    fs::create_symlink(kShared / "images" / set / file, dir / file);
    tsv += line + "\n";
  }
  for (const auto& [name, img] : extra) {
    REQUIRE(cv::imwrite((dir / name).string(), img));
    tsv += name + "\t0\n";
  }
  write_file(dir / "labels.tsv", tsv);
  return dir;
}

// A COCO set: some shared COCO images (symlinked) plus synthetic PNGs, in an instances.json of their own.
fs::path make_coco_set(const fs::path& dir, const std::vector<std::string>& files,
                       const std::vector<std::pair<std::string, cv::Mat>>& extra) {
  fs::create_directories(dir);
  nlohmann::json images = nlohmann::json::array();
  int id = 1;
  for (const auto& f : files) {
    REQUIRE(fs::exists(kShared / "images" / "coco" / f));
    fs::create_symlink(kShared / "images" / "coco" / f, dir / f);
    images.push_back({{"file_name", f}, {"id", id++}});
  }
  for (const auto& [name, img] : extra) {
    REQUIRE(cv::imwrite((dir / name).string(), img));
    images.push_back({{"file_name", name}, {"id", id++}});
  }
  write_file(dir / "instances.json", nlohmann::json{{"images", images}}.dump());
  return dir;
}

// The normalisation of eval_ort.js for one model family: JS doubles, stored in a Float32Array.
using JsNorm = std::function<double(int p, int c)>;

// Runs prep_cache.py MODE on set_dir and compares, image by image: the 8-bit cache with fxq's geometry, the
// geometry record (sx, sy, px, py for detectors) and the float input with eval_ort.js's formula and with
// (p*scale - mean)/std. Returns the number of images compared.
size_t compare_with_reference(const std::string& preset, const std::string& mode, const fs::path& set_dir,
                              const JsNorm& js_norm) {
  const PreprocessConfig cfg = preset_file(preset);
  const fs::path out = set_dir.parent_path() / (mode + "_cache");
  const std::string cmd = std::string(kPython) + " '" + (kShared / "tools" / "prep_cache.py").string() + "' " +
                          mode + " '" + set_dir.string() + "' '" + out.string() + "' > '" + out.string() +
                          ".log' 2>&1";
  const int rc = std::system(cmd.c_str());
  INFO(cmd << "\n" << read_file(out.string() + ".log"));
  REQUIRE(rc == 0);
  const nlohmann::json meta = nlohmann::json::parse(read_file(out.string() + ".json"));
  const std::string cache = read_file(out.string() + ".u8");
  const auto shape = meta.at("shape").get<std::vector<int>>();
  const int H = shape[0], W = shape[1], C = shape.size() > 2 ? shape[2] : 1;
  REQUIRE(H == cfg.height);
  REQUIRE(W == cfg.width);
  REQUIRE(C == cfg.channels());
  const size_t per = static_cast<size_t>(H) * W * C, hw = static_cast<size_t>(H) * W;
  const auto& items = meta.at("items");
  REQUIRE(cache.size() == items.size() * per);
  const bool detector = cfg.resize == ResizePolicy::kLetterbox;
  for (size_t k = 0; k < items.size(); ++k) {
    const auto& it = items[k];
    const std::string file = it.at("file");
    INFO(preset << " / " << mode << ": " << file << " (" << it.at("w") << "x" << it.at("h") << ")");
    const cv::Mat img = decode_image((set_dir / file).string(), cfg);
    REQUIRE(!img.empty());
    Geometry g;
    const cv::Mat geo = preprocess_geometry(img, cfg, &g);
    REQUIRE(geo.total() * geo.elemSize() == per);
    size_t diff = 0;
    for (size_t i = 0; i < per; ++i) diff += geo.data[i] != static_cast<uint8_t>(cache[k * per + i]);
    CHECK(diff == 0);
    CHECK(g.orig_w == it.at("w").get<int>());
    CHECK(g.orig_h == it.at("h").get<int>());
    if (detector) {
      CHECK(g.sx == it.at("sx").get<double>());
      CHECK(g.sy == it.at("sy").get<double>());
      CHECK(g.px == it.at("px").get<double>());
      CHECK(g.py == it.at("py").get<double>());
    }
    const Tensor t = preprocess(img, cfg, nullptr);
    REQUIRE(t.shape == Shape{1, C, H, W});
    size_t js_diff = 0, formula_diff = 0;
    for (size_t i = 0; i < hw; ++i)
      for (int c = 0; c < C; ++c) {
        const int p = static_cast<uint8_t>(cache[k * per + i * C + c]);
        const float x = t.f[c * hw + i];
        js_diff += x != static_cast<float>(js_norm(p, c));
        formula_diff += x != static_cast<float>((p * cfg.scale - cfg.mean[c]) / cfg.std[c]);
      }
    CHECK(js_diff == 0);
    CHECK(formula_diff == 0);
  }
  return items.size();
}

const double kImnetMean[] = {0.485, 0.456, 0.406}, kImnetStd[] = {0.229, 0.224, 0.225};
double js_imagenet(int p, int c) { return (p / 255.0 - kImnetMean[c]) / kImnetStd[c]; }
double js_identity(int p, int) { return p; }
double js_nanodet(int p, int c) {
  const double mean[] = {103.53, 116.28, 123.675}, sd[] = {57.375, 57.12, 58.395};
  return (p - mean[c]) / sd[c];
}

// COCO files of every shape class: wide, tall, square (612, 640, 500), very wide, very tall.
const std::vector<std::string> kCocoFiles = {"000000397133.jpg", "000000011813.jpg", "000000165518.jpg",
                                             "000000484641.jpg", "000000072258.jpg", "000000549055.jpg",
                                             "000000536038.jpg", "000000101787.jpg"};
// Synthetic extremes for the letterboxes: thin strips, small images that are enlarged.
std::vector<std::pair<std::string, cv::Mat>> letterbox_extras() {
  return {{"syn_strip_1000x3.png", noise_image(1000, 3, 3, 1)},
          {"syn_strip_5x900.png", noise_image(5, 900, 3, 2)},
          {"syn_small_100x60.png", noise_image(100, 60, 3, 3)},
          {"syn_small_61x97.png", noise_image(61, 97, 3, 4)},
          {"syn_square_37.png", noise_image(37, 37, 3, 5)}};
}

}  // namespace

TEST_CASE("imagenet-224 is bit-exact with prep_cache.py cls224 and eval_ort.js", "[data]") {
  require_shared_data();
  TempDir tmp("inet");
  // Sizes that exercise the resize and the half-way roundings: 777*0.5 = 388.5 -> 388; 771*0.5 = 385.5 -> 386;
  // crop offsets (257-224)/2 = 16.5 -> 16, (301-224)/2 = 38.5 -> 38; enlarging 200x150; gray source PNG.
  const auto base = cv::imread((kShared / "images/imagenet/n01484850_great_white_shark.jpg").string());
  REQUIRE(!base.empty());
  auto scaled = [&](int w, int h) {
    cv::Mat m;
    cv::resize(base, m, cv::Size(w, h), 0, 0, cv::INTER_AREA);
    return m;
  };
  cv::Mat gray;
  cv::cvtColor(scaled(300, 260), gray, cv::COLOR_BGR2GRAY);
  const fs::path set = make_tsv_set(tmp.path / "set", "imagenet", 6,
                                    {{"syn_777x512.png", scaled(777, 512)},
                                     {"syn_512x771.png", scaled(512, 771)},
                                     {"syn_257x300.png", scaled(257, 300)},
                                     {"syn_256x301.png", scaled(256, 301)},
                                     {"syn_200x150.png", scaled(200, 150)},
                                     {"syn_noise_333x281.png", noise_image(333, 281, 3, 7)},
                                     {"syn_gray_300x260.png", gray}});
  CHECK(compare_with_reference("imagenet-224", "cls224", set, js_imagenet) == 13);
}

TEST_CASE("cifar10-32 is bit-exact with prep_cache.py cifar32 and eval_ort.js", "[data]") {
  require_shared_data();
  TempDir tmp("cifar");
  const fs::path set = make_tsv_set(tmp.path / "set", "cifar10", 6, {});
  CHECK(compare_with_reference("cifar10-32", "cifar32", set, js_imagenet) == 6);
}

TEST_CASE("mnist-28 is bit-exact with prep_cache.py mnist28 and eval_ort.js", "[data]") {
  require_shared_data();
  TempDir tmp("mnist");
  const fs::path set = make_tsv_set(tmp.path / "set", "mnist", 6, {});
  CHECK(compare_with_reference("mnist-28", "mnist28", set, js_identity) == 6);
}

TEST_CASE("yolox-416 is bit-exact with prep_cache.py yolox416, geometry included", "[data]") {
  require_shared_data();
  TempDir tmp("yolox");
  const fs::path set = make_coco_set(tmp.path / "set", kCocoFiles, letterbox_extras());
  CHECK(compare_with_reference("yolox-416", "yolox416", set, js_identity) == 13);
}

TEST_CASE("nanodet-416 is bit-exact with prep_cache.py nanodet416, geometry included", "[data]") {
  require_shared_data();
  TempDir tmp("nanodet");
  const fs::path set = make_coco_set(tmp.path / "set", kCocoFiles, letterbox_extras());
  CHECK(compare_with_reference("nanodet-416", "nanodet416", set, js_nanodet) == 13);
}

TEST_CASE("normalisation: every 8-bit value of imagenet-224 equals eval_ort.js's (p/255 - mean)/std", "[data]") {
  PreprocessConfig cfg = preset_file("imagenet-224");
  cfg.resize = ResizePolicy::kNone;
  cfg.shorter_side = 0;
  cfg.width = 256;
  cfg.height = 1;
  cv::Mat ramp(1, 256, CV_8UC3);
  for (int p = 0; p < 256; ++p) ramp.at<cv::Vec3b>(0, p) = cv::Vec3b(p, p, p);
  const Tensor t = preprocess(ramp, cfg, nullptr);
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < 256; ++p) {
      INFO("c=" << c << " p=" << p);
      REQUIRE(t.f[c * 256 + p] == static_cast<float>(js_imagenet(p, c)));
    }
}

TEST_CASE("round_half_even matches Python's round", "[data]") {
  CHECK(round_half_even(0.5) == 0);
  CHECK(round_half_even(1.5) == 2);
  CHECK(round_half_even(2.5) == 2);
  CHECK(round_half_even(16.5) == 16);
  CHECK(round_half_even(385.5) == 386);
  CHECK(round_half_even(388.5) == 388);
  CHECK(round_half_even(2.4999999999999996) == 2);
  CHECK(round_half_even(-1.5) == -2);
  CHECK(round_half_even(7.0) == 7);
}

TEST_CASE("layout nhwc, rgb/bgr order and the stretch geometry", "[data]") {
  PreprocessConfig cfg;
  cfg.name = "t";
  cfg.width = 3;
  cfg.height = 2;
  cfg.resize = ResizePolicy::kNone;
  cfg.mean = {1, 2, 3};
  cfg.std = {2, 4, 8};
  cv::Mat img(2, 3, CV_8UC3);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) img.at<cv::Vec3b>(y, x) = cv::Vec3b(10 * x + y, 100 + x, 200 + y);  // B, G, R
  const Tensor nchw = preprocess(img, cfg, nullptr);
  cfg.layout = Layout::kNHWC;
  const Tensor nhwc = preprocess(img, cfg, nullptr);
  REQUIRE(nchw.shape == Shape{1, 3, 2, 3});
  REQUIRE(nhwc.shape == Shape{1, 2, 3, 3});
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) {
      const cv::Vec3b bgr = img.at<cv::Vec3b>(y, x);
      for (int c = 0; c < 3; ++c) {
        const float want = static_cast<float>((bgr[2 - c] - cfg.mean[c]) / cfg.std[c]);  // rgb: c=0 is R
        CHECK(nchw.f[c * 6 + y * 3 + x] == want);
        CHECK(nhwc.f[(y * 3 + x) * 3 + c] == want);
      }
    }
  cfg.color = ColorOrder::kBGR;  // nhwc: element 0 is B of pixel (0,0)
  CHECK(preprocess(img, cfg, nullptr).f[0] == static_cast<float>((img.at<cv::Vec3b>(0, 0)[0] - 1.0) / 2.0));

  cfg.resize = ResizePolicy::kStretch;
  cfg.width = 20;
  cfg.height = 20;
  Geometry g;
  const cv::Mat geo = preprocess_geometry(noise_image(10, 5, 3, 9), cfg, &g);
  CHECK(geo.cols == 20);
  CHECK(geo.rows == 20);
  CHECK(g.orig_w == 10);
  CHECK(g.orig_h == 5);
  CHECK(g.sx == 2.0);
  CHECK(g.sy == 4.0);
  CHECK(g.px == 0.0);
  CHECK(g.py == 0.0);
}

TEST_CASE("list_images: recursion, extension filter, sorting, errors", "[data]") {
  TempDir tmp("list");
  const fs::path root = tmp.path / "imgs";
  for (const char* f : {"b.JPG", "a.png", "sub/c.jpeg", "sub/deeper/d.webp", "sub/f.Bmp", "x.txt", "e.gif",
                        "sub/notes.jpg.bak", "noext"})
    write_file(root / f, "x");
  fs::create_directory_symlink(root, root / "sub" / "loop");  // a cycle: must not be walked twice
  const auto images = list_images(root.string());
  std::vector<std::string> rels;
  for (const auto& e : images) {
    rels.push_back(e.rel);
    CHECK(e.path == (root / e.rel).string());
  }
  CHECK(rels == std::vector<std::string>{"a.png", "b.JPG", "sub/c.jpeg", "sub/deeper/d.webp", "sub/f.Bmp"});

  const fs::path empty = tmp.path / "empty";
  write_file(empty / "only.txt", "x");
  fs::create_directories(empty / "subdir");
  Error e = expect_error([&] { list_images(empty.string()); });
  CHECK(e.code() == ExitCode::kBadInput);
  CHECK_THAT(e.what(), Catch::StartsWith(empty.string() + ": "));

  e = expect_error([&] { list_images((tmp.path / "does_not_exist").string()); });
  CHECK(e.code() == ExitCode::kBadInput);
  CHECK_THAT(e.what(), Catch::Contains("does_not_exist"));

  e = expect_error([&] { list_images((root / "a.png").string()); });
  CHECK(e.code() == ExitCode::kBadInput);
  CHECK_THAT(e.what(), Catch::Contains("not a directory"));
}

TEST_CASE("labels: TSV parsing and its errors", "[data]") {
  TempDir tmp("tsv");
  const fs::path tsv = tmp.path / "labels.tsv";
  write_file(tsv, "a.jpg\t3\r\n\n./sub/b.png\t0\n   \nc d.jpg\t 12 \n");
  const Labels l = load_labels_tsv(tsv.string());
  CHECK(l.source == tsv.string());
  CHECK(l.class_names.empty());
  CHECK(l.by_rel == std::map<std::string, int>{{"a.jpg", 3}, {"sub/b.png", 0}, {"c d.jpg", 12}});

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"a.jpg\t1\nb.jpg\t2\n\nc.jpg 3\n", ":4: "},   // no tab
      {"a.jpg\t1\nb.jpg\tcat\n", ":2: "},           // not an integer
      {"a.jpg\t-1\n", ":1: "},                       // negative
      {"a.jpg\t1\t2\n", ":1: "},                     // three fields
      {"\t1\n", ":1: "},                             // no file name
      {"a.jpg\t1\nb.jpg\t1\na.jpg\t2\n", ":3: "},   // duplicate
  };
  for (const auto& [content, where] : bad) {
    INFO(content);
    write_file(tsv, content);
    const Error e = expect_error([&] { load_labels_tsv(tsv.string()); });
    CHECK(e.code() == ExitCode::kBadInput);
    CHECK_THAT(e.what(), Catch::StartsWith(tsv.string() + where));
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
  const Error e = expect_error([&] { load_labels_tsv((tmp.path / "missing.tsv").string()); });
  CHECK(e.code() == ExitCode::kBadInput);
}

TEST_CASE("labels: sub-folder classes and attach_labels warnings", "[data]") {
  const std::vector<ImageEntry> folder = {{"r/dog/1.jpg", "dog/1.jpg"},
                                          {"r/cat/2.jpg", "cat/2.jpg"},
                                          {"r/root.jpg", "root.jpg"},
                                          {"r/zebra/x/3.jpg", "zebra/x/3.jpg"}};
  const Labels sub = labels_from_subfolders(folder);
  CHECK(sub.class_names == std::vector<std::string>{"cat", "dog", "zebra"});
  CHECK(sub.by_rel == std::map<std::string, int>{{"cat/2.jpg", 0}, {"dog/1.jpg", 1}, {"zebra/x/3.jpg", 2}});
  std::vector<std::string> warnings;
  auto warn = [&](const std::string& w) { warnings.push_back(w); };
  auto attached = attach_labels(folder, sub, warn);
  REQUIRE(attached.size() == 3);
  CHECK(attached[0].first.rel == "dog/1.jpg");
  CHECK(attached[0].second == 1);
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::StartsWith("1 of 4 images have no label"));

  // TSV: rel matches, unique basenames match, ambiguous basenames do not, unknown names are counted.
  const std::vector<ImageEntry> images = {{"r/a.jpg", "a.jpg"},
                                          {"r/d.jpg", "d.jpg"},
                                          {"r/other/c.jpg", "other/c.jpg"},
                                          {"r/sub/b.jpg", "sub/b.jpg"},
                                          {"r/sub/c.jpg", "sub/c.jpg"}};
  Labels tsv;
  tsv.source = "labels.tsv";
  tsv.by_rel = {{"a.jpg", 1}, {"b.jpg", 2}, {"c.jpg", 3}, {"zz.jpg", 4}, {"other/c.jpg", 5}};
  warnings.clear();
  attached = attach_labels(images, tsv, warn);
  std::vector<std::pair<std::string, int>> got;
  for (const auto& [e, label] : attached) got.emplace_back(e.rel, label);
  CHECK(got == std::vector<std::pair<std::string, int>>{{"a.jpg", 1}, {"other/c.jpg", 5}, {"sub/b.jpg", 2}});
  REQUIRE(warnings.size() == 2);
  CHECK_THAT(warnings[0], Catch::StartsWith("2 of 5 images have no label in labels.tsv"));
  CHECK_THAT(warnings[1], Catch::StartsWith("2 of 5 names in labels.tsv match no image"));

  warnings.clear();
  tsv.by_rel = {{"zz.jpg", 4}};
  const Error e = expect_error([&] { attach_labels(images, tsv, warn); });
  CHECK(e.code() == ExitCode::kBadInput);
  CHECK(warnings.size() == 2);
}

TEST_CASE("ImageStream: a corrupt file is warned about and skipped; batches keep the order", "[data]") {
  TempDir tmp("stream");
  for (int k = 0; k < 7; ++k)
    REQUIRE(cv::imwrite((tmp.path / ("im" + std::to_string(k) + ".png")).string(), noise_image(9, 7, 3, 10 + k)));
  write_file(tmp.path / "im3x.jpg", std::string("\xff\xd8\xff garbage, not a JPEG at all \x01\x02\x03", 40));
  const auto images = list_images(tmp.path.string());
  REQUIRE(images.size() == 8);
  CHECK(images[4].rel == "im3x.jpg");
  std::vector<int> labels;
  for (int k = 0; k < 8; ++k) labels.push_back(100 + k);
  PreprocessConfig cfg;
  cfg.name = "stream-test";
  cfg.width = 5;
  cfg.height = 4;
  cfg.mean = {1, 2, 3};
  cfg.std = {4, 5, 6};
  std::vector<std::string> warnings;
  ImageStream stream(images, labels, cfg, 3, [&](const std::string& w) { warnings.push_back(w); });
  CHECK(stream.total() == 8);
  std::vector<size_t> sizes;
  std::vector<std::string> order;
  std::vector<Sample> batch;
  while (stream.next(batch)) {
    sizes.push_back(batch.size());
    for (const Sample& s : batch) {
      order.push_back(s.entry.rel);
      CHECK(s.label == 100 + (s.entry.rel == "im3x.jpg" ? 4 : (s.entry.rel[2] - '0') + (s.entry.rel[2] > '3')));
      CHECK(s.tensor.shape == Shape{1, 3, 4, 5});
      CHECK(s.geom.orig_w == 9);
      CHECK(s.tensor.f == preprocess(cv::imread(s.entry.path), cfg, nullptr).f);
    }
  }
  CHECK(sizes == std::vector<size_t>{3, 3, 1});
  CHECK(order == std::vector<std::string>{"im0.png", "im1.png", "im2.png", "im3.png", "im4.png", "im5.png", "im6.png"});
  CHECK(stream.delivered() == 7);
  CHECK(stream.skipped() == 1);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == (tmp.path / "im3x.jpg").string() + ": cannot decode image, skipped");
  CHECK_FALSE(stream.next(batch));
  CHECK(batch.empty());

  // "resize": "none" with an image of another size: an error naming the file.
  cfg.resize = ResizePolicy::kNone;
  ImageStream strict(images, {}, cfg, 2, nullptr);
  const Error e = expect_error([&] { strict.next(batch); });
  CHECK(e.code() == ExitCode::kBadInput);
  CHECK_THAT(e.what(), Catch::StartsWith((tmp.path / "im0.png").string() + ": image is 9x7"));
}

TEST_CASE("presets: all five load, are listed, and FXQ_CONFIG_DIR selects the folder", "[data]") {
  const char* old = std::getenv("FXQ_CONFIG_DIR");
  const std::string saved = old ? old : "";
  ::setenv("FXQ_CONFIG_DIR", kConfigs.c_str(), 1);
  const auto names = list_presets();
  for (const char* p : kPresets) {
    INFO(p);
    CHECK(std::find(names.begin(), names.end(), p) != names.end());
    const PreprocessConfig c = load_preset(p);
    CHECK(c.name == p);
    CHECK(c.description.size() > 20);
    CHECK(c.source == (kConfigs / (std::string(p) + ".json")).string());
    CHECK(static_cast<int>(c.mean.size()) == c.channels());
    CHECK(!summary(c).empty());
  }
  const Error e = expect_error([] { load_preset("imagenet-244"); });
  CHECK(e.code() == ExitCode::kBadInput);
  CHECK_THAT(e.what(), Catch::Contains("imagenet-244") && Catch::Contains("imagenet-224, mnist-28"));

  TempDir tmp("presetdir");
  write_file(tmp.path / "mine.json", R"({"width": 8, "height": 8})");
  ::setenv("FXQ_CONFIG_DIR", tmp.path.c_str(), 1);
  CHECK(config_dir() == tmp.path.string());
  CHECK(list_presets() == std::vector<std::string>{"mine"});
  const PreprocessConfig mine = load_preset("mine");
  CHECK(mine.name == "mine");
  CHECK(mine.mean == std::vector<double>{0, 0, 0});
  CHECK(mine.std == std::vector<double>{1, 1, 1});
  if (old)
    ::setenv("FXQ_CONFIG_DIR", saved.c_str(), 1);
  else
    ::unsetenv("FXQ_CONFIG_DIR");
}

TEST_CASE("config errors name the file, on one line", "[data]") {
  TempDir tmp("cfgerr");
  const std::string ok = R"("width": 32, "height": 32, "resize": "none")";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{ \"width\": 3,,\n \"height\": 3 }", "invalid JSON"},
      {"[1, 2]", "JSON object"},
      {"{" + ok + R"(, "layout": "XYZ"})", "'layout' has unknown value \"XYZ\" (allowed: nchw, nhwc)"},
      {"{" + ok + R"(, "color": "rgba"})", "'color' has unknown value"},
      {"{" + ok + R"(, "mean": [0.5, 0.5]})", "'mean' must have 3 value(s)"},
      {"{" + ok + R"(, "color": "gray", "std": [1, 1, 1]})", "'std' must have 1 value(s)"},
      {"{" + ok + R"(, "std": [1, 0, 1]})", "non-zero"},
      {"{" + ok + R"(, "layot": "nchw"})", "unknown field 'layot'"},
      {R"({"width": "32", "height": 32})", "'width' must be an integer"},
      {R"({"width": 32})", "'width' and 'height' are required"},
      {R"({"width": 32, "height": 32, "resize": "shorter-side-center-crop"})", "'shorter_side'"},
      {R"({"width": 32, "height": 32, "shorter_side": 40})", "'shorter_side' is only used"},
      {"{" + ok + R"(, "interpolation": "area"})", "'interpolation' is not used"},
      {R"({"width": 32, "height": 32, "pad_value": 114})", "only used with \"resize\": \"letterbox\""},
      {R"({"width": 32, "height": 32, "resize": "letterbox", "pad_value": 300})", "'pad_value'"},
      {"{" + ok + R"(, "scale": "1/0"})", "'scale'"},
      {"{" + ok + R"(, "scale": -1})", "'scale'"},
      {"{" + ok + R"(, "letterbox_center": 1})", "'letterbox_center' must be true or false"},
  };
  const std::string path = (tmp.path / "bad.json").string();
  for (const auto& [content, what] : cases) {
    INFO(content);
    write_file(path, content);
    const Error e = expect_error([&] { load_config_file(path); });
    CHECK(e.code() == ExitCode::kBadInput);
    CHECK_THAT(e.what(), Catch::StartsWith(path + ": ") && Catch::Contains(what));
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
  const Error e = expect_error([&] { load_config_file((tmp.path / "missing.json").string()); });
  CHECK(e.code() == ExitCode::kBadInput);

  // The example of configs/README.md parses, with its fraction scale.
  write_file(path, R"({"name": "my-model", "description": "d", "color": "RGB", "width": 320, "height": 320,
    "resize": "stretch", "interpolation": "linear", "scale": "1/127.5", "mean": [1, 1, 1], "std": [1, 1, 1],
    "layout": "nhwc"})");
  const PreprocessConfig c = load_config_file(path);
  CHECK(c.name == "my-model");
  CHECK(c.scale == 1 / 127.5);
  CHECK(c.layout == Layout::kNHWC);
  CHECK(c.color == ColorOrder::kRGB);
  CHECK(c.source == path);

  PreprocessConfig in_code;
  in_code.name = "from-flags";
  in_code.width = 4;
  in_code.height = 4;
  in_code.mean = {0};
  const Error v = expect_error([&] { validate_config(in_code); });
  CHECK_THAT(v.what(), Catch::StartsWith("config 'from-flags': 'mean' must have 3"));
}
