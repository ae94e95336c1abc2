// The flags `fxq quantize` and `fxq sweep` share (calibration, evaluation, preprocessing, formats,
// weight methods, search), declared once so that both commands take them with the same meaning.
#pragma once
#include <CLI/CLI.hpp>
#include <string>

#include "quant/quantize.h"

namespace fxq::cli {

struct QuantizeFlags {
  quant::QuantizeOptions q;
  std::string preset, config;
  bool no_upstream = false;
  std::string qdq_style = "ort";
  std::string methods = "nearest";
};

// --calib, --preset/--config, --wbits/--abits, --per-channel, --method, --no-upstream,
// --search-images, --calib-limit, --observer, --eval, --labels, --allow-overlap, --eval-split,
// --profile-images, --qdq-style, -q. `bits_help` says what --wbits/--abits mean for the command.
void add_shared_quantize_flags(CLI::App* sub, QuantizeFlags& f, const std::string& bits_help);

// After parsing: the preprocessing config, the method list, the QDQ style (usage errors as Error).
void resolve_shared_quantize_flags(QuantizeFlags& f);

}  // namespace fxq::cli
