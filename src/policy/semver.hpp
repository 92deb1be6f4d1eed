// Semantic versions (SemVer 2.0.0) and their precedence, for rollback = "version". Strict: a
// version policy cannot order is not guessed at (the rule then denies). Pure and fuzzed
// (fuzz_semver): standard library only.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace signet::policy {

class SemVer {
 public:
  // "2.4.1", "1.0.0-rc.1", "1.0.0+build.5"; no leading 'v', no leading zeros, at most 256
  // characters, numbers below 10^19.
  [[nodiscard]] static std::optional<SemVer> parse(std::string_view text);

  // SemVer precedence: build metadata is ignored, so "1.0.0+a" and "1.0.0+b" are equivalent.
  [[nodiscard]] std::strong_ordering operator<=>(const SemVer& other) const;
  [[nodiscard]] bool operator==(const SemVer& other) const {
    return (*this <=> other) == std::strong_ordering::equal;
  }
  [[nodiscard]] const std::string& text() const noexcept { return text_; }

 private:
  SemVer() = default;
  std::string text_;
  std::uint64_t major_ = 0, minor_ = 0, patch_ = 0;
  std::vector<std::string> prerelease_;
};

}  // namespace signet::policy
