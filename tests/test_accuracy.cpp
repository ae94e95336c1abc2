// Each shared classifier's top-1/top-5 on its own labelled images equals the MANIFEST's figure
// (measured with ONNX Runtime on the same images), through the same path as 'fxq eval'.
#include <catch2/catch.hpp>

#include "data/image_folder.h"
#include "data/labels.h"
#include "data/preprocess_config.h"
#include "engine/executor.h"
#include "engine/prepare.h"
#include "eval/image_eval.h"
#include "shared_models.h"
#include "test_support.h"

using namespace fxq;

TEST_CASE("classifier accuracy equals the MANIFEST's figures", "[models][accuracy]") {
  for (const auto& sm : test::shared_models()) {
    if (!sm.labels[0]) continue;
    DYNAMIC_SECTION(sm.key) {
      const std::string data = test::shared_data();
      PreparedModel m = prepare_model(data + "/" + sm.file);
      Executor exec(m.graph);
      auto images = data::list_images(data + "/" + sm.images);
      auto pairs = data::attach_labels(images, data::load_labels_tsv(data + "/" + sm.labels), [](const std::string&) {});
      std::vector<data::ImageEntry> entries;
      std::vector<int> labels;
      for (auto& p : pairs) { entries.push_back(p.first); labels.push_back(p.second); }
      ImageEvalOptions opt;
      opt.quiet = true;
      auto r = evaluate_images(exec, entries, labels, data::load_preset(sm.preset), opt, [](const std::string& w) { FAIL(w); });
      std::printf("accuracy %-18s n=%zu top-1 %.2f %% (MANIFEST %.2f)  top-5 %.2f %% (MANIFEST %.2f)  %.3f ms/img\n",
                  sm.key, r.topk.count, r.topk.top1_pct(), sm.top1, r.topk.top5_pct(), sm.top5, r.ms_per_image());
      REQUIRE(r.topk.count == sm.n_images);
      REQUIRE(r.topk.top1_pct() == Approx(sm.top1).margin(0.005));
      if (sm.top5 >= 0) REQUIRE(r.topk.top5_pct() == Approx(sm.top5).margin(0.005));
    }
  }
}
