// fxq ops: list the ONNX ops fxq's engine supports (from the one op table).
#include <iomanip>
#include <iostream>

#include "commands.h"
#include "ops/registry.h"

namespace fxq::cli {

RunFn add_ops_command(CLI::App& root) {
  CLI::App* sub = root.add_subcommand("ops", "List the ONNX ops fxq supports, one per line with what it computes.\n"
                                             "Example: fxq ops");
  (void)sub;
  return [] {
    std::cout << all_ops().size() << " supported ops (default ONNX domain):\n";
    for (const OpDef* d : all_ops()) std::cout << "  " << std::left << std::setw(22) << d->type << d->summary << "\n";
    return 0;
  };
}

}  // namespace fxq::cli
