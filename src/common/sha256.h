// SHA-256 (FIPS 180-4), for the report: the model's hash and the calibration file list's hash.
#pragma once
#include <cstdint>
#include <string>

namespace fxq {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t n);
  void update(const std::string& s) { update(s.data(), s.size()); }
  std::string hex_digest();  // finishes; call once

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string sha256_hex(const std::string& bytes);
std::string sha256_file(const std::string& path);  // Error kBadInput if unreadable

}  // namespace fxq
