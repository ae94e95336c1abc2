// PreprocessConfig: how one image becomes a network input (colour order, size, resize policy, normalisation,
// layout), read from a JSON preset (configs/<name>.json, format in configs/README.md). A detector's preset
// also says how its outputs become boxes ("task": "detect" and a "detect" section, docs/detection.md).
#pragma once
#include <string>
#include <vector>

#include "detect/detect_config.h"

namespace fxq::data {

enum class ColorOrder { kRGB, kBGR, kGray };
enum class ResizePolicy { kNone, kStretch, kShorterSideCenterCrop, kLetterbox };
enum class Interp { kNearest, kLinear, kArea, kCubic };
enum class Layout { kNCHW, kNHWC };
enum class Task { kClassify, kDetect };

struct PreprocessConfig {
  std::string name, description, source;  // source = the file it was read from ("" if built in code)
  ColorOrder color = ColorOrder::kRGB;
  int width = 0, height = 0;              // network input size
  ResizePolicy resize = ResizePolicy::kStretch;
  int shorter_side = 0;                   // kShorterSideCenterCrop: resize short side to this, then centre-crop
  Interp interpolation = Interp::kLinear;
  float pad_value = 0;                    // kLetterbox fill (same value in every channel; integer 0..255)
  bool letterbox_center = false;          // kLetterbox: false = paste top-left (YOLOX), true = centred (NanoDet)
  double scale = 1.0;                     // x = (p * scale - mean[c]) / std[c], c in the output channel order
  std::vector<double> mean, std;          // size = channels (3, or 1 for gray)
  Layout layout = Layout::kNCHW;
  Task task = Task::kClassify;            // "task"; kDetect needs the "detect" section
  detect::DetectConfig detect;            // kDetect only
  bool is_detector() const { return task == Task::kDetect; }
  int channels() const { return color == ColorOrder::kGray ? 1 : 3; }
};

// JSON config; any problem -> fail_input("<path>: <problem>") on one line. Unknown fields are errors.
PreprocessConfig load_config_file(const std::string& path);
// <config_dir()>/<name>.json; an unknown name -> fail_input listing the known presets.
PreprocessConfig load_preset(const std::string& name);
std::vector<std::string> list_presets();  // sorted preset names (file stems) in config_dir()
std::string config_dir();                 // env FXQ_CONFIG_DIR if set and non-empty, else FXQ_DEFAULT_CONFIG_DIR

// Consistency checks (sizes, mean/std length, fields that only some policies use); load_config_file runs them.
// Call it after changing a config in code (e.g. from CLI flags). Throws fail_input("<source or name>: ...").
void validate_config(const PreprocessConfig& cfg);

// The spelling of each enum value in config files ("rgb", "shorter-side-center-crop", "area", "nchw", ...).
const char* to_string(ColorOrder v);
const char* to_string(ResizePolicy v);
const char* to_string(Interp v);
const char* to_string(Layout v);
const char* to_string(Task v);
// Parse one spelling (case-insensitive); false if unknown. allowed_*() list the spellings for messages.
bool parse_color(const std::string& s, ColorOrder* out);
bool parse_resize(const std::string& s, ResizePolicy* out);
bool parse_interp(const std::string& s, Interp* out);
bool parse_layout(const std::string& s, Layout* out);
std::string allowed_colors();
std::string allowed_resizes();
std::string allowed_interps();
std::string allowed_layouts();

// One line for logs and reports: "imagenet-224: rgb 224x224 shorter-side-center-crop(256) linear ...".
std::string summary(const PreprocessConfig& cfg);

}  // namespace fxq::data
