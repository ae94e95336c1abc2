// The engine's results do not depend on the thread count: every shared model, run at 1 and 2 threads
// on the same input (batch 1 and batch 2), gives bit-identical outputs (common/parallel.h explains why).
#include <catch2/catch.hpp>
#include <random>

#include "common/parallel.h"
#include "engine/executor.h"
#include "engine/prepare.h"
#include "shared_models.h"
#include "test_support.h"

using namespace fxq;

TEST_CASE("engine outputs are bit-identical at 1 and 2 threads on every shared model", "[engine][models]") {
  const std::string data = test::shared_data();
  for (const auto& sm : test::shared_models()) {
    DYNAMIC_SECTION(sm.key) {
      PreparedModel m = prepare_model(data + "/" + sm.file);
      Executor exec(m.graph);
      const auto& vi = m.graph.inputs.at(0);
      Shape shape = vi.shape;
      for (auto& d : shape) d = d < 0 ? 2 : d;  // a dynamic batch runs as batch 2
      std::mt19937 rng(11);
      std::uniform_real_distribution<float> u(0.0f, 1.0f);
      Tensor x = Tensor::zeros(shape);
      for (float& v : x.f) v = u(rng);
      set_num_threads(1);
      const auto one = exec.run({{vi.name, x}});
      set_num_threads(2);
      const auto two = exec.run({{vi.name, x}});
      set_num_threads(0);
      REQUIRE(one.size() == two.size());
      for (const auto& [name, t] : one) {
        INFO(sm.key << " output " << name);
        CHECK(two.at(name).shape == t.shape);
        CHECK(two.at(name).f == t.f);
      }
    }
  }
}
