// Quantized accuracy on the shared classifiers: float vs fixed-point (fxq's simulation of the plan)
// top-1/top-5, calibration and evaluation images disjoint: every k-th labelled image of the model's
// own set is a calibration image (k chosen for --calib images), all the others are evaluation images.
//
// usage: fxq_bench_quant [--models key,key] [--wbits 8] [--abits 8] [--calib 256] [--search 64]
//                        [--modes aware,independent,per-channel] [--out DIR]
// Modes: aware = upstream-aware per-tensor (fxq's default), independent = per-layer-independent
// baseline (--no-upstream), per-channel = upstream-aware with per-channel weight fracs.
// Prints one row per (model, mode) and writes DIR/quant_<w>w<a>a.{json,md}.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bench_args.h"
#include "data/image_stream.h"
#include "data/labels.h"
#include "data/preprocess_config.h"
#include "engine/executor.h"
#include "engine/model_stats.h"
#include "engine/prepare.h"
#include "eval/image_eval.h"
#include "quant/search.h"
#include "quant/simulate.h"
#include "quant/plan_cost.h"
#include "shared_models.h"

using namespace fxq;
using json = nlohmann::json;

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto opt = [&](const std::string& name, const std::string& def) { return bench::flag_value(args, name, def); };
  const std::string data = FXQ_SHARED_DATA_DIR;
  if (!std::filesystem::is_directory(data + "/models")) {
    std::cerr << "fxq_bench_quant: shared data missing at " << data << "\n";
    return 4;
  }
  const int wbits = std::stoi(opt("--wbits", "8")), abits = std::stoi(opt("--abits", "8"));
  const size_t n_calib = std::stoul(opt("--calib", "256")), n_search = std::stoul(opt("--search", "64"));
  const auto wanted = bench::split_list(opt("--models", ""));
  const auto modes = bench::split_list(opt("--modes", "aware"));
  const std::string out_dir = opt("--out", std::string(FXQ_SOURCE_DIR) + "/bench/results");
  std::filesystem::create_directories(out_dir);
  auto quiet = [](const std::string&) {};

  json rows = json::array();
  for (const auto& sm : test::shared_models()) {
    if (!sm.labels[0]) continue;
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), sm.key) == wanted.end()) continue;
    PreparedModel m = prepare_model(data + "/" + sm.file);
    const auto cfg = data::load_preset(sm.preset);
    auto li = data::load_labelled_images(data + "/" + sm.images, data + "/" + sm.labels, quiet);
    const size_t k = std::max<size_t>(2, li.images.size() / n_calib);
    std::vector<data::ImageEntry> calib, eval;
    std::vector<int> eval_labels;
    for (size_t i = 0; i < li.images.size(); ++i) {
      if (i % k == 0 && calib.size() < n_calib) calib.push_back(li.images[i]);
      else { eval.push_back(li.images[i]); eval_labels.push_back(li.labels[i]); }
    }
    // The search subset: spread over the calibration images.
    std::vector<std::map<std::string, Tensor>> feeds;
    const size_t stride = std::max<size_t>(1, calib.size() / n_search);
    data::ImageStream stream(calib, {}, cfg, 16, quiet);
    std::vector<data::Sample> batch;
    size_t idx = 0;
    while (stream.next(batch))
      for (auto& s : batch)
        if (idx++ % stride == 0 && feeds.size() < n_search) feeds.push_back({{m.graph.inputs[0].name, s.tensor}});
    Executor exec(m.graph);
    ImageEvalOptions eo;
    eo.quiet = true;
    auto fl = evaluate_images(exec, eval, eval_labels, cfg, eo, quiet);
    const ModelStats ms = compute_stats(m.graph);
    for (const auto& mode : modes) {
      quant::SearchOptions so;
      so.weight_bits = wbits;
      so.act_bits = abits;
      so.upstream_aware = mode != "independent";
      so.per_channel = mode == "per-channel";
      const auto t0 = std::chrono::steady_clock::now();
      auto res = quant::search_plan(m.graph, feeds, so);
      const double search_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      quant::SimulatedModel sim(m.graph, res.plan);
      auto qz = evaluate_images(m.graph, [&](std::map<std::string, Tensor> f) { return sim.run(std::move(f)); }, eval,
                                eval_labels, cfg, eo, quiet);
      const auto cost = quant::plan_cost(m.graph, res, ms);
      json row = {{"model", sm.key}, {"mode", mode}, {"wbits", wbits}, {"abits", abits}, {"calib_images", calib.size()},
                  {"search_images", feeds.size()}, {"eval_images", eval.size()},
                  {"float_top1", fl.topk.top1_pct()}, {"float_top5", fl.topk.top5_pct()},
                  {"quant_top1", qz.topk.top1_pct()}, {"quant_top5", qz.topk.top5_pct()},
                  {"loss_top1_pp", fl.topk.top1_pct() - qz.topk.top1_pct()}, {"search_seconds", search_s},
                  {"weight_memory_vs_float32", cost.weight_bits / cost.float32_bits},
                  {"bitops_vs_all8", cost.all8_bitops > 0 ? cost.bitops / cost.all8_bitops : 0.0}};
      std::printf("%-18s %-11s W%dA%d  calib %zu (search %zu)  eval %zu  float top-1 %.2f  quant top-1 %.2f  loss %.2f pp  "
                  "top-5 %.2f -> %.2f  search %.1f s\n",
                  sm.key, mode.c_str(), wbits, abits, calib.size(), feeds.size(), eval.size(), fl.topk.top1_pct(),
                  qz.topk.top1_pct(), fl.topk.top1_pct() - qz.topk.top1_pct(), fl.topk.top5_pct(), qz.topk.top5_pct(), search_s);
      std::fflush(stdout);
      rows.push_back(row);
    }
  }
  const std::string stem = out_dir + "/quant_" + std::to_string(wbits) + "w" + std::to_string(abits) + "a";
  std::ofstream(stem + ".json") << rows.dump(2) << "\n";
  std::ofstream md(stem + ".md");
  md << "| model | search | W/A bits | calib (search) | eval images | float top-1 | quantized top-1 | loss pp | float top-5 | quantized top-5 |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n";
  char line[512];
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "| %s | %s | %d/%d | %d (%d) | %d | %.2f | %.2f | %.2f | %.2f | %.2f |\n",
                  r["model"].get<std::string>().c_str(), r["mode"].get<std::string>().c_str(), wbits, abits,
                  r["calib_images"].get<int>(), r["search_images"].get<int>(), r["eval_images"].get<int>(),
                  r["float_top1"].get<double>(), r["quant_top1"].get<double>(), r["loss_top1_pp"].get<double>(),
                  r["float_top5"].get<double>(), r["quant_top5"].get<double>());
    md << line;
  }
  std::cout << "wrote " << stem << ".json and .md\n";
  return 0;
}
