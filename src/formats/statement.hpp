// The in-toto Statement v1 that a native signet signature encapsulates, with the signet release
// predicate: what policy reads is inside the signed content, never beside it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace signet::formats {

inline constexpr std::string_view kStatementType = "https://in-toto.io/Statement/v1";
inline constexpr std::string_view kReleasePredicateType = "urn:signet:predicate:release:v1";

// The artifact classes a release predicate may name (ARCHITECTURE.md "The native signature").
[[nodiscard]] bool is_known_artifact_class(std::string_view name) noexcept;

struct Subject {
  std::string name;                          // file name as signed (for people; trust is the digest)
  std::map<std::string, std::string> digest; // "sha256" -> lower-case hex; optionally "sha512"
  bool operator==(const Subject&) const = default;
};

struct ReleasePredicate {
  std::string artifact_class;                // "firmware", "plc-program", ...
  std::string target;                        // "acme/plc-5000/line3/plc1"
  std::string version;
  std::optional<std::uint64_t> counter;      // security counter, monotonic per target
  std::string ticket;
  std::string description;
  bool operator==(const ReleasePredicate&) const = default;
};

struct Statement {
  std::vector<Subject> subjects;
  ReleasePredicate predicate;
  bool operator==(const Statement&) const = default;
};

// Strict: _type and predicateType must be the ones above, at least one subject, every subject has
// a name and a 64-hex sha256, unknown predicate fields are an error, class must be known.
[[nodiscard]] Result<Statement> parse_statement(std::string_view json);
// Canonical compact JSON (sorted keys) of the Statement.
[[nodiscard]] std::string serialize_statement(const Statement& statement);

}  // namespace signet::formats
