// minisign and signify public keys: base64 of "Ed" (2 bytes), a key number (8 bytes) and an Ed25519
// public key (32 bytes) — the second line of a .pub file, "RW...". Pure (the policy parser uses
// it).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/hex.hpp"

namespace signet {

struct RawPublicKey {
  Bytes key_id;      // 8 bytes, as stored
  Bytes public_key;  // 32 bytes, Ed25519
};

// nullopt unless the text is exactly the base64 of "Ed" || key id || public key.
[[nodiscard]] std::optional<RawPublicKey> parse_raw_public_key(std::string_view base64_line);

// How minisign prints a key id: the 8 bytes as a little-endian 64-bit number in upper-case hex.
[[nodiscard]] std::string key_id_text(const Bytes& key_id);

}  // namespace signet
