#include "data/image_stream.h"

#include "common/error.h"

namespace fxq::data {

ImageStream::ImageStream(std::vector<ImageEntry> images, std::vector<int> labels, PreprocessConfig cfg,
                         size_t batch_size, std::function<void(const std::string&)> warn)
    : images_(std::move(images)),
      labels_(std::move(labels)),
      cfg_(std::move(cfg)),
      batch_size_(batch_size),
      warn_(std::move(warn)) {
  FXQ_CHECK(labels_.empty() || labels_.size() == images_.size(), "ImageStream: one label per image");
  FXQ_CHECK(batch_size_ >= 1, "ImageStream: batch_size must be >= 1");
  validate_config(cfg_);
}

bool ImageStream::next(std::vector<Sample>& batch) {
  batch.clear();
  while (batch.size() < batch_size_ && pos_ < images_.size()) {
    const size_t k = pos_++;
    const ImageEntry& e = images_[k];
    const cv::Mat img = decode_image(e.path, cfg_);
    if (img.empty()) {
      ++skipped_;
      if (warn_) warn_(e.path + ": cannot decode image, skipped");
      continue;
    }
    Sample s;
    s.entry = e;
    s.label = labels_.empty() ? -1 : labels_[k];
    try {
      s.tensor = preprocess(img, cfg_, &s.geom);
    } catch (const Error& err) {
      throw err.with_context(e.path);
    }
    batch.push_back(std::move(s));
    ++delivered_;
  }
  return !batch.empty();
}

}  // namespace fxq::data
