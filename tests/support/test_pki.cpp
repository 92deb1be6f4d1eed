#include "support/test_pki.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "crypto/asn1_util.hpp"
#include "crypto/x509_verify.hpp"

namespace signet::testing {

namespace {

using crypto::take_ossl_errors;

// The test PKI must never fail quietly: a broken fixture would make negative tests pass.
void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "test_pki: %s failed: %s\n", what, take_ossl_errors().c_str());
  std::abort();
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(' ');
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(' ');
  return std::string(text.substr(first, last - first + 1));
}

// "O=Example Plant, OU=OT Engineering, CN=Alice" -> X509_NAME in that order. Test input only: no
// escapes, "," separates attributes.
crypto::X509NamePtr parse_name(std::string_view text) {
  crypto::X509NamePtr name(X509_NAME_new());
  require(name != nullptr, "X509_NAME_new");
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find(',', pos), text.size());
    const std::string part = trim(text.substr(pos, end - pos));
    const std::size_t eq = part.find('=');
    require(eq != std::string::npos && eq > 0, "subject attribute needs '='");
    const std::string key = part.substr(0, eq);
    const std::string value = part.substr(eq + 1);
    require(X509_NAME_add_entry_by_txt(name.get(), key.c_str(), MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(value.c_str()), -1,
                                       -1, 0) == 1,
            "X509_NAME_add_entry_by_txt");
    pos = end + 1;
  }
  return name;
}

void set_time(ASN1_TIME* field, TimePoint t) {
  require(ASN1_TIME_set(field, static_cast<time_t>(t.time_since_epoch().count())) != nullptr,
          "ASN1_TIME_set");
}

void add_conf_ext(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  const crypto::X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  require(ext != nullptr, value);
  require(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

void set_serial(X509* cert, long requested) {
  crypto::BignumPtr bn(BN_new());
  require(bn != nullptr, "BN_new");
  if (requested > 0) {
    require(BN_set_word(bn.get(), static_cast<BN_ULONG>(requested)) == 1, "BN_set_word");
  } else {
    require(BN_rand(bn.get(), 63, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) == 1, "BN_rand");
  }
  crypto::Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  require(serial != nullptr && X509_set_serialNumber(cert, serial.get()) == 1, "serial");
}

const EVP_MD* md_for(const std::string& digest, const EVP_PKEY* signer) {
  if (EVP_PKEY_get_id(signer) == EVP_PKEY_ED25519) return nullptr;
  const EVP_MD* md = EVP_get_digestbyname(digest.c_str());
  require(md != nullptr, "unknown digest name in CertSpec");
  return md;
}

}  // namespace

crypto::EvpPkeyPtr make_key(KeyKind kind) {
  EVP_PKEY* key = nullptr;
  switch (kind) {
    case KeyKind::kEcP256:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case KeyKind::kEcP384:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case KeyKind::kRsa1024:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{1024});
      break;
    case KeyKind::kRsa2048:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048});
      break;
    case KeyKind::kRsa3072:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{3072});
      break;
    case KeyKind::kEd25519:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  require(key != nullptr, "EVP_PKEY_Q_keygen");
  return crypto::EvpPkeyPtr(key);
}

namespace {

// subject_key: the certified public key; issuer null = self-signed with signer_key.
crypto::Certificate build_certificate(const CertSpec& spec, EVP_PKEY* subject_key,
                                      const Issued* issuer, EVP_PKEY* signer_key) {
  crypto::X509Ptr cert(X509_new());
  require(cert != nullptr, "X509_new");
  require(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");
  set_serial(cert.get(), spec.serial);
  const crypto::X509NamePtr subject = parse_name(spec.subject);
  require(X509_set_subject_name(cert.get(), subject.get()) == 1, "subject");
  X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : cert.get();
  require(X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer_cert)) == 1, "issuer");
  set_time(X509_getm_notBefore(cert.get()), spec.not_before);
  set_time(X509_getm_notAfter(cert.get()), spec.not_after);
  require(X509_set_pubkey(cert.get(), subject_key) == 1, "X509_set_pubkey");

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer_cert, cert.get(), nullptr, nullptr, 0);
  if (spec.is_ca) {
    add_conf_ext(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE");
    add_conf_ext(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_conf_ext(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
    add_conf_ext(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature");
  }
  add_conf_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  add_conf_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  if (spec.ekus) {
    crypto::ExtKeyUsagePtr eku(sk_ASN1_OBJECT_new_null());
    require(eku != nullptr, "sk_ASN1_OBJECT_new_null");
    for (const std::string& name : *spec.ekus) {
      const auto oid = crypto::eku_oid_from_name(name);
      require(oid.has_value(), "unknown EKU name in CertSpec");
      ASN1_OBJECT* obj = OBJ_txt2obj(oid->c_str(), 1);
      require(obj != nullptr && sk_ASN1_OBJECT_push(eku.get(), obj) > 0, "EKU OID");
    }
    require(X509_add1_ext_i2d(cert.get(), NID_ext_key_usage, eku.get(), spec.eku_critical ? 1 : 0,
                              X509V3_ADD_DEFAULT) == 1,
            "EKU extension");
  }
  require(X509_sign(cert.get(), signer_key, md_for(spec.digest, signer_key)) > 0, "X509_sign");
  return crypto::Certificate(std::move(cert));
}

}  // namespace

Issued issue(const CertSpec& spec, KeyKind kind, const Issued* issuer) {
  crypto::EvpPkeyPtr key = make_key(kind);
  EVP_PKEY* signer = issuer != nullptr ? issuer->key.get() : key.get();
  crypto::Certificate cert = build_certificate(spec, key.get(), issuer, signer);
  return Issued{std::move(key), std::move(cert)};
}

crypto::Certificate issue_for_key(const CertSpec& spec, EVP_PKEY* public_key,
                                  const Issued& issuer) {
  return build_certificate(spec, public_key, &issuer, issuer.key.get());
}

crypto::Crl make_crl(const Issued& issuer, const std::vector<crypto::Certificate>& revoked,
                     TimePoint this_update, TimePoint next_update) {
  crypto::X509CrlPtr crl(X509_CRL_new());
  require(crl != nullptr, "X509_CRL_new");
  require(X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) == 1, "CRL version");
  require(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.cert.get())) == 1,
          "CRL issuer");
  const crypto::Asn1TimePtr last = crypto::asn1_time_from_point(this_update);
  const crypto::Asn1TimePtr next = crypto::asn1_time_from_point(next_update);
  require(last && next, "CRL times");
  require(X509_CRL_set1_lastUpdate(crl.get(), last.get()) == 1, "lastUpdate");
  require(X509_CRL_set1_nextUpdate(crl.get(), next.get()) == 1, "nextUpdate");
  for (const crypto::Certificate& cert : revoked) {
    crypto::X509RevokedPtr entry(X509_REVOKED_new());
    require(entry != nullptr, "X509_REVOKED_new");
    // X509_REVOKED_set_serialNumber copies; its parameter is not const in OpenSSL 3.0.
    require(X509_REVOKED_set_serialNumber(
                entry.get(), const_cast<ASN1_INTEGER*>(X509_get0_serialNumber(cert.get()))) == 1,
            "revoked serial");
    require(X509_REVOKED_set_revocationDate(entry.get(), last.get()) == 1, "revocation date");
    require(X509_CRL_add0_revoked(crl.get(), entry.get()) == 1, "X509_CRL_add0_revoked");
    entry.release();  // owned by the CRL now
  }
  require(X509_CRL_sort(crl.get()) == 1, "X509_CRL_sort");

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer.cert.get(), nullptr, nullptr, crl.get(), 0);
  const crypto::X509ExtensionPtr akid(
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  require(akid != nullptr && X509_CRL_add_ext(crl.get(), akid.get(), -1) == 1, "CRL AKID");
  const crypto::Asn1IntegerPtr number(ASN1_INTEGER_new());
  require(number != nullptr && ASN1_INTEGER_set(number.get(), 1) == 1, "CRL number");
  require(X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0) == 1,
          "CRL number extension");
  require(X509_CRL_sign(crl.get(), issuer.key.get(), md_for("sha256", issuer.key.get())) > 0,
          "X509_CRL_sign");
  return crypto::Crl(std::move(crl));
}

crypto::SigningKey signing_key(const Issued& leaf, std::vector<crypto::Certificate> chain) {
  const TempDir dir;
  const std::string path = dir.path() + "/key.pem";
  {
    const crypto::BioPtr bio(BIO_new_file(path.c_str(), "w"));
    require(bio != nullptr, "BIO_new_file");
    require(PEM_write_bio_PrivateKey(bio.get(), leaf.key.get(), nullptr, nullptr, 0, nullptr,
                                     nullptr) == 1,
            "PEM_write_bio_PrivateKey");
  }
  auto key = crypto::SigningKey::load("file:" + path, leaf.cert, std::move(chain));
  if (!key) {
    std::fprintf(stderr, "test_pki: SigningKey::load failed: %s\n", key.error().describe().c_str());
    std::abort();
  }
  return std::move(*key);
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/signet-test-XXXXXX";
  char* made = ::mkdtemp(pattern.data());
  if (made == nullptr) {
    std::perror("test_pki: mkdtemp");
    std::abort();
  }
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace signet::testing
