// What people read: the SVG chart writer, the end-of-run summary and the HTML page, each from a
// report built here by hand (so the expected lines and counts are known without running fxq). The
// HTML is checked by Python's own html.parser (tests/check_html.py), not by fxq's writer.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/progress.h"
#include "report/html_report.h"
#include "report/report_text.h"
#include "report/summary.h"
#include "report/svg_plot.h"
#include "test_support.h"

using namespace fxq;
using json = nlohmann::json;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

size_t count_of(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

json fmt(int bits, int frac, bool is_signed = true) {
  return {{"bits", bits}, {"frac", frac}, {"signed", is_signed}, {"step", std::ldexp(1.0, -frac)}};
}

// A conv layer row as build_report writes it.
json conv_row(const std::string& name, int wbits, int in_bits, double sqnr) {
  return {{"name", name}, {"op", "Conv+Relu"}, {"weight", fmt(wbits, 7)}, {"bias", fmt(32, 12)}, {"input", fmt(in_bits, 5)},
          {"output", fmt(8, 5, false)}, {"sqnr_db", sqnr}, {"note", ""}, {"params", 100}, {"macs", 1000},
          {"bitops", 1000.0 * wbits * in_bits}};
}

json add_row(const std::string& name, double sqnr) {
  return {{"name", name}, {"op", "Add"}, {"weight", nullptr}, {"bias", nullptr}, {"output", fmt(8, 4)},
          {"sqnr_db", sqnr}, {"note", ""}, {"params", 0}, {"macs", 0}};
}

json small_report() {
  json layers = json::array({conv_row("/conv1/Conv", 8, 8, 35.0), conv_row("/conv2/Conv", 4, 8, 21.5), add_row("/Add", 30.0),
                             conv_row("/conv3/Conv", 8, 8, 28.0)});
  return {{"schema_version", 2},
          {"fxq_version", "0.1.0"},
          {"model", {{"path", "models/m.onnx"}, {"sha256", std::string(64, 'a')}, {"opset", 13}, {"params", 73978}, {"macs", 11700000}}},
          {"calibration", {{"dir", "calib/"}, {"count", 500}, {"skipped", 0}, {"files_sha256", std::string(64, 'b')},
                           {"search_images", 64}, {"observer", "minmax"}}},
          {"preprocessing", "fashion-mnist-28"},
          {"options", {{"weight_bits", 8}, {"act_bits", 8}, {"upstream_aware", true}, {"frac_candidates", 4},
                       {"act_frac_candidates", 8}, {"rounding", "half_to_even"}, {"weight_granularity", "per_tensor"},
                       {"methods", json::array({{{"name", "nearest"}, {"help", "round to nearest"}}})}}},
          {"layers", layers},
          {"float_nodes", json::array()},
          {"totals", {{"weight_bytes", {{"quantized", 250.0}, {"float32", 1000.0}, {"all_8bit", 300.0}}},
                      {"weight_memory_vs_float32", 0.25}, {"weight_memory_vs_all_8bit", 250.0 / 300},
                      {"bitops", {{"quantized", 160000.0}, {"all_8bit", 192000.0}, {"float32", 3072000.0}}},
                      {"bitops_vs_all_8bit", 160000.0 / 192000}, {"bitops_vs_float32", 160000.0 / 3072000}}},
          {"phase_seconds", {{"calibrate", 2.5}, {"search", 125.0}, {"export", 0.04}}},
          {"accuracy", {{"eval_dir", "eval/"}, {"images", 1000}, {"float", {{"top1", 94.1}, {"top5", 100.0}}},
                        {"quantized", {{"top1", 93.5}, {"top5", 99.9}}}, {"loss_top1_pp", 0.6}, {"loss_top5_pp", 0.1}}},
          {"outputs", {{"model", "out/m.fxq.onnx"}, {"report", "out/m.fxq.json"}, {"html", nullptr}}},
          {"evaluation", nullptr},
          {"gate", nullptr}};
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

// Runs tests/check_html.py (Python's html.parser) on a page.
json check_html(const std::string& page) {
  const std::string dir = test::temp_dir("html");
  test::write_bytes(dir + "/page.html", page);
  const auto r = test::run_command("/usr/bin/python3 " + std::string(FXQ_SOURCE_DIR) + "/tests/check_html.py " + dir + "/page.html");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

int64_t counted(const json& check, const std::string& key) { return check["counts"].value(key, int64_t{0}); }

}  // namespace

TEST_CASE("nice_ticks: steps of 1, 2 or 5 x 10^k covering the range", "[report]") {
  using V = std::vector<double>;
  REQUIRE(report::nice_ticks(0, 8, 5) == V{0, 2, 4, 6, 8});           // raw step 1.6 -> 2
  REQUIRE(report::nice_ticks(0, 95.3, 5) == V{0, 20, 40, 60, 80, 100});  // raw 19.06 -> 20
  REQUIRE(report::nice_ticks(-3.2, 41, 5) == V{-10, 0, 10, 20, 30, 40, 50});  // raw 8.84 -> 10
  const auto small = report::nice_ticks(0.013, 0.0471, 4);             // raw 0.0085 -> 0.01
  REQUIRE(small.size() == 5);
  CHECK(small.front() == Approx(0.01));
  CHECK(small.back() == Approx(0.05));
  const auto flat = report::nice_ticks(5, 5, 5);  // widened to [4.5, 5.5], step 0.2
  CHECK(flat.front() == Approx(4.4));
  CHECK(flat.back() == Approx(5.6));
  CHECK(report::nice_ticks(0, 0, 5).size() >= 2);
  REQUIRE(report::log_ticks(30, 296) == V{20, 50, 100, 200, 500});
  REQUIRE(report::log_ticks(1, 10) == V{1, 2, 5, 10});
}

TEST_CASE("numbers and text for people", "[report]") {
  CHECK(report::format_number(-1e-17) == "0");
  CHECK(report::format_number(0.1 + 0.2) == "0.3");
  CHECK(report::format_number(100) == "100");
  CHECK(report::xml_escape("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  CHECK(report::with_commas(73978) == "73,978");
  CHECK(report::with_commas(-1234567) == "-1,234,567");
  CHECK(report::with_commas(999) == "999");
  CHECK(report::si(749068288) == "749 M");
  CHECK(report::si(11.7e6) == "11.7 M");
  CHECK(report::si(2.5e9) == "2.50 G");
  CHECK(report::si(512) == "512");
  CHECK(report::bytes(74680) == "74.7 kB");
  CHECK(report::bytes(2.5e6) == "2.50 MB");
  CHECK(report::bytes(300) == "300 B");
  CHECK(report::shorten("/layer3/layer3.2/conv2/Conv", 12) == "\u2026/conv2/Conv");  // 1 + 11 characters
  CHECK(report::shorten("short", 12) == "short");
  CHECK(format_duration(0.44) == "0.4s");
  CHECK(format_duration(14.2) == "14s");
  CHECK(format_duration(125) == "2m05s");
  CHECK(format_duration(3725) == "1h02m");
  CHECK(format_duration(3599.7) == "1h00m");
  CHECK(report::format_text(fmt(8, 5)) == "Q(8,5)");
  CHECK(report::format_text(fmt(6, -2, false)) == "Q(6,-2,u)");
  CHECK(report::format_text(fmt(8, 3), json::array({3, 7, 5})) == "Q(8,3..7)");
  CHECK(report::format_text(nullptr) == "-");
}

TEST_CASE("bar chart: one bar per finite value, heights to scale", "[report]") {
  report::BarChart c;
  c.title = "bits <per> layer";
  c.categories = {"a", "b", "c"};
  c.series = {{"weights", "#00f", {8, kNaN, 4}}, {"outputs", "#f80", {8, 8, 8}}};
  const std::string svg = report::bar_chart_svg(c);
  // Bars are the only rects with a <title> child (background and legend rects close themselves).
  REQUIRE(count_of(svg, "</rect>") == 5);
  // y axis 0..8 (ticks 0,2,...,8) over 320 - 48 (top) - 120 (bottom) = 152 px: 8 -> 152 px, 4 -> 76 px.
  CHECK(count_of(svg, "height=\"152.0\"") == 4);
  CHECK(count_of(svg, "height=\"76.0\"") == 1);
  CHECK(svg.find("bits &lt;per&gt; layer") != std::string::npos);
  CHECK(svg.find("http") == std::string::npos);
  // hundreds of categories widen the chart instead of squeezing the bars below 5 px
  report::BarChart many;
  for (int k = 0; k < 300; ++k) many.categories.push_back("layer" + std::to_string(k));
  many.series = {{"w", "#00f", std::vector<double>(300, 8.0)}, {"a", "#f80", std::vector<double>(300, 8.0)}};
  const std::string wide = report::bar_chart_svg(many);
  const double width = std::stod(wide.substr(wide.find("width=\"") + 7));
  CHECK(width >= 300 * (5.0 * 2 + 4));
}

TEST_CASE("scatter plot: Pareto front joined in x order, reference points labelled", "[report]") {
  report::ScatterPlot p;
  p.title = "loss vs size";
  p.x_label = "kB";
  p.y_label = "loss pp";
  p.points = {{30, 1, "W4", true}, {10, 5, "W2", true}, {20, 9, "W3", false}};
  p.references = {{40, 0, "float"}, {35, 0.5, "all 8-bit"}};
  const std::string svg = report::scatter_plot_svg(p);
  CHECK(count_of(svg, "</circle>") == 3);
  CHECK(count_of(svg, "</polygon>") == 2);
  CHECK(svg.find(">float<") != std::string::npos);
  CHECK(svg.find(">all 8-bit<") != std::string::npos);
  const size_t pl = svg.find("<polyline");
  REQUIRE(pl != std::string::npos);
  const std::string pts = svg.substr(svg.find("points=\"", pl) + 8);
  const double x_first = std::stod(pts), x_second = std::stod(pts.substr(pts.find(' ') + 1));
  CHECK(x_first < x_second);  // W2 (10 kB) before W4 (30 kB)
  CHECK(report::standalone_svg(svg).find("xmlns=\"http://www.w3.org/2000/svg\"") != std::string::npos);
}

TEST_CASE("summary: accuracy, bits per layer, savings, outputs, from the report alone", "[report]") {
  const json r = small_report();
  CHECK(report::bit_groups(r) == "W8A8 x2, W4A8 x1");
  const std::string s = report::format_summary(r);
  INFO(s);
  const auto lines = lines_of(s);
  CHECK(lines.size() <= 25);
  CHECK(lines[0] == "fxq quantize  models/m.onnx  (73,978 params, 11.7 M MACs per image)");
  CHECK(s.find("top-1 float 94.10 % -> quantized 93.50 % (loss +0.60 pp)") != std::string::npos);
  CHECK(s.find("W8A8 x2, W4A8 x1") != std::string::npos);
  // 250 B against 1000 B and 300 B: 75.0 % and 16.7 % less
  CHECK(s.find("250 B: 75.0 % less than float32 (1.0 kB), 16.7 % less than all-8-bit (300 B)") != std::string::npos);
  // bit-ops 160 k against 3.07 M (32x32) and 192 k: 94.8 % and 16.7 % less
  CHECK(s.find("160 k per image: 94.8 % less than float32 (3.07 M), 16.7 % less than all-8-bit (192 k)") != std::string::npos);
  CHECK(s.find("/conv2/Conv") != std::string::npos);  // small model: the per-layer table
  CHECK(s.find("calibrate 2.5s, search 2m05s, export 0.0s") != std::string::npos);
  CHECK(s.find("wrote        out/m.fxq.onnx  (QDQ ONNX)") != std::string::npos);
  CHECK(s.find("out/m.fxq.json  (JSON report)") != std::string::npos);
  CHECK(s.find("HTML") == std::string::npos);  // outputs.html is null
}

TEST_CASE("summary: no accuracy, large models, missing fields", "[report]") {
  json r = small_report();
  r["accuracy"] = nullptr;
  CHECK(report::format_summary(r).find("not measured") != std::string::npos);

  json layers = json::array();
  for (int k = 0; k < 300; ++k) layers.push_back(conv_row("/l" + std::to_string(k) + "/Conv", 8, 8, 40.0 - (k == 150 ? 30 : 0)));
  r["layers"] = layers;
  r["float_nodes"] = json::array({{{"name", "/Shape"}, {"reason", "integer output"}}});
  const std::string s = report::format_summary(r);
  INFO(s);
  CHECK(lines_of(s).size() <= 25);
  CHECK(s.find("W8A8 x300") != std::string::npos);
  CHECK(s.find("lowest 10.0 dB /l150/Conv") != std::string::npos);  // no table, the weakest layers instead
  CHECK(s.find("/l7/Conv") == std::string::npos);
  CHECK(s.find("1 node: /Shape (integer output)") != std::string::npos);

  CHECK_NOTHROW(report::format_summary(json::object()));
  CHECK_NOTHROW(report::html_report(json::object()));
  CHECK_THROWS_AS(report::format_summary(json::array()), Error);
}

TEST_CASE("HTML page: well-formed, self-contained, one row per layer, text escaped", "[report]") {
  json r = small_report();
  r["layers"].push_back(add_row("<script>alert(1)</script>", 12.0));
  const std::string page = report::html_report(r);
  const json c = check_html(page);
  INFO(c.dump());
  CHECK(c["errors"].empty());
  CHECK(c["external"].empty());
  CHECK(page.find("http://") == std::string::npos);
  CHECK(page.find("https://") == std::string::npos);
  CHECK(page.find("src=") == std::string::npos);
  CHECK(counted(c, "tr.layer") == static_cast<int64_t>(r["layers"].size()));
  CHECK(counted(c, "script") == 0);
  CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(counted(c, "svg") == 2);  // bit-widths and SQNR; no sweep
  CHECK(page.find("Q(4,7)") != std::string::npos);  // /conv2's weight format
  CHECK(page.find("93.50 %") != std::string::npos);
  CHECK(page.find("Accuracy loss vs weight memory") == std::string::npos);
}

TEST_CASE("HTML page: a sweep adds the accuracy-vs-size plot and its table", "[report]") {
  json r = small_report();
  r["sweep"] = json::array({
      {{"label", "budget 4"}, {"weight_bytes", 150.0}, {"bitops", 80000.0}, {"loss_pp", 3.2}, {"pareto", true}},
      {{"label", "budget 6"}, {"weight_bytes", 220.0}, {"bitops", 120000.0}, {"loss_pp", 0.7}, {"pareto", true}},
      {{"label", "budget 5"}, {"weight_bytes", 230.0}, {"bitops", 110000.0}, {"loss_pp", 1.9}, {"pareto", false}},
      {{"label", "W8A8"}, {"weight_bytes", 300.0}, {"bitops", 192000.0}, {"loss_pp", 0.2}, {"pareto", true},
       {"reference", "all_8bit"}, {"quantized_top1", 93.9}},
  });
  // the shape documented in docs/report.schema.json
  const std::string dir = test::temp_dir("sweep");
  test::write_bytes(dir + "/r.json", r.dump());
  const auto v = test::run_command("/usr/bin/python3 -c \"import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), "
                                   "json.load(open(sys.argv[2])))\" " + dir + "/r.json " + FXQ_SOURCE_DIR + "/docs/report.schema.json");
  INFO("schema validation: " << v.err);
  REQUIRE(v.exit_code == 0);

  const std::string page = report::html_report(r);
  const json c = check_html(page);
  INFO(c.dump());
  CHECK(c["errors"].empty());
  CHECK(c["external"].empty());
  CHECK(counted(c, "svg") == 3);
  CHECK(counted(c, "tr.sweep") == 4);
  CHECK(page.find("Accuracy loss vs weight memory") != std::string::npos);
  CHECK(page.find(">float<") != std::string::npos);      // reference point at float32 size, loss 0
  CHECK(page.find(">all 8-bit<") != std::string::npos);  // the entry marked reference
  CHECK(page.find("<polyline") != std::string::npos);    // the Pareto front of the three search points
}

namespace {
// Every property name anywhere in a JSON schema (under "properties", at any depth, $defs included).
void schema_fields(const json& node, std::set<std::string>& out) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key() == "properties" && it->is_object())
        for (auto p = it->begin(); p != it->end(); ++p) out.insert(p.key());
      schema_fields(*it, out);
    }
  } else if (node.is_array()) {
    for (const auto& v : node) schema_fields(v, out);
  }
}
}  // namespace

TEST_CASE("README's report fields name every field of docs/report.schema.json", "[report]") {
  const json schema = json::parse(test::read_bytes(std::string(FXQ_SOURCE_DIR) + "/docs/report.schema.json"));
  std::set<std::string> fields;
  schema_fields(schema, fields);
  REQUIRE(fields.size() > 50);
  const std::string readme = test::read_bytes(std::string(FXQ_SOURCE_DIR) + "/README.md");
  const size_t start = readme.find("\n## The report");
  REQUIRE(start != std::string::npos);
  const std::string section = readme.substr(start, readme.find("\n## ", start + 1) - start);
  for (const auto& f : fields) {
    INFO("field '" << f << "' of the schema is not named (as `" << f << "`) in README.md's \"The report\" section");
    CHECK(section.find("`" + f + "`") != std::string::npos);
  }
}
