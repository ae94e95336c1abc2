// fxq sweep: one quantization per bit-width budget -> a table (CSV, JSON), two plots (SVG) and an
// HTML page of accuracy against weight memory and bit-ops, with the Pareto front marked.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli_common.h"
#include "commands.h"
#include "common/error.h"
#include "common/progress.h"
#include "io/atomic_file.h"
#include "quant/sweep.h"
#include "quantize_flags.h"
#include "report/html_report.h"

namespace fxq::cli {
namespace {

struct SweepCli {
  QuantizeFlags f;
  std::string budgets = "4,5,6,8";
  std::string out_dir;
};

std::string default_dir(const std::string& model) { return std::filesystem::path(model).stem().string() + ".sweep"; }

int run_sweep_cmd(SweepCli& c) {
  resolve_shared_quantize_flags(c.f);
  quant::SweepOptions so;
  so.base = c.f.q;
  so.budgets = quant::parse_budgets(c.budgets, c.f.q.search.weight_bits, c.f.q.search.act_bits);
  so.out_dir = c.out_dir.empty() ? default_dir(c.f.q.model) : c.out_dir;
  so.quiet = c.f.q.quiet;
  if (so.base.labels.empty())
    fail(ExitCode::kUsage, "fxq sweep needs labelled evaluation images: --eval DIR --labels FILE (or --eval-split F --labels FILE)");
  if (std::filesystem::exists(so.out_dir) && !std::filesystem::is_directory(so.out_dir))
    fail(ExitCode::kOutput, so.out_dir + ": exists and is not a folder (-o names the sweep's output folder)");
  ensure_directory(so.out_dir);
  check_writable(so.out_dir + "/sweep.json");

  const auto start = std::chrono::steady_clock::now();
  auto said = [&](const std::string& s) {
    if (!so.quiet) std::fprintf(stderr, "sweep: %s\n", s.c_str());
  };
  quant::SweepOutcome out = quant::run_sweep(
      so, warn,
      [&](size_t i, size_t n, const quant::SweepBudget& b) {
        const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        said("point " + std::to_string(i + 1) + "/" + std::to_string(n) + " " + b.label +
             (b.reference ? " (the all-8-bit reference)" : "") + ", " + format_duration(t) + " elapsed");
      },
      [&](size_t i, size_t n, const quant::SweepRow& r) {
        char b[256];
        std::snprintf(b, sizeof b, "point %zu/%zu %s: loss %.2f pp, weights %.1f %% and bit-ops %.1f %% of all-8-bit%s",
                      i + 1, n, r.budget.label.c_str(), r.loss_pp, 100 * r.weight_bytes / std::max(1.0, r.all8_weight_bytes),
                      100 * r.bitops / std::max(1.0, r.all8_bitops), r.resumed ? " (resumed from an earlier run)" : "");
        said(b);
      });

  // The sweep's own outputs appear together, after every point is done.
  StagedFiles files;
  files.stage(so.out_dir + "/sweep.csv", quant::sweep_csv(out.rows));
  files.stage(so.out_dir + "/sweep.json", quant::sweep_json(so, out).dump(2) + "\n");
  files.stage(so.out_dir + "/sweep_memory.svg", quant::sweep_plot_svg(out.rows, false));
  files.stage(so.out_dir + "/sweep_bitops.svg", quant::sweep_plot_svg(out.rows, true));
  files.stage(so.out_dir + "/sweep.html", report::html_report(quant::sweep_page_report(out)));
  files.commit();

  const auto& f = out.rows.front();
  std::printf("fxq sweep  %s  (float top-1 %.2f %% on %zu images)\n", so.base.model.c_str(), f.float_top1, f.images);
  std::printf("  %-10s %9s %8s %12s %9s %12s %9s %7s %8s\n", "budget", "top-1 %", "loss pp", "weights", "of 8-bit",
              "bit-ops", "of 8-bit", "Pareto", "time");
  for (const auto& r : out.rows) {
    char w[32], o[32];
    std::snprintf(w, sizeof w, "%.1f kB", r.weight_bytes / 1e3);
    std::snprintf(o, sizeof o, "%.3g G", r.bitops / 1e9);
    const std::string pareto = std::string(r.pareto_memory ? "M" : "") + (r.pareto_bitops ? "B" : "");
    std::printf("  %-10s %9.2f %8.2f %12s %8.1f%% %12s %8.1f%% %7s %8s%s\n", r.budget.label.c_str(), r.quant_top1, r.loss_pp,
                w, 100 * r.weight_bytes / std::max(1.0, r.all8_weight_bytes), o,
                100 * r.bitops / std::max(1.0, r.all8_bitops), pareto.empty() ? "-" : pareto.c_str(),
                format_duration(r.seconds).c_str(), r.budget.reference ? "  (reference)" : "");
  }
  std::printf("  Pareto: M on the loss/weight-memory front, B on the loss/bit-ops front\n");
  std::printf("  wrote    %s/sweep.csv, sweep.json, sweep_memory.svg, sweep_bitops.svg, sweep.html; points/ (a QDQ model "
              "and report per budget)\n", so.out_dir.c_str());
  return 0;
}

}  // namespace

RunFn add_sweep_command(CLI::App& root) {
  auto c = std::make_shared<SweepCli>();
  CLI::App* sub = root.add_subcommand(
      "sweep",
      "Quantize a model at several bit-width budgets and compare accuracy against weight memory and bit-ops: one "
      "fxq quantize run per budget (its QDQ model and report kept in DIR/points/), then a table (CSV, JSON), two "
      "plots (SVG) with the Pareto front, and an HTML page. An interrupted sweep run again resumes: finished points "
      "with the same settings are read back, not redone.\n"
      "Example: fxq sweep model.onnx --calib calib/ --preset imagenet-224 --eval val/ --labels val/labels.tsv "
      "--budgets 4,5,6,8,w4a8,avg4.5 -o model.sweep");
  sub->add_option("model", c->f.q.model, "Float ONNX model")->required();
  add_shared_quantize_flags(sub, c->f, " (for avgX budgets: the largest tried)");
  sub->add_option("--budgets", c->budgets,
                  "Comma-separated budgets: N (every weight and activation at N bits), wNaM (weights N bits, "
                  "activations M), avgX (mixed precision: at most X average weight bits, activations at --abits). "
                  "The all-8-bit point is always added as the reference")
      ->capture_default_str();
  sub->add_option("-o,--output", c->out_dir, "Output folder (default: <model name>.sweep here)");
  return [c] { return run_sweep_cmd(*c); };
}

}  // namespace fxq::cli
