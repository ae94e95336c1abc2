#include "commands.h"
namespace fxq::cli {
RunFn add_eval_command(CLI::App& root) {
  root.add_subcommand("eval", "(being written)");
  return [] { return 1; };
}
}  // namespace fxq::cli
