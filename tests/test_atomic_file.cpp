// Outputs written atomically, alone or together (StagedFiles): a failure on the way leaves no output
// and no temporary file, and never touches a previous file at the target.
#include <catch2/catch.hpp>
#include <filesystem>

#include "common/error.h"
#include "io/atomic_file.h"
#include "test_support.h"

using namespace fxq;

namespace {
size_t files_in(const std::string& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}
}  // namespace

TEST_CASE("StagedFiles: all outputs appear at commit, none when it is abandoned", "[io]") {
  const std::string dir = test::temp_dir("staged");
  test::write_bytes(dir + "/a.txt", "previous a");
  SECTION("commit") {
    {
      StagedFiles f;
      f.stage(dir + "/a.txt", "new a");
      f.stage(dir + "/b.txt", "new b");
      REQUIRE(test::read_bytes(dir + "/a.txt") == "previous a");  // nothing visible before commit
      REQUIRE(!test::file_exists(dir + "/b.txt"));
      f.commit();
    }
    CHECK(test::read_bytes(dir + "/a.txt") == "new a");
    CHECK(test::read_bytes(dir + "/b.txt") == "new b");
    CHECK(files_in(dir) == 2);  // no temporary left
  }
  SECTION("an error after the first output was staged") {
    try {
      StagedFiles f;
      f.stage(dir + "/a.txt", "new a");
      f.stage(dir + "/no/such/folder/b.txt", "new b");  // Error kOutput
      f.commit();
      FAIL("staging into a missing folder did not fail");
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::kOutput);
      CHECK(std::string(e.what()).find(dir + "/no/such/folder/b.txt") != std::string::npos);
    }
    CHECK(test::read_bytes(dir + "/a.txt") == "previous a");
    CHECK(files_in(dir) == 1);
  }
}

TEST_CASE("check_writable: names the path and why", "[io]") {
  const std::string dir = test::temp_dir("writable");
  CHECK_NOTHROW(check_writable(dir + "/new.onnx"));
  try {
    check_writable(dir + "/missing/new.onnx");
    FAIL("a missing folder passed");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kOutput);
    CHECK(std::string(e.what()).find("does not exist") != std::string::npos);
  }
  try {
    check_writable(dir);
    FAIL("a folder passed as a file name");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kOutput);
    CHECK(std::string(e.what()).find("is a folder") != std::string::npos);
  }
}
