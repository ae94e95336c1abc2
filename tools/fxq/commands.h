// Each subcommand lives in its own file: it declares its flags on a CLI11 sub-app and returns the
// function that runs it (called after parsing, returning the exit code).
#pragma once
#include <CLI/CLI.hpp>
#include <functional>

namespace fxq::cli {

using RunFn = std::function<int()>;

RunFn add_info_command(CLI::App& root);
RunFn add_ops_command(CLI::App& root);
RunFn add_eval_command(CLI::App& root);
RunFn add_run_command(CLI::App& root);
RunFn add_quantize_command(CLI::App& root);
RunFn add_sweep_command(CLI::App& root);

}  // namespace fxq::cli
