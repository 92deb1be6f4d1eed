// An in-memory test PKI built with the OpenSSL API: keys, CAs, leaves with chosen EKUs, validity
// windows, CRLs, TSA certificates. For unit tests only (keys are plain EVP_PKEYs in memory).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "crypto/certificate.hpp"
#include "crypto/ossl.hpp"
#include "crypto/signing_key.hpp"

namespace signet::testing {

enum class KeyKind { kEcP256, kEcP384, kRsa1024, kRsa2048, kRsa3072, kEd25519 };

[[nodiscard]] crypto::EvpPkeyPtr make_key(KeyKind kind);

struct CertSpec {
  std::string subject = "CN=Test";  // "O=Example Plant, OU=OT Engineering, CN=Alice"
  bool is_ca = false;
  std::optional<std::vector<std::string>> ekus;  // dotted OIDs or names; nullopt = no extension
  bool eku_critical = false;
  TimePoint not_before = TimePoint{std::chrono::seconds{1'700'000'000}};  // 2023-11-14
  TimePoint not_after = TimePoint{std::chrono::seconds{2'000'000'000}};   // 2033-05-18
  std::string digest = "sha256";  // "sha1" for weak-algorithm tests
  long serial = 0;                // 0 = random
};

struct Issued {
  crypto::EvpPkeyPtr key;
  crypto::Certificate cert;
};

// Self-signed when issuer is null.
[[nodiscard]] Issued issue(const CertSpec& spec, KeyKind kind, const Issued* issuer);

// A certificate for a public key made elsewhere (e.g. inside a PKCS#11 token), issued by `issuer`.
[[nodiscard]] crypto::Certificate issue_for_key(const CertSpec& spec, EVP_PKEY* public_key,
                                                const Issued& issuer);

// A CRL by `issuer` revoking `revoked` (may be empty), valid from this_update to next_update.
[[nodiscard]] crypto::Crl make_crl(const Issued& issuer,
                                   const std::vector<crypto::Certificate>& revoked,
                                   TimePoint this_update, TimePoint next_update);

// A SigningKey around an in-memory key (through a temporary unencrypted PEM `file:` key).
[[nodiscard]] crypto::SigningKey signing_key(const Issued& leaf,
                                             std::vector<crypto::Certificate> chain = {});

// A fresh empty directory under $TMPDIR, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

}  // namespace signet::testing
