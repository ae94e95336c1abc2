#include "data/preprocess_config.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace fxq::data {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// One table per enum: the config-file spelling of each value. Parsing, printing and messages use it.
template <typename E>
struct EnumName {
  E value;
  const char* name;
};
constexpr EnumName<ColorOrder> kColors[] = {{ColorOrder::kRGB, "rgb"}, {ColorOrder::kBGR, "bgr"},
                                            {ColorOrder::kGray, "gray"}};
constexpr EnumName<ResizePolicy> kResizes[] = {{ResizePolicy::kNone, "none"},
                                               {ResizePolicy::kStretch, "stretch"},
                                               {ResizePolicy::kShorterSideCenterCrop, "shorter-side-center-crop"},
                                               {ResizePolicy::kLetterbox, "letterbox"}};
constexpr EnumName<Interp> kInterps[] = {{Interp::kNearest, "nearest"}, {Interp::kLinear, "linear"},
                                         {Interp::kArea, "area"}, {Interp::kCubic, "cubic"}};
constexpr EnumName<Layout> kLayouts[] = {{Layout::kNCHW, "nchw"}, {Layout::kNHWC, "nhwc"}};
constexpr EnumName<Task> kTasks[] = {{Task::kClassify, "classify"}, {Task::kDetect, "detect"}};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

template <typename E, size_t N>
const char* name_in(const EnumName<E> (&table)[N], E v) {
  for (const auto& e : table)
    if (e.value == v) return e.name;
  return "?";
}

template <typename E, size_t N>
bool parse_in(const EnumName<E> (&table)[N], const std::string& s, E* out) {
  const std::string l = lower(s);
  for (const auto& e : table)
    if (l == e.name) {
      *out = e.value;
      return true;
    }
  return false;
}

template <typename E, size_t N>
std::string names_in(const EnumName<E> (&table)[N]) {
  std::string r;
  for (const auto& e : table) r += std::string(r.empty() ? "" : ", ") + e.name;
  return r;
}

// The fields a config file may hold, in the order README.md documents them.
const char* const kFields[] = {"name",          "description",  "color",      "width",
                               "height",        "resize",       "shorter_side", "interpolation",
                               "pad_value",     "letterbox_center", "scale",  "mean",
                               "std",           "layout",       "task",       "detect"};

std::string known_fields() {
  std::string r;
  for (const char* f : kFields) r += std::string(r.empty() ? "" : ", ") + f;
  return r;
}

// Typed access to the fields of one JSON object; a wrong type is fail_input("'<field>' must be ...").
struct Reader {
  const json& obj;

  [[noreturn]] void bad(const std::string& field, const std::string& what) const {
    fail_input("'" + field + "' " + what);
  }
  bool has(const char* f) const { return obj.contains(f); }
  std::string str(const char* f) const {
    const json& v = obj.at(f);
    if (!v.is_string()) bad(f, "must be a string");
    return v.get<std::string>();
  }
  int integer(const char* f) const {
    const json& v = obj.at(f);
    if (!v.is_number_integer()) bad(f, "must be an integer");
    const int64_t k = v.get<int64_t>();
    if (k < 0 || k > 65536) bad(f, "must be in 0..65536, got " + std::to_string(k));
    return static_cast<int>(k);
  }
  double number(const char* f) const {
    const json& v = obj.at(f);
    if (!v.is_number()) bad(f, "must be a number");
    return v.get<double>();
  }
  bool boolean(const char* f) const {
    const json& v = obj.at(f);
    if (!v.is_boolean()) bad(f, "must be true or false");
    return v.get<bool>();
  }
  std::vector<double> numbers(const char* f) const {
    const json& v = obj.at(f);
    if (!v.is_array()) bad(f, "must be an array of numbers");
    std::vector<double> r;
    for (const json& x : v) {
      if (!x.is_number()) bad(f, "must be an array of numbers");
      r.push_back(x.get<double>());
    }
    return r;
  }
  // "scale": a number, or a string "a/b" (e.g. "1/255") read as a / b.
  double fraction(const char* f) const {
    const json& v = obj.at(f);
    if (v.is_number()) return v.get<double>();
    if (!v.is_string()) bad(f, "must be a number or a fraction string such as \"1/255\"");
    const std::string s = v.get<std::string>();
    const size_t slash = s.find('/');
    try {
      size_t used = 0;
      const std::string a = s.substr(0, slash);
      const double num = std::stod(a, &used);
      if (used != a.size()) throw std::invalid_argument(s);
      if (slash == std::string::npos) return num;
      const std::string b = s.substr(slash + 1);
      const double den = std::stod(b, &used);
      if (used != b.size() || den == 0) throw std::invalid_argument(s);
      return num / den;
    } catch (const std::exception&) {
      bad(f, "must be a number or a fraction string such as \"1/255\", got \"" + s + "\"");
    }
  }
  template <typename E, size_t N>
  E choice(const char* f, const EnumName<E> (&table)[N]) const {
    const std::string s = str(f);
    E e{};
    if (!parse_in(table, s, &e)) bad(f, "has unknown value \"" + s + "\" (allowed: " + names_in(table) + ")");
    return e;
  }
};

PreprocessConfig parse_config(const json& j, const std::string& path) {
  if (!j.is_object()) fail_input("the top level must be a JSON object");
  for (const auto& item : j.items()) {
    const std::string& k = item.key();
    if (std::find_if(std::begin(kFields), std::end(kFields), [&](const char* f) { return k == f; }) ==
        std::end(kFields))
      fail_input("unknown field '" + k + "' (known fields: " + known_fields() + ")");
  }
  const Reader r{j};
  PreprocessConfig c;
  c.source = path;
  c.name = r.has("name") ? r.str("name") : fs::path(path).stem().string();
  if (r.has("description")) c.description = r.str("description");
  if (r.has("color")) c.color = r.choice("color", kColors);
  if (!r.has("width") || !r.has("height")) fail_input("'width' and 'height' are required");
  c.width = r.integer("width");
  c.height = r.integer("height");
  if (r.has("resize")) c.resize = r.choice("resize", kResizes);
  if (r.has("shorter_side")) c.shorter_side = r.integer("shorter_side");
  if (r.has("interpolation")) {
    if (c.resize == ResizePolicy::kNone) fail_input("'interpolation' is not used with \"resize\": \"none\"");
    c.interpolation = r.choice("interpolation", kInterps);
  }
  if (r.has("pad_value")) c.pad_value = static_cast<float>(r.number("pad_value"));
  if (r.has("letterbox_center")) c.letterbox_center = r.boolean("letterbox_center");
  if (r.has("scale")) c.scale = r.fraction("scale");
  c.mean = r.has("mean") ? r.numbers("mean") : std::vector<double>(static_cast<size_t>(c.channels()), 0.0);
  c.std = r.has("std") ? r.numbers("std") : std::vector<double>(static_cast<size_t>(c.channels()), 1.0);
  if (r.has("layout")) c.layout = r.choice("layout", kLayouts);
  if (r.has("task")) c.task = r.choice("task", kTasks);
  if (c.task == Task::kDetect && !r.has("detect"))
    fail_input("\"task\": \"detect\" needs a 'detect' section (layout, num_classes, strides, ...; see docs/detection.md)");
  if (r.has("detect")) {
    if (c.task != Task::kDetect) fail_input("a 'detect' section needs \"task\": \"detect\"");
    c.detect = detect::parse_detect_config(j.at("detect"));
  }
  return c;
}

std::string vec_str(const std::vector<double>& v) {
  std::string r = "[";
  for (size_t k = 0; k < v.size(); ++k) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.6g", k ? "," : "", v[k]);
    r += buf;
  }
  return r + "]";
}

}  // namespace

const char* to_string(ColorOrder v) { return name_in(kColors, v); }
const char* to_string(ResizePolicy v) { return name_in(kResizes, v); }
const char* to_string(Interp v) { return name_in(kInterps, v); }
const char* to_string(Layout v) { return name_in(kLayouts, v); }
const char* to_string(Task v) { return name_in(kTasks, v); }
bool parse_color(const std::string& s, ColorOrder* out) { return parse_in(kColors, s, out); }
bool parse_resize(const std::string& s, ResizePolicy* out) { return parse_in(kResizes, s, out); }
bool parse_interp(const std::string& s, Interp* out) { return parse_in(kInterps, s, out); }
bool parse_layout(const std::string& s, Layout* out) { return parse_in(kLayouts, s, out); }
std::string allowed_colors() { return names_in(kColors); }
std::string allowed_resizes() { return names_in(kResizes); }
std::string allowed_interps() { return names_in(kInterps); }
std::string allowed_layouts() { return names_in(kLayouts); }

namespace {

// The checks of validate_config, without the context prefix.
void check_config(const PreprocessConfig& c) {
  auto bad = [](const std::string& what) { fail_input(what); };
  if (c.width < 1 || c.height < 1 || c.width > 65536 || c.height > 65536)
    bad("'width' and 'height' must be in 1..65536, got " + std::to_string(c.width) + "x" +
        std::to_string(c.height));
  const bool crop = c.resize == ResizePolicy::kShorterSideCenterCrop;
  const bool letterbox = c.resize == ResizePolicy::kLetterbox;
  if (crop && c.shorter_side < std::max(c.width, c.height))
    bad("\"resize\": \"shorter-side-center-crop\" needs 'shorter_side' >= max(width, height) = " +
        std::to_string(std::max(c.width, c.height)) + ", got " + std::to_string(c.shorter_side));
  if (!crop && c.shorter_side != 0) bad("'shorter_side' is only used with \"resize\": \"shorter-side-center-crop\"");
  if (!(c.pad_value >= 0 && c.pad_value <= 255 && c.pad_value == std::floor(c.pad_value)))
    bad("'pad_value' must be an integer in 0..255 (it fills the 8-bit canvas)");
  if (!letterbox && (c.pad_value != 0 || c.letterbox_center))
    bad("'pad_value' and 'letterbox_center' are only used with \"resize\": \"letterbox\"");
  if (!(std::isfinite(c.scale) && c.scale > 0)) bad("'scale' must be a finite number > 0");
  const size_t ch = static_cast<size_t>(c.channels());
  if (!c.mean.empty() && c.mean.size() != ch)
    bad("'mean' must have " + std::to_string(ch) + " value(s) for \"color\": \"" + to_string(c.color) +
        "\", got " + std::to_string(c.mean.size()));
  if (!c.std.empty() && c.std.size() != ch)
    bad("'std' must have " + std::to_string(ch) + " value(s) for \"color\": \"" + to_string(c.color) +
        "\", got " + std::to_string(c.std.size()));
  for (double m : c.mean)
    if (!std::isfinite(m)) bad("'mean' values must be finite");
  for (double s : c.std)
    if (!std::isfinite(s) || s == 0) bad("'std' values must be finite and non-zero");
  if (c.task == Task::kDetect) detect::check_detect_config(c.detect);
}

}  // namespace

void validate_config(const PreprocessConfig& c) {
  try {
    check_config(c);
  } catch (const Error& e) {
    throw e.with_context(!c.source.empty() ? c.source : "config '" + c.name + "'");
  }
}

PreprocessConfig load_config_file(const std::string& path) {
  try {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail_input("cannot open config file");
    json j;
    try {
      j = json::parse(in);
    } catch (const json::parse_error& e) {
      std::string m = e.what();
      const size_t p = m.find("] ");  // drop nlohmann's "[json.exception.parse_error.101] " prefix
      if (m.rfind("[json.exception", 0) == 0 && p != std::string::npos) m = m.substr(p + 2);
      for (char& ch : m)
        if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';  // the message must stay on one line
      fail_input("invalid JSON: " + m);
    }
    PreprocessConfig c = parse_config(j, path);
    check_config(c);
    return c;
  } catch (const Error& e) {
    throw e.with_context(path);
  }
}

std::string config_dir() {
  const char* env = std::getenv("FXQ_CONFIG_DIR");
  if (env && *env) return env;
  return FXQ_DEFAULT_CONFIG_DIR;
}

std::vector<std::string> list_presets() {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(config_dir(), ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".json" && fs::is_regular_file(it->path(), ec))
      names.push_back(it->path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

PreprocessConfig load_preset(const std::string& name) {
  const std::vector<std::string> known = list_presets();
  if (std::find(known.begin(), known.end(), name) == known.end()) {
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    fail_input("unknown preset '" + name + "' (known presets in " + config_dir() + ": " +
               (list.empty() ? "none" : list) + ")");
  }
  return load_config_file((fs::path(config_dir()) / (name + ".json")).string());
}

std::string summary(const PreprocessConfig& c) {
  std::string r = c.name + ": " + to_string(c.color) + " " + std::to_string(c.width) + "x" +
                  std::to_string(c.height) + " " + to_string(c.resize);
  if (c.resize == ResizePolicy::kShorterSideCenterCrop) r += "(" + std::to_string(c.shorter_side) + ")";
  if (c.resize == ResizePolicy::kLetterbox)
    r += std::string("(") + (c.letterbox_center ? "center" : "top-left") + ", pad " +
         std::to_string(static_cast<int>(c.pad_value)) + ")";
  if (c.resize != ResizePolicy::kNone) r += std::string(" ") + to_string(c.interpolation);
  char buf[48];
  std::snprintf(buf, sizeof buf, " scale %.9g", c.scale);
  r += buf;
  r += " mean " + vec_str(c.mean) + " std " + vec_str(c.std) + " " + to_string(c.layout);
  if (c.task == Task::kDetect) r += "; detect: " + detect::summary(c.detect);
  return r;
}

}  // namespace fxq::data
