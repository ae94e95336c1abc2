#include "quant/quantize.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <set>

#include "common/error.h"
#include "common/progress.h"
#include "common/sha256.h"
#include "data/image_folder.h"
#include "data/image_stream.h"
#include "data/labels.h"
#include "engine/executor.h"
#include "engine/prepare.h"
#include "eval/detection_agreement.h"
#include "eval/detection_eval.h"
#include "eval/image_eval.h"
#include "export/qdq_export.h"
#include "io/atomic_file.h"
#include "quant/methods/method.h"
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

namespace {

bool sqnr_gate(const QuantizeOptions& o) { return o.min_sqnr_given; }
bool gate_on(const QuantizeOptions& o) { return o.max_loss >= 0 || sqnr_gate(o) || o.avg_wbits > 0; }

// The gate's metric: the one named, else the default of the model kind and what was given.
Metric chosen_metric(const QuantizeOptions& o) {
  if (!o.metric.empty()) return parse_metric(o.metric);
  if (sqnr_gate(o)) return Metric::kSqnr;
  if (o.preprocessing.is_detector()) return o.annotations.empty() ? Metric::kAgreement : Metric::kMap50;
  return o.labels.empty() ? Metric::kAgreement : Metric::kTop1;
}

// Every usage error of the options, before any work.
void check_options(const QuantizeOptions& o) {
  if (o.search.weight_bits < 2 || o.search.weight_bits > 16 || o.search.act_bits < 2 || o.search.act_bits > 16)
    fail(ExitCode::kUsage, "bit-widths must be between 2 and 16");
  parse_methods(o.search.methods);  // unknown names are usage errors
  if (!o.eval_dir.empty() && o.eval_split > 0) fail(ExitCode::kUsage, "give either --eval or --eval-split, not both");
  if (o.eval_split != 0 && !(o.eval_split > 0 && o.eval_split < 1))
    fail(ExitCode::kUsage, "--eval-split must be a fraction between 0 and 1 (e.g. 0.5)");
  if (o.avg_wbits != 0) {
    if (o.max_loss >= 0 || sqnr_gate(o))
      fail(ExitCode::kUsage, "give either --max-loss/--min-sqnr (a limit) or --avg-wbits (a size budget), not both");
    if (!(o.avg_wbits >= 2 && o.avg_wbits <= o.search.weight_bits))
      fail(ExitCode::kUsage, "--avg-wbits must be between 2 and --wbits (" + std::to_string(o.search.weight_bits) + ")");
    if (o.write_best) fail(ExitCode::kUsage, "--write-best applies only with --max-loss");
  }
  const bool detector = o.preprocessing.is_detector();
  const bool evaluating = !o.eval_dir.empty() || o.eval_split > 0;
  if (detector && !o.labels.empty())
    fail(ExitCode::kUsage, "--labels is for classifiers, but preprocessing '" + o.preprocessing.name +
                               "' is a detector's: give --annotations COCO.json");
  if (!detector && !o.annotations.empty())
    fail(ExitCode::kUsage, "--annotations is for detectors, but preprocessing '" + o.preprocessing.name +
                               "' has no \"task\": \"detect\" section");
  if (!o.annotations.empty() && !evaluating) fail(ExitCode::kUsage, "--annotations needs evaluation images (--eval DIR or --eval-split F)");
  if (o.profile_error != "elements" && o.profile_error != "detections")
    fail(ExitCode::kUsage, "--profile-error must be 'elements' or 'detections', not '" + o.profile_error + "'");
  if (o.profile_error == "detections" && !detector)
    fail(ExitCode::kUsage, "--profile-error detections needs a detector's preprocessing (\"task\": \"detect\"), but '" +
                               o.preprocessing.name + "' has none");
  if (!gate_on(o)) {
    if (o.profile_error != "elements") fail(ExitCode::kUsage, "--profile-error applies only with --max-loss, --min-sqnr or --avg-wbits");
    if (o.max_loss != -1) fail(ExitCode::kUsage, "--max-loss must be >= 0 (percentage points)");
    if (o.write_best) fail(ExitCode::kUsage, "--write-best applies only with --max-loss or --min-sqnr");
    if (!o.metric.empty()) fail(ExitCode::kUsage, "--metric applies only with --max-loss or --min-sqnr");
    if (evaluating && detector && o.annotations.empty())
      fail(ExitCode::kUsage, "evaluating a detector without --max-loss needs --annotations COCO.json");
    if (evaluating && !detector && o.labels.empty())
      fail(ExitCode::kUsage, "evaluating without --max-loss needs --labels (a TSV, or 'folders')");
    return;
  }
  if (o.max_loss >= 0 && sqnr_gate(o))
    fail(ExitCode::kUsage, "give either --max-loss (pp of a metric) or --min-sqnr (dB), not both");
  if (o.max_loss >= 0 && !std::isfinite(o.max_loss))
    fail(ExitCode::kUsage, "--max-loss must be a finite number of percentage points");
  if (sqnr_gate(o) && !std::isfinite(o.min_sqnr)) fail(ExitCode::kUsage, "--min-sqnr must be a finite number of dB");
  if (!evaluating)
    fail(ExitCode::kUsage, std::string(sqnr_gate(o) ? "--min-sqnr" : o.avg_wbits > 0 ? "--avg-wbits" : "--max-loss") +
                               " needs evaluation images: --eval DIR (with --labels for top1/top5, --annotations for "
                               "map50) or --eval-split F");
  const Metric m = chosen_metric(o);
  if (m == Metric::kSqnr && !sqnr_gate(o))
    fail(ExitCode::kUsage, "--metric sqnr is gated in dB: give --min-sqnr DB instead of --max-loss");
  if (m != Metric::kSqnr && sqnr_gate(o))
    fail(ExitCode::kUsage, std::string("--min-sqnr is the limit of --metric sqnr, not of --metric ") + metric_name(m));
  const std::string problem = metric_usage_problem(m, detector, !o.labels.empty(), !o.annotations.empty());
  if (!problem.empty()) fail(ExitCode::kUsage, problem);
  parse_objective(o.objective);
  if (o.max_evaluations < 1) fail(ExitCode::kUsage, "--max-evals must be at least 1");
}

// --eval-split: image i of the sorted folder is an evaluation image when floor((i+1) p) > floor(i p),
// which spreads round(n p) of them evenly and deterministically over the folder.
void split_folder(std::vector<data::ImageEntry>& calib, std::vector<data::ImageEntry>& eval, double p) {
  std::vector<data::ImageEntry> keep;
  for (size_t i = 0; i < calib.size(); ++i) {
    const bool held = std::floor(static_cast<double>(i + 1) * p) > std::floor(static_cast<double>(i) * p);
    (held ? eval : keep).push_back(calib[i]);
  }
  calib = std::move(keep);
}

}  // namespace

QuantizeOutcome run_quantize(const QuantizeOptions& opt, const std::function<void(const std::string&)>& warn) {
  QuantizeOutcome out;
  check_options(opt);
  PreparedModel m = prepare_model(opt.model);
  for (const auto& w : m.warnings) warn(w);
  if (opt.equalize) out.equalize = passes::equalize_layers(m.graph);
  const Graph& g = m.graph;
  check_input_fits(g, opt.preprocessing);
  if (opt.preprocessing.is_detector()) check_detector_fits(g, opt.preprocessing);
  std::shared_ptr<const detect::CocoAnnotations> annotations;
  if (!opt.annotations.empty())
    annotations = std::make_shared<const detect::CocoAnnotations>(detect::load_coco_annotations(opt.annotations));
  const ValueInfo& input = image_input(g);
  out.model_sha256 = sha256_file(opt.model);
  check_output_paths(opt);

  std::vector<data::ImageEntry> calib = data::list_images(opt.calib_dir);
  data::LabelledImages eval;
  if (opt.eval_split > 0) {
    std::vector<data::ImageEntry> held;
    split_folder(calib, held, opt.eval_split);
    if (calib.empty() || held.empty())
      fail_input(opt.calib_dir + ": too few images to hold out " + std::to_string(opt.eval_split) + " of them for evaluation");
    if (!opt.labels.empty()) {
      // The labels name the whole folder's images; the held-out ones keep theirs.
      std::set<std::string> wanted;
      for (const auto& e : held) wanted.insert(e.path);
      const data::LabelledImages all = data::load_labelled_images(opt.calib_dir, opt.labels, warn);
      for (size_t i = 0; i < all.images.size(); ++i)
        if (wanted.count(all.images[i].path)) eval.images.push_back(all.images[i]), eval.labels.push_back(all.labels[i]);
      if (eval.images.empty()) fail_input(opt.labels + ": none of the held-out images of " + opt.calib_dir + " has a label");
    } else {
      eval.images = held;
    }
    out.eval_source.description = std::to_string(opt.eval_split) + " of " + opt.calib_dir + " (image i held out when floor((i+1)p) > floor(ip))";
  } else if (!opt.eval_dir.empty()) {
    if (opt.labels.empty()) eval.images = data::list_images(opt.eval_dir);
    else eval = data::load_labelled_images(opt.eval_dir, opt.labels, warn);
    std::set<std::string> calib_paths;
    for (const auto& e : calib) calib_paths.insert(canonical(e.path));
    size_t overlap = 0;
    for (const auto& e : eval.images) overlap += calib_paths.count(canonical(e.path));
    if (overlap > 0 && !opt.allow_overlap)
      fail(ExitCode::kUsage, opt.eval_dir + ": " + std::to_string(overlap) +
                                 " evaluation images are also calibration images; use disjoint sets (or --allow-overlap)");
    out.eval_source.description = opt.eval_dir;
  }
  if (opt.calib_limit > 0 && calib.size() > opt.calib_limit) calib.resize(opt.calib_limit);
  for (const auto& e : calib) out.calib_files.push_back(e.rel);
  for (const auto& e : eval.images) out.eval_source.files.push_back(e.rel);

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
  out.model_stats = compute_stats(g);

  if (gate_on(opt)) {
    // 2. The gate: the evaluation images held in memory with the float model's results, then the search.
    out.gate_run = true;
    out.metric = chosen_metric(opt);
    t0 = Clock::now();
    const RunFn float_run = [&exec](std::map<std::string, Tensor> f) { return exec.run(std::move(f)); };
    const bool keep = out.metric == Metric::kSqnr;
    const EvalSet set = opt.preprocessing.is_detector()
                            ? prepare_detector_eval_set(g, float_run, eval.images, annotations, opt.preprocessing,
                                                        opt.quiet, warn, keep)
                            : prepare_eval_set(g, float_run, eval.images, eval.labels, opt.preprocessing, opt.quiet, warn, keep);
    out.phase_seconds["evaluate float"] = seconds_since(t0);
    t0 = Clock::now();
    GateOptions go;
    // metric sqnr: loss = -SQNR dB; budget mode: no limit
    go.max_loss = opt.avg_wbits > 0 ? std::numeric_limits<double>::infinity() : sqnr_gate(opt) ? -opt.min_sqnr : opt.max_loss;
    go.budget_avg_wbits = opt.avg_wbits;
    go.metric = out.metric;
    go.objective = opt.avg_wbits > 0 ? Objective::kMemory : parse_objective(opt.objective);
    go.max_evaluations = opt.max_evaluations;
    go.profile.weight_bits = candidate_bits(opt.search.weight_bits);
    go.profile.act_bits = candidate_bits(opt.search.act_bits);
    go.profile.probe_images = opt.profile_images;
    go.profile.probe_weight_bits = std::min(4, opt.search.weight_bits);
    go.profile.probe_act_bits = std::min(5, opt.search.act_bits);
    if (opt.profile_error == "detections") go.profile.output_error = output_error_for(g, opt.preprocessing);
    go.quiet = opt.quiet;
    out.gate = run_gate(g, search_feeds, max_abs, opt.search, set, out.model_stats, go,
                        [&](const std::string& line) { if (!opt.quiet) std::fprintf(stderr, "gate: %s\n", line.c_str()); });
    search_feeds.clear();
    out.phase_seconds["gate"] = seconds_since(t0);
    out.search = std::move(out.gate.chosen_search);
    const EvaluatedPlan& chosen = out.gate.evaluated[out.gate.chosen];
    out.gate_accuracy = chosen.result;
    if (set.detector) {
      out.accuracy.measured = set.annotated();
      out.accuracy.images = set.size();
      out.accuracy.detection = true;
      out.accuracy.float_map = set.float_map;
      out.accuracy.quant_map = chosen.result.quant_map;
      out.accuracy.has_box_agreement = true;
      out.accuracy.box_agreement_pct = 100 * chosen.result.boxes.f1();
    } else {
      out.accuracy.measured = set.labelled();
      out.accuracy.images = set.size();
      out.accuracy.float_topk = set.float_topk;
      out.accuracy.quant_topk = chosen.result.quant_topk;
    }
    out.agreement = chosen.result.agreement;
  } else {
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
    if (!eval.images.empty() && opt.preprocessing.is_detector()) {
      t0 = Clock::now();
      ImageEvalOptions eo;
      eo.quiet = opt.quiet;
      SimulatedModel sim(g, out.search.plan);
      eo.label = "evaluate float";
      const DetectionEvalResult fl = evaluate_detector(exec, eval.images, annotations.get(), opt.preprocessing, eo, warn);
      eo.label = "evaluate quantized";
      const DetectionEvalResult qz =
          evaluate_detector(g, [&sim](std::map<std::string, Tensor> f) { return sim.run(std::move(f)); }, eval.images,
                            annotations.get(), opt.preprocessing, eo, warn);
      out.accuracy.measured = true;
      out.accuracy.images = fl.run.images;
      out.accuracy.detection = true;
      out.accuracy.float_map = fl.map;
      out.accuracy.quant_map = qz.map;
      std::vector<std::vector<detect::Detection>> fd, qd;
      for (const auto& im : fl.images) fd.push_back(im.detections);
      for (const auto& im : qz.images) qd.push_back(im.detections);
      out.accuracy.has_box_agreement = true;
      out.accuracy.box_agreement_pct = 100 * agreement_counts(fd, qd, kAgreementIou, kAgreementMinScore).f1();
      out.phase_seconds["evaluate"] = seconds_since(t0);
    } else if (!eval.images.empty()) {
      t0 = Clock::now();
      ImageEvalOptions eo;
      eo.quiet = opt.quiet;
      SimulatedModel sim(g, out.search.plan);
      eo.label = "evaluate float";
      auto fl = evaluate_images(exec, eval.images, eval.labels, opt.preprocessing, eo, warn);
      eo.label = "evaluate quantized";
      auto qz = evaluate_images(g, [&sim](std::map<std::string, Tensor> f) { return sim.run(std::move(f)); }, eval.images,
                                eval.labels, opt.preprocessing, eo, warn);
      out.accuracy.measured = true;
      out.accuracy.images = fl.images;
      out.accuracy.float_topk = fl.topk;
      out.accuracy.quant_topk = qz.topk;
      out.phase_seconds["evaluate"] = seconds_since(t0);
    }
  }

  // 4. Outputs: the QDQ model, then the report (not when the gate failed, unless asked).
  out.cost = plan_cost(g, out.search, out.model_stats);
  if (out.gate_run && !out.gate.met && !opt.write_best) return out;
  StagedFiles files;
  t0 = Clock::now();
  if (!opt.out_path.empty())
    files.stage(opt.out_path, exporter::qdq_bytes(g, out.search.plan, opt.out_path, opt.model, {opt.qdq_style}));
  out.phase_seconds["export"] = seconds_since(t0);
  out.report = build_report(g, opt, out);
  if (!opt.report_path.empty()) files.stage(opt.report_path, out.report.dump(2) + "\n");
  if (!opt.html_path.empty()) files.stage(opt.html_path, report::html_report(out.report));
  files.commit();
  out.wrote_outputs = true;
  return out;
}

std::string gate_failure_message(const QuantizeOptions& opt, const QuantizeOutcome& out) {
  const EvaluatedPlan& best = out.gate.evaluated[out.gate.chosen];
  char buf[400];
  const char* hint =
      opt.search.per_channel ? "" : "; --per-channel, --method adaround,bias-correction or higher --wbits/--abits may help";
  if (out.metric == Metric::kSqnr) {
    std::snprintf(buf, sizeof buf,
                  "%s: accuracy limit not met: the highest output SQNR reached is %.2f dB (plan at step %zu, %s), below "
                  "--min-sqnr %.2f dB, after %zu evaluations on %zu images%s",
                  opt.model.c_str(), best.result.sqnr_db, best.step,
                  best.step == 0 ? "every layer at the upper bit-widths" : "mixed precision", opt.min_sqnr,
                  out.gate.evaluated.size(), out.gate_accuracy.images, hint);
    return buf;
  }
  std::snprintf(buf, sizeof buf,
                "%s: accuracy limit not met: the smallest %s loss reached is %.2f pp (plan at step %zu, %s), above "
                "--max-loss %.2f pp, after %zu evaluations on %zu images%s",
                opt.model.c_str(), metric_name(out.metric), best.result.loss_pp, best.step,
                best.step == 0 ? "every layer at the upper bit-widths" : "mixed precision", opt.max_loss,
                out.gate.evaluated.size(), out.gate_accuracy.images, hint);
  return buf;
}

}  // namespace fxq::quant
