// Internal to the Authenticode unit: one PKCS#7 SignedData (a WIN_CERTIFICATE's or a nested one)
// turned into signers, certificates and image-digest claims.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/hex.hpp"
#include "formats/evidence.hpp"

namespace signet::formats::authenticode_detail {

inline constexpr const char* kOidSpcIndirectData = "1.3.6.1.4.1.311.2.1.4";
inline constexpr const char* kOidSpcPeImageData = "1.3.6.1.4.1.311.2.1.15";
inline constexpr const char* kOidNestedSignature = "1.3.6.1.4.1.311.2.4.1";
inline constexpr const char* kOidRfc3161Timestamp = "1.3.6.1.4.1.311.3.3.1";

// What one SignedData says about the image: the digest algorithm and value it signed.
struct ImageDigestClaim {
  std::string position;
  std::string algorithm;  // "sha256", "sha1", ... ("" when unreadable)
  Bytes digest;
};

struct ParsedSignatures {
  std::vector<SignerEvidence> signers;
  std::vector<crypto::Certificate> certificates;
  std::vector<crypto::Crl> crls;
  std::vector<ImageDigestClaim> claims;
  std::vector<Reason> problems;  // a SignedData that cannot be read at all
};

// Parses one DER SignedData (trailing zero padding allowed) at `position` and, up to `depth`
// levels, the nested signatures it carries; appends to `out`.
void parse_signed_data(std::span<const std::uint8_t> der, const std::string& position, int depth,
                       ParsedSignatures& out);

}  // namespace signet::formats::authenticode_detail
