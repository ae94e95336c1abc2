// The end-of-run summary of `fxq quantize`, for people: a few plain-text lines made from the JSON
// report alone (docs/report.schema.json), so that what the report gains shows up here without
// touching the search. At most ~25 lines whatever the model's size: the per-layer table is printed
// only for models with at most 13 rows in the report's layer list; bigger models get the bit-width
// groups and their three lowest-SQNR layers instead.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace fxq::report {

// Lines ending in '\n'. Fields missing from `report` are left out (never an exception), except a
// report that is not a JSON object: Error kInternal (reports come from fxq).
std::string format_summary(const nlohmann::json& report);

// "W8A8 x12, W6A8 x3": layers with weights grouped by weight bits and input activation bits (the
// multiplier's two operands), largest group first; "" when there is no such layer.
std::string bit_groups(const nlohmann::json& report);

}  // namespace fxq::report
