#include "quant/quantize.h"

#include <chrono>
#include <filesystem>
#include <set>

#include "common/error.h"
#include "common/progress.h"
#include "common/sha256.h"
#include "data/image_folder.h"
#include "data/image_stream.h"
#include "data/labels.h"
#include "engine/executor.h"
#include "engine/prepare.h"
#include "eval/image_eval.h"
#include "export/qdq_export.h"
#include "io/atomic_file.h"
#include "quant/observers/stats_collector.h"
#include "quant/simulate.h"
#include "report/html_report.h"
#include "report/quant_report.h"

namespace fxq::quant {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string canonical(const std::string& p) {
  std::error_code ec;
  auto c = std::filesystem::weakly_canonical(p, ec);
  return ec ? p : c.string();
}

// Every float value of the graph: graph inputs and node outputs.
std::vector<std::string> float_values(const Graph& g) {
  std::vector<std::string> v;
  for (const auto& vi : g.inputs)
    if (vi.dtype == DType::kFloat32) v.push_back(vi.name);
  for (const auto& n : g.nodes)
    for (const auto& o : n.outputs)
      if (!o.empty()) v.push_back(o);
  return v;
}

// Before any long work: every output can be written, none is the input model, no two are the same file.
void check_output_paths(const QuantizeOptions& opt) {
  std::set<std::string> seen;
  for (const std::string* p : {&opt.out_path, &opt.report_path, &opt.html_path}) {
    if (p->empty()) continue;
    if (canonical(*p) == canonical(opt.model))
      fail(ExitCode::kUsage, *p + ": the output would overwrite the input model; choose another -o");
    if (!seen.insert(canonical(*p)).second)
      fail(ExitCode::kUsage, *p + ": named for two outputs (model, --report, --html); give each its own file");
    check_writable(*p);
  }
}

}  // namespace

QuantizeOutcome run_quantize(const QuantizeOptions& opt, const std::function<void(const std::string&)>& warn) {
  QuantizeOutcome out;
  if (opt.search.weight_bits < 2 || opt.search.weight_bits > 16 || opt.search.act_bits < 2 || opt.search.act_bits > 16)
    fail(ExitCode::kUsage, "bit-widths must be between 2 and 16");
  PreparedModel m = prepare_model(opt.model);
  for (const auto& w : m.warnings) warn(w);
  const Graph& g = m.graph;
  check_input_fits(g, opt.preprocessing);
  const ValueInfo& input = image_input(g);
  out.model_sha256 = sha256_file(opt.model);
  check_output_paths(opt);

  std::vector<data::ImageEntry> calib = data::list_images(opt.calib_dir);
  if (opt.calib_limit > 0 && calib.size() > opt.calib_limit) calib.resize(opt.calib_limit);
  data::LabelledImages eval;
  if (!opt.eval_dir.empty()) {
    if (opt.labels.empty()) fail(ExitCode::kUsage, "--eval needs --labels (a TSV, or 'folders')");
    eval = data::load_labelled_images(opt.eval_dir, opt.labels, warn);
    std::set<std::string> calib_paths;
    for (const auto& e : calib) calib_paths.insert(canonical(e.path));
    size_t overlap = 0;
    for (const auto& e : eval.images) overlap += calib_paths.count(canonical(e.path));
    if (overlap > 0 && !opt.allow_overlap)
      fail(ExitCode::kUsage, opt.eval_dir + ": " + std::to_string(overlap) +
                                 " evaluation images are also calibration images; use disjoint sets (or --allow-overlap)");
  }
  for (const auto& e : calib) out.calib_files.push_back(e.rel);

  // 1. Calibration: streaming statistics of every float value over all calibration images; the
  //    search subset (spread evenly over the set) is kept.
  auto t0 = Clock::now();
  Executor exec(g);
  StatsCollector collector(opt.observer, float_values(g));
  ExecHooks hooks = collector.hooks();
  const size_t stride = std::max<size_t>(1, calib.size() / std::max<size_t>(1, opt.search_images));
  std::vector<std::map<std::string, Tensor>> search_feeds;
  {
    data::ImageStream stream(calib, {}, opt.preprocessing, 16, warn);
    Progress progress("calibrate", stream.total(), opt.quiet, "images");
    std::vector<data::Sample> batch;
    size_t index = 0;
    while (stream.next(batch))
      for (auto& s : batch) {
        collector.on_value(input.name, s.tensor);
        if (index++ % stride == 0 && search_feeds.size() < opt.search_images) search_feeds.push_back({{input.name, s.tensor}});
        exec.run({{input.name, std::move(s.tensor)}}, &hooks);
        progress.advance();
      }
    progress.done();
    out.calib_skipped = stream.skipped();
  }
  out.stats = collector.finish();
  std::map<std::string, double> max_abs;
  for (const auto& [v, st] : out.stats) max_abs[v] = st.range_max_abs;
  out.phase_seconds["calibrate"] = seconds_since(t0);

  // 2. The search.
  t0 = Clock::now();
  {
    Progress progress("search", g.nodes.size(), opt.quiet, "nodes");
    out.search = search_plan(g, search_feeds, opt.search, max_abs, [&](size_t, size_t) { progress.advance(); });
    progress.done();
  }
  search_feeds.clear();
  out.phase_seconds["search"] = seconds_since(t0);

  // 3. Float vs quantized on the evaluation images.
  if (!eval.images.empty()) {
    t0 = Clock::now();
    ImageEvalOptions eo;
    eo.quiet = opt.quiet;
    SimulatedModel sim(g, out.search.plan);
    eo.label = "evaluate float";
    auto fl = evaluate_images(exec, eval.images, eval.labels, opt.preprocessing, eo, warn);
    eo.label = "evaluate quantized";
    auto qz = evaluate_images(g, [&sim](std::map<std::string, Tensor> f) { return sim.run(std::move(f)); }, eval.images,
                              eval.labels, opt.preprocessing, eo, warn);
    out.accuracy = {true, fl.images, fl.topk, qz.topk};
    out.phase_seconds["evaluate"] = seconds_since(t0);
  }

  // 4. Outputs: the QDQ model, the report and the HTML page appear together or not at all.
  out.model_stats = compute_stats(g);
  out.cost = plan_cost(g, out.search, out.model_stats);
  StagedFiles files;
  t0 = Clock::now();
  if (!opt.out_path.empty())
    files.stage(opt.out_path, exporter::qdq_bytes(g, out.search.plan, opt.out_path, opt.model, {opt.qdq_style}));
  out.phase_seconds["export"] = seconds_since(t0);
  out.report = build_report(g, opt, out);
  if (!opt.report_path.empty()) files.stage(opt.report_path, out.report.dump(2) + "\n");
  if (!opt.html_path.empty()) files.stage(opt.html_path, report::html_report(out.report));
  files.commit();
  return out;
}

}  // namespace fxq::quant
