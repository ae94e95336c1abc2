// fxq run: run a model on given tensors (.npy or ONNX TensorProto .pb) and write every output.
#include <cstdio>
#include <iostream>

#include "cli_common.h"
#include "commands.h"
#include "engine/executor.h"
#include "engine/prepare.h"
#include "io/atomic_file.h"
#include "io/npy.h"
#include "onnx/tensor_proto.h"

namespace fxq::cli {
namespace {

struct RunOptions {
  std::string model, dump;
  std::vector<std::string> inputs;
  bool no_passes = false;
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Tensor read_tensor_file(const std::string& path) {
  if (ends_with(path, ".npy")) return read_npy(path);
  if (ends_with(path, ".pb")) return onnxio::read_tensor_pb(path);
  fail(ExitCode::kUsage, path + ": input tensors must be .npy or .pb (ONNX TensorProto) files");
}

std::string safe_name(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  return s;
}

int run_run(const RunOptions& o) {
  PreparedModel m = prepare_model(o.model, !o.no_passes);
  for (const auto& w : m.warnings) warn(w);
  const Graph& g = m.graph;
  std::map<std::string, Tensor> feed;
  for (const auto& spec : o.inputs) {
    const auto eq = spec.find('=');
    std::string name, file;
    if (eq == std::string::npos) {
      if (g.inputs.size() != 1)
        fail(ExitCode::kUsage, "the model has " + std::to_string(g.inputs.size()) + " inputs: write --input NAME=FILE");
      name = g.inputs[0].name;
      file = spec;
    } else {
      name = spec.substr(0, eq);
      file = spec.substr(eq + 1);
    }
    feed[name] = read_tensor_file(file);
  }
  Executor exec(g);
  auto outs = exec.run(std::move(feed));
  ensure_directory(o.dump);
  for (size_t k = 0; k < g.outputs.size(); ++k) {
    const std::string& name = g.outputs[k].name;
    const Tensor& t = outs.at(name);
    const std::string base = o.dump + "/" + safe_name(name);
    write_npy(base + ".npy", t);
    onnxio::write_tensor_pb(t, name, base + ".pb");
    std::printf("output %zu  %-20s %-8s %-18s -> %s.{npy,pb}\n", k, name.c_str(), dtype_name(t.dtype), shape_str(t.shape).c_str(), base.c_str());
  }
  return 0;
}

}  // namespace

RunFn add_run_command(CLI::App& root) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* sub = root.add_subcommand(
      "run",
      "Run a model on given tensors and write every graph output as .npy and .pb (ONNX TensorProto), so fxq can "
      "be checked on inputs that are not images (e.g. ONNX's own test_data_set_0/input_0.pb).\n"
      "Example: fxq run model.onnx --input input=x.npy --dump out/");
  sub->add_option("model", o->model, "ONNX model file")->required();
  sub->add_option("--input", o->inputs, "NAME=FILE with FILE a .npy or .pb tensor (repeatable; NAME= may be "
                                        "omitted for single-input models)")->required();
  sub->add_option("--dump", o->dump, "Folder for the outputs (created if needed)")->required();
  sub->add_flag("--no-passes", o->no_passes, "Run the graph as stored, without fxq's graph passes");
  return [o] { return run_run(*o); };
}

}  // namespace fxq::cli
