// Value types around X509 and X509_CRL: copying takes another reference, never a deep copy.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/hex.hpp"
#include "core/time.hpp"
#include "crypto/ossl.hpp"

namespace signet::crypto {

class Certificate {
 public:
  // Takes ownership of one reference.
  explicit Certificate(X509Ptr cert);
  Certificate(const Certificate& other);
  Certificate& operator=(const Certificate& other);
  Certificate(Certificate&&) noexcept = default;
  Certificate& operator=(Certificate&&) noexcept = default;
  ~Certificate() = default;

  [[nodiscard]] static Result<Certificate> from_der(std::span<const std::uint8_t> der);
  // One or more PEM certificates; a file with none is an error.
  [[nodiscard]] static Result<std::vector<Certificate>> from_pem(std::string_view pem);
  [[nodiscard]] static Result<std::vector<Certificate>> load_pem_file(const std::filesystem::path& p);

  [[nodiscard]] X509* get() const noexcept { return cert_.get(); }

  // One-line RFC 4514-like text in certificate order: "C=DE, O=Example Plant, CN=Alice".
  [[nodiscard]] std::string subject() const;
  [[nodiscard]] std::string issuer() const;
  // Subject RDN attributes as (short name, UTF-8 value) in certificate order: {"CN","Alice"}.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> subject_attributes() const;
  [[nodiscard]] std::string serial_hex() const;
  [[nodiscard]] std::string sha256_fingerprint() const;  // lower-case hex of SHA-256(DER)
  [[nodiscard]] TimePoint not_before() const;
  [[nodiscard]] TimePoint not_after() const;
  // Dotted OIDs of the extendedKeyUsage extension; nullopt when the certificate has none.
  [[nodiscard]] std::optional<std::vector<std::string>> extended_key_usages() const;
  [[nodiscard]] bool is_self_issued() const;
  // "RSA", "RSA-PSS", "EC", "ED25519", ...; bits of the public key; curve name for EC ("prime256v1").
  [[nodiscard]] std::string key_type() const;
  [[nodiscard]] int key_bits() const;
  [[nodiscard]] std::string key_curve() const;
  // Digest that signed this certificate ("sha256", "sha1", ...), "" when not derivable (Ed25519).
  [[nodiscard]] std::string signature_digest() const;
  [[nodiscard]] Bytes der() const;
  [[nodiscard]] std::string pem() const;

  bool operator==(const Certificate& other) const;  // same DER

 private:
  X509Ptr cert_;
};

class Crl {
 public:
  explicit Crl(X509CrlPtr crl);
  Crl(const Crl& other);
  Crl& operator=(const Crl& other);
  Crl(Crl&&) noexcept = default;
  Crl& operator=(Crl&&) noexcept = default;
  ~Crl() = default;

  [[nodiscard]] static Result<Crl> from_der(std::span<const std::uint8_t> der);
  // PEM or DER file, one or more CRLs.
  [[nodiscard]] static Result<std::vector<Crl>> load_file(const std::filesystem::path& p);

  [[nodiscard]] X509_CRL* get() const noexcept { return crl_.get(); }
  [[nodiscard]] std::string issuer() const;
  [[nodiscard]] Bytes der() const;

 private:
  X509CrlPtr crl_;
};

}  // namespace signet::crypto
