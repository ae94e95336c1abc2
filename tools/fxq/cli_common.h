// Small helpers shared by the subcommands: warnings, preset/config choice, shapes.
#pragma once
#include <string>

#include "data/preprocess_config.h"
#include "ir/tensor.h"

namespace fxq::cli {

void warn(const std::string& msg);  // "fxq: warning: msg" on stderr
// --preset NAME or --config FILE (exactly one); usage error if both or neither.
data::PreprocessConfig choose_preprocessing(const std::string& preset, const std::string& config);
// "1x3x224x224" -> {1,3,224,224}; usage error otherwise.
Shape parse_shape(const std::string& text);

}  // namespace fxq::cli
