// The one table of detector output layouts. Adding a layout: write decode_<name>.cpp ending with
// `extern const LayoutDef kLayout_<name>{...}`, add it here, document it in docs/detection.md.
#include "common/error.h"
#include "detect/decoder.h"

namespace fxq::detect {

extern const LayoutDef kLayout_yolox;
extern const LayoutDef kLayout_nanodet;
extern const LayoutDef kLayout_yolo_anchors;
extern const LayoutDef kLayout_yolov8;

const std::vector<LayoutDef>& layouts() {
  static const std::vector<LayoutDef> table = {kLayout_yolox, kLayout_nanodet, kLayout_yolo_anchors, kLayout_yolov8};
  return table;
}

const LayoutDef* find_layout(const std::string& name) {
  for (const auto& l : layouts())
    if (name == l.name) return &l;
  return nullptr;
}

std::string layout_names() {
  std::string r;
  for (const auto& l : layouts()) r += std::string(r.empty() ? "" : ", ") + l.name;
  return r;
}

std::string RawOutputs::describe() const {
  std::string r;
  for (size_t k = 0; k < tensors.size(); ++k)
    r += std::string(k ? ", " : "") + "'" + (k < names.size() ? names[k] : std::to_string(k)) + "' " +
         shape_str(tensors[k]->shape);
  return r.empty() ? "none" : r;
}

std::vector<Detection> decode(const DetectConfig& cfg, int input_w, int input_h, const RawOutputs& outputs) {
  const LayoutDef* l = find_layout(cfg.layout);
  if (!l) fail_input("unknown detection layout '" + cfg.layout + "' (known: " + layout_names() + ")");
  for (size_t k = 0; k < outputs.tensors.size(); ++k)
    if (!outputs.tensors[k]->is_float())
      fail_input("layout '" + cfg.layout + "' needs float outputs, but '" + outputs.names[k] + "' is " +
                 dtype_name(outputs.tensors[k]->dtype));
  std::vector<Detection> out;
  l->decode({cfg, input_w, input_h, outputs}, &out);
  return out;
}

}  // namespace fxq::detect
