#include "eval/image_eval.h"

#include <chrono>

#include "common/error.h"
#include "common/progress.h"
#include "data/image_stream.h"
#include "engine/prepare.h"
#include "io/atomic_file.h"
#include "io/npy.h"

namespace fxq {
namespace {

std::string dump_name(const std::string& rel) {
  std::string s = rel;
  for (size_t p = 0; (p = s.find('/', p)) != std::string::npos;) s.replace(p, 1, "__");
  return s;
}

// Splits a [B, ...] output into B tensors of shape [1, ...].
Tensor slice_batch(const Tensor& t, int64_t b, int64_t batch) {
  if (batch == 1) return t;
  Tensor r;
  r.dtype = t.dtype;
  r.shape = t.shape;
  r.shape[0] = 1;
  const int64_t per = t.size() / batch;
  if (t.is_float()) r.f.assign(t.f.begin() + b * per, t.f.begin() + (b + 1) * per);
  else r.i.assign(t.i.begin() + b * per, t.i.begin() + (b + 1) * per);
  return r;
}

}  // namespace

void check_input_fits(const Graph& g, const data::PreprocessConfig& cfg) {
  const ValueInfo& in = image_input(g);
  const int64_t c = in.shape[1], h = in.shape[2], w = in.shape[3];
  if ((c > 0 && c != cfg.channels()) || (h > 0 && h != cfg.height) || (w > 0 && w != cfg.width))
    fail_input((cfg.source.empty() ? cfg.name : cfg.source) + ": preprocessing '" + cfg.name + "' makes " +
               std::to_string(cfg.channels()) + "x" + std::to_string(cfg.height) + "x" + std::to_string(cfg.width) +
               " images but " + g.path + " input '" + in.name + "' is " + shape_str(in.shape));
}

ImageEvalResult evaluate_images(const Executor& exec, const std::vector<data::ImageEntry>& images,
                                const std::vector<int>& labels, const data::PreprocessConfig& cfg,
                                const ImageEvalOptions& opt, const std::function<void(const std::string&)>& warn) {
  return evaluate_images(
      exec.graph(), [&exec](std::map<std::string, Tensor> feed) { return exec.run(std::move(feed)); }, images, labels,
      cfg, opt, warn);
}

ImageEvalResult evaluate_images(const Graph& g, const ModelRunFn& run, const std::vector<data::ImageEntry>& images,
                                const std::vector<int>& labels, const data::PreprocessConfig& cfg,
                                const ImageEvalOptions& opt, const std::function<void(const std::string&)>& warn) {
  const ValueInfo& input = image_input(g);
  const bool dynamic_batch = input.shape[0] < 0;
  if (!opt.dump_dir.empty()) ensure_directory(opt.dump_dir);

  ImageEvalResult res;
  data::ImageStream stream(images, labels, cfg, std::max<size_t>(1, opt.batch), warn);
  Progress progress(opt.label, stream.total(), opt.quiet, "images");
  std::vector<data::Sample> batch;
  while (stream.next(batch)) {
    // One run per image for fixed-batch models; one run per batch when the batch dim is dynamic.
    const size_t step = dynamic_batch ? batch.size() : 1;
    for (size_t start = 0; start < batch.size(); start += step) {
      const size_t n = std::min(step, batch.size() - start);
      Tensor x = batch[start].tensor;
      if (n > 1) {
        x.shape[0] = static_cast<int64_t>(n);
        x.f.reserve(x.f.size() * n);
        for (size_t k = 1; k < n; ++k) x.f.insert(x.f.end(), batch[start + k].tensor.f.begin(), batch[start + k].tensor.f.end());
      }
      std::map<std::string, Tensor> feed;
      feed[input.name] = std::move(x);
      const auto t0 = std::chrono::steady_clock::now();
      auto outs = run(std::move(feed));
      res.engine_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      for (size_t k = 0; k < n; ++k) {
        const data::Sample& s = batch[start + k];
        for (size_t o = 0; o < g.outputs.size(); ++o) {
          const Tensor& out = outs.at(g.outputs[o].name);
          if (s.label >= 0 && o == 0) {
            if (!out.is_float() || out.size() % static_cast<int64_t>(n) != 0)
              fail_unsupported(g.path + ": output '" + g.outputs[o].name + "' is not a per-image float score vector");
            const int64_t classes = out.size() / static_cast<int64_t>(n);
            res.topk.add(out.f.data() + k * classes, classes, s.label);
          }
          if (!opt.dump_dir.empty())
            write_npy(opt.dump_dir + "/" + dump_name(s.entry.rel) + "." + std::to_string(o) + ".npy",
                      slice_batch(out, static_cast<int64_t>(k), static_cast<int64_t>(n)));
        }
        if (opt.on_image) {
          std::vector<Tensor> mine;
          for (const auto& o : g.outputs)
            mine.push_back(slice_batch(outs.at(o.name), static_cast<int64_t>(k), static_cast<int64_t>(n)));
          opt.on_image(s, mine);
        }
        ++res.images;
        progress.advance();
      }
    }
  }
  progress.done();
  res.skipped = stream.skipped();
  return res;
}

}  // namespace fxq
