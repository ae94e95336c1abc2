#include "cli_common.h"

#include <iostream>
#include <sstream>

#include "common/error.h"

namespace fxq::cli {

void warn(const std::string& msg) { std::cerr << "fxq: warning: " << msg << "\n"; }

data::PreprocessConfig choose_preprocessing(const std::string& preset, const std::string& config) {
  if (!preset.empty() && !config.empty()) fail(ExitCode::kUsage, "give either --preset or --config, not both");
  if (!config.empty()) return data::load_config_file(config);
  if (!preset.empty()) return data::load_preset(preset);
  std::string names;
  for (const auto& p : data::list_presets()) names += (names.empty() ? "" : ", ") + p;
  fail(ExitCode::kUsage, "say how to preprocess the images: --preset NAME (" + names + ") or --config FILE");
}

Shape parse_shape(const std::string& text) {
  Shape s;
  std::stringstream ss(text);
  std::string tok;
  while (std::getline(ss, tok, 'x')) {
    try {
      size_t used = 0;
      const long long v = std::stoll(tok, &used);
      if (used != tok.size() || v <= 0) throw std::invalid_argument(tok);
      s.push_back(v);
    } catch (const std::exception&) {
      fail(ExitCode::kUsage, "bad shape '" + text + "': write it like 1x3x224x224");
    }
  }
  if (s.empty()) fail(ExitCode::kUsage, "bad shape '" + text + "': write it like 1x3x224x224");
  return s;
}

}  // namespace fxq::cli
