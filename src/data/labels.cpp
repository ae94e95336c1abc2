#include "data/labels.h"

#include <fstream>
#include <set>

#include "common/error.h"

namespace fxq::data {
namespace {

std::string excerpt(const std::string& line) {
  std::string s = line.size() > 60 ? line.substr(0, 60) + "..." : line;
  for (char& c : s)
    if (c == '\t') c = ' ';
  return s;
}

bool parse_index(const std::string& s, int* out) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  if (b == std::string::npos) return false;
  const std::string t = s.substr(b, e - b + 1);
  if (t.empty() || t.size() > 9) return false;
  for (char c : t)
    if (c < '0' || c > '9') return false;
  *out = std::stoi(t);
  return true;
}

std::string basename_of(const std::string& rel) {
  const size_t slash = rel.rfind('/');
  return slash == std::string::npos ? rel : rel.substr(slash + 1);
}

}  // namespace

Labels load_labels_tsv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_input(path + ": cannot open labels file");
  Labels labels;
  labels.source = path;
  std::map<std::string, int> first_line;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(n) + ": ";
    const size_t tab = line.find('\t');
    int index = 0;
    if (tab == std::string::npos || tab == 0 || line.find('\t', tab + 1) != std::string::npos ||
        !parse_index(line.substr(tab + 1), &index))
      fail_input(where + "expected 'file<TAB>class_index' (index >= 0), got '" + excerpt(line) + "'");
    std::string file = line.substr(0, tab);
    if (file.rfind("./", 0) == 0) file = file.substr(2);
    const auto [it, added] = first_line.emplace(file, n);
    if (!added) fail_input(where + "'" + file + "' is listed twice (first on line " + std::to_string(it->second) + ")");
    labels.by_rel[file] = index;
  }
  if (in.bad()) fail_input(path + ": read error");
  return labels;
}

Labels labels_from_subfolders(const std::vector<ImageEntry>& images) {
  Labels labels;
  labels.source = "sub-folder names";
  std::set<std::string> classes;
  for (const ImageEntry& e : images) {
    const size_t slash = e.rel.find('/');
    if (slash != std::string::npos) classes.insert(e.rel.substr(0, slash));
  }
  labels.class_names.assign(classes.begin(), classes.end());
  std::map<std::string, int> index;
  for (size_t k = 0; k < labels.class_names.size(); ++k) index[labels.class_names[k]] = static_cast<int>(k);
  for (const ImageEntry& e : images) {
    const size_t slash = e.rel.find('/');
    if (slash != std::string::npos) labels.by_rel[e.rel] = index.at(e.rel.substr(0, slash));
  }
  return labels;
}

std::vector<std::pair<ImageEntry, int>> attach_labels(const std::vector<ImageEntry>& images, const Labels& labels,
                                                      const std::function<void(const std::string&)>& warn) {
  std::map<std::string, int> basename_count;
  for (const ImageEntry& e : images) ++basename_count[basename_of(e.rel)];
  std::vector<std::pair<ImageEntry, int>> out;
  std::set<std::string> used;
  size_t unlabelled = 0;
  for (const ImageEntry& e : images) {
    auto it = labels.by_rel.find(e.rel);
    if (it == labels.by_rel.end()) {
      const std::string base = basename_of(e.rel);
      if (base != e.rel && basename_count[base] == 1) it = labels.by_rel.find(base);
    }
    if (it == labels.by_rel.end()) {
      ++unlabelled;
      continue;
    }
    used.insert(it->first);
    out.emplace_back(e, it->second);
  }
  if (unlabelled && warn)
    warn(std::to_string(unlabelled) + " of " + std::to_string(images.size()) + " images have no label in " +
         labels.source + "; they are skipped");
  const size_t unmatched = labels.by_rel.size() - used.size();
  if (unmatched && warn)
    warn(std::to_string(unmatched) + " of " + std::to_string(labels.by_rel.size()) + " names in " + labels.source +
         " match no image");
  if (out.empty()) fail_input(labels.source + ": no image has a label (" + std::to_string(images.size()) + " images)");
  return out;
}

LabelledImages load_labelled_images(const std::string& dir, const std::string& labels,
                                    const std::function<void(const std::string&)>& warn) {
  const std::vector<ImageEntry> all = list_images(dir);
  const Labels lab = labels == "folders" ? labels_from_subfolders(all) : load_labels_tsv(labels);
  LabelledImages r;
  for (auto& p : attach_labels(all, lab, warn)) {
    r.images.push_back(p.first);
    r.labels.push_back(p.second);
  }
  return r;
}

}  // namespace fxq::data
