#include "crypto/signature_verify.hpp"

#include <openssl/ecdsa.h>
#include <openssl/pem.h>

#include <climits>
#include <cstring>
#include <string>

namespace signet::crypto {

namespace {

std::string_view scheme_name(SignatureScheme scheme) {
  switch (scheme) {
    case SignatureScheme::kEcdsaDer:
      return "ECDSA";
    case SignatureScheme::kRsaPkcs1v15:
      return "RSA PKCS#1 v1.5";
    case SignatureScheme::kRsaPss:
      return "RSA-PSS";
    case SignatureScheme::kEd25519:
      return "Ed25519";
  }
  return "?";
}

bool key_fits_scheme(const EVP_PKEY* key, SignatureScheme scheme) {
  const int id = EVP_PKEY_get_id(key);
  switch (scheme) {
    case SignatureScheme::kEcdsaDer:
      return id == EVP_PKEY_EC;
    case SignatureScheme::kRsaPkcs1v15:
      return id == EVP_PKEY_RSA;
    case SignatureScheme::kRsaPss:
      return id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS;
    case SignatureScheme::kEd25519:
      return id == EVP_PKEY_ED25519;
  }
  return false;
}

// OpenSSL's DER parser for ECDSA-Sig-Value is lenient (e.g. it has accepted long-form lengths and
// superfluous leading zeros). Accept only the canonical encoding: parse, re-encode, compare bytes.
Result<void> require_canonical_ecdsa_der(std::span<const std::uint8_t> signature) {
  if (signature.empty() || signature.size() > 1024) {
    return fail(Errc::kCrypto, "ECDSA signature has an implausible size of " +
                                   std::to_string(signature.size()) + " bytes");
  }
  const unsigned char* p = signature.data();
  const EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(signature.size())));
  if (!sig) {
    clear_ossl_errors();
    return fail(Errc::kCrypto, "ECDSA signature is not a DER SEQUENCE of two INTEGERs");
  }
  if (p != signature.data() + signature.size()) {
    return fail(Errc::kCrypto, "ECDSA signature has trailing bytes after the DER SEQUENCE");
  }
  unsigned char* reencoded = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &reencoded);
  const OsslBytePtr owner(reencoded);
  if (len <= 0 || static_cast<std::size_t>(len) != signature.size() ||
      std::memcmp(reencoded, signature.data(), signature.size()) != 0) {
    clear_ossl_errors();
    return fail(Errc::kCrypto, "ECDSA signature is not canonical DER");
  }
  return {};
}

}  // namespace

Result<void> verify_signature(EVP_PKEY* public_key, const SignatureParams& params,
                              std::span<const std::uint8_t> message,
                              std::span<const std::uint8_t> signature) {
  if (public_key == nullptr) return fail(Errc::kUsage, "no public key to verify with");
  if (!key_fits_scheme(public_key, params.scheme)) {
    const char* type = EVP_PKEY_get0_type_name(public_key);
    return fail(Errc::kCrypto, "a " + std::string(type ? type : "?") + " key cannot verify a " +
                                   std::string(scheme_name(params.scheme)) + " signature");
  }
  if (params.scheme == SignatureScheme::kEcdsaDer) {
    if (auto canonical = require_canonical_ecdsa_der(signature); !canonical) return canonical;
  }

  const EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return fail(Errc::kCrypto, "EVP_MD_CTX_new failed: " + take_ossl_errors());
  const EVP_MD* md =
      params.scheme == SignatureScheme::kEd25519 ? nullptr : digest_md(params.digest);
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, public_key) != 1) {
    return fail(Errc::kCrypto, std::string(scheme_name(params.scheme)) +
                                   " verification setup failed: " + take_ossl_errors());
  }
  if (params.scheme == SignatureScheme::kRsaPkcs1v15) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
      return fail(Errc::kCrypto, "cannot select PKCS#1 v1.5 padding: " + take_ossl_errors());
    }
  } else if (params.scheme == SignatureScheme::kRsaPss) {
    if (params.pss_salt_length < 0) {
      return fail(Errc::kUsage, "RSA-PSS needs an explicit salt length, got " +
                                    std::to_string(params.pss_salt_length));
    }
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, params.pss_salt_length) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1) {
      return fail(Errc::kCrypto, "cannot set RSA-PSS parameters: " + take_ossl_errors());
    }
  }

  const int rc = EVP_DigestVerify(ctx.get(), nonnull(signature), signature.size(), nonnull(message),
                                  message.size());
  if (rc != 1) {
    const std::string why = take_ossl_errors();
    return fail(Errc::kCrypto, std::string(scheme_name(params.scheme)) +
                                   " signature does not verify" +
                                   (why.empty() ? std::string() : ": " + why));
  }
  clear_ossl_errors();
  return {};
}

Result<EvpPkeyPtr> public_key_from_der(std::span<const std::uint8_t> spki_der) {
  if (spki_der.empty()) return fail(Errc::kMalformed, "public key: empty input");
  if (spki_der.size() > static_cast<std::size_t>(LONG_MAX)) {
    return fail(Errc::kMalformed, "public key: input too large");
  }
  const unsigned char* p = spki_der.data();
  EvpPkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  if (!key) {
    return fail(Errc::kMalformed,
                "public key: not a DER SubjectPublicKeyInfo: " + take_ossl_errors());
  }
  if (p != spki_der.data() + spki_der.size()) {
    return fail(Errc::kMalformed, "public key: trailing bytes after the SubjectPublicKeyInfo");
  }
  return key;
}

Result<EvpPkeyPtr> public_key_from_pem(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) {
    return fail(Errc::kMalformed, "public key PEM: input too large");
  }
  const BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail(Errc::kInternal, "BIO_new_mem_buf failed: " + take_ossl_errors());
  EvpPkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return fail(Errc::kMalformed,
                "public key PEM: no parsable \"BEGIN PUBLIC KEY\" block: " + take_ossl_errors());
  }
  return key;
}

}  // namespace signet::crypto
