// Operational errors: what went wrong when a command could not even reach a decision.
// Verification outcomes are not errors: they are Decisions with ReasonCodes (policy/decision.hpp).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace signet {

enum class Errc {
  kUsage,           // USAGE: bad command line
  kIo,              // IO_ERROR: a file could not be read or written
  kPolicyInvalid,   // POLICY_INVALID: policy file does not parse or names missing things
  kKeyUnavailable,  // KEY_UNAVAILABLE: key reference wrong, token/object missing, wrong PIN
  kCrypto,          // CRYPTO_ERROR: an OpenSSL operation failed
  kMalformed,       // MALFORMED: input bytes are not what they claim to be
  kUnsupported,     // UNSUPPORTED: well-formed but not something signet accepts
  kInternal,        // INTERNAL: a bug
  kPlanInvalid,     // PLAN_INVALID: a validation plan does not parse or names missing things
};

[[nodiscard]] std::string_view errc_name(Errc code) noexcept;

struct Error {
  Errc code;
  std::string message;

  // "POLICY_INVALID: rule[2]: unknown key 'publisher'"
  [[nodiscard]] std::string describe() const;
};

template <class T>
using Result = std::expected<T, Error>;

[[nodiscard]] inline std::unexpected<Error> fail(Errc code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}

// strerror(err) as a std::string, for messages.
[[nodiscard]] std::string errno_text(int err);

}  // namespace signet
