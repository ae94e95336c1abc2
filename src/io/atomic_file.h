// Writing outputs atomically: write to a temporary file beside the target, then rename, so a failed
// run never leaves a partial file nor overwrites the previous one.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace fxq {

// Writes `bytes` to `path` via "<path>.tmp-<pid>" + rename. Failure: Error kOutput naming the path.
void write_file_atomic(const std::string& path, const std::string& bytes);
// Creates `dir` (and parents) if needed. Failure: Error kOutput naming the folder.
void ensure_directory(const std::string& dir);
// Checks, before any long work, that `path` can be written: its folder exists and is writable and
// the path is not a folder. Failure: Error kOutput naming the path and the reason.
void check_writable(const std::string& path);

// Several outputs that appear together or not at all (a model, its report, its HTML page): stage()
// writes each to a temporary file beside its target; commit() renames them all into place. Destroyed
// before commit() (an error on the way), it removes its temporaries: no output appears and no
// previous file is touched. Renames within one folder do not fail in practice; if one does, the
// files already renamed stay and the error names the one that failed.
class StagedFiles {
 public:
  StagedFiles() = default;
  StagedFiles(const StagedFiles&) = delete;
  StagedFiles& operator=(const StagedFiles&) = delete;
  ~StagedFiles();
  void stage(const std::string& path, const std::string& bytes);  // Error kOutput
  void commit();                                                  // Error kOutput

 private:
  std::vector<std::pair<std::string, std::string>> staged_;  // temporary, target
};

}  // namespace fxq
