#include "data/image_folder.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "common/error.h"

namespace fxq::data {
namespace fs = std::filesystem;
namespace {

constexpr const char* kImageExtensions[] = {".jpg", ".jpeg", ".png", ".bmp", ".webp"};

struct Walker {
  fs::path root;
  std::set<fs::path> visited;  // canonical directories, so symlink cycles end
  std::vector<ImageEntry> found;

  void walk(const fs::path& dir, const std::string& rel_prefix) {
    std::error_code ec;
    const fs::path canon = fs::canonical(dir, ec);
    if (!ec && !visited.insert(canon).second) return;
    fs::directory_iterator it(dir, ec);
    if (ec) fail_input(dir.string() + ": cannot read directory: " + ec.message());
    for (const fs::directory_iterator end; it != end; it.increment(ec)) {
      if (ec) fail_input(dir.string() + ": cannot read directory: " + ec.message());
      const fs::path& p = it->path();
      const std::string name = p.filename().string();
      const std::string rel = rel_prefix.empty() ? name : rel_prefix + "/" + name;
      std::error_code sec;
      const fs::file_status st = fs::status(p, sec);  // follows symlinks; a broken link is skipped
      if (sec) continue;
      if (fs::is_directory(st))
        walk(p, rel);
      else if (fs::is_regular_file(st) && has_image_extension(name))
        found.push_back({(root / rel).string(), rel});
    }
  }
};

}  // namespace

bool has_image_extension(const std::string& filename) {
  std::string ext = fs::path(filename).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::any_of(std::begin(kImageExtensions), std::end(kImageExtensions),
                     [&](const char* e) { return ext == e; });
}

std::vector<ImageEntry> list_images(const std::string& dir) {
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (ec || !fs::exists(st)) fail_input(dir + ": no such directory");
  if (!fs::is_directory(st)) fail_input(dir + ": not a directory");
  Walker w;
  w.root = fs::path(dir);
  w.walk(w.root, "");
  if (w.found.empty()) fail_input(dir + ": no image files (.jpg .jpeg .png .bmp .webp) found");
  std::sort(w.found.begin(), w.found.end(),
            [](const ImageEntry& a, const ImageEntry& b) { return a.rel < b.rel; });
  return w.found;
}

}  // namespace fxq::data
