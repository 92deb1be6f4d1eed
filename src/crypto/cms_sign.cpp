// cms_sign(): a new SignedData with one SignerInfo per key and the mandatory signed attributes
// (contentType, messageDigest, signingTime, ESS signingCertificateV2).
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
using cms_detail::self_check;

Result<Bytes> cms_sign(std::span<const std::uint8_t> content,
                       std::span<const SigningKey* const> keys, const CmsSignOptions& options) {
  if (keys.empty()) return fail(Errc::kUsage, "cms_sign needs at least one signing key");
  if (content.size() > static_cast<std::size_t>(INT_MAX)) {
    return fail(Errc::kUsage, "content too large for one SignedData (" +
                                  std::to_string(content.size()) + " bytes)");
  }
  for (const SigningKey* key : keys) {
    if (key == nullptr) return fail(Errc::kUsage, "null signing key");
    if (auto supported = check_key_supported(*key); !supported) {
      return std::unexpected(supported.error());
    }
  }
  const Asn1ObjectPtr content_type(OBJ_txt2obj(options.content_type_oid.c_str(), 1));
  if (!content_type) {
    clear_ossl_errors();
    return fail(Errc::kUsage, "not a dotted OID: '" + options.content_type_oid + "'");
  }
  const EVP_MD* md = digest_md(options.digest);

  const unsigned int flags =
      CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP | (options.detached ? CMS_DETACHED : 0u);
  const CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, flags));
  if (!cms) return fail(Errc::kCrypto, "CMS_sign failed: " + take_ossl_errors());
  if (OBJ_obj2nid(content_type.get()) != NID_pkcs7_data &&
      CMS_set1_eContentType(cms.get(), content_type.get()) != 1) {
    return fail(Errc::kCrypto, "cannot set eContentType: " + take_ossl_errors());
  }

  std::vector<CMS_SignerInfo*> signers;
  for (const SigningKey* key : keys) {
    // CMS_KEY_PARAM: the signature is made in CMS_final, after the PSS parameters are set.
    CMS_SignerInfo* si =
        CMS_add1_signer(cms.get(), key->certificate().get(), key->pkey(), md,
                        CMS_KEY_PARAM | CMS_CADES | CMS_NOCERTS | CMS_NOSMIMECAP | CMS_PARTIAL);
    if (si == nullptr) {
      return fail(Errc::kCrypto, "cannot add signer '" + key->certificate().subject() +
                                     "': " + take_ossl_errors());
    }
    if (auto r = configure_signer(si, *key, md, options.signing_time); !r) {
      return std::unexpected(r.error());
    }
    if (auto r = add_certificates(cms.get(), *key); !r) return std::unexpected(r.error());
    signers.push_back(si);
  }
  for (const Crl& crl : options.crls) {
    if (crl.get() == nullptr || CMS_add1_crl(cms.get(), crl.get()) != 1) {
      return fail(Errc::kCrypto,
                  "cannot embed CRL of '" + crl.issuer() + "': " + take_ossl_errors());
    }
  }

  const BioPtr data(BIO_new_mem_buf(content.empty() ? static_cast<const void*>("") : content.data(),
                                    static_cast<int>(content.size())));
  if (!data) return fail(Errc::kInternal, "BIO_new_mem_buf failed: " + take_ossl_errors());
  if (CMS_final(cms.get(), data.get(), nullptr, flags) != 1) {
    return fail(Errc::kCrypto, "signing failed: " + take_ossl_errors());
  }
  for (std::size_t i = 0; i < signers.size(); ++i) {
    if (auto r = self_check(signers[i], keys[i]->certificate()); !r) {
      return std::unexpected(r.error());
    }
  }
  return encode(cms.get());
}

}  // namespace signet::crypto
