// Writing outputs atomically: write to a temporary file beside the target, then rename, so a failed
// run never leaves a partial file nor overwrites the previous one.
#pragma once
#include <string>

namespace fxq {

// Writes `bytes` to `path` via "<path>.tmp-<pid>" + rename. Failure: Error kOutput naming the path.
void write_file_atomic(const std::string& path, const std::string& bytes);
// Creates `dir` (and parents) if needed. Failure: Error kOutput naming the folder.
void ensure_directory(const std::string& dir);

}  // namespace fxq
