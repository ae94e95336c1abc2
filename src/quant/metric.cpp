#include "quant/metric.h"

#include <algorithm>
#include <numeric>

#include "common/error.h"
#include "common/progress.h"
#include "data/image_stream.h"
#include "engine/prepare.h"

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

}  // namespace

const char* metric_name(Metric m) {
  switch (m) {
    case Metric::kTop1: return "top1";
    case Metric::kTop5: return "top5";
    case Metric::kAgreement: return "agreement";
  }
  return "?";
}

Metric parse_metric(const std::string& name) {
  for (Metric m : {Metric::kTop1, Metric::kTop5, Metric::kAgreement})
    if (name == metric_name(m)) return m;
  fail(ExitCode::kUsage, "unknown metric '" + name + "' (known: top1, top5, agreement)");
}

size_t EvalSet::float_hits(Metric m) const {
  if (m == Metric::kAgreement) return size();
  size_t h = 0;
  for (size_t i = 0; i < size(); ++i) h += static_cast<size_t>(float_hit[i] & (m == Metric::kTop1 ? 1 : 2)) ? 1 : 0;
  return h;
}

EvalSet prepare_eval_set(const Graph& g, const RunFn& float_run, const std::vector<data::ImageEntry>& images,
                         const std::vector<int>& labels, const data::PreprocessConfig& cfg, bool quiet,
                         const std::function<void(const std::string&)>& warn) {
  EvalSet set;
  const ValueInfo& in = image_input(g);
  set.input_name = in.name;
  set.output_name = g.outputs.at(0).name;
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
  return set;
}

MetricResult evaluate_metric(const EvalSet& set, const RunFn& run, Metric metric, double max_loss, bool quiet,
                             const std::string& label) {
  if (metric != Metric::kAgreement && !set.labelled())
    fail(ExitCode::kUsage, std::string("metric ") + metric_name(metric) + " needs labels (--labels)");
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
