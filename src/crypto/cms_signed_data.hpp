// CMS SignedData (RFC 5652): creation with mandatory signed attributes, and a strict parse that
// turns every SignerInfo into facts (algorithms, attributes, cryptographic result) without judging
// trust. Trust is the policy's job.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "crypto/certificate.hpp"
#include "crypto/digest.hpp"
#include "crypto/signing_key.hpp"

namespace signet::crypto {

inline constexpr const char* kOidData = "1.2.840.113549.1.7.1";
inline constexpr const char* kOidContentType = "1.2.840.113549.1.9.3";
inline constexpr const char* kOidMessageDigest = "1.2.840.113549.1.9.4";
inline constexpr const char* kOidSigningTime = "1.2.840.113549.1.9.5";
inline constexpr const char* kOidSigningCertificateV2 = "1.2.840.113549.1.9.16.2.47";
inline constexpr const char* kOidTimeStampToken = "1.2.840.113549.1.9.16.2.14";

struct CmsSignOptions {
  std::string content_type_oid = kOidData;
  DigestAlgorithm digest = DigestAlgorithm::kSha256;
  TimePoint signing_time;       // written as the signingTime attribute
  std::vector<Crl> crls;        // embedded in the SignedData
  bool detached = false;
};

// One SignerInfo per key. Signed attributes: contentType, messageDigest, signingTime, ESS
// signingCertificateV2. RSA keys sign with RSA-PSS (MGF1 and salt = digest length). Each signer's
// certificate and chain are embedded, without duplicates.
[[nodiscard]] Result<Bytes> cms_sign(std::span<const std::uint8_t> content,
                                     std::span<const SigningKey* const> keys,
                                     const CmsSignOptions& options);

// Adds one SignerInfo to an existing attached SignedData; content and other signers unchanged.
[[nodiscard]] Result<Bytes> cms_add_signer(std::span<const std::uint8_t> signed_data_der,
                                           const SigningKey& key, const CmsSignOptions& options);

// Adds an RFC 3161 token (DER) to signer `index` as unsigned attribute id-aa-timeStampToken.
[[nodiscard]] Result<Bytes> cms_add_timestamp(std::span<const std::uint8_t> signed_data_der,
                                              std::size_t index,
                                              std::span<const std::uint8_t> token_der);

struct CmsSignerInfo {
  std::optional<Certificate> certificate;  // matched by sid among the embedded certificates
  std::string sid_issuer;                  // issuer of the signer (issuerAndSerialNumber), if any
  std::string sid_serial_hex;
  Bytes sid_key_id;                        // subjectKeyIdentifier, when the signer is named so
  std::string digest_algorithm;            // "sha256", "sha1", "md5", ...
  std::string signature_algorithm;         // "ecdsa", "rsa-pss", "rsa-pkcs1", "ed25519", or the OID
  int key_bits = 0;                        // of the signer's public key, 0 when no certificate
  std::string curve;                       // "prime256v1", "secp384r1" for EC keys
  int pss_salt_length = -1;                // for rsa-pss
  std::vector<std::string> signed_attribute_oids;  // empty when the SignerInfo has none
  std::optional<TimePoint> signing_time;
  // The cryptographic result with the embedded certificate: the signature over the signed attributes
  // verifies, messageDigest equals the digest of the content, and, when present, ESS
  // signingCertificateV2 names this certificate. Without signed attributes, the signature over the
  // content itself.
  bool signature_valid = false;
  std::string signature_error;
  // The signature over the signed attributes verifies but messageDigest differs from the content's
  // digest: the content changed, the signature did not.
  bool message_digest_mismatch = false;
  Bytes signature_value;                   // what an RFC 3161 token in this SignerInfo covers
  std::vector<Bytes> timestamp_tokens;     // unsigned id-aa-timeStampToken attributes, DER
};

struct CmsSignedData {
  std::string content_type_oid;            // eContentType
  Bytes content;                           // eContent (attached); empty when detached
  bool detached = false;
  std::vector<Certificate> certificates;
  std::vector<Crl> crls;
  std::vector<CmsSignerInfo> signers;
};

// Strict: the input must be exactly one DER ContentInfo of type SignedData; trailing bytes, empty
// or truncated input, other content types are Errc::kMalformed. `detached_content` is used when the
// SignedData carries no eContent.
[[nodiscard]] Result<CmsSignedData> cms_parse(
    std::span<const std::uint8_t> der,
    std::optional<std::span<const std::uint8_t>> detached_content = std::nullopt);

// Verifies SignerInfo `index` (in cms_parse's order) with a certificate the SignedData does not
// carry (kernel modules name their signer by issuer and serial only): the same cryptographic checks
// as cms_parse, with `certificate` as the signer's. Errc::kCrypto with the reason when they fail.
[[nodiscard]] Result<void> cms_verify_signer_with(
    std::span<const std::uint8_t> der,
    std::optional<std::span<const std::uint8_t>> detached_content, std::size_t index,
    const Certificate& certificate);

}  // namespace signet::crypto
