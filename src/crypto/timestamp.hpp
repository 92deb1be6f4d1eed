// RFC 3161 time-stamp tokens: create them with a local TSA key (air-gapped plants run their own
// TSA) and verify them against the TSA anchors of a trust store.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "crypto/certificate.hpp"
#include "crypto/digest.hpp"
#include "crypto/signing_key.hpp"
#include "crypto/x509_verify.hpp"

namespace signet::crypto {

// id-kp-timeStamping, the EKU a TSA certificate must carry.
inline constexpr std::string_view kOidTimeStampingEku = "1.3.6.1.5.5.7.3.8";

struct TimestampRequest {
  std::span<const std::uint8_t>
      data;  // the bytes being time-stamped (a SignerInfo signature value)
  DigestAlgorithm imprint_alg = DigestAlgorithm::kSha256;
  TimePoint gen_time;  // the TSA's clock reading, passed in by the caller
  std::string policy_oid = "1.3.6.1.4.1.57264.2.1";  // TSA policy id written into TSTInfo
};

// Returns the DER TimeStampToken (a CMS SignedData over TSTInfo), embedding the TSA certificate
// and chain. The TSA certificate must carry the timeStamping EKU.
[[nodiscard]] Result<Bytes> create_timestamp_token(const TimestampRequest& request,
                                                   const SigningKey& tsa_key);

struct TimestampInfo {
  TimePoint gen_time;
  Certificate tsa_certificate;
  std::string serial_hex;
  std::string imprint_algorithm;  // "sha256"
};

// Parses a token without judging it (for `signet inspect`).
[[nodiscard]] Result<TimestampInfo> parse_timestamp_token(std::span<const std::uint8_t> token_der);

// Verifies: the token's CMS signature; the message imprint equals digest(covered_data); the TSA
// certificate chains to `tsa_anchors` at genTime and carries the timeStamping EKU (critical per RFC
// 3161). Errors use Errc::kMalformed (unparsable) or Errc::kCrypto (does not verify), with a
// reason.
[[nodiscard]] Result<TimestampInfo> verify_timestamp_token(
    std::span<const std::uint8_t> token_der, std::span<const std::uint8_t> covered_data,
    const AnchorSet& tsa_anchors);

}  // namespace signet::crypto
