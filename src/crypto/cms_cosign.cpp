// Changing an existing SignedData: another SignerInfo over the same content (the two-person rule),
// or an RFC 3161 token as an unsigned attribute. Existing SignerInfos are left byte for byte alone.
#include <climits>
#include <string>

#include "crypto/asn1_util.hpp"
#include "crypto/cms_common.hpp"
#include "crypto/cms_signed_data.hpp"

namespace signet::crypto {

using cms_detail::add_certificates;
using cms_detail::check_key_supported;
using cms_detail::configure_signer;
using cms_detail::encode;
using cms_detail::is_rsa;
using cms_detail::parse_signed_data;
using cms_detail::self_check;

namespace {

// CMS_add1_signer(..., CMS_KEY_PARAM) leaves signatureAlgorithm to CMS_final, which cannot run on
// a parsed SignedData (it would re-sign every SignerInfo). Set it here the way CMS_final would.
Result<void> set_signature_algorithm(CMS_SignerInfo* si, const EVP_PKEY* key, const EVP_MD* md) {
  X509_ALGOR* alg = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, nullptr, nullptr, &alg);
  if (alg == nullptr) return fail(Errc::kInternal, "SignerInfo without signatureAlgorithm");
  if (!is_rsa(key)) {
    int sig_nid = NID_undef;
    if (OBJ_find_sigid_by_algs(&sig_nid, EVP_MD_get_type(md), NID_X9_62_id_ecPublicKey) != 1 ||
        X509_ALGOR_set0(alg, OBJ_nid2obj(sig_nid), V_ASN1_UNDEF, nullptr) != 1) {
      return fail(Errc::kCrypto, "cannot set the ECDSA algorithm: " + take_ossl_errors());
    }
    return {};
  }
  // RSASSA-PSS-params: hash, MGF1 with the same hash, salt length = digest length.
  const RsaPssParamsPtr pss(RSA_PSS_PARAMS_new());
  const X509AlgorPtr mgf_hash(X509_ALGOR_new());
  if (!pss || !mgf_hash) return fail(Errc::kCrypto, "out of memory: " + take_ossl_errors());
  pss->hashAlgorithm = X509_ALGOR_new();
  pss->maskGenAlgorithm = X509_ALGOR_new();
  pss->saltLength = ASN1_INTEGER_new();
  if (pss->hashAlgorithm == nullptr || pss->maskGenAlgorithm == nullptr ||
      pss->saltLength == nullptr || ASN1_INTEGER_set(pss->saltLength, EVP_MD_get_size(md)) != 1) {
    return fail(Errc::kCrypto, "cannot build RSA-PSS parameters: " + take_ossl_errors());
  }
  X509_ALGOR_set_md(pss->hashAlgorithm, md);
  X509_ALGOR_set_md(mgf_hash.get(), md);
  ASN1_STRING* mgf_param = nullptr;
  if (ASN1_item_pack(mgf_hash.get(), ASN1_ITEM_rptr(X509_ALGOR), &mgf_param) == nullptr) {
    return fail(Errc::kCrypto, "cannot encode MGF1 parameters: " + take_ossl_errors());
  }
  if (X509_ALGOR_set0(pss->maskGenAlgorithm, OBJ_nid2obj(NID_mgf1), V_ASN1_SEQUENCE, mgf_param) !=
      1) {
    ASN1_STRING_free(mgf_param);
    return fail(Errc::kCrypto, "cannot set MGF1: " + take_ossl_errors());
  }
  ASN1_STRING* params = nullptr;
  if (ASN1_item_pack(pss.get(), ASN1_ITEM_rptr(RSA_PSS_PARAMS), &params) == nullptr) {
    return fail(Errc::kCrypto, "cannot encode RSA-PSS parameters: " + take_ossl_errors());
  }
  if (X509_ALGOR_set0(alg, OBJ_nid2obj(NID_rsassaPss), V_ASN1_SEQUENCE, params) != 1) {
    ASN1_STRING_free(params);
    return fail(Errc::kCrypto, "cannot set RSA-PSS: " + take_ossl_errors());
  }
  return {};
}

}  // namespace

Result<Bytes> cms_add_signer(std::span<const std::uint8_t> signed_data_der, const SigningKey& key,
                             const CmsSignOptions& options) {
  auto cms = parse_signed_data(signed_data_der);
  if (!cms) return std::unexpected(cms.error());
  if (auto supported = check_key_supported(key); !supported) {
    return std::unexpected(supported.error());
  }
  ASN1_OCTET_STRING** content = CMS_get0_content(cms->get());
  if (content == nullptr || *content == nullptr) {
    return fail(Errc::kUnsupported, "cannot add a signer to a detached SignedData");
  }
  // The new signer signs what is there: the existing eContentType wins over
  // options.content_type_oid, which only applies to new SignedData.
  const ASN1_OBJECT* content_type = CMS_get0_eContentType(cms->get());
  const EVP_MD* md = digest_md(options.digest);
  const Bytes message_digest = digest_bytes(options.digest, asn1_string_bytes(*content));
  if (message_digest.empty()) return fail(Errc::kCrypto, "cannot digest the content");

  CMS_SignerInfo* si =
      CMS_add1_signer(cms->get(), key.certificate().get(), key.pkey(), md,
                      CMS_KEY_PARAM | CMS_CADES | CMS_NOCERTS | CMS_NOSMIMECAP | CMS_PARTIAL);
  if (si == nullptr) {
    return fail(Errc::kCrypto,
                "cannot add signer '" + key.certificate().subject() + "': " + take_ossl_errors());
  }
  if (auto r = configure_signer(si, key, md, options.signing_time); !r) {
    return std::unexpected(r.error());
  }
  if (CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
                                  const_cast<ASN1_OBJECT*>(content_type), -1) != 1 ||
      CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING,
                                  message_digest.data(),
                                  static_cast<int>(message_digest.size())) != 1) {
    return fail(Errc::kCrypto, "cannot add signed attributes: " + take_ossl_errors());
  }
  if (auto r = set_signature_algorithm(si, key.pkey(), md); !r) return std::unexpected(r.error());
  if (CMS_SignerInfo_sign(si) != 1) {
    return fail(Errc::kCrypto, "signing failed: " + take_ossl_errors());
  }
  if (auto r = self_check(si, key.certificate()); !r) return std::unexpected(r.error());
  if (auto r = add_certificates(cms->get(), key); !r) return std::unexpected(r.error());
  return encode(cms->get());
}

Result<Bytes> cms_add_timestamp(std::span<const std::uint8_t> signed_data_der, std::size_t index,
                                std::span<const std::uint8_t> token_der) {
  if (token_der.size() > (std::size_t{1} << 20)) {
    return fail(Errc::kMalformed, "time-stamp token larger than 1 MiB");
  }
  auto cms = parse_signed_data(signed_data_der);
  if (!cms) return std::unexpected(cms.error());
  // The token must itself be one DER ContentInfo: no garbage goes into a signature.
  if (auto token = parse_signed_data(token_der); !token) {
    return fail(Errc::kMalformed, "time-stamp token: " + token.error().message);
  }
  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms->get());
  const int count = signers != nullptr ? sk_CMS_SignerInfo_num(signers) : 0;
  if (index >= static_cast<std::size_t>(count)) {
    return fail(Errc::kUsage, "signer index " + std::to_string(index) + " out of range (" +
                                  std::to_string(count) + " signers)");
  }
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(signers, static_cast<int>(index));
  if (CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE,
                                    token_der.data(), static_cast<int>(token_der.size())) != 1) {
    return fail(Errc::kCrypto, "cannot add the time-stamp token: " + take_ossl_errors());
  }
  return encode(cms->get());
}

}  // namespace signet::crypto
