// The JSON report of `fxq quantize` (schema: docs/report.schema.json, schema_version below).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "ir/graph.h"
#include "quant/quantize.h"

namespace fxq::quant {

constexpr int kReportSchemaVersion = 1;

nlohmann::json build_report(const Graph& g, const QuantizeOptions& opt, const QuantizeOutcome& out);
// Atomic write; Error kOutput if it cannot be written.
void write_report(const std::string& path, const Graph& g, const QuantizeOptions& opt, const QuantizeOutcome& out);

// Totals of a plan: weight memory (weights at their bit-widths, biases at 32 bits) against float32
// and against all-8-bit weights; bit-ops (weight bits x input activation bits x MACs) against 8x8.
struct PlanCost {
  double weight_bits = 0, float32_bits = 0, all8_bits = 0;
  double bitops = 0, all8_bitops = 0;
};
PlanCost plan_cost(const Graph& g, const SearchResult& s, const ModelStats& ms);

}  // namespace fxq::quant
