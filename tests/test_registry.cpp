#include <catch2/catch.hpp>
#include <set>

#include "ops/registry.h"

using namespace fxq;

TEST_CASE("every registered op has a type and a summary and a kernel with a unique type", "[ops]") {
  std::set<std::string> seen;
  REQUIRE(!all_ops().empty());
  for (const OpDef* d : all_ops()) {
    INFO(d->type);
    REQUIRE(d->type != nullptr);
    REQUIRE(std::string(d->summary).size() > 3);
    REQUIRE(d->run != nullptr);
    REQUIRE(seen.insert(d->type).second);
    REQUIRE(find_op(d->type) == d);
  }
  REQUIRE(find_op("NoSuchOp") == nullptr);
}
