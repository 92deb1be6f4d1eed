#include "inventory/path_text.hpp"

#include <cstddef>

namespace signet::inventory {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence starting at s[i] (1 for ASCII), or 0 when the bytes there
// are not one: overlong forms, surrogates and code points above U+10FFFF are not UTF-8.
std::size_t utf8_length(std::string_view s, std::size_t i) noexcept {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  std::size_t len = 0;
  unsigned min = 0;
  unsigned cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, min = 0x80, cp = b0 & 0x1Fu;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, min = 0x800, cp = b0 & 0x0Fu;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, min = 0x10000, cp = b0 & 0x07u;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is not produced, so it is not accepted: one spelling per path
}

}  // namespace

std::string escape_path(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    if (raw[i] == '\\') {
      out += "\\\\";
      ++i;
      continue;
    }
    const std::size_t len = utf8_length(raw, i);
    if (len == 0) {
      const auto b = static_cast<unsigned char>(raw[i]);
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
      ++i;
    } else {
      out.append(raw.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::optional<std::string> decode_path(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] != '\\') {
      const std::size_t len = utf8_length(text, i);
      if (len == 0) return std::nullopt;
      out.append(text.substr(i, len));
      i += len;
      continue;
    }
    if (i + 1 >= text.size()) return std::nullopt;
    if (text[i + 1] == '\\') {
      out += '\\';
      i += 2;
      continue;
    }
    if (text[i + 1] != 'x' || i + 4 > text.size()) return std::nullopt;
    const int hi = hex_value(text[i + 2]);
    const int lo = hex_value(text[i + 3]);
    if (hi < 0 || lo < 0) return std::nullopt;
    const char byte = static_cast<char>((hi << 4) | lo);
    // ASCII is never escaped (a backslash has its own escape): one spelling for those bytes.
    if (static_cast<unsigned char>(byte) < 0x80) return std::nullopt;
    out += byte;
    i += 4;
  }
  return out;
}

bool is_plain_path(std::string_view raw) noexcept {
  for (std::size_t i = 0; i < raw.size();) {
    if (raw[i] == '\\') return false;
    const std::size_t len = utf8_length(raw, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

}  // namespace signet::inventory
