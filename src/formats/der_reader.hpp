// A bounded DER reader for the few structures OpenSSL has no type for (SpcIndirectDataContent).
// Every read checks the remaining length first; lengths are never trusted. Header-only, pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace signet::formats::der {

struct Element {
  std::uint8_t tag = 0;
  std::span<const std::uint8_t> value;  // contents octets
  std::span<const std::uint8_t> whole;  // tag, length and contents
};

// Reads one element from the front of `input` and advances it; nullopt on truncation, indefinite
// or non-minimal lengths, multi-byte tags, or lengths beyond the input.
[[nodiscard]] inline std::optional<Element> read(std::span<const std::uint8_t>& input) {
  if (input.size() < 2) return std::nullopt;
  const std::uint8_t tag = input[0];
  if ((tag & 0x1FU) == 0x1FU) return std::nullopt;  // high tag numbers: not used here
  std::size_t length = input[1];
  std::size_t header = 2;
  if ((length & 0x80U) != 0) {
    const std::size_t octets = length & 0x7FU;
    if (octets == 0 || octets > 4 || input.size() < 2 + octets) return std::nullopt;
    length = 0;
    for (std::size_t i = 0; i < octets; ++i) length = (length << 8) | input[2 + i];
    if (length < 0x80 || (octets > 1 && (length >> (8 * (octets - 1))) == 0)) return std::nullopt;
    header += octets;
  }
  if (length > input.size() - header) return std::nullopt;
  Element element{tag, input.subspan(header, length), input.subspan(0, header + length)};
  input = input.subspan(header + length);
  return element;
}

// Reads an element that must carry `tag`.
[[nodiscard]] inline std::optional<Element> expect(std::span<const std::uint8_t>& input,
                                                   std::uint8_t tag) {
  auto copy = input;
  auto element = read(copy);
  if (!element || element->tag != tag) return std::nullopt;
  input = copy;
  return element;
}

inline constexpr std::uint8_t kSequence = 0x30;
inline constexpr std::uint8_t kOctetString = 0x04;
inline constexpr std::uint8_t kOid = 0x06;

// Dotted text of an OBJECT IDENTIFIER's contents; nullopt when malformed.
[[nodiscard]] inline std::optional<std::string> oid_text(std::span<const std::uint8_t> value) {
  if (value.empty() || value.size() > 64) return std::nullopt;
  std::string out;
  std::uint64_t arc = 0;
  bool first = true;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (arc == 0 && value[i] == 0x80) return std::nullopt;  // non-minimal
    if (arc > (UINT64_MAX >> 7)) return std::nullopt;
    arc = (arc << 7) | (value[i] & 0x7FU);
    if ((value[i] & 0x80U) != 0) {
      if (i + 1 == value.size()) return std::nullopt;
      continue;
    }
    if (first) {
      const std::uint64_t top = arc < 40 ? 0 : (arc < 80 ? 1 : 2);
      out = std::to_string(top) + "." + std::to_string(arc - top * 40);
      first = false;
    } else {
      out += "." + std::to_string(arc);
    }
    arc = 0;
  }
  return out;
}

}  // namespace signet::formats::der
