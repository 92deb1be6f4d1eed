// One Authenticode PKCS#7 SignedData: SpcIndirectDataContent, its SignerInfo (signature over the
// signed attributes, messageDigest over the content), timestamps and nested signatures. Facts only;
// the policy judges trust.
#include <openssl/objects.h>
#include <openssl/pkcs7.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "crypto/asn1_util.hpp"
#include "crypto/ossl.hpp"
#include "crypto/signature_verify.hpp"
#include "formats/authenticode_detail.hpp"
#include "formats/der_reader.hpp"
#include "formats/third_party_profile.hpp"

namespace signet::formats::authenticode_detail {
namespace {

constexpr int kMaxNested = 16;

using crypto::OsslBytePtr;

std::string digest_name_of(const X509_ALGOR* alg) {
  const ASN1_OBJECT* obj = nullptr;
  X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
  return crypto::digest_nid_name(OBJ_obj2nid(obj));
}

// "rsa-pkcs1" or "ecdsa" from digestEncryptionAlgorithm (a key or a signature algorithm OID).
std::string signature_algorithm_of(const X509_ALGOR* alg) {
  const ASN1_OBJECT* obj = nullptr;
  X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
  int pk_nid = OBJ_obj2nid(obj);
  int md_nid = NID_undef;
  if (pk_nid != NID_rsaEncryption && pk_nid != NID_X9_62_id_ecPublicKey) {
    if (OBJ_find_sigid_algs(pk_nid, &md_nid, &pk_nid) != 1) return crypto::oid_text(obj);
  }
  if (pk_nid == NID_rsaEncryption) return "rsa-pkcs1";
  if (pk_nid == NID_X9_62_id_ecPublicKey) return "ecdsa";
  return crypto::oid_text(obj);
}

Bytes digest_with(const std::string& md_name, std::span<const std::uint8_t> data) {
  const EVP_MD* md = EVP_get_digestbyname(md_name.c_str());
  if (md == nullptr) return {};
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (EVP_Digest(data.empty() ? reinterpret_cast<const unsigned char*>("") : data.data(),
                 data.size(), out.data(), &len, md, nullptr) != 1) {
    return {};
  }
  out.resize(len);
  return out;
}

// The signature over `message`. SHA-2 goes through the Wycheproof-checked primitive; SHA-1
// (legacy signers, already WEAK_ALGORITHM) through plain EVP so that a forgery still shows.
Result<void> verify_with(EVP_PKEY* key, const std::string& scheme, const std::string& md_name,
                         std::span<const std::uint8_t> message,
                         std::span<const std::uint8_t> signature) {
  if (scheme != "rsa-pkcs1" && scheme != "ecdsa") {
    return fail(Errc::kUnsupported, "signature algorithm " + scheme + " is not supported");
  }
  if (const auto sha2 = crypto::digest_from_name(md_name)) {
    const crypto::SignatureParams params{scheme == "ecdsa" ? crypto::SignatureScheme::kEcdsaDer
                                                           : crypto::SignatureScheme::kRsaPkcs1v15,
                                         *sha2};
    return crypto::verify_signature(key, params, message, signature);
  }
  const EVP_MD* md = EVP_get_digestbyname(md_name.c_str());
  const crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (md == nullptr || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) != 1 ||
      EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                       message.size()) != 1) {
    crypto::clear_ossl_errors();
    return fail(Errc::kCrypto, "the " + md_name + " signature does not verify");
  }
  return {};
}

// DER of the signed attributes as the signature covers them (a SET OF, not the [0] tag).
Bytes signed_attributes_der(const PKCS7_SIGNER_INFO* si) {
  unsigned char* der = nullptr;
  const int len = ASN1_item_i2d(reinterpret_cast<ASN1_VALUE*>(si->auth_attr), &der,
                                ASN1_ITEM_rptr(PKCS7_ATTR_VERIFY));
  const OsslBytePtr owner(der);
  if (len <= 0) return {};
  return Bytes(der, der + len);
}

std::optional<TimePoint> signing_time_of(PKCS7_SIGNER_INFO* si) {
  const ASN1_TYPE* t = PKCS7_get_signed_attribute(si, NID_pkcs9_signingTime);
  if (t == nullptr || (t->type != V_ASN1_UTCTIME && t->type != V_ASN1_GENERALIZEDTIME)) {
    return std::nullopt;
  }
  return crypto::asn1_time_to_point(t->value.utctime);
}

// Checks messageDigest == digest(content) and the signature over the signed attributes.
Result<void> verify_signer_info(PKCS7_SIGNER_INFO* si, X509* cert,
                                std::span<const std::uint8_t> content) {
  if (si->auth_attr == nullptr || sk_X509_ATTRIBUTE_num(si->auth_attr) <= 0) {
    return fail(Errc::kCrypto, "no signed attributes (Authenticode requires them)");
  }
  const std::string md_name = digest_name_of(si->digest_alg);
  const ASN1_OCTET_STRING* claimed = PKCS7_digest_from_attributes(si->auth_attr);
  if (claimed == nullptr) return fail(Errc::kCrypto, "no messageDigest attribute");
  const Bytes actual = digest_with(md_name, content);
  const Bytes expected = crypto::asn1_string_bytes(claimed);
  if (actual.empty() || actual != expected) {
    return fail(Errc::kCrypto, "messageDigest " + to_hex(expected) + " but the signed content's " +
                                   md_name + " is " + to_hex(actual));
  }
  const Bytes attributes = signed_attributes_der(si);
  if (attributes.empty()) return fail(Errc::kCrypto, "cannot encode the signed attributes");
  const auto signature = crypto::asn1_string_bytes(si->enc_digest);
  return verify_with(X509_get0_pubkey(cert), signature_algorithm_of(si->digest_enc_alg), md_name,
                     attributes, signature);
}

X509* find_certificate(STACK_OF(X509) * certs, PKCS7_ISSUER_AND_SERIAL* ias) {
  if (certs == nullptr || ias == nullptr) return nullptr;
  return X509_find_by_issuer_and_serial(certs, ias->issuer, ias->serial);
}

std::vector<std::span<const std::uint8_t>> unsigned_values(PKCS7_SIGNER_INFO* si, const char* oid) {
  std::vector<std::span<const std::uint8_t>> out;
  for (int i = 0; si->unauth_attr != nullptr && i < sk_X509_ATTRIBUTE_num(si->unauth_attr); ++i) {
    X509_ATTRIBUTE* attr = sk_X509_ATTRIBUTE_value(si->unauth_attr, i);
    if (crypto::oid_text(X509_ATTRIBUTE_get0_object(attr)) != oid) continue;
    for (int j = 0; j < X509_ATTRIBUTE_count(attr); ++j) {
      const ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(attr, j);
      if (value == nullptr || value->type != V_ASN1_SEQUENCE) continue;
      const ASN1_STRING* seq = value->value.sequence;
      out.emplace_back(ASN1_STRING_get0_data(seq),
                       static_cast<std::size_t>(ASN1_STRING_length(seq)));
    }
  }
  return out;
}

Countersignature countersignature_of(std::span<const std::uint8_t> der, STACK_OF(X509) * certs,
                                     std::span<const std::uint8_t> countersigned) {
  Countersignature out;
  const unsigned char* p = der.data();
  const crypto::Pkcs7SignerInfoPtr cs(
      d2i_PKCS7_SIGNER_INFO(nullptr, &p, static_cast<long>(der.size())));
  if (!cs || p != der.data() + der.size()) {
    crypto::clear_ossl_errors();
    out.error = "countersignature is not a DER SignerInfo";
    return out;
  }
  out.digest_algorithm = digest_name_of(cs->digest_alg);
  out.signing_time = signing_time_of(cs.get());
  X509* cert = find_certificate(certs, cs->issuer_and_serial);
  if (cert == nullptr) {
    out.error = "countersigner certificate not embedded";
    return out;
  }
  if (X509_up_ref(cert) == 1) out.signer.emplace(crypto::X509Ptr(cert));
  if (!out.signing_time) {
    out.error = "countersignature has no signingTime";
    return out;
  }
  if (auto verified = verify_signer_info(cs.get(), cert, countersigned); !verified) {
    out.error = "countersignature: " + verified.error().message;
  } else {
    out.valid = true;
  }
  crypto::clear_ossl_errors();
  return out;
}

// SpcIndirectDataContent ::= SEQUENCE { data SpcAttributeTypeAndOptionalValue,
//   messageDigest DigestInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING } }
std::optional<ImageDigestClaim> read_indirect_data(std::span<const std::uint8_t> value,
                                                   std::string& error) {
  auto data = der::expect(value, der::kSequence);
  auto digest_info = der::expect(value, der::kSequence);
  if (!data || !digest_info || !value.empty()) {
    error = "SpcIndirectDataContent is not SEQUENCE { data, DigestInfo }";
    return std::nullopt;
  }
  auto inner = data->value;
  const auto type = der::expect(inner, der::kOid);
  const auto type_text = type ? der::oid_text(type->value) : std::nullopt;
  if (!type_text || *type_text != kOidSpcPeImageData) {
    error = "SpcIndirectDataContent does not describe a PE image (" +
            type_text.value_or("unreadable type") + ")";
    return std::nullopt;
  }
  auto info = digest_info->value;
  auto algorithm = der::expect(info, der::kSequence);
  const auto digest = der::expect(info, der::kOctetString);
  if (!algorithm || !digest || !info.empty()) {
    error = "DigestInfo is malformed";
    return std::nullopt;
  }
  auto alg = algorithm->value;
  const auto oid = der::expect(alg, der::kOid);
  const auto oid_str = oid ? der::oid_text(oid->value) : std::nullopt;
  if (!oid_str) {
    error = "DigestInfo algorithm is malformed";
    return std::nullopt;
  }
  const crypto::Asn1ObjectPtr object(OBJ_txt2obj(oid_str->c_str(), 1));
  ImageDigestClaim claim;
  claim.algorithm = object ? crypto::digest_nid_name(OBJ_obj2nid(object.get())) : *oid_str;
  claim.digest.assign(digest->value.begin(), digest->value.end());
  return claim;
}

}  // namespace

void parse_signed_data(std::span<const std::uint8_t> der, const std::string& position, int depth,
                       ParsedSignatures& out) {
  auto problem = [&](const std::string& what) {
    out.problems.push_back(Reason{ReasonCode::kMalformed, position + ": " + what});
  };
  const unsigned char* p = der.data();
  const crypto::Pkcs7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(der.size())));
  crypto::clear_ossl_errors();
  if (!p7) return problem("not a DER PKCS#7 structure");
  const auto rest = der.subspan(static_cast<std::size_t>(p - der.data()));
  if (!std::all_of(rest.begin(), rest.end(), [](std::uint8_t b) { return b == 0; })) {
    return problem(std::to_string(rest.size()) + " bytes of trailing data after the SignedData");
  }
  if (!PKCS7_type_is_signed(p7.get()) || p7->d.sign == nullptr || p7->d.sign->contents == nullptr) {
    return problem("not a PKCS#7 SignedData");
  }
  PKCS7_SIGNED* sd = p7->d.sign;
  if (crypto::oid_text(sd->contents->type) != kOidSpcIndirectData ||
      sd->contents->d.other == nullptr || sd->contents->d.other->type != V_ASN1_SEQUENCE) {
    return problem("content is not SpcIndirectDataContent");
  }
  const ASN1_STRING* seq = sd->contents->d.other->value.sequence;
  std::span<const std::uint8_t> content_der(ASN1_STRING_get0_data(seq),
                                            static_cast<std::size_t>(ASN1_STRING_length(seq)));
  auto whole = content_der;
  const auto content = der::expect(whole, der::kSequence);
  if (!content || !whole.empty()) return problem("SpcIndirectDataContent is not one SEQUENCE");
  std::string error;
  auto claim = read_indirect_data(content->value, error);
  if (!claim) return problem(error);
  claim->position = position;
  out.claims.push_back(*claim);

  for (int i = 0; sd->cert != nullptr && i < sk_X509_num(sd->cert); ++i) {
    X509* cert = sk_X509_value(sd->cert, i);
    if (X509_up_ref(cert) == 1) out.certificates.emplace_back(crypto::X509Ptr(cert));
  }
  for (int i = 0; sd->crl != nullptr && i < sk_X509_CRL_num(sd->crl); ++i) {
    X509_CRL* crl = sk_X509_CRL_value(sd->crl, i);
    if (X509_CRL_up_ref(crl) == 1) out.crls.emplace_back(crypto::X509CrlPtr(crl));
  }

  STACK_OF(PKCS7_SIGNER_INFO)* infos = PKCS7_get_signer_info(p7.get());
  const int count = infos != nullptr ? sk_PKCS7_SIGNER_INFO_num(infos) : 0;
  if (count != 1) {
    problem("Authenticode needs exactly one SignerInfo, found " + std::to_string(count));
  }
  for (int i = 0; i < count; ++i) {
    PKCS7_SIGNER_INFO* si = sk_PKCS7_SIGNER_INFO_value(infos, i);
    SignerEvidence signer;
    signer.position = position;
    signer.digest_algorithm = digest_name_of(si->digest_alg);
    signer.signature_algorithm = signature_algorithm_of(si->digest_enc_alg);
    signer.signing_time = signing_time_of(si);
    const Bytes signature = crypto::asn1_string_bytes(si->enc_digest);
    X509* cert = find_certificate(sd->cert, si->issuer_and_serial);
    if (cert != nullptr && X509_up_ref(cert) == 1) {
      signer.certificate.emplace(crypto::X509Ptr(cert));
      signer.key_bits = signer.certificate->key_bits();
      signer.curve = signer.certificate->key_curve();
      if (auto verified = verify_signer_info(si, cert, content->value); !verified) {
        signer.problems.push_back(
            Reason{ReasonCode::kBadSignature, position + ": " + verified.error().message});
      }
    }
    for (const auto& check : {signer.digest_algorithm, claim->algorithm}) {
      if (auto weak = third_party_algorithm_problem(check, signer.signature_algorithm,
                                                    signer.key_bits, signer.curve)) {
        weak->detail = position + ": " + weak->detail;
        signer.problems.push_back(std::move(*weak));
        break;
      }
    }
    for (const auto token : unsigned_values(si, kOidRfc3161Timestamp)) {
      signer.timestamps.push_back(
          TimestampEvidence{Bytes(token.begin(), token.end()), signature, std::nullopt});
    }
    for (const auto cs : unsigned_values(si, "1.2.840.113549.1.9.6")) {
      signer.timestamps.push_back(
          TimestampEvidence{{}, signature, countersignature_of(cs, sd->cert, signature)});
    }
    crypto::clear_ossl_errors();
    out.signers.push_back(std::move(signer));
    const auto nested = unsigned_values(si, kOidNestedSignature);
    if (!nested.empty() && depth <= 0) {
      problem("nested signatures inside a nested signature are not accepted");
      continue;
    }
    for (std::size_t n = 0; n < nested.size() && n < kMaxNested; ++n) {
      parse_signed_data(nested[n], position + ", nested " + std::to_string(n + 1), depth - 1, out);
    }
    if (nested.size() > kMaxNested) problem("more than 16 nested signatures");
  }
}

}  // namespace signet::formats::authenticode_detail
