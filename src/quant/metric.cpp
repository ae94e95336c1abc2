#include "quant/metric.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/error.h"
#include "common/progress.h"
#include "data/image_stream.h"
#include "detect/postprocess.h"
#include "engine/prepare.h"
#include "eval/sqnr.h"

namespace fxq::quant {
namespace {

constexpr size_t kBatch = 16;  // images per run when the model's batch dim is dynamic

int64_t argmax(const float* s, int64_t n) { return std::max_element(s, s + n) - s; }

// float top-1 minus the runner-up: how far the float model is from changing its answer.
float margin(const float* s, int64_t n) {
  const int64_t best = argmax(s, n);
  float second = -std::numeric_limits<float>::infinity();
  for (int64_t c = 0; c < n; ++c)
    if (c != best) second = std::max(second, s[c]);
  return n > 1 ? s[best] - second : 0.0f;
}

bool hit(Metric m, const float* s, int64_t n, int label, int float_class) {
  switch (m) {
    case Metric::kTop1: return rank_of(s, n, label) < 1;
    case Metric::kTop5: return rank_of(s, n, label) < 5;
    case Metric::kAgreement: return argmax(s, n) == float_class;
    case Metric::kMap50:
    case Metric::kSqnr: break;  // not per image
  }
  return false;
}

// Runs the model on images [first, first + count) of `inputs` at once (dynamic batch) and returns
// the scores of output 0, image by image.
std::vector<std::vector<float>> scores_of(const RunFn& run, const std::string& input, const std::string& output,
                                          const std::vector<const Tensor*>& batch) {
  Tensor x = *batch[0];
  if (batch.size() > 1) {
    x.shape[0] = static_cast<int64_t>(batch.size());
    for (size_t k = 1; k < batch.size(); ++k) x.f.insert(x.f.end(), batch[k]->f.begin(), batch[k]->f.end());
  }
  std::map<std::string, Tensor> feed;
  feed[input] = std::move(x);
  const Tensor y = run(std::move(feed)).at(output);
  if (!y.is_float() || y.size() % static_cast<int64_t>(batch.size()) != 0)
    fail_unsupported("output '" + output + "' is not a per-image float score vector");
  const int64_t classes = y.size() / static_cast<int64_t>(batch.size());
  std::vector<std::vector<float>> out;
  for (size_t k = 0; k < batch.size(); ++k) out.emplace_back(y.f.begin() + k * classes, y.f.begin() + (k + 1) * classes);
  return out;
}

// Calls f(first, scores of each image) over the set in batches.
template <class F>
void for_each_batch(const EvalSet& set, const RunFn& run, F f) {
  const size_t step = set.dynamic_batch ? kBatch : 1;
  for (size_t first = 0; first < set.size(); first += step) {
    std::vector<const Tensor*> batch;
    for (size_t k = first; k < std::min(set.size(), first + step); ++k) batch.push_back(&set.inputs[k]);
    if (!f(first, scores_of(run, set.input_name, set.output_name, batch))) return;
  }
}

// Every graph output of one image (the set's inputs are single images), in graph-output order.
std::vector<Tensor> outputs_of(const RunFn& run, const EvalSet& set, size_t i) {
  std::map<std::string, Tensor> feed;
  feed[set.input_name] = set.inputs[i];
  std::map<std::string, Tensor> res = run(std::move(feed));
  std::vector<Tensor> out;
  for (const auto& name : set.output_names) out.push_back(std::move(res.at(name)));
  return out;
}

std::vector<detect::Detection> detections_of(const EvalSet& set, size_t i, const std::vector<Tensor>& outs) {
  detect::RawOutputs raw;
  for (size_t o = 0; o < outs.size(); ++o) raw.tensors.push_back(&outs[o]), raw.names.push_back(set.output_names[o]);
  return detect::postprocess(set.cfg.detect, set.cfg.width, set.cfg.height, raw, set.geoms[i]);
}

detect::MapResult map_of(const EvalSet& set, const std::vector<std::vector<detect::Detection>>& dets) {
  detect::MapEvaluator ev(set.cfg.detect.num_classes);
  for (size_t i = 0; i < set.size(); ++i) {
    const size_t a = static_cast<size_t>(set.annotation[i]);
    ev.add_image(a, set.annotations->images[a].objects, dets[i]);
  }
  return ev.finish();
}

std::vector<std::string> output_names_of(const Graph& g) {
  std::vector<std::string> v;
  for (const auto& o : g.outputs) v.push_back(o.name);
  return v;
}

void keep_float_outputs(EvalSet& set, const RunFn& float_run, bool quiet) {
  Progress progress("keep float outputs", set.size(), quiet);
  for (size_t i = 0; i < set.size(); ++i) {
    set.float_outputs.push_back(outputs_of(float_run, set, i));
    progress.advance();
  }
  progress.done();
}

// Detector metrics and sqnr: every image, all outputs.
MetricResult evaluate_whole(const EvalSet& set, const RunFn& run, Metric metric, bool quiet, const std::string& label) {
  MetricResult r;
  const bool keep = !set.float_outputs.empty();
  SqnrAccumulator sqnr;
  std::vector<std::vector<detect::Detection>> dets;
  Progress progress(label, set.size(), quiet);
  for (size_t i = 0; i < set.size(); ++i) {
    const std::vector<Tensor> outs = outputs_of(run, set, i);
    if (keep)
      for (size_t o = 0; o < outs.size(); ++o) sqnr.add(set.float_outputs[i][o], outs[o]);
    if (set.detector) dets.push_back(detections_of(set, i, outs));
    ++r.images;
    progress.advance();
  }
  progress.done();
  r.complete = true;
  if (keep) r.sqnr_db = sqnr.db();
  if (set.detector) {
    r.boxes = agreement_counts(set.float_dets, dets, kAgreementIou, kAgreementMinScore);
    if (set.annotated()) r.quant_map = map_of(set, dets);
  }
  switch (metric) {
    case Metric::kMap50:
      r.float_pct = 100 * set.float_map.map50;
      r.quant_pct = 100 * r.quant_map.map50;
      r.loss_pp = r.float_pct - r.quant_pct;
      break;
    case Metric::kAgreement:
      r.float_pct = 100;
      r.quant_pct = 100 * r.boxes.f1();
      r.loss_pp = r.float_pct - r.quant_pct;
      break;
    case Metric::kSqnr:
      // No float value to lose from: the loss is -SQNR, so "loss <= -min_sqnr" is "SQNR >= min_sqnr". A NaN
      // SQNR (non-finite outputs) becomes +inf loss: such a plan never passes.
      r.float_pct = std::numeric_limits<double>::infinity();
      r.quant_pct = r.sqnr_db;
      r.loss_pp = std::isnan(r.sqnr_db) ? std::numeric_limits<double>::infinity() : -r.sqnr_db;
      break;
    default: FXQ_CHECK(false, "evaluate_whole: a per-image metric");
  }
  return r;
}

}  // namespace

const std::vector<MetricDef>& metrics() {
  static const std::vector<MetricDef> table = {
      {Metric::kTop1, "top1", true, false, true, false, "classifiers: top-1 accuracy against --labels"},
      {Metric::kTop5, "top5", true, false, true, false, "classifiers: top-5 accuracy against --labels"},
      {Metric::kAgreement, "agreement", true, true, false, false,
       "no labels needed: classifiers, quantized top-1 == float top-1; detectors, the F1 of the quantized boxes "
       "against the float ones (same class, IoU >= 0.5, score >= 0.3); the float model scores 100 %"},
      {Metric::kMap50, "map50", false, true, false, true, "detectors: COCO mAP@0.5 against --annotations"},
      {Metric::kSqnr, "sqnr", true, true, false, false,
       "any model, no decoder: SQNR (dB) of the raw outputs, quantized vs float; gated with --min-sqnr DB"},
  };
  return table;
}

const MetricDef& metric_def(Metric m) {
  for (const auto& d : metrics())
    if (d.id == m) return d;
  FXQ_CHECK(false, "metric missing from the table");
  return metrics().front();
}

const char* metric_name(Metric m) { return metric_def(m).name; }

std::string metric_names() {
  std::string s;
  for (const auto& d : metrics()) s += (s.empty() ? "" : ", ") + std::string(d.name);
  return s;
}

Metric parse_metric(const std::string& name) {
  for (const auto& d : metrics())
    if (name == d.name) return d.id;
  fail(ExitCode::kUsage, "unknown metric '" + name + "' (known: " + metric_names() + ")");
}

std::string metric_usage_problem(Metric m, bool detector, bool has_labels, bool has_annotations) {
  const MetricDef& d = metric_def(m);
  const std::string name = std::string("--metric ") + d.name;
  if (detector && !d.detector)
    return name + " is for classifiers, but the preprocessing is a detector's (detectors: map50 with --annotations, "
                  "agreement, sqnr)";
  if (!detector && !d.classifier) return name + " is for detectors (a preset with \"task\": \"detect\")";
  if (d.needs_labels && !has_labels) return name + " needs --labels (or use --metric agreement)";
  if (d.needs_annotations && !has_annotations) return name + " needs --annotations COCO.json (or use --metric agreement)";
  return "";
}

size_t EvalSet::float_hits(Metric m) const {
  if (m == Metric::kAgreement || m == Metric::kMap50 || m == Metric::kSqnr) return size();
  size_t h = 0;
  for (size_t i = 0; i < size(); ++i) h += static_cast<size_t>(float_hit[i] & (m == Metric::kTop1 ? 1 : 2)) ? 1 : 0;
  return h;
}

EvalSet prepare_eval_set(const Graph& g, const RunFn& float_run, const std::vector<data::ImageEntry>& images,
                         const std::vector<int>& labels, const data::PreprocessConfig& cfg, bool quiet,
                         const std::function<void(const std::string&)>& warn, bool keep_outputs) {
  EvalSet set;
  const ValueInfo& in = image_input(g);
  set.input_name = in.name;
  set.output_name = g.outputs.at(0).name;
  set.output_names = output_names_of(g);
  set.dynamic_batch = in.shape[0] < 0;
  std::vector<Tensor> inputs;
  std::vector<int> lab;
  {
    data::ImageStream stream(images, labels, cfg, kBatch, warn);
    Progress progress("load evaluation images", stream.total(), quiet);
    std::vector<data::Sample> batch;
    while (stream.next(batch))
      for (auto& s : batch) {
        inputs.push_back(std::move(s.tensor));
        lab.push_back(s.label);
        set.files.push_back(s.entry.rel);
        progress.advance();
      }
    progress.done();
    set.skipped = stream.skipped();
  }
  if (inputs.empty()) fail_input("no evaluation image could be decoded");
  // The float model, once.
  EvalSet tmp;
  tmp.input_name = set.input_name;
  tmp.output_name = set.output_name;
  tmp.dynamic_batch = set.dynamic_batch;
  tmp.inputs = std::move(inputs);
  std::vector<float> margins(tmp.size());
  std::vector<int> cls(tmp.size());
  std::vector<char> hits(tmp.size());
  Progress progress("evaluate float", tmp.size(), quiet);
  for_each_batch(tmp, float_run, [&](size_t first, const std::vector<std::vector<float>>& scores) {
    for (size_t k = 0; k < scores.size(); ++k) {
      const size_t i = first + k;
      const float* s = scores[k].data();
      const int64_t n = static_cast<int64_t>(scores[k].size());
      cls[i] = static_cast<int>(argmax(s, n));
      margins[i] = margin(s, n);
      if (lab[i] >= 0) {
        set.float_topk.add(s, n, lab[i]);
        hits[i] = static_cast<char>((rank_of(s, n, lab[i]) < 1 ? 1 : 0) | (rank_of(s, n, lab[i]) < 5 ? 2 : 0));
      }
      progress.advance();
    }
    return true;
  });
  progress.done();
  // Evaluation order: smallest float margin first (stable, so ties keep the folder's order).
  std::vector<size_t> order(tmp.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return margins[a] < margins[b]; });
  for (size_t i : order) {
    set.inputs.push_back(std::move(tmp.inputs[i]));
    set.labels.push_back(lab[i]);
    set.float_class.push_back(cls[i]);
    set.float_hit.push_back(hits[i]);
  }
  if (keep_outputs) keep_float_outputs(set, float_run, quiet);
  return set;
}

EvalSet prepare_detector_eval_set(const Graph& g, const RunFn& float_run, const std::vector<data::ImageEntry>& images,
                                  std::shared_ptr<const detect::CocoAnnotations> annotations,
                                  const data::PreprocessConfig& cfg, bool quiet,
                                  const std::function<void(const std::string&)>& warn, bool keep_outputs) {
  FXQ_CHECK(cfg.is_detector(), "prepare_detector_eval_set: not a detector's preprocessing");
  EvalSet set;
  const ValueInfo& in = image_input(g);
  set.input_name = in.name;
  set.output_name = g.outputs.at(0).name;
  set.output_names = output_names_of(g);
  set.detector = true;
  set.cfg = cfg;
  set.annotations = annotations;
  std::vector<data::ImageEntry> todo = images;
  std::map<std::string, size_t> annotation_of;  // rel -> index in annotations->images
  if (annotations) {
    if (static_cast<int>(annotations->categories.size()) != cfg.detect.num_classes)
      fail_input(annotations->source + ": " + std::to_string(annotations->categories.size()) + " categories, but " +
                 (cfg.source.empty() ? cfg.name : cfg.source) + " says the model has " +
                 std::to_string(cfg.detect.num_classes) + " classes");
    todo.clear();
    for (const auto& [entry, index] : detect::match_annotated_images(images, *annotations, warn)) {
      todo.push_back(entry);
      annotation_of[entry.rel] = index;
    }
  }
  {
    data::ImageStream stream(todo, {}, cfg, kBatch, warn);
    Progress progress("load evaluation images", stream.total(), quiet);
    std::vector<data::Sample> batch;
    while (stream.next(batch))
      for (auto& s : batch) {
        set.inputs.push_back(std::move(s.tensor));
        set.geoms.push_back(s.geom);
        set.files.push_back(s.entry.rel);
        set.annotation.push_back(annotations ? static_cast<long>(annotation_of.at(s.entry.rel)) : -1);
        progress.advance();
      }
    progress.done();
    set.skipped = stream.skipped();
  }
  if (set.inputs.empty()) fail_input("no evaluation image could be decoded");
  Progress progress("evaluate float", set.size(), quiet);
  for (size_t i = 0; i < set.size(); ++i) {
    std::vector<Tensor> outs = outputs_of(float_run, set, i);
    set.float_dets.push_back(detections_of(set, i, outs));
    if (keep_outputs) set.float_outputs.push_back(std::move(outs));
    progress.advance();
  }
  progress.done();
  if (annotations) set.float_map = map_of(set, set.float_dets);
  return set;
}

MetricResult evaluate_metric(const EvalSet& set, const RunFn& run, Metric metric, double max_loss, bool quiet,
                             const std::string& label) {
  const std::string problem = metric_usage_problem(metric, set.detector, set.labelled(), set.annotated());
  if (!problem.empty()) fail(ExitCode::kUsage, problem);
  if (metric == Metric::kSqnr && set.float_outputs.empty())
    fail(ExitCode::kUsage, "metric sqnr: the evaluation set was prepared without the float outputs");
  if (set.detector || metric == Metric::kSqnr) return evaluate_whole(set, run, metric, quiet, label);
  MetricResult r;
  const size_t n = set.size(), f_hits = set.float_hits(metric);
  Progress progress(label, n, quiet);
  for_each_batch(set, run, [&](size_t first, const std::vector<std::vector<float>>& scores) {
    for (size_t k = 0; k < scores.size(); ++k) {
      const size_t i = first + k;
      const float* s = scores[k].data();
      const int64_t c = static_cast<int64_t>(scores[k].size());
      r.hits += hit(metric, s, c, set.labels[i], set.float_class[i]) ? 1 : 0;
      r.agreement += argmax(s, c) == set.float_class[i] ? 1 : 0;
      if (set.labels[i] >= 0) r.quant_topk.add(s, c, set.labels[i]);
      ++r.images;
      progress.advance();
    }
    // The best the remaining images can do: all of them hits.
    const double bound = 100.0 * (static_cast<double>(f_hits) - static_cast<double>(r.hits + (n - r.images))) / n;
    if (bound > max_loss) {
      r.loss_pp = bound;
      return false;
    }
    return true;
  });
  progress.done();
  r.complete = r.images == n;
  r.float_pct = 100.0 * static_cast<double>(f_hits) / n;
  if (r.complete) {
    r.quant_pct = 100.0 * static_cast<double>(r.hits) / n;
    r.loss_pp = r.float_pct - r.quant_pct;
  }
  return r;
}

}  // namespace fxq::quant
