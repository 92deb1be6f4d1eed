// Pieces shared by the CMS SignedData writers (cms_sign.cpp, cms_cosign.cpp) and the parser
// (cms_parse.cpp). Internal to the crypto layer.
#pragma once

#include <span>

#include "core/error.hpp"
#include "core/hex.hpp"
#include "core/time.hpp"
#include "crypto/certificate.hpp"
#include "crypto/ossl.hpp"
#include "crypto/signing_key.hpp"

namespace signet::crypto::cms_detail {

// Exactly one DER ContentInfo of type SignedData: empty input, truncation, trailing bytes and other
// content types are Errc::kMalformed.
[[nodiscard]] Result<CmsPtr> parse_signed_data(std::span<const std::uint8_t> der);

[[nodiscard]] Result<Bytes> encode(const CMS_ContentInfo* cms);

// signet signs with EC and RSA keys (RSA always as RSA-PSS); anything else is Errc::kUnsupported.
[[nodiscard]] Result<void> check_key_supported(const SigningKey& key);

// For a SignerInfo made by CMS_add1_signer(..., CMS_KEY_PARAM): RSA-PSS parameters (MGF1 with the
// same digest, salt = digest length) on its EVP_PKEY_CTX, and the signingTime attribute with the
// caller's time (OpenSSL would otherwise take the wall clock).
[[nodiscard]] Result<void> configure_signer(CMS_SignerInfo* si, const SigningKey& key,
                                            const EVP_MD* md, TimePoint signing_time);

// Embeds the key's certificate and chain unless an equal certificate is already there.
[[nodiscard]] Result<void> add_certificates(CMS_ContentInfo* cms, const SigningKey& key);

// Verifies a freshly made SignerInfo with the certificate's public key, so that a key that does not
// belong to its certificate (or a token that signs garbage) never yields a signature.
[[nodiscard]] Result<void> self_check(CMS_SignerInfo* si, const Certificate& cert);

[[nodiscard]] bool is_rsa(const EVP_PKEY* key);

}  // namespace signet::crypto::cms_detail
