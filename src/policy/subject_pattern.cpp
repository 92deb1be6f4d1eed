// Subject patterns and the glob they use. Pure standard C++: this file is also compiled into the
// libFuzzer target of the policy parser (clang-16 + libc++), so it must not use fmt or OpenSSL.
#include "policy/subject_pattern.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace signet::policy {
namespace {

// Long attribute names (and common aliases) -> the short names OpenSSL reports for subjects.
constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kAttributeAliases{{
    {"commonName", "CN"},
    {"organizationName", "O"},
    {"organizationalUnitName", "OU"},
    {"countryName", "C"},
    {"localityName", "L"},
    {"stateOrProvinceName", "ST"},
    {"E", "emailAddress"},
    {"email", "emailAddress"},
    {"surname", "SN"},
    {"givenName", "GN"},
    {"domainComponent", "DC"},
    {"userId", "UID"},
    {"streetAddress", "street"},
    {"organizationIdentifier", "organizationIdentifier"},
    {"serialNumber", "serialNumber"},
    {"title", "title"},
}};

[[nodiscard]] char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The canonical spelling of an attribute name; unknown names (and dotted OIDs) stay as written and
// still compare case-insensitively.
[[nodiscard]] std::string canonical_attribute(std::string_view name) {
  for (const auto& [alias, canonical] : kAttributeAliases) {
    if (iequals(name, alias)) return std::string(canonical);
  }
  return std::string(name);
}

[[nodiscard]] bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

[[nodiscard]] std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

[[nodiscard]] bool is_attribute_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

// Length of the UTF-8 sequence starting at s[i] (1 for invalid or truncated sequences), so that
// `?` stands for one character, not one byte.
[[nodiscard]] std::size_t char_length(std::string_view s, std::size_t i) noexcept {
  const auto lead = static_cast<unsigned char>(s[i]);
  std::size_t n = 1;
  if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4;
  } else if (lead >= 0xE0) {
    n = lead <= 0xEF ? 3 : 1;
  } else if (lead >= 0xC2) {
    n = 2;
  }
  if (i + n > s.size()) return 1;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 1;
  }
  return n;
}

// Splits at unescaped commas and resolves the escapes "\," and "\\". Any other backslash sequence
// is an error: a pattern that means something else than it seems is worse than none.
[[nodiscard]] Result<std::vector<std::string>> split_terms(std::string_view text) {
  std::vector<std::string> terms(1);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\') {
      if (i + 1 < text.size() && (text[i + 1] == ',' || text[i + 1] == '\\')) {
        terms.back() += text[++i];
        continue;
      }
      return fail(Errc::kPolicyInvalid, "subject pattern '" + std::string(text) +
                                            "': only \"\\,\" and \"\\\\\" may be escaped");
    }
    if (c == ',') {
      terms.emplace_back();
    } else {
      terms.back() += c;
    }
  }
  return terms;
}

}  // namespace

Result<SubjectPattern> SubjectPattern::parse(std::string_view text) {
  const std::string quoted = "subject pattern '" + std::string(text) + "'";
  if (trim(text).empty()) return fail(Errc::kPolicyInvalid, quoted + ": empty");
  auto raw_terms = split_terms(text);
  if (!raw_terms) return std::unexpected(std::move(raw_terms.error()));

  SubjectPattern pattern;
  pattern.text_ = std::string(text);
  for (std::size_t i = 0; i < raw_terms->size(); ++i) {
    const std::string_view term = trim((*raw_terms)[i]);
    const std::string where = quoted + ", term " + std::to_string(i + 1);
    if (term.empty()) return fail(Errc::kPolicyInvalid, where + ": empty term");
    const std::size_t eq = term.find('=');
    if (eq == std::string_view::npos) {
      return fail(Errc::kPolicyInvalid,
                  where + " '" + std::string(term) + "': expected ATTRIBUTE=VALUE");
    }
    const std::string_view name = trim(term.substr(0, eq));
    const std::string_view value = trim(term.substr(eq + 1));
    if (name.empty()) return fail(Errc::kPolicyInvalid, where + ": missing attribute name");
    for (const char c : name) {
      if (!is_attribute_char(c)) {
        return fail(Errc::kPolicyInvalid,
                    where + ": invalid attribute name '" + std::string(name) + "'");
      }
    }
    if (value.empty()) {
      return fail(Errc::kPolicyInvalid, where + ": empty value for " + std::string(name) +
                                            " (use * to accept any value)");
    }
    pattern.terms_.emplace_back(canonical_attribute(name), std::string(value));
  }
  return pattern;
}

bool SubjectPattern::matches(
    const std::vector<std::pair<std::string, std::string>>& attributes) const {
  if (terms_.empty()) return false;  // unreachable for a parsed pattern; fail closed anyway
  for (const auto& [name, glob] : terms_) {
    bool found = false;
    for (const auto& [attr_name, attr_value] : attributes) {
      if (iequals(canonical_attribute(attr_name), name) && glob_match(glob, attr_value)) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

// The classic iterative matcher: remember the last `*` and where in the text it started; on a
// mismatch let that star swallow one more character. Worst case O(|pattern| * |text|), never
// exponential, whatever the number of stars.
bool glob_match(std::string_view pattern, std::string_view text) noexcept {
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star_p = std::string_view::npos;
  std::size_t star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = p++;
      star_t = t;
    } else if (p < pattern.size() && pattern[p] == '?') {
      ++p;
      t += char_length(text, t);
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star_p != std::string_view::npos) {
      p = star_p + 1;
      star_t += char_length(text, star_t);
      t = star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace signet::policy
