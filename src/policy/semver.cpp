#include "policy/semver.hpp"

#include <algorithm>

namespace signet::policy {
namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_ident_char(char c) noexcept {
  return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
}
bool all_digits(std::string_view s) noexcept { return std::all_of(s.begin(), s.end(), is_digit); }

// A numeric identifier: digits, no leading zero (except "0" itself), below 10^19.
std::optional<std::uint64_t> number(std::string_view s) {
  if (s.empty() || s.size() > 19 || !all_digits(s) || (s.size() > 1 && s.front() == '0')) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (const char c : s) value = value * 10 + static_cast<std::uint64_t>(c - '0');
  return value;
}

// Dot-separated identifiers of [0-9A-Za-z-], none empty.
std::optional<std::vector<std::string>> identifiers(std::string_view s, bool numeric_rules) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    const std::string_view id = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (id.empty() || !std::all_of(id.begin(), id.end(), is_ident_char)) return std::nullopt;
    if (numeric_rules && all_digits(id) && !number(id)) return std::nullopt;
    out.emplace_back(id);
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

std::strong_ordering compare_identifier(const std::string& a, const std::string& b) {
  const bool a_num = all_digits(a);
  const bool b_num = all_digits(b);
  if (a_num && b_num) return *number(a) <=> *number(b);
  if (a_num != b_num) return a_num ? std::strong_ordering::less : std::strong_ordering::greater;
  return a.compare(b) <=> 0;
}

}  // namespace

std::optional<SemVer> SemVer::parse(std::string_view text) {
  if (text.empty() || text.size() > 256) return std::nullopt;
  std::string_view core = text;
  if (const auto plus = core.find('+'); plus != std::string_view::npos) {
    if (!identifiers(core.substr(plus + 1), /*numeric_rules=*/false)) return std::nullopt;
    core = core.substr(0, plus);
  }
  std::optional<std::vector<std::string>> pre;
  if (const auto dash = core.find('-'); dash != std::string_view::npos) {
    pre = identifiers(core.substr(dash + 1), /*numeric_rules=*/true);
    if (!pre) return std::nullopt;
    core = core.substr(0, dash);
  }
  const auto dot1 = core.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : core.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return std::nullopt;
  const auto major = number(core.substr(0, dot1));
  const auto minor = number(core.substr(dot1 + 1, dot2 - dot1 - 1));
  const auto patch = number(core.substr(dot2 + 1));
  if (!major || !minor || !patch) return std::nullopt;
  SemVer v;
  v.text_ = std::string(text);
  v.major_ = *major;
  v.minor_ = *minor;
  v.patch_ = *patch;
  if (pre) v.prerelease_ = std::move(*pre);
  return v;
}

std::strong_ordering SemVer::operator<=>(const SemVer& other) const {
  if (auto c = major_ <=> other.major_; c != 0) return c;
  if (auto c = minor_ <=> other.minor_; c != 0) return c;
  if (auto c = patch_ <=> other.patch_; c != 0) return c;
  // A pre-release sorts before its release.
  if (prerelease_.empty() != other.prerelease_.empty()) {
    return prerelease_.empty() ? std::strong_ordering::greater : std::strong_ordering::less;
  }
  const std::size_t n = std::min(prerelease_.size(), other.prerelease_.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (auto c = compare_identifier(prerelease_[i], other.prerelease_[i]); c != 0) return c;
  }
  return prerelease_.size() <=> other.prerelease_.size();
}

}  // namespace signet::policy
