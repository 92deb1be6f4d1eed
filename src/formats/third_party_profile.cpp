#include "formats/third_party_profile.hpp"

#include <string>
#include <utility>

#include "crypto/digest.hpp"

namespace signet::formats {
namespace {

bool strong_digest(std::string_view digest) {
  return digest == "sha256" || digest == "sha384" || digest == "sha512" || digest == "blake2b512";
}

std::string with_key(std::string_view algorithm, int key_bits) {
  return std::string(algorithm) +
         (key_bits > 0 ? " with a " + std::to_string(key_bits) + "-bit key" : std::string());
}

}  // namespace

std::optional<Reason> third_party_algorithm_problem(std::string_view digest,
                                                    std::string_view signature_algorithm,
                                                    int key_bits, std::string_view curve) {
  if (signature_algorithm == "ed25519") {
    if (digest.empty() || strong_digest(digest)) return std::nullopt;
  } else if (!strong_digest(digest)) {
    return Reason{ReasonCode::kWeakAlgorithm, "digest algorithm " +
                                                  std::string(digest.empty() ? "?" : digest) +
                                                  " (SHA-256 or stronger required)"};
  }
  if (signature_algorithm == "ecdsa") {
    if (curve == "prime256v1" || curve == "secp384r1") return std::nullopt;
    return Reason{ReasonCode::kWeakAlgorithm, "ECDSA on curve " +
                                                  std::string(curve.empty() ? "?" : curve) +
                                                  " (P-256 or P-384 required)"};
  }
  if (signature_algorithm == "rsa-pkcs1" || signature_algorithm == "rsa-pss") {
    if (key_bits >= 2048) return std::nullopt;
    return Reason{ReasonCode::kWeakAlgorithm,
                  with_key(signature_algorithm, key_bits) + " (RSA needs 2048 bits or more)"};
  }
  if (signature_algorithm == "ed25519") {
    return Reason{ReasonCode::kWeakAlgorithm,
                  "digest algorithm " + std::string(digest) + " (SHA-256 or stronger required)"};
  }
  return Reason{ReasonCode::kWeakAlgorithm,
                "signature algorithm " + with_key(signature_algorithm, key_bits) +
                    " (ECDSA P-256/P-384, RSA >= 2048 or Ed25519 required)"};
}

SignerEvidence third_party_cms_signer(const crypto::CmsSignerInfo& signer, std::size_t index,
                                      const CmsSource& source) {
  SignerEvidence evidence;
  evidence.certificate = signer.certificate;
  evidence.digest_algorithm = signer.digest_algorithm;
  evidence.signature_algorithm = signer.signature_algorithm;
  evidence.key_bits = signer.key_bits;
  evidence.curve = signer.curve;
  evidence.signing_time = signer.signing_time;
  for (const auto& token : signer.timestamp_tokens) {
    evidence.timestamps.push_back(TimestampEvidence{token, signer.signature_value, std::nullopt});
  }
  if (!signer.certificate) {
    KeyReference ref;
    ref.kind = KeyReference::Kind::kX509;
    ref.issuer = signer.sid_issuer;
    ref.serial_hex = signer.sid_serial_hex;
    ref.subject_key_id = signer.sid_key_id;
    ref.check_certificate = [source, index](const crypto::Certificate& cert) -> Result<void> {
      if (!source.der) return fail(Errc::kInternal, "no SignedData to check");
      std::optional<std::span<const std::uint8_t>> content;
      if (source.detached_content)
        content = std::span<const std::uint8_t>(*source.detached_content);
      return crypto::cms_verify_signer_with(*source.der, content, index, cert);
    };
    evidence.key_reference = std::move(ref);
  } else if (!signer.signature_valid && !signer.message_digest_mismatch) {
    evidence.problems.push_back(Reason{ReasonCode::kBadSignature, signer.signature_error});
  }
  // Without a certificate the key is unknown here: path validation in the policy rejects RSA keys
  // under 2048 bits once the store supplies the certificate.
  const int bits = signer.certificate ? signer.key_bits : 2048;
  const std::string curve = signer.certificate ? signer.curve : "prime256v1";
  if (auto problem = third_party_algorithm_problem(signer.digest_algorithm,
                                                   signer.signature_algorithm, bits, curve)) {
    evidence.problems.push_back(std::move(*problem));
  }
  return evidence;
}

CoveredArtifact cms_covered_artifact(const crypto::CmsSignedData& cms,
                                     std::string artifact_sha256) {
  CoveredArtifact covered;
  covered.sha256 = std::move(artifact_sha256);
  covered.content_verified = !cms.signers.empty();
  covered.detail = "messageDigest of every signer equals the digest of the content";
  for (std::size_t i = 0; i < cms.signers.size(); ++i) {
    if (cms.signers[i].message_digest_mismatch) {
      covered.content_verified = false;
      covered.detail = "signer " + std::to_string(i + 1) + ": " + cms.signers[i].signature_error;
      break;
    }
  }
  return covered;
}

std::string sha256_hex(std::span<const std::uint8_t> bytes) {
  return to_hex(crypto::digest_bytes(crypto::DigestAlgorithm::kSha256, bytes));
}

std::string ArtifactName::of(std::span<const std::uint8_t> bytes) const {
  if (sha256) return *sha256;
  return wanted ? sha256_hex(bytes) : std::string();
}

}  // namespace signet::formats
