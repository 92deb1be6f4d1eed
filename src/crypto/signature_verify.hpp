// The raw signature-verification primitive: one public key, one message, one signature, an
// explicit algorithm. Checked against Wycheproof (tests/unit/wycheproof_test.cpp).
#pragma once

#include <span>
#include <string>

#include "core/error.hpp"
#include "crypto/digest.hpp"
#include "crypto/ossl.hpp"

namespace signet::crypto {

enum class SignatureScheme {
  kEcdsaDer,      // ECDSA, signature is a DER SEQUENCE{r,s}; non-canonical encodings rejected
  kRsaPkcs1v15,   // RSASSA-PKCS1-v1_5
  kRsaPss,        // RSASSA-PSS, MGF1 with the same digest
  kEd25519,
};

struct SignatureParams {
  SignatureScheme scheme;
  DigestAlgorithm digest = DigestAlgorithm::kSha256;  // ignored for Ed25519
  int pss_salt_length = 32;
};

// Ok when the signature verifies; Errc::kCrypto with the reason when it does not.
[[nodiscard]] Result<void> verify_signature(EVP_PKEY* public_key, const SignatureParams& params,
                                            std::span<const std::uint8_t> message,
                                            std::span<const std::uint8_t> signature);

[[nodiscard]] Result<EvpPkeyPtr> public_key_from_der(std::span<const std::uint8_t> spki_der);
[[nodiscard]] Result<EvpPkeyPtr> public_key_from_pem(std::string_view pem);

}  // namespace signet::crypto
