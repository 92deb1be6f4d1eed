// The native signet signature: CMS SignedData (DER) encapsulating an in-toto Statement v1.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "crypto/cms_signed_data.hpp"
#include "crypto/signing_key.hpp"
#include "formats/evidence.hpp"
#include "formats/statement.hpp"

namespace signet::formats {

struct NativeSignOptions {
  TimePoint signing_time;
  std::vector<crypto::Crl> crls;                // embedded
  const crypto::SigningKey* tsa_key = nullptr;  // when set, each new SignerInfo gets an RFC 3161 token
};

[[nodiscard]] Result<Bytes> sign_statement(const Statement& statement,
                                           std::span<const crypto::SigningKey* const> keys,
                                           const NativeSignOptions& options);
// Adds a signer to an existing native signature without changing its Statement.
[[nodiscard]] Result<Bytes> cosign(std::span<const std::uint8_t> signature_der,
                                   const crypto::SigningKey& key, const NativeSignOptions& options);

// Parses and checks the profile: a SignedData over a Statement; every signer's cryptographic result,
// mandatory signed attributes (contentType, messageDigest, signingTime, signingCertificateV2), and
// algorithms (ECDSA P-256/P-384 or RSA-PSS >= 3072; SHA-256 or stronger) become per-signer problems.
// Unparsable input, trailing bytes or a content that is not a valid Statement are Errc::kMalformed.
[[nodiscard]] Result<SignatureEvidence> parse_native_signature(std::span<const std::uint8_t> der);

}  // namespace signet::formats
