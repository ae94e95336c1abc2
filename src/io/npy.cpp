#include "io/npy.h"

#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "common/error.h"
#include "io/atomic_file.h"

namespace fxq {
namespace {

const char* descr_of(DType t) {
  switch (t) {
    case DType::kFloat32: return "<f4";
    case DType::kInt64: return "<i8";
    case DType::kInt32: return "<i4";
    case DType::kInt8: return "|i1";
    case DType::kUInt8: return "|u1";
    case DType::kBool: return "|b1";
  }
  return "?";
}

}  // namespace

std::string npy_bytes(const Tensor& t) {
  std::string shape = "(";
  for (size_t k = 0; k < t.shape.size(); ++k) shape += std::to_string(t.shape[k]) + (t.shape.size() == 1 ? "," : k + 1 < t.shape.size() ? ", " : "");
  shape += ")";
  std::string header = std::string("{'descr': '") + descr_of(t.dtype) + "', 'fortran_order': False, 'shape': " + shape + ", }";
  const size_t unpadded = 10 + header.size() + 1;
  header += std::string((64 - unpadded % 64) % 64, ' ') + "\n";
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  const uint16_t len = static_cast<uint16_t>(header.size());
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  out += header;
  const size_t n = static_cast<size_t>(t.size());
  switch (t.dtype) {
    case DType::kFloat32: out.append(reinterpret_cast<const char*>(t.f.data()), 4 * n); break;
    case DType::kInt64: out.append(reinterpret_cast<const char*>(t.i.data()), 8 * n); break;
    case DType::kInt32:
      for (size_t k = 0; k < n; ++k) { int32_t v = static_cast<int32_t>(t.i[k]); out.append(reinterpret_cast<const char*>(&v), 4); }
      break;
    default:
      for (size_t k = 0; k < n; ++k) out += static_cast<char>(t.i[k]);
      break;
  }
  return out;
}

void write_npy(const std::string& path, const Tensor& t) { write_file_atomic(path, npy_bytes(t)); }

Tensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_input(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string b = ss.str();
  if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0) fail_input(path + ": not a .npy file");
  const int major = static_cast<unsigned char>(b[6]);
  size_t hlen = 0, hstart = 0;
  if (major == 1) { hlen = static_cast<unsigned char>(b[8]) | (static_cast<unsigned char>(b[9]) << 8); hstart = 10; }
  else if (major == 2 || major == 3) {
    if (b.size() < 12) fail_input(path + ": truncated .npy header");
    hlen = 0;
    for (int k = 3; k >= 0; --k) hlen = (hlen << 8) | static_cast<unsigned char>(b[8 + k]);
    hstart = 12;
  } else fail_input(path + ": unsupported .npy version " + std::to_string(major));
  if (hstart + hlen > b.size()) fail_input(path + ": truncated .npy header");
  const std::string header = b.substr(hstart, hlen);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']+)'"))) fail_input(path + ": .npy header has no descr");
  const std::string descr = m[1];
  if (std::regex_search(header, m, std::regex("'fortran_order'\\s*:\\s*True")))
    fail_unsupported(path + ": Fortran-ordered .npy arrays are not supported (save with np.ascontiguousarray)");
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)"))) fail_input(path + ": .npy header has no shape");
  Shape shape;
  std::stringstream dims(m[1].str());
  std::string tok;
  while (std::getline(dims, tok, ',')) {
    tok.erase(0, tok.find_first_not_of(" "));
    if (tok.find_first_not_of(" ") == std::string::npos) continue;
    shape.push_back(std::stoll(tok));
  }
  const size_t n = static_cast<size_t>(numel(shape));
  const char* data = b.data() + hstart + hlen;
  const size_t avail = b.size() - hstart - hlen;
  auto need = [&](size_t w) { if (avail < w * n) fail_input(path + ": truncated .npy data for shape " + shape_str(shape)); };
  Tensor t;
  t.shape = shape;
  if (descr == "<f4") { need(4); t.f.resize(n); std::memcpy(t.f.data(), data, 4 * n); }
  else if (descr == "<f8") {
    need(8); t.f.resize(n);
    for (size_t k = 0; k < n; ++k) { double v; std::memcpy(&v, data + 8 * k, 8); t.f[k] = static_cast<float>(v); }
  } else if (descr == "<i8") { need(8); t.dtype = DType::kInt64; t.i.resize(n); std::memcpy(t.i.data(), data, 8 * n); }
  else if (descr == "<i4") {
    need(4); t.dtype = DType::kInt32; t.i.resize(n);
    for (size_t k = 0; k < n; ++k) { int32_t v; std::memcpy(&v, data + 4 * k, 4); t.i[k] = v; }
  } else if (descr == "|i1" || descr == "|u1" || descr == "|b1") {
    need(1); t.dtype = descr == "|i1" ? DType::kInt8 : descr == "|u1" ? DType::kUInt8 : DType::kBool; t.i.resize(n);
    for (size_t k = 0; k < n; ++k) t.i[k] = descr == "|i1" ? static_cast<int8_t>(data[k]) : static_cast<uint8_t>(data[k]);
  } else fail_unsupported(path + ": .npy dtype '" + descr + "' is not supported (float32/64, int64/32/8, uint8, bool are)");
  return t;
}

}  // namespace fxq
