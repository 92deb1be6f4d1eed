// The algorithm profile for signatures signet did not make (ARCHITECTURE.md "Profile"): ECDSA
// P-256/P-384, RSA PKCS#1 v1.5 or RSA-PSS with keys of 2048 bits or more, Ed25519; digests SHA-256
// or stronger (BLAKE2b-512 for minisign's prehashed mode). Anything else is WEAK_ALGORITHM.
// Shared by every third-party format unit, together with the CMS signer conversion they share.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "core/reason_code.hpp"
#include "crypto/cms_signed_data.hpp"
#include "formats/evidence.hpp"

namespace signet::formats {

[[nodiscard]] std::optional<Reason> third_party_algorithm_problem(
    std::string_view digest, std::string_view signature_algorithm, int key_bits,
    std::string_view curve);

// Where a CMS SignedData of a third-party format came from, for signers whose certificate it does
// not embed: the policy re-runs the signer's check with a candidate certificate (KeyReference).
struct CmsSource {
  std::shared_ptr<const Bytes> der;
  std::shared_ptr<const Bytes> detached_content;  // null when the content is encapsulated
};

// One SignerInfo as evidence under the third-party profile: BAD_SIGNATURE when its signature fails
// (not when only messageDigest differs: that is the content's fault, reported as DIGEST_MISMATCH
// through CoveredArtifact), WEAK_ALGORITHM per the profile. Signed attributes are optional.
[[nodiscard]] SignerEvidence third_party_cms_signer(const crypto::CmsSignerInfo& signer,
                                                    std::size_t index, const CmsSource& source);

// Whether every signer's messageDigest matched the content: the CoveredArtifact of CMS formats.
[[nodiscard]] CoveredArtifact cms_covered_artifact(const crypto::CmsSignedData& cms,
                                                   std::string artifact_sha256);

// Lower-case hex SHA-256 of bytes.
[[nodiscard]] std::string sha256_hex(std::span<const std::uint8_t> bytes);

}  // namespace signet::formats
