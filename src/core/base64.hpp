// RFC 4648 base64 (standard alphabet, '=' padding), for PEM bodies and minisign/signify keys.
// Pure: standard library only (the policy parser and the fuzz build use it).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/hex.hpp"

namespace signet {

// Strict: length a multiple of 4, padding only at the end, no whitespace, no other characters, and
// unused bits of the last symbol zero (one text per byte string). nullopt otherwise.
[[nodiscard]] std::optional<Bytes> base64_decode(std::string_view text);
// Like base64_decode after removing ASCII whitespace (PEM bodies are wrapped).
[[nodiscard]] std::optional<Bytes> base64_decode_lines(std::string_view text);
[[nodiscard]] std::string base64_encode(std::span<const std::uint8_t> bytes);

}  // namespace signet
