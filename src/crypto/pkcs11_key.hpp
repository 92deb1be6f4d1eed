// PKCS#11 keys through libp11 (internal to crypto/; use SigningKey).
//
// N.B. We drive libp11's PKCS11_* API directly rather than through its OpenSSL engine: Debian 12's
// libp11 0.4.12 engine dereferences NULL on several error paths (token not found, wrong PIN), while
// the API below reports every failure as a return code we can turn into a clear error. The key
// object we get is the same one the engine would hand out (PKCS11_get_private_key).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/hex.hpp"
#include "core/secret.hpp"
#include "crypto/ossl.hpp"

namespace signet::crypto {

// RFC 7512 URI, percent-decoded.
struct Pkcs11Uri {
  std::optional<std::string> token;          // path: token label
  std::optional<std::string> manufacturer;
  std::optional<std::string> model;
  std::optional<std::string> serial;
  std::optional<std::string> object;         // path: object label
  std::optional<Bytes> id;                   // path: CKA_ID
  std::optional<std::string> type;           // path: private | public | cert | secret-key | data
  std::optional<unsigned long> slot_id;      // path: slot-id
  std::optional<std::string> module_path;    // query
  std::optional<std::string> module_name;    // query
  std::optional<std::string> pin_source;     // query: file path or file: URI
  bool has_pin_value = false;                // query: pin-value (kept out of this struct's text)
  // Further RFC 7512 path attributes; each given one must match too.
  std::optional<std::string> slot_description;
  std::optional<std::string> slot_manufacturer;
  std::optional<std::string> library_manufacturer;
  std::optional<std::string> library_description;
  std::optional<std::string> library_version;  // "M" or "M.N"; not checkable via libp11: refused
};

// Parses a "pkcs11:" URI. Unknown standard-looking attributes, malformed percent escapes, duplicate
// attributes are Errc::kUsage errors. The PIN from pin-value, if any, goes to `pin_out`.
[[nodiscard]] Result<Pkcs11Uri> parse_pkcs11_uri(std::string_view uri, SecretBuffer* pin_out);

// An open PKCS#11 module + logged-in session + private key handle. Destroying it frees the key
// before unloading the module. All keys of one process from the same module share one libp11
// context (a module is process-global: unloading it for one key would break the others); the last
// key to go unloads it. Thread-safe: keys may be opened and used from several threads.
class Pkcs11Key {
 public:
  // Finds the token and the private key, logs in with `pin`. Every failure is
  // Errc::kKeyUnavailable naming what was missing: module, token, PIN, object (with the tokens
  // or objects that were found, to help the operator).
  [[nodiscard]] static Result<std::unique_ptr<Pkcs11Key>> open(const Pkcs11Uri& uri,
                                                               const SecretBuffer& pin);
  ~Pkcs11Key();
  Pkcs11Key(const Pkcs11Key&) = delete;
  Pkcs11Key& operator=(const Pkcs11Key&) = delete;

  [[nodiscard]] EVP_PKEY* pkey() const noexcept;

  struct Impl;

 private:
  explicit Pkcs11Key(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace signet::crypto
