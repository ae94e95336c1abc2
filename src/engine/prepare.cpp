#include "engine/prepare.h"

#include "common/error.h"
#include "onnx/model_loader.h"

namespace fxq {

PreparedModel prepare_model(const std::string& path, bool run_passes) {
  onnxio::LoadResult loaded = onnxio::load_model(path);
  PreparedModel m;
  m.graph = std::move(loaded.graph);
  m.warnings = std::move(loaded.warnings);
  if (run_passes) m.passes = passes::run_default_passes(m.graph);
  return m;
}

const ValueInfo& image_input(const Graph& g) {
  const ValueInfo* found = nullptr;
  for (const auto& vi : g.inputs) {
    if (vi.dtype != DType::kFloat32 || !vi.has_shape || vi.shape.size() != 4) continue;
    if (found) fail_unsupported(g.path + ": the model has several image inputs ('" + found->name + "', '" + vi.name +
                                "'); use 'fxq run' with explicit tensors");
    found = &vi;
  }
  if (!found) fail_unsupported(g.path + ": the model has no float32 rank-4 image input; use 'fxq run' with tensors");
  if (g.inputs.size() > 1)
    fail_unsupported(g.path + ": the model has " + std::to_string(g.inputs.size()) +
                     " inputs; images can feed only single-input models (use 'fxq run')");
  return *found;
}

}  // namespace fxq
