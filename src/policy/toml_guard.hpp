// Keeps two bugs of toml++ 3.3 (the Debian 12 package) away from parse_policy(), which is fuzzed
// and must never crash. Internal to policy_parse.cpp; header-only so that the fuzz build needs no
// extra source file.
//
//  1. A table header whose "[" or "[[" is not followed by a key ("[=", "[\n", "[[[a]]]") reaches
//     parse_key() with a broken precondition: an assertion, or with NDEBUG an assumption, i.e.
//     undefined behaviour (marzer/tomlplusplus#301).
//  2. is_non_ascii_horizontal_whitespace() hits __builtin_unreachable for most code points in
//     U+00A1..U+0499, U+2C5E..U+3057 and U+FB26..U+FEFE ("§", "ü", "é"); the parser asks it about
//     every character outside string values and inside quoted keys (marzer/tomlplusplus#190,
//     fixed upstream by #305).
//
//  3. parse_value() asserts (with NDEBUG: assumes) that it is not called on '}', but parse_array()
//     calls it on one where a value should be: "x = [}]", "x = [1, }]".
//  4. parse_time() asserts (assumes) a digit, but a date-time like "1979-05-27T:" calls it on ':'.
//
// The guard refuses (1), (3) and (4). For (2) it rewrites the text so that toml++ never sees such a
// code point: inside "basic" strings it becomes a \uXXXX escape, 'literal' strings holding one are
// turned into equivalent basic strings, in comments it becomes '?', and anywhere else (where TOML
// allows no such character) the text is refused. Line numbers are kept. Whatever the lexer below
// gets wrong, its output never contains one of those code points, so toml++ cannot reach the bad
// path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace signet::policy::toml_guard {

// Mirrors the decision tree of toml++ 3.3's is_non_ascii_horizontal_whitespace(): true where it
// would reach TOML_UNREACHABLE.
constexpr bool breaks_whitespace_check(char32_t c) noexcept {
  if (c < 0xA0 || c > 0xFEFF) return false;
  const auto child = (static_cast<std::uint64_t>(c) - 0xA0u) / 0x3FAu;
  if (((std::uint64_t{1} << child) & 0x7FFFFFFFFFFFF75Eull) != 0) return false;
  if (c == 0xA0 || c == 0x3000 || c == 0xFEFF) return false;
  return child != 0x05 && child != 0x07;
}

// Decodes one UTF-8 sequence at text[i]; nullopt when malformed (also overlong, surrogate, or
// beyond U+10FFFF), so that no spelling of a bad code point slips past.
inline std::optional<char32_t> decode(std::string_view text, std::size_t i, std::size_t& length) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char lead = byte(0);
  char32_t cp = 0;
  char32_t min = 0;
  if (lead < 0x80) {
    length = 1;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1Fu, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0Fu, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07u, min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (i + length > text.size()) return std::nullopt;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (byte(k) & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  return cp;
}

inline std::string escape(char32_t cp) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(cp >> shift) & 0xFu];
  return out;  // breaks_whitespace_check() is only ever true below U+10000
}

inline std::unexpected<Error> refuse(std::size_t line, const std::string& what) {
  return fail(Errc::kPolicyInvalid,
              "policy is not valid TOML: " + what + " (line " + std::to_string(line) + ")");
}

// Problem (1): lines that begin (after blanks) with '[' must continue with a key. This looks at a
// superset of the places where toml++ parses table headers; a policy has no value (nested array,
// multi-line string) that could legitimately start a line that way.
inline Result<void> check_table_headers(std::string_view text) {
  const auto is_key_start = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '"' || c == '\'' || c == ']';
  };
  const auto skip_blanks = [&](std::size_t i) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    return i;
  };
  std::size_t line = 1;
  std::size_t start = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  while (start < text.size()) {
    std::size_t i = skip_blanks(start);
    if (i < text.size() && text[i] == '[') {
      i = skip_blanks(i + 1);
      if (i < text.size() && text[i] == '[') i = skip_blanks(i + 1);
      if (i < text.size() && !is_key_start(text[i])) return refuse(line, "malformed table header");
    }
    const std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) break;
    start = end + 1;
    ++line;
  }
  return {};
}

// Problem (4): "YYYY-MM-DD" then 'T' then something other than a digit.
inline bool is_date_then_no_time(std::string_view text, std::size_t t) {
  const auto digit = [&](std::size_t k) { return text[k] >= '0' && text[k] <= '9'; };
  return t >= 5 && digit(t - 1) && digit(t - 2) && text[t - 3] == '-' && digit(t - 4) &&
         digit(t - 5) && t + 1 < text.size() && !digit(t + 1);
}

// Problems (2), (3) and (4) in one pass of a small TOML lexer (strings, comments, code). Returns
// nullopt when the text can be parsed as written (the usual case), else the rewritten text.
inline Result<std::optional<std::string>> rewrite(std::string_view text) {
  enum class State { kCode, kComment, kBasic, kMultiBasic, kLiteral, kMultiLiteral };
  State state = State::kCode;
  bool needed = false;  // a code point of problem (2) was seen: parse `out`, not `text`
  char last = '\n';     // last significant character in code (strings count as '"')
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::size_t line = 1;
  const auto quotes_at = [&](std::size_t i, char q) {
    std::size_t n = 0;
    while (i + n < text.size() && text[i + n] == q) ++n;
    return n;
  };
  for (std::size_t i = 0, length = 1; i < text.size(); i += length) {
    const auto decoded = decode(text, i, length);
    if (!decoded) return refuse(line, "invalid UTF-8");
    const char32_t cp = *decoded;
    const char c = text[i];
    const bool literal = state == State::kLiteral || state == State::kMultiLiteral;
    if (cp == '\n') {
      ++line;
      // A single-line string open at a line break is unterminated: toml++ reports it.
      if (state == State::kComment || state == State::kBasic || state == State::kLiteral) {
        state = State::kCode;
      }
      out += c;
    } else if (breaks_whitespace_check(cp)) {
      if (state == State::kCode) return refuse(line, "unexpected character outside a string");
      needed = true;
      out += state == State::kComment ? std::string(length, '?') : escape(cp);
    } else if (state == State::kCode) {
      if (c == '}' && (last == '[' || last == ',')) {
        return refuse(line, "expected a value, saw '}'");
      }
      if ((c == 'T' || c == 't') && is_date_then_no_time(text, i)) {
        return refuse(line, "malformed date-time");
      }
      if (c == '#') state = State::kComment;
      if (c != ' ' && c != '\t' && c != '\r' && c != '#') last = c;
      if (c == '"' || c == '\'') {
        const bool multi = quotes_at(i, c) >= 3;
        state = c == '"' ? (multi ? State::kMultiBasic : State::kBasic)
                         : (multi ? State::kMultiLiteral : State::kLiteral);
        length = multi ? 3 : 1;
        out += multi ? "\"\"\"" : "\"";
        continue;
      }
      out.append(text.substr(i, length));
    } else if (state == State::kComment) {
      out.append(text.substr(i, length));
    } else if (!literal && c == '\\') {
      // An escape: copy it with the character it escapes (a line break is handled above).
      if (i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80) {
        return refuse(line, "invalid escape sequence");
      }
      out += c;
      if (i + 1 < text.size() && text[i + 1] != '\n') out += text[++i];
    } else if ((c == '"' && !literal) || (c == '\'' && literal)) {
      const bool multi = state == State::kMultiBasic || state == State::kMultiLiteral;
      const std::size_t run = multi ? quotes_at(i, c) : 1;
      if (multi && run < 3) {
        out += literal ? std::string(run, '\'') : std::string(run, '"');
      } else {
        if (run > 5) return refuse(line, "too many quotes closing a multi-line string");
        if (multi) out += literal ? std::string(run - 3, '\'') : std::string(run - 3, '"');
        out += multi ? "\"\"\"" : "\"";
        state = State::kCode;
      }
      length = run;
    } else if (literal && (c == '\\' || c == '"')) {
      out += '\\';  // literal text inside what is now a basic string
      out += c;
    } else {
      out.append(text.substr(i, length));
    }
  }
  if (!needed) return std::optional<std::string>();
  return std::optional<std::string>(std::move(out));
}

}  // namespace signet::policy::toml_guard
