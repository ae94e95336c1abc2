// Decoders: a detector's raw output tensors -> candidate detections in network-input pixels (before NMS).
// One file per layout (decode_<layout>.cpp), registered in ONE table (layout_table.cpp): parsing, the
// error messages, docs/detection.md and the tests that loop over layouts all read it.
#pragma once
#include <string>
#include <vector>

#include "detect/box.h"
#include "detect/detect_config.h"
#include "ir/tensor.h"

namespace fxq::detect {

// The graph outputs of one image (batch dim 1), in graph-output order, with their names for messages.
struct RawOutputs {
  std::vector<const Tensor*> tensors;
  std::vector<std::string> names;
  std::string describe() const;  // "'output' [1,3549,85], ..."
};

struct DecodeInput {
  const DetectConfig& cfg;
  int input_w, input_h;  // the network input size (grids are ceil(input / stride))
  const RawOutputs& outputs;
};

// Appends every candidate with score > cfg.score_threshold, in the layout's natural order (level, cell,
// anchor, class): NMS breaks score ties by this order, as the reference does. Outputs whose shapes do not
// fit the config -> fail_input naming the layout, what it expected and what the model gave.
using DecodeFn = void (*)(const DecodeInput& in, std::vector<Detection>* out);
// The layout's own config rules (e.g. anchors required), beyond the field checks: fail_input.
using CheckFn = void (*)(const DetectConfig& cfg);

struct LayoutDef {
  const char* name;     // the "layout" value in a config
  const char* summary;  // one line: what outputs it reads
  DecodeFn decode;
  CheckFn check;
};

const std::vector<LayoutDef>& layouts();
const LayoutDef* find_layout(const std::string& name);  // nullptr if unknown
std::string layout_names();                             // "yolox, nanodet, yolo-anchors, yolov8"

// Decodes with the config's layout.
std::vector<Detection> decode(const DetectConfig& cfg, int input_w, int input_h, const RawOutputs& outputs);

}  // namespace fxq::detect
