#include "core/reason_code.hpp"

#include <array>
#include <utility>

namespace signet {
namespace {

constexpr std::array<std::pair<ReasonCode, std::string_view>, 20> kNames{{
    {ReasonCode::kUnsigned, "UNSIGNED"},
    {ReasonCode::kMalformed, "MALFORMED"},
    {ReasonCode::kDigestMismatch, "DIGEST_MISMATCH"},
    {ReasonCode::kBadSignature, "BAD_SIGNATURE"},
    {ReasonCode::kUntrustedChain, "UNTRUSTED_CHAIN"},
    {ReasonCode::kCertExpired, "CERT_EXPIRED"},
    {ReasonCode::kCertRevoked, "CERT_REVOKED"},
    {ReasonCode::kWrongEku, "WRONG_EKU"},
    {ReasonCode::kUntrustedPublisher, "UNTRUSTED_PUBLISHER"},
    {ReasonCode::kWeakAlgorithm, "WEAK_ALGORITHM"},
    {ReasonCode::kMissingSignedAttributes, "MISSING_SIGNED_ATTRIBUTES"},
    {ReasonCode::kTimestampRequired, "TIMESTAMP_REQUIRED"},
    {ReasonCode::kTimestampInvalid, "TIMESTAMP_INVALID"},
    {ReasonCode::kRollback, "ROLLBACK"},
    {ReasonCode::kWrongTarget, "WRONG_TARGET"},
    {ReasonCode::kWrongClass, "WRONG_CLASS"},
    {ReasonCode::kTooFewSigners, "TOO_FEW_SIGNERS"},
    {ReasonCode::kNoTicket, "NO_TICKET"},
    {ReasonCode::kOutsideWindow, "OUTSIDE_WINDOW"},
    {ReasonCode::kNoRule, "NO_RULE"},
}};

}  // namespace

std::string_view reason_name(ReasonCode code) noexcept {
  for (const auto& [value, name] : kNames) {
    if (value == code) return name;
  }
  return "MALFORMED";
}

std::optional<ReasonCode> reason_from_name(std::string_view name) noexcept {
  for (const auto& [value, text] : kNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

}  // namespace signet
