// The images of a calibration / evaluation folder: found recursively, filtered by extension, sorted.
#pragma once
#include <string>
#include <vector>

namespace fxq::data {

struct ImageEntry {
  std::string path;  // the file, as the root joined with rel
  std::string rel;   // path relative to the root, '/' separators
};

// Recursive (directory symlinks followed, each real directory visited once), sorted by rel (byte order).
// Extensions .jpg .jpeg .png .bmp .webp, case-insensitive. Not a directory, unreadable, or no image ->
// fail_input("<dir>: ...").
std::vector<ImageEntry> list_images(const std::string& dir);

bool has_image_extension(const std::string& filename);

}  // namespace fxq::data
