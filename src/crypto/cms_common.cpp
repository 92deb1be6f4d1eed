#include "crypto/cms_common.hpp"

#include <climits>
#include <string>

#include "crypto/asn1_util.hpp"

namespace signet::crypto::cms_detail {

Result<CmsPtr> parse_signed_data(std::span<const std::uint8_t> der) {
  if (der.empty()) return fail(Errc::kMalformed, "CMS: empty input");
  if (der.size() > static_cast<std::size_t>(LONG_MAX)) {
    return fail(Errc::kMalformed, "CMS: input too large");
  }
  const unsigned char* p = der.data();
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  if (!cms) {
    return fail(Errc::kMalformed, "CMS: not a DER ContentInfo (" + std::to_string(der.size()) +
                                      " bytes): " + take_ossl_errors());
  }
  const auto consumed = static_cast<std::size_t>(p - der.data());
  if (consumed != der.size()) {
    return fail(Errc::kMalformed, "CMS: " + std::to_string(der.size() - consumed) +
                                      " trailing bytes after the ContentInfo");
  }
  const ASN1_OBJECT* type = CMS_get0_type(cms.get());
  if (OBJ_obj2nid(type) != NID_pkcs7_signed) {
    return fail(Errc::kMalformed, "CMS: content type is " + oid_text(type) +
                                      ", expected signedData (1.2.840.113549.1.7.2)");
  }
  return cms;
}

Result<Bytes> encode(const CMS_ContentInfo* cms) {
  Bytes out = i2d_to_bytes<CMS_ContentInfo>(i2d_CMS_ContentInfo, cms);
  if (out.empty()) return fail(Errc::kCrypto, "cannot encode CMS: " + take_ossl_errors());
  return out;
}

bool is_rsa(const EVP_PKEY* key) {
  return EVP_PKEY_is_a(key, "RSA") == 1 || EVP_PKEY_is_a(key, "RSA-PSS") == 1;
}

Result<void> check_key_supported(const SigningKey& key) {
  const EVP_PKEY* pkey = key.pkey();
  if (pkey == nullptr || key.certificate().get() == nullptr) {
    return fail(Errc::kKeyUnavailable, "signing key has no key or no certificate");
  }
  if (EVP_PKEY_is_a(pkey, "EC") == 1 || is_rsa(pkey)) return {};
  const char* type = EVP_PKEY_get0_type_name(pkey);
  return fail(Errc::kUnsupported, "cannot sign CMS with a " + std::string(type ? type : "?") +
                                      " key (EC or RSA expected)");
}

Result<void> configure_signer(CMS_SignerInfo* si, const SigningKey& key, const EVP_MD* md,
                              TimePoint signing_time) {
  if (is_rsa(key.pkey())) {
    EVP_PKEY_CTX* pctx = CMS_SignerInfo_get0_pkey_ctx(si);
    if (pctx == nullptr || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, EVP_MD_get_size(md)) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1) {
      return fail(Errc::kCrypto, "cannot set RSA-PSS parameters: " + take_ossl_errors());
    }
  }
  const Asn1TimePtr when = asn1_time_from_point(signing_time);
  if (!when || CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, ASN1_STRING_type(when.get()),
                                           when.get(), -1) != 1) {
    return fail(Errc::kCrypto, "cannot add signingTime: " + take_ossl_errors());
  }
  return {};
}

Result<void> add_certificates(CMS_ContentInfo* cms, const SigningKey& key) {
  const X509StackPtr present(CMS_get1_certs(cms));
  std::vector<X509*> known;
  for (int i = 0; present && i < sk_X509_num(present.get()); ++i) {
    known.push_back(sk_X509_value(present.get(), i));
  }
  auto add = [&](const Certificate& cert) -> Result<void> {
    for (X509* existing : known) {
      if (X509_cmp(existing, cert.get()) == 0) return {};
    }
    if (CMS_add1_cert(cms, cert.get()) != 1) {
      return fail(Errc::kCrypto,
                  "cannot embed certificate '" + cert.subject() + "': " + take_ossl_errors());
    }
    known.push_back(cert.get());
    return {};
  };
  if (auto r = add(key.certificate()); !r) return r;
  for (const Certificate& cert : key.chain()) {
    if (auto r = add(cert); !r) return r;
  }
  return {};
}

Result<void> self_check(CMS_SignerInfo* si, const Certificate& cert) {
  // From here on the SignerInfo holds the certificate's public key instead of the private key.
  CMS_SignerInfo_set1_signer_cert(si, cert.get());
  if (CMS_SignerInfo_verify(si) != 1) {
    return fail(Errc::kKeyUnavailable,
                "the signature made with the key for '" + cert.subject() +
                    "' does not verify with that certificate: " + take_ossl_errors());
  }
  return {};
}

}  // namespace signet::crypto::cms_detail
