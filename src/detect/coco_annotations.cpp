#include "detect/coco_annotations.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/error.h"

namespace fxq::detect {
namespace {
using nlohmann::json;

std::string item(const char* array, size_t k) { return std::string(array) + "[" + std::to_string(k) + "]"; }

const json& field(const json& obj, const std::string& where, const char* name) {
  if (!obj.is_object()) fail_input(where + " must be a JSON object");
  if (!obj.contains(name)) fail_input(where + " has no '" + name + "'");
  return obj.at(name);
}

int64_t integer_field(const json& obj, const std::string& where, const char* name) {
  const json& v = field(obj, where, name);
  if (!v.is_number_integer()) fail_input(where + "." + name + " must be an integer, got " + v.dump());
  return v.get<int64_t>();
}

std::string string_field(const json& obj, const std::string& where, const char* name) {
  const json& v = field(obj, where, name);
  if (!v.is_string()) fail_input(where + "." + name + " must be a string, got " + v.dump());
  return v.get<std::string>();
}

const json& array_field(const json& top, const char* name) {
  if (!top.contains(name)) fail_input("no '" + std::string(name) + "' array (a COCO instances file has images, annotations, categories)");
  const json& v = top.at(name);
  if (!v.is_array()) fail_input("'" + std::string(name) + "' must be an array");
  return v;
}

json parse_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_input("cannot open annotations file");
  try {
    return json::parse(in);
  } catch (const json::parse_error& e) {
    std::string m = e.what();
    const size_t p = m.find("] ");  // drop nlohmann's "[json.exception.parse_error.101] " prefix
    if (m.rfind("[json.exception", 0) == 0 && p != std::string::npos) m = m.substr(p + 2);
    for (char& ch : m)
      if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';  // the message must stay on one line
    fail_input("invalid JSON: " + m);
  }
}

CocoAnnotations parse(const json& top) {
  if (!top.is_object()) fail_input("the top level must be a JSON object");
  CocoAnnotations a;
  const json& cats = array_field(top, "categories");
  if (cats.empty()) fail_input("'categories' is empty");
  for (size_t k = 0; k < cats.size(); ++k)
    a.categories.push_back({integer_field(cats[k], item("categories", k), "id"), string_field(cats[k], item("categories", k), "name")});
  std::sort(a.categories.begin(), a.categories.end(), [](const CocoCategory& x, const CocoCategory& y) { return x.id < y.id; });
  std::map<int64_t, int> cls_of;
  for (size_t c = 0; c < a.categories.size(); ++c)
    if (!cls_of.emplace(a.categories[c].id, static_cast<int>(c)).second)
      fail_input("category id " + std::to_string(a.categories[c].id) + " appears twice in 'categories'");

  const json& imgs = array_field(top, "images");
  std::map<int64_t, size_t> index_of;
  std::set<std::string> names;
  for (size_t k = 0; k < imgs.size(); ++k) {
    const std::string where = item("images", k);
    CocoImage im;
    im.id = integer_field(imgs[k], where, "id");
    im.file_name = string_field(imgs[k], where, "file_name");
    for (const char* dim : {"width", "height"})
      if (imgs[k].contains(dim)) {
        const int64_t v = integer_field(imgs[k], where, dim);
        if (v < 0 || v > 1000000) fail_input(where + "." + dim + " must be in 0..1000000, got " + std::to_string(v));
        (dim[0] == 'w' ? im.width : im.height) = static_cast<int>(v);
      }
    if (!index_of.emplace(im.id, a.images.size()).second)
      fail_input(where + ": image id " + std::to_string(im.id) + " appears twice");
    if (!names.insert(im.file_name).second) fail_input(where + ": file_name '" + im.file_name + "' appears twice");
    a.images.push_back(std::move(im));
  }

  const json& anns = array_field(top, "annotations");
  for (size_t k = 0; k < anns.size(); ++k) {
    const std::string where = item("annotations", k);
    const int64_t image_id = integer_field(anns[k], where, "image_id");
    const int64_t category_id = integer_field(anns[k], where, "category_id");
    const json& bbox = field(anns[k], where, "bbox");
    if (!bbox.is_array() || bbox.size() != 4) fail_input(where + ".bbox must be [x, y, width, height], got " + bbox.dump());
    double b[4];
    for (size_t i = 0; i < 4; ++i) {
      if (!bbox[i].is_number() || !std::isfinite(bbox[i].get<double>()))
        fail_input(where + ".bbox must hold 4 finite numbers, got " + bbox.dump());
      b[i] = bbox[i].get<double>();
    }
    if (b[2] < 0 || b[3] < 0) fail_input(where + ".bbox has a negative width or height: " + bbox.dump());
    bool crowd = false;
    if (anns[k].contains("iscrowd")) {
      const json& c = anns[k].at("iscrowd");
      if (c.is_boolean()) crowd = c.get<bool>();
      else if (c.is_number_integer() && (c.get<int64_t>() == 0 || c.get<int64_t>() == 1)) crowd = c.get<int64_t>() == 1;
      else fail_input(where + ".iscrowd must be 0 or 1, got " + c.dump());
    }
    const auto img = index_of.find(image_id);
    if (img == index_of.end()) fail_input(where + ": image_id " + std::to_string(image_id) + " is not in 'images'");
    const auto cls = cls_of.find(category_id);
    if (cls == cls_of.end()) fail_input(where + ": category_id " + std::to_string(category_id) + " is not in 'categories'");
    a.images[img->second].objects.push_back({{b[0], b[1], b[0] + b[2], b[1] + b[3]}, cls->second, crowd});
  }
  return a;
}

std::string base_name(const std::string& p) {
  const size_t s = p.find_last_of('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

}  // namespace

size_t CocoAnnotations::crowd_count() const {
  size_t n = 0;
  for (const auto& im : images)
    for (const auto& g : im.objects) n += g.crowd;
  return n;
}

size_t CocoAnnotations::object_count() const {
  size_t n = 0;
  for (const auto& im : images)
    for (const auto& g : im.objects) n += !g.crowd;
  return n;
}

CocoAnnotations load_coco_annotations(const std::string& path) {
  try {
    CocoAnnotations a = parse(parse_json_file(path));
    a.source = path;
    return a;
  } catch (const Error& e) {
    throw e.with_context(path);
  }
}

std::vector<std::pair<data::ImageEntry, size_t>> match_annotated_images(
    const std::vector<data::ImageEntry>& images, const CocoAnnotations& ann,
    const std::function<void(const std::string&)>& warn) {
  std::map<std::string, size_t> by_rel;
  std::map<std::string, std::vector<size_t>> by_base;
  for (size_t k = 0; k < images.size(); ++k) {
    by_rel[images[k].rel] = k;
    by_base[base_name(images[k].rel)].push_back(k);
  }
  std::vector<long> annotation_of(images.size(), -1);
  size_t missing = 0;
  for (size_t a = 0; a < ann.images.size(); ++a) {
    std::string name = ann.images[a].file_name;
    if (name.rfind("./", 0) == 0) name = name.substr(2);
    long found = -1;
    if (auto it = by_rel.find(name); it != by_rel.end()) found = static_cast<long>(it->second);
    else if (auto b = by_base.find(base_name(name)); b != by_base.end() && b->second.size() == 1)
      found = static_cast<long>(b->second[0]);
    if (found < 0 || annotation_of[static_cast<size_t>(found)] >= 0) {
      ++missing;
      continue;
    }
    annotation_of[static_cast<size_t>(found)] = static_cast<long>(a);
  }
  std::vector<std::pair<data::ImageEntry, size_t>> r;
  for (size_t k = 0; k < images.size(); ++k)
    if (annotation_of[k] >= 0) r.emplace_back(images[k], static_cast<size_t>(annotation_of[k]));
  if (r.empty())
    fail_input(ann.source + ": none of its " + std::to_string(ann.images.size()) + " images is among the " +
               std::to_string(images.size()) + " images of the folder (matched by file_name)");
  if (r.size() < images.size())
    warn(std::to_string(images.size() - r.size()) + " image(s) of the folder are not in " + ann.source + ", skipped");
  if (missing)
    warn(std::to_string(missing) + " image(s) of " + ann.source +
         " are not in the folder; their objects are left out of the evaluation");
  return r;
}

}  // namespace fxq::detect
