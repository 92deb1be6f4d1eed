// Crl: the value type of certificate.hpp around X509_CRL, and CRL files (PEM or DER).
#include <openssl/err.h>
#include <openssl/pem.h>

#include <climits>

#include "core/file_io.hpp"
#include "crypto/asn1_util.hpp"
#include "crypto/certificate.hpp"

namespace signet::crypto {

namespace {

constexpr std::size_t kMaxCrlFileBytes = 64u << 20;

bool looks_like_pem(std::span<const std::uint8_t> data) {
  static constexpr std::string_view kMarker = "-----BEGIN";
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  return text.find(kMarker) != std::string_view::npos;
}

Result<std::vector<Crl>> crls_from_pem(std::span<const std::uint8_t> data) {
  if (data.size() > static_cast<std::size_t>(INT_MAX)) {
    return fail(Errc::kMalformed, "CRL PEM: input too large");
  }
  const BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) return fail(Errc::kInternal, "BIO_new_mem_buf failed: " + take_ossl_errors());
  std::vector<Crl> out;
  ERR_clear_error();
  for (;;) {
    X509CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    if (!crl) break;
    out.emplace_back(std::move(crl));
  }
  const unsigned long err = ERR_peek_last_error();
  if (ERR_GET_LIB(err) != ERR_LIB_PEM || ERR_GET_REASON(err) != PEM_R_NO_START_LINE) {
    return fail(Errc::kMalformed, "CRL PEM: block " + std::to_string(out.size() + 1) +
                                      " does not parse: " + take_ossl_errors());
  }
  ERR_clear_error();
  if (out.empty()) return fail(Errc::kMalformed, "CRL PEM: no \"BEGIN X509 CRL\" block found");
  return out;
}

Result<std::vector<Crl>> crls_from_der(std::span<const std::uint8_t> data) {
  // One or more DER CRLs back to back.
  std::vector<Crl> out;
  std::size_t offset = 0;
  while (offset < data.size()) {
    const unsigned char* start = data.data() + offset;
    const unsigned char* p = start;
    X509CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(data.size() - offset)));
    if (!crl) {
      return fail(Errc::kMalformed, "CRL " + std::to_string(out.size() + 1) +
                                        ": not a DER X.509 CRL: " + take_ossl_errors());
    }
    offset += static_cast<std::size_t>(p - start);
    out.emplace_back(std::move(crl));
  }
  if (out.empty()) return fail(Errc::kMalformed, "CRL: empty input");
  return out;
}

}  // namespace

Crl::Crl(X509CrlPtr crl) : crl_(std::move(crl)) {}

Crl::Crl(const Crl& other) {
  if (other.crl_ && X509_CRL_up_ref(other.crl_.get()) == 1) crl_.reset(other.crl_.get());
}

Crl& Crl::operator=(const Crl& other) {
  if (this != &other) {
    Crl copy(other);
    crl_ = std::move(copy.crl_);
  }
  return *this;
}

Result<Crl> Crl::from_der(std::span<const std::uint8_t> der) {
  if (der.empty()) return fail(Errc::kMalformed, "CRL: empty input");
  if (der.size() > static_cast<std::size_t>(LONG_MAX)) {
    return fail(Errc::kMalformed, "CRL: input too large");
  }
  const unsigned char* p = der.data();
  X509CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  if (!crl) return fail(Errc::kMalformed, "CRL: not a DER X.509 CRL: " + take_ossl_errors());
  const auto consumed = static_cast<std::size_t>(p - der.data());
  if (consumed != der.size()) {
    return fail(Errc::kMalformed,
                "CRL: " + std::to_string(der.size() - consumed) + " trailing bytes after the CRL");
  }
  return Crl(std::move(crl));
}

Result<std::vector<Crl>> Crl::load_file(const std::filesystem::path& p) {
  auto data = read_file_bytes(p, kMaxCrlFileBytes);
  if (!data) return std::unexpected(data.error());
  auto crls = looks_like_pem(*data) ? crls_from_pem(*data) : crls_from_der(*data);
  if (!crls) return fail(crls.error().code, p.string() + ": " + crls.error().message);
  return crls;
}

std::string Crl::issuer() const {
  return crl_ ? x509_name_text(X509_CRL_get_issuer(crl_.get())) : std::string();
}

Bytes Crl::der() const { return i2d_to_bytes<X509_CRL>(i2d_X509_CRL, crl_.get()); }

}  // namespace signet::crypto
