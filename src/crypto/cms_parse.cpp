// cms_parse(): a strict parse of a SignedData into facts per SignerInfo, including the
// cryptographic result with the embedded certificate. No trust decisions: those are the policy's.
#include <climits>
#include <string>

#include "crypto/asn1_util.hpp"
#include "crypto/cms_common.hpp"
#include "crypto/cms_signed_data.hpp"

namespace signet::crypto {

namespace {

std::string signature_algorithm_name(const X509_ALGOR* alg, int& pss_salt_length) {
  const ASN1_OBJECT* obj = nullptr;
  X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
  const int nid = OBJ_obj2nid(obj);
  if (nid == NID_rsassaPss) {
    pss_salt_length = -1;
    const RsaPssParamsPtr params(static_cast<RSA_PSS_PARAMS*>(
        ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS), alg->parameter)));
    if (params) {
      // RFC 4055: saltLength DEFAULT 20.
      pss_salt_length = params->saltLength != nullptr
                            ? static_cast<int>(ASN1_INTEGER_get(params->saltLength))
                            : 20;
    }
    clear_ossl_errors();
    return "rsa-pss";
  }
  int pk_nid = nid;
  int md_nid = NID_undef;
  if (nid != NID_rsaEncryption && nid != NID_X9_62_id_ecPublicKey && nid != NID_ED25519) {
    if (OBJ_find_sigid_algs(nid, &md_nid, &pk_nid) != 1) return oid_text(obj);
  }
  if (pk_nid == NID_rsaEncryption) return "rsa-pkcs1";
  if (pk_nid == NID_X9_62_id_ecPublicKey) return "ecdsa";
  if (pk_nid == NID_ED25519) return "ed25519";
  return oid_text(obj);
}

std::string digest_algorithm_name(const X509_ALGOR* alg) {
  const ASN1_OBJECT* obj = nullptr;
  X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
  const std::string name = digest_nid_name(OBJ_obj2nid(obj));
  return name.empty() ? oid_text(obj) : name;
}

std::vector<std::string> signed_attribute_oids(CMS_SignerInfo* si) {
  std::vector<std::string> out;
  const int count = CMS_signed_get_attr_count(si);
  for (int i = 0; i < count; ++i) {
    out.push_back(oid_text(X509_ATTRIBUTE_get0_object(CMS_signed_get_attr(si, i))));
  }
  return out;
}

std::optional<TimePoint> signing_time_of(CMS_SignerInfo* si) {
  const int idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
  if (idx < 0) return std::nullopt;
  X509_ATTRIBUTE* attr = CMS_signed_get_attr(si, idx);
  if (X509_ATTRIBUTE_count(attr) != 1) return std::nullopt;
  const ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(attr, 0);
  if (value == nullptr ||
      (value->type != V_ASN1_UTCTIME && value->type != V_ASN1_GENERALIZEDTIME)) {
    return std::nullopt;
  }
  return asn1_time_to_point(value->value.utctime);
}

std::vector<Bytes> timestamp_tokens_of(CMS_SignerInfo* si) {
  std::vector<Bytes> out;
  int idx = -1;
  while ((idx = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, idx)) >= 0) {
    X509_ATTRIBUTE* attr = CMS_unsigned_get_attr(si, idx);
    const int values = X509_ATTRIBUTE_count(attr);
    for (int j = 0; j < values; ++j) {
      const ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(attr, j);
      if (value == nullptr || value->type != V_ASN1_SEQUENCE) continue;
      Bytes der = i2d_to_bytes<ASN1_TYPE>(i2d_ASN1_TYPE, value);
      if (!der.empty()) out.push_back(std::move(der));
    }
  }
  return out;
}

// Returns "" when there is no ESS signingCertificate(V2) attribute or when it names `signer`.
std::string ess_problem(CMS_SignerInfo* si, X509* signer, STACK_OF(X509) * embedded) {
  const bool has_v1 = CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificate, -1) >= 0;
  const bool has_v2 = CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1) >= 0;
  if (!has_v1 && !has_v2) return {};
  // -3: exactly one attribute with exactly one value.
  auto decode = [si]<class T>(int nid, T* (*d2i)(T**, const unsigned char**, long)) -> T* {
    const auto* seq = static_cast<const ASN1_STRING*>(
        CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(nid), -3, V_ASN1_SEQUENCE));
    if (seq == nullptr) return nullptr;
    const unsigned char* p = ASN1_STRING_get0_data(seq);
    const long len = ASN1_STRING_length(seq);
    T* decoded = d2i(nullptr, &p, len);
    if (decoded != nullptr && p != ASN1_STRING_get0_data(seq) + len) return nullptr;
    return decoded;
  };
  const EssSigningCertPtr v1(
      has_v1 ? decode(NID_id_smime_aa_signingCertificate, d2i_ESS_SIGNING_CERT) : nullptr);
  const EssSigningCertV2Ptr v2(
      has_v2 ? decode(NID_id_smime_aa_signingCertificateV2, d2i_ESS_SIGNING_CERT_V2) : nullptr);
  if ((has_v1 && !v1) || (has_v2 && !v2)) {
    clear_ossl_errors();
    return "ESS signingCertificate attribute is malformed";
  }
  // The first ESSCertID must name the signer; further ones any embedded certificate.
  const X509StackViewPtr chain(sk_X509_new_null());
  if (!chain || sk_X509_push(chain.get(), signer) <= 0) return "out of memory";
  for (int i = 0; embedded != nullptr && i < sk_X509_num(embedded); ++i) {
    if (sk_X509_push(chain.get(), sk_X509_value(embedded, i)) <= 0) return "out of memory";
  }
  if (OSSL_ESS_check_signing_certs(v1.get(), v2.get(), chain.get(), 0) != 1) {
    return "ESS signingCertificate" + std::string(has_v2 ? "V2" : "") +
           " does not name the signer certificate: " + take_ossl_errors();
  }
  return {};
}

// The content run through the digests of every digestAlgorithm (CMS_dataInit), once for all
// signers; CMS_SignerInfo_verify_content then picks its digest from the chain.
struct DigestedContent {
  BioPtr chain;
  std::string error;
};

DigestedContent digest_content(CMS_ContentInfo* cms, bool detached,
                               std::optional<std::span<const std::uint8_t>> detached_content) {
  DigestedContent out;
  BIO* source = nullptr;  // owned by the chain once CMS_dataInit succeeds
  if (detached) {
    if (!detached_content) {
      out.error = "detached SignedData: the signed content was not provided";
      return out;
    }
    if (detached_content->size() > static_cast<std::size_t>(INT_MAX)) {
      out.error = "detached content too large";
      return out;
    }
    source = BIO_new_mem_buf(
        detached_content->empty() ? static_cast<const void*>("") : detached_content->data(),
        static_cast<int>(detached_content->size()));
    if (source == nullptr) {
      out.error = "out of memory: " + take_ossl_errors();
      return out;
    }
  }
  out.chain.reset(CMS_dataInit(cms, source));
  if (!out.chain) {
    BIO_free(source);
    out.error = "cannot digest the content: " + take_ossl_errors();
    return out;
  }
  unsigned char buf[16384];
  while (BIO_read(out.chain.get(), buf, sizeof(buf)) > 0) {
  }
  return out;
}

void verify_signer(CMS_SignerInfo* si, X509* cert, const DigestedContent& content,
                   STACK_OF(X509) * embedded, CmsSignerInfo& out) {
  if (cert == nullptr) {
    out.signature_error = "signer certificate not embedded";
    return;
  }
  CMS_SignerInfo_set1_signer_cert(si, cert);
  const bool has_signed_attributes = CMS_signed_get_attr_count(si) >= 0;
  if (has_signed_attributes && CMS_SignerInfo_verify(si) != 1) {
    out.signature_error =
        "signature over the signed attributes does not verify: " + take_ossl_errors();
    return;
  }
  if (!content.chain) {
    out.signature_error = content.error;
    return;
  }
  if (CMS_SignerInfo_verify_content(si, content.chain.get()) != 1) {
    out.message_digest_mismatch = has_signed_attributes;
    out.signature_error = (has_signed_attributes ? "messageDigest does not match the content: "
                                                 : "signature over the content does not verify: ") +
                          take_ossl_errors();
    return;
  }
  if (std::string problem = ess_problem(si, cert, embedded); !problem.empty()) {
    out.signature_error = std::move(problem);
    return;
  }
  out.signature_valid = true;
}

}  // namespace

Result<CmsSignedData> cms_parse(std::span<const std::uint8_t> der,
                                std::optional<std::span<const std::uint8_t>> detached_content) {
  auto parsed = cms_detail::parse_signed_data(der);
  if (!parsed) return std::unexpected(parsed.error());
  CMS_ContentInfo* cms = parsed->get();

  CmsSignedData out;
  out.content_type_oid = oid_text(CMS_get0_eContentType(cms));
  ASN1_OCTET_STRING** content = CMS_get0_content(cms);
  out.detached = content == nullptr || *content == nullptr;
  if (!out.detached) out.content = asn1_string_bytes(*content);

  const X509StackPtr certs(CMS_get1_certs(cms));
  for (int i = 0; certs && i < sk_X509_num(certs.get()); ++i) {
    X509* cert = sk_X509_value(certs.get(), i);
    if (X509_up_ref(cert) != 1) return fail(Errc::kInternal, "X509_up_ref failed");
    out.certificates.emplace_back(X509Ptr(cert));
  }
  const X509CrlStackPtr crls(CMS_get1_crls(cms));
  for (int i = 0; crls && i < sk_X509_CRL_num(crls.get()); ++i) {
    X509_CRL* crl = sk_X509_CRL_value(crls.get(), i);
    if (X509_CRL_up_ref(crl) != 1) return fail(Errc::kInternal, "X509_CRL_up_ref failed");
    out.crls.emplace_back(X509CrlPtr(crl));
  }
  clear_ossl_errors();  // CMS_get1_* complain on empty sets

  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms);
  const int count = signers != nullptr ? sk_CMS_SignerInfo_num(signers) : 0;
  const DigestedContent digested =
      count > 0 ? digest_content(cms, out.detached, detached_content) : DigestedContent{};
  for (int i = 0; i < count; ++i) {
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(signers, i);
    CmsSignerInfo info;
    X509* cert = nullptr;
    for (int j = 0; certs && j < sk_X509_num(certs.get()); ++j) {
      if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs.get(), j)) == 0) {
        cert = sk_X509_value(certs.get(), j);
        break;
      }
    }
    ASN1_OCTET_STRING* key_id = nullptr;
    X509_NAME* issuer = nullptr;
    ASN1_INTEGER* serial = nullptr;
    if (CMS_SignerInfo_get0_signer_id(si, &key_id, &issuer, &serial) == 1 && issuer != nullptr) {
      info.sid_issuer = x509_name_text(issuer);
      info.sid_serial_hex = asn1_integer_hex(serial);
    } else if (key_id != nullptr) {
      info.sid_key_id = asn1_string_bytes(key_id);
    }
    X509_ALGOR* digest_alg = nullptr;
    X509_ALGOR* signature_alg = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &digest_alg, &signature_alg);
    info.digest_algorithm = digest_algorithm_name(digest_alg);
    info.signature_algorithm = signature_algorithm_name(signature_alg, info.pss_salt_length);
    if (cert != nullptr) {
      if (X509_up_ref(cert) != 1) return fail(Errc::kInternal, "X509_up_ref failed");
      info.certificate.emplace(X509Ptr(cert));
      info.key_bits = info.certificate->key_bits();
      info.curve = info.certificate->key_curve();
    }
    info.signed_attribute_oids = signed_attribute_oids(si);
    info.signing_time = signing_time_of(si);
    info.signature_value = asn1_string_bytes(CMS_SignerInfo_get0_signature(si));
    info.timestamp_tokens = timestamp_tokens_of(si);
    verify_signer(si, cert, digested, certs.get(), info);
    clear_ossl_errors();
    out.signers.push_back(std::move(info));
  }
  return out;
}

Result<void> cms_verify_signer_with(std::span<const std::uint8_t> der,
                                   std::optional<std::span<const std::uint8_t>> detached_content,
                                   std::size_t index, const Certificate& certificate) {
  auto parsed = cms_detail::parse_signed_data(der);
  if (!parsed) return std::unexpected(parsed.error());
  CMS_ContentInfo* cms = parsed->get();
  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms);
  const int count = signers != nullptr ? sk_CMS_SignerInfo_num(signers) : 0;
  if (index >= static_cast<std::size_t>(count)) {
    return fail(Errc::kMalformed, "no SignerInfo " + std::to_string(index));
  }
  ASN1_OCTET_STRING** content = CMS_get0_content(cms);
  const bool detached = content == nullptr || *content == nullptr;
  const DigestedContent digested = digest_content(cms, detached, detached_content);
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(signers, static_cast<int>(index));
  if (certificate.get() == nullptr || CMS_SignerInfo_cert_cmp(si, certificate.get()) != 0) {
    clear_ossl_errors();
    return fail(Errc::kCrypto, "certificate '" + certificate.subject() +
                                   "' is not the one the SignerInfo names");
  }
  CmsSignerInfo info;
  verify_signer(si, certificate.get(), digested, nullptr, info);
  clear_ossl_errors();
  if (!info.signature_valid) return fail(Errc::kCrypto, info.signature_error);
  return {};
}

}  // namespace signet::crypto
