#include "commands.h"
namespace fxq::cli {
RunFn add_info_command(CLI::App& root) {
  root.add_subcommand("info", "(being written)");
  return [] { return 1; };
}
}  // namespace fxq::cli
