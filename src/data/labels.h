// Class labels of an image folder: a TSV "file<TAB>class_index" or one sub-folder per class.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "data/image_folder.h"

namespace fxq::data {

struct Labels {
  std::map<std::string, int> by_rel;     // file name (as written in the TSV, or rel) -> class index
  std::vector<std::string> class_names;  // sub-folder labels only (index order); empty for a TSV
  std::string source;                    // the TSV path, or "sub-folder names"
};

// "file<TAB>class_index" per line, no header; blank lines and a trailing '\r' are fine; a leading "./" is
// dropped. Malformed line or duplicate file -> fail_input("<path>:<line>: ...").
Labels load_labels_tsv(const std::string& path);

// torchvision ImageFolder: the first path component of rel is the class, sorted names give the indices.
// Images directly in the root get no label.
Labels labels_from_subfolders(const std::vector<ImageEntry>& images);

// Keeps the images that have a label, in order. A label name matches an image's rel; a name without '/' also
// matches the image of that basename when only one image has it. One warning with the number of images
// without a label, one with the number of label names that match no image; no labelled image -> fail_input.
std::vector<std::pair<ImageEntry, int>> attach_labels(const std::vector<ImageEntry>& images, const Labels& labels,
                                                      const std::function<void(const std::string&)>& warn);

// The images of `dir` with their labels: `labels` is a TSV path, or "folders" for one sub-folder per
// class (what `--labels` takes on the command line). Unlabelled images are left out (one warning).
struct LabelledImages {
  std::vector<ImageEntry> images;
  std::vector<int> labels;
};
LabelledImages load_labelled_images(const std::string& dir, const std::string& labels,
                                    const std::function<void(const std::string&)>& warn);

}  // namespace fxq::data
