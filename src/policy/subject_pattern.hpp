// Publisher subject patterns: "O=Example Plant, OU=OT Engineering, CN=*". Every listed attribute
// must be present in the certificate subject with a value matching the glob (`*` any run, `?` one
// character); attributes not listed are ignored. Commas inside values are escaped as "\,".
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace signet::policy {

class SubjectPattern {
 public:
  [[nodiscard]] static Result<SubjectPattern> parse(std::string_view text);
  // attributes: (short name, value) from crypto::Certificate::subject_attributes(). Attribute names
  // compare case-insensitively and accept long forms (commonName = CN). If the certificate has the
  // same attribute several times, any one matching suffices.
  [[nodiscard]] bool matches(
      const std::vector<std::pair<std::string, std::string>>& attributes) const;
  [[nodiscard]] const std::string& text() const noexcept { return text_; }

 private:
  SubjectPattern() = default;
  std::string text_;
  std::vector<std::pair<std::string, std::string>> terms_;  // (canonical short name, glob)
};

// Shell-style glob over a whole string: `*` any run (also empty), `?` one character. No classes.
[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view text) noexcept;

}  // namespace signet::policy
