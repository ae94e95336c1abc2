#include "report/report_text.h"

#include <cmath>
#include <cstdio>

namespace fxq::report {

using json = nlohmann::json;

const json* find(const json& j, std::initializer_list<const char*> path) {
  const json* p = &j;
  for (const char* key : path) {
    if (!p->is_object()) return nullptr;
    auto it = p->find(key);
    if (it == p->end()) return nullptr;
    p = &*it;
  }
  return p;
}

double number(const json& j, std::initializer_list<const char*> path) {
  const json* p = find(j, path);
  return p && p->is_number() ? p->get<double>() : 0.0;
}

int64_t integer(const json& j, std::initializer_list<const char*> path) {
  const json* p = find(j, path);
  if (!p || !p->is_number()) return 0;
  return p->is_number_float() ? static_cast<int64_t>(std::llround(p->get<double>())) : p->get<int64_t>();
}

std::string text(const json& j, std::initializer_list<const char*> path) {
  const json* p = find(j, path);
  return p && p->is_string() ? p->get<std::string>() : "";
}

bool boolean(const json& j, std::initializer_list<const char*> path) {
  const json* p = find(j, path);
  return p && p->is_boolean() && p->get<bool>();
}

std::string with_commas(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), r;
  for (size_t k = 0; k < digits.size(); ++k) {
    if (k > 0 && (digits.size() - k) % 3 == 0) r += ',';
    r += digits[k];
  }
  return (v < 0 ? "-" : "") + r;
}

std::string si(double v) {
  static const char* prefixes[] = {"", " k", " M", " G", " T", " P"};
  int k = 0;
  while (std::abs(v) >= 999.5 && k < 5) v /= 1000, ++k;
  char b[32];
  if (k == 0) std::snprintf(b, sizeof b, "%.0f", v);
  else std::snprintf(b, sizeof b, std::abs(v) < 9.995 ? "%.2f%s" : std::abs(v) < 99.95 ? "%.1f%s" : "%.0f%s", v, prefixes[k]);
  return b;
}

std::string bytes(double b) {
  char s[32];
  if (b < 1000) std::snprintf(s, sizeof s, "%.0f B", b);
  else if (b < 1e6) std::snprintf(s, sizeof s, "%.1f kB", b / 1e3);
  else if (b < 1e9) std::snprintf(s, sizeof s, "%.2f MB", b / 1e6);
  else std::snprintf(s, sizeof s, "%.2f GB", b / 1e9);
  return s;
}

std::string shorten(const std::string& s, size_t max_chars) {
  if (s.size() <= max_chars || max_chars < 2) return s;
  // "…" is 3 bytes of UTF-8 but one column; cut the tail at a character boundary.
  size_t start = s.size() - (max_chars - 1);
  while (start < s.size() && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) ++start;
  return "\u2026" + s.substr(start);
}

}  // namespace fxq::report
