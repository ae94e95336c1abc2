#include "quant/gate.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

#include "common/error.h"
#include "common/progress.h"
#include "quant/simulate.h"

namespace fxq::quant {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

class Gate {
 public:
  Gate(const Graph& g, const std::vector<std::map<std::string, Tensor>>& images, const std::map<std::string, double>& max_abs,
       const SearchOptions& base, const EvalSet& eval, const ModelStats& stats, const GateOptions& opt,
       const std::function<void(const std::string&)>& log)
      : g_(g), images_(images), max_abs_(max_abs), base_(base), eval_(eval), stats_(stats), opt_(opt), log_(log) {}

  GateResult run() {
    // 1. The upper bound, profiled.
    SearchOptions upper = base_;
    upper.weight_bits = opt_.profile.weight_bits.back();
    upper.act_bits = opt_.profile.act_bits.back();
    auto t0 = Clock::now();
    SearchExtras extras{&cache_, &opt_.profile, &res_.profile};
    SearchResult s0 = search(upper, "profile", extras);
    res_.profile_seconds = seconds_since(t0);
    res_.path = greedy_path(g_, res_.profile, stats_, opt_.objective, opt_.profile.weight_bits, opt_.profile.act_bits);
    std::vector<SearchResult> built(res_.path.size());
    if (opt_.budget_avg_wbits > 0) return run_budget(std::move(s0), built);
    evaluate(0, "upper bound", std::move(s0), res_.profile_seconds, built);
    if (!res_.evaluated.back().passed) return finish(built);

    // 2./3. Bisection on log(predicted error) along the path.
    size_t lo = 0, hi = res_.path.size();  // lo passes; hi fails (path.size(): none known to fail yet)
    const double floor_noise = std::max(res_.path.back().predicted_noise * 1e-9, 1e-30);
    auto log_noise = [&](size_t k) { return std::log(res_.path[k].predicted_noise + floor_noise); };
    while (hi - lo > 1 && static_cast<int>(res_.evaluated.size()) < opt_.max_evaluations) {
      const size_t top = hi - 1;  // the highest step still open
      const double target = 0.5 * (log_noise(lo) + log_noise(top));
      size_t k = lo + 1;
      while (k < top && log_noise(k) < target) ++k;
      const auto t1 = Clock::now();
      SearchResult s = search(plan_options(k), "search step " + std::to_string(k), {&cache_, nullptr, nullptr});
      evaluate(k, "bisection", std::move(s), seconds_since(t1), built);
      if (res_.evaluated.back().passed) lo = k;
      else hi = k;
    }
    return finish(built);
  }

 private:
  // Budget mode: the first step within the average weight bit-width (the path's memory only falls).
  GateResult run_budget(SearchResult s0, std::vector<SearchResult>& built) {
    size_t k = 0;
    while (k + 1 < res_.path.size() && average_weight_bits(res_.profile, res_.path[k]) > opt_.budget_avg_wbits) ++k;
    if (k == 0) {
      evaluate(0, "budget", std::move(s0), res_.profile_seconds, built);
    } else {
      const auto t1 = Clock::now();
      SearchResult s = search(plan_options(k), "search step " + std::to_string(k), {&cache_, nullptr, nullptr});
      evaluate(k, "budget", std::move(s), seconds_since(t1), built);
    }
    return finish(built);
  }

  SearchOptions plan_options(size_t k) const {
    SearchOptions o = with_bits(base_, res_.path[k].bits);
    o.weight_bits = opt_.profile.weight_bits.back();
    o.act_bits = opt_.profile.act_bits.back();
    return o;
  }

  SearchResult search(const SearchOptions& o, const std::string& label, const SearchExtras& extras) {
    Progress progress(label, g_.nodes.size(), opt_.quiet);
    SearchResult s = search_plan(g_, images_, o, max_abs_, [&](size_t, size_t) { progress.advance(); }, extras);
    progress.done();
    return s;
  }

  void evaluate(size_t step, const std::string& role, SearchResult s, double search_seconds, std::vector<SearchResult>& built) {
    EvaluatedPlan e;
    e.step = step;
    e.role = role;
    e.path = res_.path.at(step);
    e.search_seconds = search_seconds;
    e.cost = plan_cost(g_, s, stats_);
    const auto t0 = Clock::now();
    SimulatedModel sim(g_, s.plan);
    e.result = evaluate_metric(eval_, [&sim](std::map<std::string, Tensor> f) { return sim.run(std::move(f)); }, opt_.metric,
                               opt_.max_loss, opt_.quiet, "evaluate step " + std::to_string(step));
    e.eval_seconds = seconds_since(t0);
    e.passed = e.result.complete && e.result.loss_pp <= opt_.max_loss;
    char line[300];
    char what[120];
    if (opt_.metric == Metric::kSqnr) std::snprintf(what, sizeof what, "SQNR %.2f dB", e.result.sqnr_db);
    else std::snprintf(what, sizeof what, "loss %s%.2f pp", e.result.complete ? "" : ">= ", e.result.loss_pp);
    std::snprintf(line, sizeof line, "step %zu (%s): %s%s, weights %.1f %% and bit-ops %.1f %% of all-8-bit, %s",
                  step, role.c_str(), what,
                  e.result.complete ? "" : (" (stopped after " + std::to_string(e.result.images) + " images)").c_str(),
                  100 * e.cost.weight_bits / e.cost.all8_bits, 100 * e.cost.bitops / std::max(1.0, e.cost.all8_bitops),
                  e.passed ? "passes" : "fails");
    if (log_) log_(line);
    built[step] = std::move(s);
    res_.evaluated.push_back(std::move(e));
  }

  double objective_cost(const PlanCost& c) const {
    switch (opt_.objective) {
      case Objective::kMemory: return c.weight_bits;
      case Objective::kBitops: return c.bitops;
      case Objective::kBalanced: break;
    }
    const PlanCost& up = res_.evaluated.front().cost;  // the upper bound, as the path measures it
    return c.weight_bits / std::max(up.weight_bits, 1.0) + c.bitops / std::max(up.bitops, 1.0);
  }

  GateResult finish(std::vector<SearchResult>& built) {
    size_t best = 0;
    bool any = false;
    for (size_t i = 0; i < res_.evaluated.size(); ++i) {
      const auto& e = res_.evaluated[i];
      if (e.passed && (!any || objective_cost(e.cost) < objective_cost(res_.evaluated[best].cost))) best = i, any = true;
    }
    if (!any)  // the closest: the lowest loss (a lower bound for stopped plans, which are then never closest)
      for (size_t i = 0; i < res_.evaluated.size(); ++i)
        if (res_.evaluated[i].result.loss_pp < res_.evaluated[best].result.loss_pp) best = i;
    res_.met = any;
    res_.chosen = best;
    EvaluatedPlan& e = res_.evaluated[best];
    if (!e.result.complete) {
      // Not met, and even the closest plan was stopped early: evaluate it in full, so that the loss
      // reported is its loss, not a bound.
      const auto t0 = Clock::now();
      SimulatedModel sim(g_, built[e.step].plan);
      e.result = evaluate_metric(eval_, [&sim](std::map<std::string, Tensor> f) { return sim.run(std::move(f)); },
                                 opt_.metric, std::numeric_limits<double>::infinity(), opt_.quiet, "evaluate the closest plan");
      e.eval_seconds += seconds_since(t0);
    }
    res_.chosen_search = std::move(built[res_.evaluated[best].step]);
    res_.rounding_cache_entries = cache_.size();
    res_.rounding_cache_hits = cache_.hits();
    return std::move(res_);
  }

  const Graph& g_;
  const std::vector<std::map<std::string, Tensor>>& images_;
  const std::map<std::string, double>& max_abs_;
  SearchOptions base_;
  const EvalSet& eval_;
  const ModelStats& stats_;
  GateOptions opt_;
  std::function<void(const std::string&)> log_;
  RoundingCache cache_;
  GateResult res_;
};

}  // namespace

GateResult run_gate(const Graph& g, const std::vector<std::map<std::string, Tensor>>& search_images,
                    const std::map<std::string, double>& max_abs, const SearchOptions& base, const EvalSet& eval,
                    const ModelStats& stats, const GateOptions& opt, const std::function<void(const std::string&)>& log) {
  FXQ_CHECK(!opt.profile.weight_bits.empty() && !opt.profile.act_bits.empty(), "the gate needs candidate bit-widths");
  return Gate(g, search_images, max_abs, base, eval, stats, opt, log).run();
}

double average_weight_bits(const SearchProfile& profile, const PathStep& step) {
  double bits = 0, weights = 0;
  for (const auto& l : profile.layers) {
    const auto it = step.bits.weight.find(l.node);
    if (it == step.bits.weight.end()) continue;
    bits += static_cast<double>(l.weights) * it->second;
    weights += static_cast<double>(l.weights);
  }
  return weights > 0 ? bits / weights : 0.0;
}

std::string bit_map_string(const SearchResult& s) {
  std::string out;
  for (const auto& r : s.layers) {
    std::string item;
    if (r.has_weight) item += "W" + std::to_string(r.weight.bits);
    if (r.has_output) item += "A" + std::to_string(r.output.bits);
    if (item.empty()) continue;
    out += (out.empty() ? "" : ", ") + r.node + " " + item;
  }
  return out;
}

}  // namespace fxq::quant
