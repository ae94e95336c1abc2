#include "io/atomic_file.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/error.h"

namespace fxq {
namespace {

// Writes bytes to "<path>.tmp-<pid>" and returns that name; nothing is left behind on failure.
std::string write_temporary(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) fail(ExitCode::kOutput, path + ": cannot write (is the folder there and writable?)");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.flush();
  if (!out) {
    out.close();
    std::remove(tmp.c_str());
    fail(ExitCode::kOutput, path + ": write failed (disk full?)");
  }
  return tmp;
}

void move_into_place(const std::string& tmp, const std::string& path) {
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    fail(ExitCode::kOutput, path + ": cannot move the finished file into place");
  }
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& bytes) {
  move_into_place(write_temporary(path, bytes), path);
}

void ensure_directory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) fail(ExitCode::kOutput, dir + ": cannot create folder (" + ec.message() + ")");
}

void check_writable(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) fail(ExitCode::kOutput, path + ": is a folder, not a file name");
  fs::path parent = fs::path(path).parent_path();
  if (parent.empty()) parent = ".";
  if (!fs::is_directory(parent, ec)) fail(ExitCode::kOutput, path + ": cannot write: folder " + parent.string() + " does not exist");
  if (::access(parent.c_str(), W_OK) != 0) fail(ExitCode::kOutput, path + ": cannot write: folder " + parent.string() + " is not writable");
}

StagedFiles::~StagedFiles() {
  for (const auto& [tmp, target] : staged_) std::remove(tmp.c_str());
}

void StagedFiles::stage(const std::string& path, const std::string& bytes) {
  staged_.emplace_back(write_temporary(path, bytes), path);
}

void StagedFiles::commit() {
  while (!staged_.empty()) {
    const auto [tmp, target] = staged_.front();
    staged_.erase(staged_.begin());
    move_into_place(tmp, target);
  }
}

}  // namespace fxq
