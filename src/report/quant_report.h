// The JSON report of `fxq quantize` (schema: docs/report.schema.json, schema_version below).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "ir/graph.h"
#include "quant/quantize.h"

namespace fxq::quant {

constexpr int kReportSchemaVersion = 2;

nlohmann::json build_report(const Graph& g, const QuantizeOptions& opt, const QuantizeOutcome& out);
// Atomic write; Error kOutput if it cannot be written.
void write_report(const std::string& path, const Graph& g, const QuantizeOptions& opt, const QuantizeOutcome& out);

}  // namespace fxq::quant
