#include "crypto/certificate.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <climits>

#include "core/file_io.hpp"
#include "crypto/asn1_util.hpp"

namespace signet::crypto {

namespace {

constexpr std::size_t kMaxCertFileBytes = 16u << 20;

bool is_pem_end_of_input() {
  // PEM_read_bio_* fails at the end of the data with PEM_R_NO_START_LINE; anything else is an
  // error.
  const unsigned long err = ERR_peek_last_error();
  return ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
}

TimePoint time_or_epoch(const ASN1_TIME* t) {
  // A certificate whose validity does not parse never gets here from a successful d2i, but be safe:
  // the epoch makes not_after() "long expired", which fails closed.
  return asn1_time_to_point(t).value_or(TimePoint{});
}

}  // namespace

Certificate::Certificate(X509Ptr cert) : cert_(std::move(cert)) {}

Certificate::Certificate(const Certificate& other) {
  if (other.cert_ && X509_up_ref(other.cert_.get()) == 1) cert_.reset(other.cert_.get());
}

Certificate& Certificate::operator=(const Certificate& other) {
  if (this != &other) {
    Certificate copy(other);
    cert_ = std::move(copy.cert_);
  }
  return *this;
}

Result<Certificate> Certificate::from_der(std::span<const std::uint8_t> der) {
  if (der.empty()) return fail(Errc::kMalformed, "certificate: empty input");
  if (der.size() > static_cast<std::size_t>(LONG_MAX)) {
    return fail(Errc::kMalformed, "certificate: input too large");
  }
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) {
    return fail(Errc::kMalformed,
                "certificate: not a DER X.509 certificate: " + take_ossl_errors());
  }
  const auto consumed = static_cast<std::size_t>(p - der.data());
  if (consumed != der.size()) {
    return fail(Errc::kMalformed, "certificate: " + std::to_string(der.size() - consumed) +
                                      " trailing bytes after the DER certificate");
  }
  return Certificate(std::move(cert));
}

Result<std::vector<Certificate>> Certificate::from_pem(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) {
    return fail(Errc::kMalformed, "certificate PEM: input too large");
  }
  const BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail(Errc::kInternal, "BIO_new_mem_buf failed: " + take_ossl_errors());
  std::vector<Certificate> out;
  ERR_clear_error();
  for (;;) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    out.emplace_back(std::move(cert));
  }
  if (!is_pem_end_of_input()) {
    return fail(Errc::kMalformed, "certificate PEM: block " + std::to_string(out.size() + 1) +
                                      " does not parse: " + take_ossl_errors());
  }
  ERR_clear_error();
  if (out.empty()) {
    return fail(Errc::kMalformed, "certificate PEM: no \"BEGIN CERTIFICATE\" block found");
  }
  return out;
}

Result<std::vector<Certificate>> Certificate::load_pem_file(const std::filesystem::path& p) {
  auto text = read_file_text(p, kMaxCertFileBytes);
  if (!text) return std::unexpected(text.error());
  auto certs = from_pem(*text);
  if (!certs) return fail(certs.error().code, p.string() + ": " + certs.error().message);
  return certs;
}

std::string Certificate::subject() const {
  return cert_ ? x509_name_text(X509_get_subject_name(cert_.get())) : std::string();
}

std::string Certificate::issuer() const {
  return cert_ ? x509_name_text(X509_get_issuer_name(cert_.get())) : std::string();
}

std::vector<std::pair<std::string, std::string>> Certificate::subject_attributes() const {
  if (!cert_) return {};
  return x509_name_attributes(X509_get_subject_name(cert_.get()));
}

std::string Certificate::serial_hex() const {
  return cert_ ? asn1_integer_hex(X509_get0_serialNumber(cert_.get())) : std::string();
}

std::string Certificate::sha256_fingerprint() const {
  if (!cert_) return {};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert_.get(), EVP_sha256(), md, &len) != 1) {
    clear_ossl_errors();
    return {};
  }
  return to_hex(std::span<const std::uint8_t>(md, len));
}

TimePoint Certificate::not_before() const {
  return cert_ ? time_or_epoch(X509_get0_notBefore(cert_.get())) : TimePoint{};
}

TimePoint Certificate::not_after() const {
  return cert_ ? time_or_epoch(X509_get0_notAfter(cert_.get())) : TimePoint{};
}

std::optional<std::vector<std::string>> Certificate::extended_key_usages() const {
  if (!cert_) return std::nullopt;
  int critical = -1;
  const ExtKeyUsagePtr eku(static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(cert_.get(), NID_ext_key_usage, &critical, nullptr)));
  if (!eku) {
    clear_ossl_errors();
    // -1: absent. Otherwise present but undecodable or repeated: fail closed with "no usage".
    if (critical == -1) return std::nullopt;
    return std::vector<std::string>{};
  }
  std::vector<std::string> out;
  const int count = sk_ASN1_OBJECT_num(eku.get());
  for (int i = 0; i < count; ++i) out.push_back(oid_text(sk_ASN1_OBJECT_value(eku.get(), i)));
  return out;
}

bool Certificate::is_self_issued() const {
  return cert_ &&
         X509_NAME_cmp(X509_get_subject_name(cert_.get()), X509_get_issuer_name(cert_.get())) == 0;
}

std::string Certificate::key_type() const {
  const EVP_PKEY* key = cert_ ? X509_get0_pubkey(cert_.get()) : nullptr;
  if (key == nullptr) return {};
  switch (EVP_PKEY_get_id(key)) {
    case EVP_PKEY_RSA:
      return "RSA";
    case EVP_PKEY_RSA_PSS:
      return "RSA-PSS";
    case EVP_PKEY_EC:
      return "EC";
    case EVP_PKEY_ED25519:
      return "ED25519";
    case EVP_PKEY_ED448:
      return "ED448";
    case EVP_PKEY_DSA:
      return "DSA";
    default:
      break;
  }
  const char* name = EVP_PKEY_get0_type_name(key);
  return name != nullptr ? name : "";
}

int Certificate::key_bits() const {
  const EVP_PKEY* key = cert_ ? X509_get0_pubkey(cert_.get()) : nullptr;
  return key != nullptr ? EVP_PKEY_get_bits(key) : 0;
}

std::string Certificate::key_curve() const {
  const EVP_PKEY* key = cert_ ? X509_get0_pubkey(cert_.get()) : nullptr;
  if (key == nullptr || EVP_PKEY_get_id(key) != EVP_PKEY_EC) return {};
  char name[80] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &len) !=
      1) {
    clear_ossl_errors();
    return {};
  }
  return std::string(name, len);
}

std::string Certificate::signature_digest() const {
  if (!cert_) return {};
  int md_nid = NID_undef;
  if (X509_get_signature_info(cert_.get(), &md_nid, nullptr, nullptr, nullptr) != 1) {
    clear_ossl_errors();
    int pk_nid = NID_undef;
    if (OBJ_find_sigid_algs(X509_get_signature_nid(cert_.get()), &md_nid, &pk_nid) != 1) return {};
  }
  return digest_nid_name(md_nid);
}

Bytes Certificate::der() const { return i2d_to_bytes<X509>(i2d_X509, cert_.get()); }

std::string Certificate::pem() const {
  if (!cert_) return {};
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert_.get()) != 1) {
    clear_ossl_errors();
    return {};
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

bool Certificate::operator==(const Certificate& other) const {
  if (!cert_ || !other.cert_) return cert_ == other.cert_;
  return X509_cmp(cert_.get(), other.cert_.get()) == 0;
}

}  // namespace signet::crypto
