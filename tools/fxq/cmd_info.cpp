// fxq info: what a model is — inputs/outputs, op histogram, parameters, weight bytes, MACs per layer.
#include <cstdio>
#include <iostream>

#include "cli_common.h"
#include "commands.h"
#include "engine/model_stats.h"
#include "engine/prepare.h"
#include "ops/registry.h"

namespace fxq::cli {
namespace {

struct InfoOptions {
  std::string model;
  std::vector<std::string> shapes;
  bool layers = true;
  bool no_passes = false;
};

std::string human(double v) {
  char buf[32];
  if (v >= 1e9) std::snprintf(buf, sizeof buf, "%.2f G", v / 1e9);
  else if (v >= 1e6) std::snprintf(buf, sizeof buf, "%.2f M", v / 1e6);
  else if (v >= 1e3) std::snprintf(buf, sizeof buf, "%.2f k", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f ", v);
  return buf;
}

int run_info(const InfoOptions& o) {
  PreparedModel m = prepare_model(o.model, !o.no_passes);
  for (const auto& w : m.warnings) warn(w);
  const Graph& g = m.graph;
  std::map<std::string, Shape> shapes;
  for (const auto& s : o.shapes) {
    const auto eq = s.find('=');
    if (eq == std::string::npos) fail(ExitCode::kUsage, "--shape wants NAME=1x3x224x224, got '" + s + "'");
    shapes[s.substr(0, eq)] = parse_shape(s.substr(eq + 1));
  }
  ModelStats st = compute_stats(g, shapes);

  std::printf("model     %s\n", g.path.c_str());
  std::printf("producer  %s, IR %lld, opset %lld\n", g.producer.empty() ? "?" : g.producer.c_str(),
              static_cast<long long>(g.ir_version), static_cast<long long>(g.opset));
  if (!o.no_passes) std::printf("passes    %s\n", m.passes.str().c_str());
  for (const auto& vi : g.inputs)
    std::printf("input     %-20s %-8s %s (ran with %s)\n", vi.name.c_str(), dtype_name(vi.dtype), shape_str(vi.shape).c_str(),
                shape_str(st.input_shapes[vi.name]).c_str());
  for (const auto& vi : g.outputs)
    std::printf("output    %-20s %-8s %s\n", vi.name.c_str(), dtype_name(vi.dtype), shape_str(st.output_shapes[vi.name]).c_str());
  std::printf("ops       ");
  bool first = true;
  for (const auto& [op, count] : st.op_histogram) {
    std::printf("%s%s %d", first ? "" : ", ", op.c_str(), count);
    first = false;
  }
  std::printf("\nparams    %lld (%sB of weights %s)\n", static_cast<long long>(st.params), human(static_cast<double>(st.weight_bytes)).c_str(),
              o.no_passes ? "as stored in the file" : "as the engine holds them after the passes; --no-passes: as stored");
  std::printf("MACs      %lld (%sMAC per run)\n", static_cast<long long>(st.macs), human(static_cast<double>(st.macs)).c_str());
  if (o.layers) {
    std::printf("\n%-4s %-36s %-18s %-22s %12s %14s\n", "#", "layer", "op", "output", "params", "MACs");
    int k = 0;
    for (const auto& l : st.layers) {
      std::printf("%-4d %-36s %-18s %-22s %12lld %14lld\n", k++, l.name.substr(0, 36).c_str(), l.op.c_str(),
                  l.out_shapes.empty() ? "" : shape_str(l.out_shapes[0]).c_str(), static_cast<long long>(l.params),
                  static_cast<long long>(l.macs));
    }
  }
  return 0;
}

}  // namespace

RunFn add_info_command(CLI::App& root) {
  auto o = std::make_shared<InfoOptions>();
  CLI::App* sub = root.add_subcommand(
      "info",
      "Describe a model: inputs/outputs with shapes, op histogram, parameters, weight bytes, MACs per layer "
      "and in total (after fxq's graph passes: constant folding, BatchNorm folding, Identity removal).\n"
      "Example: fxq info squeezenet.onnx");
  sub->add_option("model", o->model, "ONNX model file (opset 7..17)")->required();
  sub->add_option("--shape", o->shapes,
                  "Input shape for dynamic dims, NAME=1x3x224x224 (repeatable; a dynamic batch dim defaults to 1)");
  sub->add_flag("!--no-layers", o->layers, "Print only the summary, not the per-layer table");
  sub->add_flag("--no-passes", o->no_passes, "Describe the graph as stored, before fxq's graph passes");
  return [o] { return run_info(*o); };
}

}  // namespace fxq::cli
