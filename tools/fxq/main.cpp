// fxq: the thin command-line front end. Parses, calls the library, prints; every fxq::Error becomes
// one line on stderr and its exit code (see README.md, "Exit codes").
#include <cstdlib>
#include <iostream>
#include <map>
#include <new>

#include "commands.h"
#include "common/error.h"
#include "common/parallel.h"

int main(int argc, char** argv) {
  CLI::App app{"fxq " FXQ_VERSION " — post-training fixed-point quantization of CNNs in ONNX.\n"
               "Run 'fxq <command> --help' for a command's flags and an example."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "fxq " FXQ_VERSION);
  int threads = 0;
  app.add_option("-j,--threads", threads,
                 "Threads for the float engine (default: every online CPU; results are identical whatever the "
                 "count). Also FXQ_THREADS in the environment.")
      ->check(CLI::Range(0, 1024));
  std::map<CLI::App*, fxq::cli::RunFn> commands;
  auto add = [&](fxq::cli::RunFn (*f)(CLI::App&)) {
    fxq::cli::RunFn fn = f(app);
    commands[app.get_subcommands({}).back()] = fn;
  };
  add(fxq::cli::add_info_command);
  add(fxq::cli::add_ops_command);
  add(fxq::cli::add_eval_command);
  add(fxq::cli::add_run_command);
  add(fxq::cli::add_quantize_command);
  add(fxq::cli::add_sweep_command);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << "fxq: " << e.what() << " (see 'fxq --help')\n";
    return static_cast<int>(fxq::ExitCode::kUsage);
  }
  try {
    if (threads == 0)
      if (const char* env = std::getenv("FXQ_THREADS")) threads = std::atoi(env);
    fxq::set_num_threads(threads);
    for (auto& [sub, run] : commands)
      if (sub->parsed()) return run();
    return static_cast<int>(fxq::ExitCode::kUsage);
  } catch (const fxq::Error& e) {
    std::cerr << "fxq: error: " << e.what() << "\n";
    return static_cast<int>(e.code());
  } catch (const std::bad_alloc&) {
    std::cerr << "fxq: error: out of memory\n";
    return static_cast<int>(fxq::ExitCode::kInternal);
  } catch (const std::exception& e) {
    std::cerr << "fxq: internal error (please report): " << e.what() << "\n";
    return static_cast<int>(fxq::ExitCode::kInternal);
  }
}
