#include "commands.h"
namespace fxq::cli {
RunFn add_run_command(CLI::App& root) {
  root.add_subcommand("run", "(being written)");
  return [] { return 1; };
}
}  // namespace fxq::cli
