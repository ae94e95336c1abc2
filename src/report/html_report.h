// The HTML page of `fxq quantize --html`, made from the JSON report alone (docs/report.schema.json),
// so fields the report gains can be shown here without touching the search.
//
// Self-contained: inline CSS, inline SVG charts (svg_plot.h), no script, no URL and no file
// reference of any kind, so it reads the same offline, from a CI artefact or an e-mail. It shows:
// the headline (accuracy float vs quantized, weight memory and bit-ops against float32 and
// all-8-bit, bit-width groups), a bar chart of bit-widths per layer, SQNR per layer, one table row
// per entry of the report's `layers` (op, formats Q(b,f), SQNR, params, MACs, bit-ops, note), the
// nodes left in float, the run's settings and, when the report has a `sweep` array, the
// accuracy-vs-size plot (Pareto front, "float" and "all 8-bit" reference points) and its table.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace fxq::report {

// Fields missing from the report are left out, never an exception; a report that is not a JSON
// object is Error kInternal (reports come from fxq).
std::string html_report(const nlohmann::json& report);

// A format as the page writes it: "Q(8,5)" signed, "Q(8,5,u)" unsigned; "Q(8,3..7)" with
// per-channel fracs (their range); "-" for null.
std::string format_text(const nlohmann::json& format, const nlohmann::json& channel_fracs = nullptr);

}  // namespace fxq::report
