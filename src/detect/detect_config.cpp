#include "detect/detect_config.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "detect/decoder.h"

namespace fxq::detect {
namespace {
using nlohmann::json;

// The spelling of each enum value in config files; parsing, printing and messages use these tables.
template <typename E>
struct Named {
  E value;
  const char* name;
};
constexpr Named<ScoreActivation> kActivations[] = {
    {ScoreActivation::kNone, "none"}, {ScoreActivation::kSigmoid, "sigmoid"}, {ScoreActivation::kSoftmax, "softmax"}};
constexpr Named<BoxEncoding> kEncodings[] = {
    {BoxEncoding::kExp, "exp"}, {BoxEncoding::kV5, "v5"}, {BoxEncoding::kDecoded, "decoded"}};
constexpr Named<AnchorPoint> kAnchorPoints[] = {
    {AnchorPoint::kCorner, "corner"}, {AnchorPoint::kCenter, "center"}, {AnchorPoint::kCenterPixel, "center-pixel"}};

template <typename E, size_t N>
const char* name_of(const Named<E> (&table)[N], E v) {
  for (const auto& e : table)
    if (e.value == v) return e.name;
  return "?";
}

// The fields of the "detect" object, in the order configs/README.md documents them.
const char* const kFields[] = {"layout",         "num_classes",   "strides",         "anchors",
                               "box_encoding",   "score_activation", "anchor_point", "score_threshold",
                               "pre_nms_top_k",  "nms_iou",       "max_detections"};

[[noreturn]] void bad(const std::string& field, const std::string& what) {
  fail_input("'detect." + field + "' " + what);
}

int integer(const json& j, const char* f, int lo, int hi) {
  const json& v = j.at(f);
  if (!v.is_number_integer()) bad(f, "must be an integer");
  const int64_t k = v.get<int64_t>();
  if (k < lo || k > hi) bad(f, "must be in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + std::to_string(k));
  return static_cast<int>(k);
}

double number(const json& j, const char* f) {
  const json& v = j.at(f);
  if (!v.is_number()) bad(f, "must be a number");
  return v.get<double>();
}

template <typename E, size_t N>
E choice(const json& j, const char* f, const Named<E> (&table)[N]) {
  const json& v = j.at(f);
  std::string names;
  for (const auto& e : table) names += std::string(names.empty() ? "" : ", ") + e.name;
  if (!v.is_string()) bad(f, "must be a string (one of: " + names + ")");
  const std::string s = v.get<std::string>();
  for (const auto& e : table)
    if (s == e.name) return e.value;
  bad(f, "has unknown value \"" + s + "\" (allowed: " + names + ")");
}

std::vector<double> anchor_level(const json& v, size_t level) {
  const std::string where = "level " + std::to_string(level);
  if (!v.is_array() || v.empty() || v.size() % 2 != 0)
    bad("anchors", "must be one array per level of w,h pairs, e.g. [[10,13, 16,30, 33,23], ...]; " + where +
                       " is not a non-empty array of an even number of values");
  std::vector<double> r;
  for (const json& x : v) {
    if (!x.is_number() || !(x.get<double>() > 0) || !std::isfinite(x.get<double>()))
      bad("anchors", "values must be finite numbers > 0 (pixels of the network input); " + where + " has " + x.dump());
    r.push_back(x.get<double>());
  }
  return r;
}

}  // namespace

const char* to_string(ScoreActivation v) { return name_of(kActivations, v); }
const char* to_string(BoxEncoding v) { return name_of(kEncodings, v); }
const char* to_string(AnchorPoint v) { return name_of(kAnchorPoints, v); }

void field_not_used(bool present, const char* field, const DetectConfig& c) {
  if (present) fail_input("'detect." + std::string(field) + "' is not used by layout '" + c.layout + "'");
}

void field_required(bool present, const char* field, const DetectConfig& c, const std::string& hint) {
  if (!present) fail_input("'detect." + std::string(field) + "' is required by layout '" + c.layout + "' (" + hint + ")");
}

DetectConfig parse_detect_config(const json& j) {
  if (!j.is_object()) fail_input("'detect' must be a JSON object");
  for (const auto& item : j.items())
    if (std::find_if(std::begin(kFields), std::end(kFields), [&](const char* f) { return item.key() == f; }) ==
        std::end(kFields)) {
      std::string known;
      for (const char* f : kFields) known += std::string(known.empty() ? "" : ", ") + f;
      fail_input("unknown field 'detect." + item.key() + "' (known fields: " + known + ")");
    }
  DetectConfig c;
  for (const char* f : {"layout", "num_classes", "strides"})
    if (!j.contains(f)) bad(f, "is required");
  const json& layout = j.at("layout");
  if (!layout.is_string()) bad("layout", "must be a string (one of: " + layout_names() + ")");
  c.layout = layout.get<std::string>();
  if (!find_layout(c.layout)) bad("layout", "has unknown value \"" + c.layout + "\" (allowed: " + layout_names() + ")");
  c.num_classes = integer(j, "num_classes", 1, 100000);
  const json& strides = j.at("strides");
  if (!strides.is_array() || strides.empty()) bad("strides", "must be a non-empty array of integers, e.g. [8, 16, 32]");
  for (const json& s : strides) {
    if (!s.is_number_integer() || s.get<int64_t>() < 1 || s.get<int64_t>() > 4096)
      bad("strides", "values must be integers in 1..4096, got " + s.dump());
    c.strides.push_back(static_cast<int>(s.get<int64_t>()));
  }
  if (j.contains("anchors")) {
    const json& a = j.at("anchors");
    if (!a.is_array() || a.empty()) bad("anchors", "must be one array per level of w,h pairs, e.g. [[10,13, 16,30, 33,23], ...]");
    for (size_t l = 0; l < a.size(); ++l) c.anchors.push_back(anchor_level(a[l], l));
  }
  if ((c.has_box_encoding = j.contains("box_encoding"))) c.box_encoding = choice(j, "box_encoding", kEncodings);
  if ((c.has_score_activation = j.contains("score_activation")))
    c.score_activation = choice(j, "score_activation", kActivations);
  if ((c.has_anchor_point = j.contains("anchor_point"))) c.anchor_point = choice(j, "anchor_point", kAnchorPoints);
  if (j.contains("score_threshold")) c.score_threshold = number(j, "score_threshold");
  if (j.contains("nms_iou")) c.nms_iou = number(j, "nms_iou");
  if (j.contains("pre_nms_top_k")) c.pre_nms_top_k = integer(j, "pre_nms_top_k", 1, 1000000);
  if (j.contains("max_detections")) c.max_detections = integer(j, "max_detections", 1, 1000000);
  check_detect_config(c);
  return c;
}

void check_detect_config(const DetectConfig& c) {
  const LayoutDef* l = find_layout(c.layout);
  if (!l) bad("layout", "has unknown value \"" + c.layout + "\" (allowed: " + layout_names() + ")");
  if (c.num_classes < 1) bad("num_classes", "must be >= 1");
  if (c.strides.empty()) bad("strides", "must be a non-empty array of integers, e.g. [8, 16, 32]");
  for (int s : c.strides)
    if (s < 1) bad("strides", "values must be >= 1");
  if (!(c.score_threshold >= 0 && c.score_threshold < 1)) bad("score_threshold", "must be in [0, 1)");
  if (!(c.nms_iou > 0 && c.nms_iou <= 1)) bad("nms_iou", "must be in (0, 1] (1 keeps every box)");
  if (c.pre_nms_top_k < 1) bad("pre_nms_top_k", "must be >= 1");
  if (c.max_detections < 1) bad("max_detections", "must be >= 1");
  l->check(c);
}

std::string summary(const DetectConfig& c) {
  char buf[160];
  std::snprintf(buf, sizeof buf, ", score > %g, top %d, NMS IoU %g, %d per image", c.score_threshold, c.pre_nms_top_k,
                c.nms_iou, c.max_detections);
  std::string strides;
  for (int s : c.strides) strides += (strides.empty() ? "" : "/") + std::to_string(s);
  return c.layout + ", " + std::to_string(c.num_classes) + " classes, strides " + strides + buf;
}

}  // namespace fxq::detect
