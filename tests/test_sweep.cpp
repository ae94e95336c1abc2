// fxq sweep: budget parsing, the Pareto fronts on hand-made rows, and the command end to end on the
// demo model (every point's figures equal its own quantize report; a second run resumes every
// point; changed settings redo them; bad inputs are one-line errors with their exit codes).
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"
#include "quant/sweep.h"
#include "test_support.h"

using namespace fxq;
using namespace fxq::quant;
using fxq::test::code_of;
using json = nlohmann::json;

namespace {


SweepRow row(const std::string& label, double bytes, double bitops, double loss) {
  SweepRow r;
  r.budget.label = label;
  r.weight_bytes = bytes;
  r.bitops = bitops;
  r.loss_pp = loss;
  return r;
}

size_t count_of(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("sweep budgets: uniform, wNaM and avgX; duplicates dropped; anything else is a usage error", "[sweep]") {
  const auto b = parse_budgets("4, 6,w4a8,W5A5,avg4.5,4", 8, 8);
  REQUIRE(b.size() == 5);
  REQUIRE(b[0].label == "w4a4");
  REQUIRE((b[0].wbits == 4 && b[0].abits == 4 && b[0].avg_wbits == 0));
  REQUIRE(b[1].label == "w6a6");
  REQUIRE((b[2].label == "w4a8" && b[2].wbits == 4 && b[2].abits == 8));
  REQUIRE(b[3].label == "w5a5");
  REQUIRE((b[4].label == "avg4.5" && b[4].avg_wbits == 4.5 && b[4].wbits == 8 && b[4].abits == 8));
  const auto u = parse_budgets("avg3", 6, 7);  // avg budgets take --wbits/--abits as their upper bounds
  REQUIRE((u[0].wbits == 6 && u[0].abits == 7));
  for (const char* bad : {"1", "17", "w4", "w4a", "wxa8", "avg", "avg1.5", "avg9", "avgx", "4.5", "x", "", ",", "w4a1"}) {
    INFO(bad);
    REQUIRE(code_of([&] { parse_budgets(bad, 8, 8); }) == ExitCode::kUsage);
  }
}

TEST_CASE("sweep Pareto fronts: nothing else both smaller and better", "[sweep]") {
  std::vector<SweepRow> rows{row("a", 100, 10, 0.1), row("b", 60, 12, 0.5), row("c", 70, 5, 2.0), row("d", 60, 12, 0.8),
                             row("e", 40, 20, 3.0), row("f", 100, 10, 0.1)};
  mark_pareto(rows);
  // memory: a (best loss; f ties it exactly, so neither dominates), b, e; c is beaten by b, d by b
  const std::vector<bool> mem{true, true, false, false, true, true};
  // bit-ops: c (fewest), a/f (best loss); b (12, 0.5) is beaten by a (10, 0.1); e, d too
  const std::vector<bool> ops{true, false, true, false, false, true};
  for (size_t i = 0; i < rows.size(); ++i) {
    INFO(rows[i].budget.label);
    REQUIRE(rows[i].pareto_memory == mem[i]);
    REQUIRE(rows[i].pareto_bitops == ops[i]);
  }
}

TEST_CASE("fxq sweep on the demo model: table, plots, page, per-point reports, resume", "[sweep][cli]") {
  const std::string images = test::temp_dir("sweep-images") + "/fm";
  const auto made = test::run_command("/usr/bin/python3 " + std::string(FXQ_SOURCE_DIR) +
                                      "/tools/make_demo_images.py --calib-count 64 --eval-count 200 --out " + images);
  INFO("make_demo_images.py: " << made.err);
  REQUIRE(made.exit_code == 0);
  const std::string out = test::temp_dir("sweep-out") + "/s";
  const std::string base = "sweep " + std::string(FXQ_SOURCE_DIR) + "/models/demo/fashion_cnn.onnx --preset fashion-mnist-28 --calib " +
                           images + "/calib --eval " + images + "/eval --labels " + images + "/eval/labels.tsv ";
  const auto r = test::run_fxq(base + "--budgets 4,avg4 -o " + out);
  INFO("stderr: " << r.err);
  INFO("stdout: " << r.out);
  REQUIRE(r.exit_code == 0);
  for (const char* f : {"sweep.csv", "sweep.json", "sweep_memory.svg", "sweep_bitops.svg", "sweep.html"})
    REQUIRE(test::file_exists(out + "/" + f));

  // Three points: the two budgets and the all-8-bit reference, each a complete quantize run.
  const json sj = json::parse(test::read_bytes(out + "/sweep.json"));
  REQUIRE(sj["points"].size() == 3);
  REQUIRE(sj["points"][0]["budget"] == "w4a4");
  REQUIRE(sj["points"][1]["budget"] == "avg4");
  REQUIRE(sj["points"][1]["kind"] == "mixed");
  REQUIRE(sj["points"][2]["kind"] == "reference");
  for (const auto& p : sj["points"]) {
    INFO(p.dump());
    const json rep = json::parse(test::read_bytes(p["report"].get<std::string>()));
    REQUIRE(test::file_exists(p["model"].get<std::string>()));
    REQUIRE(p["loss_pp"].get<double>() == Approx(rep["accuracy"]["loss_top1_pp"].get<double>()));
    REQUIRE(p["weight_bytes"].get<double>() == Approx(rep["totals"]["weight_bytes"]["quantized"].get<double>()));
    REQUIRE(p["bitops"].get<double>() == Approx(rep["totals"]["bitops"]["quantized"].get<double>()));
    REQUIRE(rep["accuracy"]["images"] == 200);
    REQUIRE(p["resumed"] == false);
  }
  // The avg4 plan averages at most 4 bits per weight. From the totals (biases at 32 bits in all):
  // float32 = 32 W + 32 B and all-8-bit = 8 W + 32 B bits give W and B; the plan is <= 4 W + 32 B.
  const json avg = json::parse(test::read_bytes(sj["points"][1]["report"].get<std::string>()));
  REQUIRE(avg["gate"]["budget_avg_wbits"] == 4.0);
  const double f32 = 8 * avg["totals"]["weight_bytes"]["float32"].get<double>();
  const double a8 = 8 * avg["totals"]["weight_bytes"]["all_8bit"].get<double>();
  const double q = 8 * avg["totals"]["weight_bytes"]["quantized"].get<double>();
  const double w = (f32 - a8) / 24, bias = (a8 - 8 * w) / 32;
  REQUIRE(w > 0);
  REQUIRE(q <= 4 * w + 32 * bias + 1e-6 * q);
  REQUIRE(q > 2 * w);  // and it is not everything at the smallest width
  // all-8-bit is the reference: 100 % of itself
  REQUIRE(sj["points"][2]["weight_memory_vs_all_8bit"].get<double>() == Approx(1.0));

  // CSV: a header and one line per point
  const std::string csv = test::read_bytes(out + "/sweep.csv");
  REQUIRE(std::count(csv.begin(), csv.end(), '\n') == 4);
  REQUIRE(csv.rfind("budget,kind,wbits,abits,avg_wbits,float_top1,quantized_top1,loss_pp,", 0) == 0);
  // The plots and the page: both fronts drawn, the float and all-8-bit references labelled
  for (const char* svg : {"sweep_memory.svg", "sweep_bitops.svg"}) {
    const std::string s = test::read_bytes(out + "/" + svg);
    REQUIRE(s.find("<svg") != std::string::npos);
    REQUIRE(s.find("float") != std::string::npos);
    REQUIRE(s.find("all 8-bit") != std::string::npos);
  }
  const std::string page = test::read_bytes(out + "/sweep.html");
  REQUIRE(page.find("Accuracy loss vs weight memory") != std::string::npos);
  REQUIRE(page.find("Accuracy loss vs bit-ops") != std::string::npos);
  REQUIRE(r.out.find("fxq sweep  ") == 0);
  REQUIRE(count_of(r.out, "\n  w4a4 ") + count_of(r.out, "\n  avg4 ") + count_of(r.out, "\n  w8a8 ") == 3);

  SECTION("run again: every point is read back, the table is the same") {
    const auto again = test::run_fxq(base + "--budgets 4,avg4 -o " + out);
    INFO("stderr: " << again.err);
    REQUIRE(again.exit_code == 0);
    REQUIRE(count_of(again.err, "resumed from an earlier run") == 3);
    const json sj2 = json::parse(test::read_bytes(out + "/sweep.json"));
    for (size_t i = 0; i < 3; ++i) {
      REQUIRE(sj2["points"][i]["resumed"] == true);
      REQUIRE(sj2["points"][i]["loss_pp"] == sj["points"][i]["loss_pp"]);
    }
  }
  SECTION("an interrupted point (its key missing) is redone, the others are not") {
    std::filesystem::remove(out + "/points/avg4.key.json");
    const auto again = test::run_fxq(base + "--budgets 4,avg4 -o " + out);
    REQUIRE(again.exit_code == 0);
    REQUIRE(count_of(again.err, "resumed from an earlier run") == 2);
  }
  SECTION("other settings: nothing is reused") {
    const auto again = test::run_fxq(base + "--budgets 4 --per-channel -o " + out);
    REQUIRE(again.exit_code == 0);
    REQUIRE(count_of(again.err, "resumed") == 0);
  }
}

TEST_CASE("fxq sweep: bad budgets, no labels, an output that is a file, a missing folder", "[sweep][cli]") {
  const std::string model = std::string(FXQ_SOURCE_DIR) + "/models/demo/fashion_cnn.onnx";
  const std::string dir = test::temp_dir("sweep-bad");
  test::write_bytes(dir + "/a.png", "not a png");
  test::write_bytes(dir + "/labels.tsv", "a.png\t0\n");
  test::write_bytes(dir + "/file", "x");
  auto one_line = [](const test::CommandResult& r, ExitCode code, const std::string& mention) {
    test::require_one_line_error(r, static_cast<int>(code), mention);
  };
  const std::string base = "sweep " + model + " --preset fashion-mnist-28 --calib " + dir + " -q ";
  one_line(test::run_fxq(base + "--eval " + dir + " --labels " + dir + "/labels.tsv --allow-overlap --budgets 1 -o " + dir + "/o"),
           ExitCode::kUsage, "'1' is not a budget");
  one_line(test::run_fxq(base + "--eval " + dir + " --budgets 4 -o " + dir + "/o"), ExitCode::kUsage, "--labels");
  one_line(test::run_fxq(base + "--eval " + dir + " --labels " + dir + "/labels.tsv --allow-overlap --budgets 4 -o " + dir + "/file"),
           ExitCode::kOutput, dir + "/file");
  one_line(test::run_fxq("sweep " + model + " --preset fashion-mnist-28 --calib " + dir + "/missing --eval " + dir +
                         " --labels " + dir + "/labels.tsv --budgets 4 -q -o " + dir + "/o2"),
           ExitCode::kBadInput, dir + "/missing");
  REQUIRE(!test::file_exists(dir + "/o2/sweep.json"));
}
