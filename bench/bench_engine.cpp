// Engine speed: fxq's float engine vs ONNX Runtime (onnxruntime-node, tests/ort/run_ort.js) on every
// shared model, same preprocessed images, same thread count, in one run. Warm-up runs are excluded;
// the median and the 10th/90th percentiles of per-image latency (batch 1, as calibration runs) are
// reported, fxq's time with an observing hook on every value, and fxq's peak RSS.
//
// usage: fxq_bench_engine [--threads 1,2] [--reps 30] [--rounds 3] [--images 8] [--models key,key] [--out DIR]
//        fxq_bench_engine --profile MODEL.onnx [REPS [THREADS]]   (time per op type and slowest nodes)
// Each (model, threads) point runs in a child process (this binary with --child) so that peak RSS
// and thread pools are per point. Writes DIR/engine.json and DIR/engine.md.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bench_args.h"
#include "common/parallel.h"
#include "data/image_folder.h"
#include "data/image_stream.h"
#include "data/preprocess_config.h"
#include "engine/executor.h"
#include "engine/model_stats.h"
#include "engine/prepare.h"
#include "io/npy.h"
#include "shared_models.h"

using namespace fxq;
using json = nlohmann::json;

namespace {

std::string run_capture(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  while (fgets(buf, sizeof buf, p)) out += buf;
  if (pclose(p) != 0) throw std::runtime_error("command failed: " + cmd);
  return out;
}

json percentiles(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  const size_t n = ms.size();
  return {{"median_ms", ms[n / 2]}, {"p10_ms", ms[n / 10]}, {"p90_ms", ms[(n * 9) / 10]}, {"runs", n}};
}

// Preprocesses `n` images of the model's set into CASES/case_k/inputs/<input>.npy.
void make_cases(const test::SharedModel& sm, const std::string& input_name, size_t n, const std::string& cases) {
  const std::string data = FXQ_SHARED_DATA_DIR;
  auto all = data::list_images(data + "/" + sm.images);
  std::vector<data::ImageEntry> chosen;
  for (size_t k = 0; k < n; ++k) chosen.push_back(all[k * all.size() / n]);
  data::ImageStream stream(chosen, {}, data::load_preset(sm.preset), 8, [](const std::string& w) { std::cerr << w << "\n"; });
  std::vector<data::Sample> batch;
  size_t k = 0;
  while (stream.next(batch))
    for (auto& s : batch) {
      char name[32];
      std::snprintf(name, sizeof name, "/case_%03zu/inputs", k++);
      std::filesystem::create_directories(cases + name);
      write_npy(cases + name + "/" + input_name + ".npy", s.tensor);
    }
}

// Median/p10/p90 of `reps` timed runs over the inputs, after warm-up runs: at least 20 and at least
// 0.3 s (the same rule as run_ort.js). On this 2-vCPU machine the second thread runs slowly, with
// stalls of milliseconds, for the first ~50 ms of a process; without a timed warm-up the first
// points measured would be single-threaded in all but name.
json time_runs(const Executor& exec, const std::string& in, const std::vector<Tensor>& inputs, int reps,
               const ExecHooks* hooks) {
  const auto warm_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  for (int w = 0; w < 20 || std::chrono::steady_clock::now() < warm_until; ++w)
    exec.run({{in, inputs[static_cast<size_t>(w) % inputs.size()]}}, hooks);
  std::vector<double> ms;
  for (int r = 0; r < reps; ++r) {
    std::map<std::string, Tensor> feed{{in, inputs[static_cast<size_t>(r) % inputs.size()]}};
    const auto t0 = std::chrono::steady_clock::now();
    exec.run(std::move(feed), hooks);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return percentiles(ms);
}

// Child: time fxq on the cases at `threads`, print one JSON line: plain runs, and runs with an
// observing hook on every value (what calibration installs; here it only reads the first element).
int child(const std::string& model, const std::string& cases, int threads, int reps) {
  set_num_threads(threads);
  PreparedModel m = prepare_model(model);
  Executor exec(m.graph);
  const std::string in = m.graph.inputs[0].name;
  std::vector<Tensor> inputs;
  for (const auto& e : std::filesystem::directory_iterator(cases))
    if (std::filesystem::exists(e.path() / "inputs")) inputs.push_back(read_npy((e.path() / "inputs" / (in + ".npy")).string()));
  json j = time_runs(exec, in, inputs, reps, nullptr);
  volatile float sink = 0;
  ExecHooks observe;
  observe.on_value = [&](const Node&, const std::string&, Tensor& t) {
    if (t.is_float() && !t.f.empty()) sink = sink + t.f[0];
  };
  j["with_hooks"] = time_runs(exec, in, inputs, reps, &observe);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  j["peak_rss_mb"] = ru.ru_maxrss / 1024.0;
  std::cout << j.dump() << "\n";
  return 0;
}

// --profile: where fxq's time goes, per op type and for the slowest nodes (random input, `reps` runs).
int profile(const std::string& model, int reps) {
  PreparedModel m = prepare_model(model);
  Executor exec(m.graph);
  const auto& vi = m.graph.inputs[0];
  Shape shape = vi.shape;
  for (auto& d : shape) d = d < 0 ? 1 : d;
  Tensor x = Tensor::zeros(shape);
  for (size_t k = 0; k < x.f.size(); ++k) x.f[k] = static_cast<float>((k * 2654435761u) % 1000) / 1000.0f;
  // Per node, the fastest of `reps` runs (robust to other processes on the machine), times reps.
  std::vector<double> node_s(m.graph.nodes.size(), 1e30);
  double run_kernels = 0;  // this run's node times
  std::vector<double> walls, sums;
  ExecHooks hooks;
  hooks.on_node_time = [&](size_t k, double s) { node_s[k] = std::min(node_s[k], s), run_kernels += s; };
  exec.run({{vi.name, x}});
  for (int r = 0; r < reps; ++r) {
    run_kernels = 0;
    const auto t0 = std::chrono::steady_clock::now();
    exec.run({{vi.name, x}}, &hooks);
    walls.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    sums.push_back(run_kernels);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  for (double& s : node_s) s = s > 1e29 ? 0.0 : s * reps;  // nodes fused into their layer never run
  std::map<std::string, double> by_type;
  double total = 0;
  for (size_t k = 0; k < node_s.size(); ++k) by_type[m.graph.nodes[k].op_type] += node_s[k], total += node_s[k];
  std::vector<std::pair<double, std::string>> rows;
  for (const auto& [t, s] : by_type) rows.push_back({s, t});
  std::sort(rows.rbegin(), rows.rend());
  std::printf("%s: %.3f ms per run in kernels (per node the fastest of %d runs)\n", model.c_str(), 1e3 * total / reps, reps);
  std::printf("  medians over the runs: whole run %.3f ms, its kernels %.3f ms, outside them %.3f ms\n",
              1e3 * median(walls), 1e3 * median(sums), 1e3 * median([&] {
                std::vector<double> d;
                for (size_t r = 0; r < walls.size(); ++r) d.push_back(walls[r] - sums[r]);
                return d;
              }()));
  for (const auto& [s, t] : rows) std::printf("  %-20s %8.3f ms %5.1f %%\n", t.c_str(), 1e3 * s / reps, 100 * s / total);
  std::vector<size_t> order(node_s.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return node_s[a] > node_s[b]; });
  const ModelStats st = compute_stats(m.graph);
  std::printf("  slowest nodes (MACs, GMAC/s):\n");
  for (size_t k = 0; k < std::min<size_t>(getenv("FXQ_PROFILE_ALL") ? order.size() : 12, order.size()); ++k) {
    const Node& n = m.graph.nodes[order[k]];
    const double s = node_s[order[k]] / reps;
    const int64_t macs = order[k] < st.layers.size() ? st.layers[order[k]].macs : 0;
    const std::string shape = order[k] < st.layers.size() && !st.layers[order[k]].out_shapes.empty()
                                  ? shape_str(st.layers[order[k]].out_shapes[0]) : "";
    std::printf("  %-34s %-18s %8.3f ms %10lld %7.1f\n", n.describe().c_str(), shape.c_str(), 1e3 * s,
                static_cast<long long>(macs), s > 0 ? macs / s / 1e9 : 0.0);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto opt = [&](const std::string& name, const std::string& def) { return bench::flag_value(args, name, def); };
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "usage: fxq_bench_engine [--threads 1,2] [--reps 30] [--rounds 3] [--images 8] [--models key,key] [--out DIR]\n"
                 "       fxq_bench_engine --profile MODEL.onnx [REPS [THREADS]]\n"
                 "Times fxq's float engine and ONNX Runtime on every shared model (../shared/data) at each thread\n"
                 "count; writes DIR/engine.json and DIR/engine.md (default DIR: bench/results). Per point fxq and ORT\n"
                 "alternate ROUNDS times (fresh processes, REPS runs per image each); each engine's figures are its\n"
                 "median round's.\n";
    return 0;
  }
  if (!args.empty() && args[0] == "--child") return child(args[1], args[2], std::stoi(args[3]), std::stoi(args[4]));
  if (!args.empty() && args[0] == "--profile") {
    set_num_threads(args.size() > 3 ? std::stoi(args[3]) : 1);
    return profile(args.at(1), args.size() > 2 ? std::stoi(args[2]) : 10);
  }

  const std::string data = FXQ_SHARED_DATA_DIR, src = FXQ_SOURCE_DIR;
  if (!std::filesystem::is_directory(data + "/models")) {
    std::cerr << "fxq_bench_engine: shared data missing at " << data << "\n";
    return 4;
  }
  const auto threads = bench::split_list(opt("--threads", "1,2"));
  const int reps = std::stoi(opt("--reps", "30"));
  const int rounds = std::max(1, std::stoi(opt("--rounds", "3")));
  const size_t n_images = std::stoul(opt("--images", "8"));
  const auto wanted = bench::split_list(opt("--models", ""));
  std::vector<std::string> known;
  for (const auto& sm : test::shared_models()) known.push_back(sm.key);
  for (const auto& key : wanted) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    std::cerr << "fxq_bench_engine: --models: no shared model '" << key << "' (known: " << list << ")\n";
    return 2;
  }
  const std::string out_dir = opt("--out", src + "/bench/results");
  std::filesystem::create_directories(out_dir);

  json results = json::array();
  for (const auto& sm : test::shared_models()) {
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), sm.key) == wanted.end()) continue;
    const std::string model = data + "/" + sm.file;
    PreparedModel m = prepare_model(model);
    const std::string cases = (std::filesystem::temp_directory_path() / ("fxq-bench-" + std::string(sm.key))).string();
    std::filesystem::remove_all(cases);
    make_cases(sm, m.graph.inputs[0].name, n_images, cases);
    for (const auto& t : threads) {
      // fxq and ORT alternate `rounds` times, each round a fresh process of each, so a drift of the
      // machine's speed during the point hits both; each engine's figures are those of its median round.
      std::vector<json> fxq_rounds, ort_rounds;
      json round_ratios = json::array();
      for (int r = 0; r < rounds; ++r) {
        fxq_rounds.push_back(json::parse(run_capture(std::string(argv[0]) + " --child " + model + " " + cases + " " + t +
                                                     " " + std::to_string(reps))));
        ort_rounds.push_back(json::parse(run_capture("node " + src + "/tests/ort/run_ort.js " + model + " " + cases +
                                                     " --threads " + t + " --time " + std::to_string(reps) +
                                                     " --out ort_bench")));
        round_ratios.push_back(ort_rounds.back()["median_ms"].get<double>() / fxq_rounds.back()["median_ms"].get<double>());
      }
      auto median_round = [](std::vector<json> v) {
        std::sort(v.begin(), v.end(), [](const json& a, const json& b) { return a["median_ms"].get<double>() < b["median_ms"].get<double>(); });
        return v[v.size() / 2];
      };
      const json fxq = median_round(fxq_rounds), ort = median_round(ort_rounds);
      json row = {{"model", sm.key}, {"threads", std::stoi(t)}, {"fxq", fxq}, {"ort", ort}, {"rounds", rounds},
                  {"round_ratios_fxq_over_ort", round_ratios},
                  {"fxq_img_per_s", 1000.0 / fxq["median_ms"].get<double>()},
                  {"ort_img_per_s", 1000.0 / ort["median_ms"].get<double>()}};
      row["ratio_fxq_over_ort"] = row["fxq_img_per_s"].get<double>() / row["ort_img_per_s"].get<double>();
      std::printf("%-18s %s thr  fxq %8.3f ms (p10 %.3f, p90 %.3f)  ORT %8.3f ms (p10 %.3f, p90 %.3f)  fxq/ORT speed %.2f  "
                  "fxq with hooks %.3f ms  fxq peak RSS %.0f MB\n",
                  sm.key, t.c_str(), fxq["median_ms"].get<double>(), fxq["p10_ms"].get<double>(), fxq["p90_ms"].get<double>(),
                  ort["median_ms"].get<double>(), ort["p10_ms"].get<double>(), ort["p90_ms"].get<double>(),
                  row["ratio_fxq_over_ort"].get<double>(), fxq["with_hooks"]["median_ms"].get<double>(),
                  fxq["peak_rss_mb"].get<double>());
      std::fflush(stdout);
      results.push_back(row);
    }
    std::filesystem::remove_all(cases);
  }
  std::ofstream(out_dir + "/engine.json") << results.dump(2) << "\n";
  std::ofstream md(out_dir + "/engine.md");
  md << "| model | threads | fxq ms/img (median) | ORT ms/img (median) | fxq img/s | ORT img/s | fxq/ORT | fxq/ORT per round | fxq with hooks ms/img | fxq peak RSS MB |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n";
  char line[640];
  for (const auto& r : results) {
    std::string per_round;
    for (const auto& q : r["round_ratios_fxq_over_ort"]) {
      char v[16];
      std::snprintf(v, sizeof v, "%.2f", q.get<double>());
      per_round += (per_round.empty() ? "" : ", ") + std::string(v);
    }
    std::snprintf(line, sizeof line, "| %s | %d | %.3f | %.3f | %.1f | %.1f | %.2f | %s | %.3f | %.0f |\n",
                  r["model"].get<std::string>().c_str(), r["threads"].get<int>(), r["fxq"]["median_ms"].get<double>(),
                  r["ort"]["median_ms"].get<double>(), r["fxq_img_per_s"].get<double>(), r["ort_img_per_s"].get<double>(),
                  r["ratio_fxq_over_ort"].get<double>(), per_round.c_str(), r["fxq"]["with_hooks"]["median_ms"].get<double>(),
                  r["fxq"]["peak_rss_mb"].get<double>());
    md << line;
  }
  std::cout << "wrote " << out_dir << "/engine.json and engine.md\n";
  return 0;
}
