// What the mixed-precision profile's gains measure at the model's outputs (docs/mixed-precision.md,
// M4). Without one of these, the squared error of every output element. A detector's raw outputs are
// mostly values no detection reads (the box regression of background cells, class probabilities that
// an objectness near zero multiplies away), and they dominate that sum; DetectionOutputError measures
// the error the decoded candidates see instead.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "data/preprocess_config.h"
#include "detect/box.h"
#include "ir/graph.h"

namespace fxq::quant {

using OutputRefs = std::map<std::string, const Tensor*>;  // graph output name -> that output, one image

class OutputError {
 public:
  virtual ~OutputError() = default;
  virtual const char* name() const = 0;  // the report's gate.profile.output_error
  // The float model's outputs on probe image `image`; called once per image before any error() on it.
  virtual void set_reference(size_t image, const OutputRefs& ref) = 0;
  // The summed error of `perturbed` (every graph output) against image `image`'s reference.
  virtual double error(size_t image, const OutputRefs& perturbed) const = 0;
};

// Every (cell, anchor, class) candidate the preset's decoder produces, with no score threshold, in the
// decoder's fixed order, so float and perturbed candidates pair up by position. Per candidate, with
// float score s, box b and perturbed s', b':
//   (s' - s)^2 + s * sum over the 4 corners of min(1, ((b'_k - b_k) / size(b))^2)
// size(b) = sqrt(max(1, w) * max(1, h)) pixels: a score error counts everywhere (a background cell
// whose score rises is a false positive), a box error in proportion to the candidate's float score
// and relative to its size (as IoU sees it), capped so a wild background box cannot dominate.
class DetectionOutputError : public OutputError {
 public:
  DetectionOutputError(const Graph& g, const data::PreprocessConfig& cfg);
  const char* name() const override { return "detections"; }
  void set_reference(size_t image, const OutputRefs& ref) override;
  double error(size_t image, const OutputRefs& perturbed) const override;

  // The per-candidate term above (exposed for tests).
  static double candidate_error(const detect::Detection& ref, const detect::Detection& q);

 private:
  std::vector<detect::Detection> decode_all(const OutputRefs& outs) const;

  detect::DetectConfig cfg_;
  int width_, height_;
  std::vector<std::string> names_;  // graph outputs, in order
  std::vector<std::vector<detect::Detection>> ref_;
};

// The profile's output error for a preprocessing config: detections for a detector whose outputs its
// preset decodes, null (every output element) otherwise.
std::shared_ptr<OutputError> output_error_for(const Graph& g, const data::PreprocessConfig& cfg);

}  // namespace fxq::quant
