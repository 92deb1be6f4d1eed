// The closed set of reasons a Decision can carry. Documented in docs/reasons.md; scripts match on
// the UPPER_SNAKE names, so a name never changes once shipped.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace signet {

enum class ReasonCode {
  kUnsigned,
  kMalformed,
  kDigestMismatch,
  kBadSignature,
  kUntrustedChain,
  kCertExpired,
  kCertRevoked,
  kWrongEku,
  kUntrustedPublisher,
  kWeakAlgorithm,
  kMissingSignedAttributes,
  kTimestampRequired,
  kTimestampInvalid,
  kRollback,
  kWrongTarget,
  kWrongClass,
  kTooFewSigners,
  kNoTicket,
  kOutsideWindow,
  kNoRule,
};

[[nodiscard]] std::string_view reason_name(ReasonCode code) noexcept;
[[nodiscard]] std::optional<ReasonCode> reason_from_name(std::string_view name) noexcept;

// One reason with the evidence behind it: what was expected and what was found.
struct Reason {
  ReasonCode code;
  std::string detail;
  bool operator==(const Reason&) const = default;
};

}  // namespace signet
