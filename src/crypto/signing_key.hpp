// Private keys for signing: `pkcs11:` URIs (RFC 7512) through libp11, or `file:PATH` (development
// only; a warning goes to stderr). Private key material from a token never leaves the token.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "crypto/certificate.hpp"
#include "crypto/ossl.hpp"

namespace signet::crypto {

// A loaded private key with the certificate (and chain) that go with it. Keeps the PKCS#11 context
// and session alive for as long as the key is used.
class SigningKey {
 public:
  // key_ref: "pkcs11:token=...;object=...?pin-value=..." or "file:/path/key.pem".
  // PIN/passphrase sources, in order: the URI (pin-value, pin-source=file:...), the environment
  // (SIGNET_PKCS11_PIN / SIGNET_KEY_PASSPHRASE), else an error (never a prompt in non-interactive use).
  // Module: URI module-path, else SIGNET_PKCS11_MODULE, else /usr/lib/softhsm/libsofthsm2.so.
  // Every failure (bad URI, module, token or object missing, wrong PIN, key/cert mismatch) is
  // Errc::kKeyUnavailable or Errc::kUsage with a message naming what was wrong.
  [[nodiscard]] static Result<SigningKey> load(std::string_view key_ref, Certificate cert,
                                               std::vector<Certificate> chain);

  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;
  ~SigningKey();
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  [[nodiscard]] EVP_PKEY* pkey() const noexcept;
  [[nodiscard]] const Certificate& certificate() const noexcept;
  [[nodiscard]] const std::vector<Certificate>& chain() const noexcept;
  [[nodiscard]] bool from_token() const noexcept;

  struct State;  // PKCS#11 context, slots, EVP_PKEY; defined in signing_key.cpp

 private:
  explicit SigningKey(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace signet::crypto
