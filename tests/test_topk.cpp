#include <catch2/catch.hpp>

#include "eval/topk.h"

using namespace fxq;

TEST_CASE("top-k ranks ties as argmax does", "[eval]") {
  const float s[6] = {0.1f, 0.9f, 0.5f, 0.9f, 0.2f, 0.3f};
  REQUIRE(rank_of(s, 6, 1) == 0);  // first of two equal maxima: argmax
  REQUIRE(rank_of(s, 6, 3) == 1);  // the tied one after it
  REQUIRE(rank_of(s, 6, 2) == 2);
  REQUIRE(rank_of(s, 6, 0) == 5);
  const float flat[4] = {0, 0, 0, 0};  // a collapsed model: only class 0 counts as predicted
  TopK t;
  for (int label = 0; label < 4; ++label) t.add(flat, 4, label);
  REQUIRE(t.top1 == 1);
  REQUIRE(t.top5 == 4);
  REQUIRE_THROWS(t.add(flat, 4, 4));
}
