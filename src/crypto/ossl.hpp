// Every OpenSSL object lives in a unique_ptr with its own deleter; business code never calls
// *_free.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/rsa.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace signet::crypto {

template <auto FreeFn>
struct OsslDeleter {
  template <class T>
  void operator()(T* p) const noexcept {
    FreeFn(p);
  }
};

using BioPtr = std::unique_ptr<BIO, OsslDeleter<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, OsslDeleter<X509_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, OsslDeleter<X509_CRL_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OsslDeleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OsslDeleter<X509_STORE_CTX_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OsslDeleter<EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OsslDeleter<EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, OsslDeleter<EVP_MD_CTX_free>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, OsslDeleter<CMS_ContentInfo_free>>;
using Asn1ObjectPtr = std::unique_ptr<ASN1_OBJECT, OsslDeleter<ASN1_OBJECT_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, OsslDeleter<ASN1_TIME_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OsslDeleter<ASN1_INTEGER_free>>;
using Pkcs7Ptr = std::unique_ptr<PKCS7, OsslDeleter<PKCS7_free>>;
using Pkcs7SignerInfoPtr = std::unique_ptr<PKCS7_SIGNER_INFO, OsslDeleter<PKCS7_SIGNER_INFO_free>>;
using TsRespPtr = std::unique_ptr<TS_RESP, OsslDeleter<TS_RESP_free>>;
using TsReqPtr = std::unique_ptr<TS_REQ, OsslDeleter<TS_REQ_free>>;
using TsTstInfoPtr = std::unique_ptr<TS_TST_INFO, OsslDeleter<TS_TST_INFO_free>>;
using TsRespCtxPtr = std::unique_ptr<TS_RESP_CTX, OsslDeleter<TS_RESP_CTX_free>>;
using TsVerifyCtxPtr = std::unique_ptr<TS_VERIFY_CTX, OsslDeleter<TS_VERIFY_CTX_free>>;
using ExtKeyUsagePtr = std::unique_ptr<EXTENDED_KEY_USAGE, OsslDeleter<EXTENDED_KEY_USAGE_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OsslDeleter<BN_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OsslDeleter<ECDSA_SIG_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OsslDeleter<X509_NAME_free>>;
using X509AlgorPtr = std::unique_ptr<X509_ALGOR, OsslDeleter<X509_ALGOR_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OsslDeleter<X509_EXTENSION_free>>;
using X509RevokedPtr = std::unique_ptr<X509_REVOKED, OsslDeleter<X509_REVOKED_free>>;
using Asn1StringPtr = std::unique_ptr<ASN1_STRING, OsslDeleter<ASN1_STRING_free>>;
using Asn1TypePtr = std::unique_ptr<ASN1_TYPE, OsslDeleter<ASN1_TYPE_free>>;
using RsaPssParamsPtr = std::unique_ptr<RSA_PSS_PARAMS, OsslDeleter<RSA_PSS_PARAMS_free>>;
using TsMsgImprintPtr = std::unique_ptr<TS_MSG_IMPRINT, OsslDeleter<TS_MSG_IMPRINT_free>>;
using EssSigningCertPtr = std::unique_ptr<ESS_SIGNING_CERT, OsslDeleter<ESS_SIGNING_CERT_free>>;
using EssSigningCertV2Ptr =
    std::unique_ptr<ESS_SIGNING_CERT_V2, OsslDeleter<ESS_SIGNING_CERT_V2_free>>;

// Memory that OpenSSL allocated (OPENSSL_malloc, BN_bn2hex, i2d with a null buffer).
// An empty span may have a null data(); OpenSSL accepts a null pointer only with length 0, but
// point at something real anyway.
inline const unsigned char* nonnull(std::span<const std::uint8_t> data) noexcept {
  static constexpr unsigned char kEmpty = 0;
  return data.empty() ? &kEmpty : data.data();
}

inline void ossl_free_memory(void* p) noexcept { OPENSSL_free(p); }
using OsslCharPtr = std::unique_ptr<char, OsslDeleter<ossl_free_memory>>;
using OsslBytePtr = std::unique_ptr<unsigned char, OsslDeleter<ossl_free_memory>>;

// STACK_OF(X509): the "owning" form frees the certificates too, the "view" form only the stack.
inline void x509_stack_free_all(STACK_OF(X509) * s) noexcept { sk_X509_pop_free(s, X509_free); }
inline void x509_stack_free_view(STACK_OF(X509) * s) noexcept { sk_X509_free(s); }
using X509StackPtr = std::unique_ptr<STACK_OF(X509), OsslDeleter<x509_stack_free_all>>;
using X509StackViewPtr = std::unique_ptr<STACK_OF(X509), OsslDeleter<x509_stack_free_view>>;
inline void x509_crl_stack_free_all(STACK_OF(X509_CRL) * s) noexcept {
  sk_X509_CRL_pop_free(s, X509_CRL_free);
}
using X509CrlStackPtr = std::unique_ptr<STACK_OF(X509_CRL), OsslDeleter<x509_crl_stack_free_all>>;

// Drains OpenSSL's thread-local error queue into one line ("error:...; error:..."), or "" if empty.
[[nodiscard]] std::string take_ossl_errors();
// Drops whatever is queued (after a failure that is handled, or an expected one).
void clear_ossl_errors() noexcept;

}  // namespace signet::crypto
