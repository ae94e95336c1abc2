#include "engine/executor.h"

#include <algorithm>
#include <malloc.h>

#include <chrono>
#include <mutex>
#include <set>
#include <unordered_map>

#include "common/error.h"
#include "ops/registry.h"

namespace fxq {
namespace {

const OpDef* lookup(const Node& n) { return n.domain.empty() ? find_op(n.op_type) : nullptr; }

std::string op_label(const Node& n) { return (n.domain.empty() ? "" : n.domain + "::") + n.op_type; }

// Every kernel allocates its output, and glibc serves blocks above its mmap threshold with fresh
// mmap'ed pages that are faulted in and zeroed by the kernel on each run (measured: 10-30 % of a
// NanoDet forward pass). Keeping large blocks on the heap lets a run reuse the previous run's memory;
// peak memory is unchanged (the executor still frees each value after its last reader).
void keep_large_blocks_on_heap() {
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    // One arena: a pool thread's own arena gives freed pages back (its heaps shrink regardless of the
    // trim threshold) and faults them in again (15 % of a MobileNetV2 search).
    mallopt(M_ARENA_MAX, 1);
  });
}

}  // namespace

std::string unsupported_ops(const Graph& graph) {
  std::string list;
  std::set<std::string> seen;
  for (const auto& n : graph.nodes) {
    if (lookup(n) || !seen.insert(op_label(n)).second) continue;
    list += (list.empty() ? "" : ", ") + op_label(n) + " (node '" + n.name + "')";
  }
  return list;
}

Executor::Executor(const Graph& graph) : graph_(graph) {
  keep_large_blocks_on_heap();
  fusion_ = plan_fusions(graph);
  const std::string missing = unsupported_ops(graph);
  if (!missing.empty())
    fail_unsupported(graph.path + ": unsupported op: " + missing + " (see 'fxq ops' for the supported ones)");
  for (const auto& n : graph.nodes) ops_.push_back(lookup(n));
  for (const auto& n : graph.nodes) {
    initializer_inputs_.emplace_back();
    for (const auto& in : n.inputs)
      initializer_inputs_.back().push_back(in.empty() ? nullptr : graph.initializer(in));
  }
  initializer_count_ = graph.initializers.size();
  // Last reader of each value; graph outputs are never released.
  std::map<std::string, size_t> last;
  for (size_t k = 0; k < graph.nodes.size(); ++k)
    for (const auto& in : graph.nodes[k].inputs)
      if (!in.empty()) last[in] = k;
  release_.resize(graph.nodes.size());
  for (const auto& [value, k] : last)
    if (!graph.is_initializer(value) && !graph.is_graph_output(value)) release_[k].push_back(value);
  donates_.assign(graph.nodes.size(), false);
  for (size_t k = 0; k < graph.nodes.size(); ++k) {
    const auto& ins = graph.nodes[k].inputs;
    if (ins.empty() || ins[0].empty() || std::count(ins.begin(), ins.end(), ins[0]) != 1) continue;
    donates_[k] = std::find(release_[k].begin(), release_[k].end(), ins[0]) != release_[k].end();
  }
}

void Executor::check_inputs(const std::map<std::string, Tensor>& inputs) const {
  for (const auto& kv : inputs) {
    bool known = false;
    for (const auto& vi : graph_.inputs) known |= vi.name == kv.first;
    if (!known) fail_input(graph_.path + ": the model has no input named '" + kv.first + "'");
  }
  for (const auto& vi : graph_.inputs) {
    auto it = inputs.find(vi.name);
    if (it == inputs.end()) fail_input(graph_.path + ": no tensor given for model input '" + vi.name + "'");
    const Tensor& t = it->second;
    if (t.dtype != vi.dtype)
      fail_input(graph_.path + ": input '" + vi.name + "' must be " + dtype_name(vi.dtype) + ", got " + dtype_name(t.dtype));
    if (!vi.has_shape) continue;
    bool ok = t.shape.size() == vi.shape.size();
    for (size_t d = 0; ok && d < vi.shape.size(); ++d) ok = vi.shape[d] < 0 || vi.shape[d] == t.shape[d];
    if (!ok)
      fail_input(graph_.path + ": input '" + vi.name + "' has shape " + shape_str(t.shape) + ", the model expects " +
                 shape_str(vi.shape));
  }
}

std::map<std::string, Tensor> Executor::run(std::map<std::string, Tensor> inputs, const ExecHooks* hooks) const {
  check_inputs(inputs);
  std::unordered_map<std::string, Tensor> values;
  for (auto& kv : inputs) values.emplace(kv.first, std::move(kv.second));
  auto computed = [&](const std::string& name) -> const Tensor* {  // a graph input or a node's output
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second;
  };
  auto find = [&](const std::string& name) -> const Tensor* {
    if (const Tensor* t = graph_.initializer(name)) return t;
    return computed(name);
  };

  std::vector<const Tensor*> in;
  std::vector<Tensor> out;
  const bool resolved = graph_.initializers.size() == initializer_count_;  // initializer_inputs_ still valid
  const bool fused = !(hooks && hooks->on_value);
  for (size_t k = 0; k < graph_.nodes.size(); ++k) {
    const Node& node = graph_.nodes[k];
    if (fused && fusion_.absorbed[k]) {  // its layer produced its output already
      for (const auto& v : release_[k]) values.erase(v);
      continue;
    }
    const FusedActivation* fa = fused && fusion_.head[k] >= 0 ? &fusion_.fusions[fusion_.head[k]] : nullptr;
    in.clear();
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const std::string& name = node.inputs[i];
      const Tensor* t = nullptr;
      if (!name.empty()) {
        t = resolved ? initializer_inputs_[k][i] : nullptr;
        if (!t) t = resolved ? computed(name) : find(name);
      }
      FXQ_CHECK(name.empty() || t, "value '" + name + "' missing before " + node.describe());
      in.push_back(t);
    }
    out.assign(node.outputs.size(), Tensor());
    KernelArgs args{node, graph_.opset, in, out, fa ? &fa->act : nullptr};
    if (fa && !fa->residual.empty()) {
      args.residual = find(fa->residual);
      FXQ_CHECK(args.residual, "value '" + fa->residual + "' missing before " + node.describe());
    }
    if (donates_[k]) {
      auto it = values.find(node.inputs[0]);
      if (it != values.end()) args.donor = &it->second;
    }
    const bool timed = hooks && hooks->on_node_time;
    const auto t0 = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    try {
      ops_[k]->run(args);
    } catch (const Error& e) {
      throw e.with_context(graph_.path);
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception& e) {
      fail(ExitCode::kInternal, graph_.path + ": " + node.describe() + ": " + e.what());
    }
    if (timed) hooks->on_node_time(k, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    for (size_t o = 0; o < node.outputs.size(); ++o) {
      if (node.outputs[o].empty()) continue;
      FXQ_CHECK(static_cast<int64_t>(out[o].is_float() ? out[o].f.size() : out[o].i.size()) == out[o].size(),
                node.describe() + " produced a tensor whose data does not match its shape");
      if (hooks && hooks->on_value) hooks->on_value(node, node.outputs[o], out[o]);
      values[fa ? fa->output : node.outputs[o]] = std::move(out[o]);
    }
    for (const auto& v : release_[k]) values.erase(v);
  }
  std::map<std::string, Tensor> result;
  for (const auto& o : graph_.outputs) {
    if (const Tensor* t = graph_.initializer(o.name)) { result[o.name] = *t; continue; }
    auto it = values.find(o.name);
    FXQ_CHECK(it != values.end(), "graph output '" + o.name + "' was not produced");
    result[o.name] = std::move(it->second);
  }
  return result;
}

}  // namespace fxq
