// The accuracy gate: the cheapest mixed-precision plan (weight memory or bit-ops) whose loss on the
// evaluation images stays within --max-loss (docs/mixed-precision.md, "The gate").
//
//  1. Search the upper-bound plan (every layer and point at the largest candidate), profiling it
//     (search.h: noise tables and gains), and evaluate it. If even it misses the limit, stop.
//  2. Build the greedy path from the profile (mixed_precision.h).
//  3. Bisect along the path on the logarithm of the predicted output error: build the plan of the
//     step (the upstream-aware search at those bit-widths, rounding reused from a cache) and
//     evaluate it in full, stopping early once it certainly fails. A passing step becomes the new
//     lower end, a failing one the upper end, until they are adjacent or the evaluation budget is
//     spent. The chosen plan is the cheapest passing one, and its figures are its own full
//     evaluation.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "engine/model_stats.h"
#include "ir/graph.h"
#include "quant/metric.h"
#include "quant/mixed_precision.h"
#include "quant/plan_cost.h"
#include "quant/search.h"

namespace fxq::quant {

struct GateOptions {
  double max_loss = 1.0;            // pp
  Metric metric = Metric::kTop1;
  Objective objective = Objective::kMemory;
  int max_evaluations = 12;          // full evaluations, the upper-bound plan's included
  // Budget mode (> 0): no bisection; the plan is the first step of the path (objective memory) whose
  // average weight bit-width over the profiled layers is at most this, evaluated once in full.
  double budget_avg_wbits = 0;
  ProfileOptions profile;           // candidates (filled by the caller from --wbits/--abits) and probes
  bool quiet = false;
};

struct EvaluatedPlan {
  size_t step = 0;                  // index on the path (0: the upper bound)
  std::string role;                 // "upper bound", "bisection"
  PathStep path;                    // its bit-widths and predicted figures
  MetricResult result;
  PlanCost cost;                    // of the plan actually built
  bool passed = false;
  double search_seconds = 0, eval_seconds = 0;
};

struct GateResult {
  bool met = false;
  size_t chosen = 0;                // index into `evaluated`: the cheapest passing plan, or the lowest loss
  std::vector<EvaluatedPlan> evaluated;
  SearchResult chosen_search;       // the plan of evaluated[chosen]
  SearchProfile profile;
  std::vector<PathStep> path;
  size_t rounding_cache_entries = 0, rounding_cache_hits = 0;
  double profile_seconds = 0;
};

// Average weight bit-width of a path step over the profiled layers (weights-weighted).
double average_weight_bits(const SearchProfile& profile, const PathStep& step);

GateResult run_gate(const Graph& g, const std::vector<std::map<std::string, Tensor>>& search_images,
                    const std::map<std::string, double>& max_abs, const SearchOptions& base, const EvalSet& eval,
                    const ModelStats& stats, const GateOptions& opt, const std::function<void(const std::string&)>& log);

// "conv1 w4, relu1 a6, ..." style map of a plan: per layer "node: W<b>" and per point "value: A<b>".
std::string bit_map_string(const SearchResult& s);

}  // namespace fxq::quant
