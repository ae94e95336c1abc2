#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
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

TEST_CASE("every op defined under src/ops is in the table", "[ops]") {
  const std::regex def("extern const OpDef kOp_([A-Za-z0-9]+)");
  size_t defined = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::string(FXQ_SOURCE_DIR) + "/src/ops")) {
    if (e.path().extension() != ".cpp") continue;
    std::ifstream in(e.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (std::sregex_iterator it(text.begin(), text.end(), def), end; it != end; ++it, ++defined) {
      INFO(e.path().filename().string() << " defines " << (*it)[1] << ", which ops/op_list.h lacks");
      REQUIRE(find_op((*it)[1]) != nullptr);
    }
  }
  REQUIRE(defined == all_ops().size());
}
