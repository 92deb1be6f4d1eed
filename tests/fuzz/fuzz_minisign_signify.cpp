// Fuzzes the minisign and signify parsers and their key checks. The first byte picks the format
// (even: minisign, odd: signify); the rest is split at the first NUL into signature text and
// signed content. A parsed signature is checked with a fixed Ed25519 key, which must fail cleanly.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "formats/detect.hpp"
#include "formats/minisign.hpp"

namespace {
constexpr std::array<std::uint8_t, 32> kKey{0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7,
                                            0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
                                            0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25,
                                            0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a};
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> input(data + 1, size - 1);
  const auto nul = std::find(input.begin(), input.end(), std::uint8_t{0});
  const auto signature = input.first(static_cast<std::size_t>(nul - input.begin()));
  const auto content = nul == input.end() ? std::span<const std::uint8_t>()
                                          : input.subspan(signature.size() + 1);
  const auto evidence = (data[0] & 1U) == 0 ? signet::formats::parse_minisign(signature, content)
                                            : signet::formats::parse_signify(signature, content);
  if (evidence) {
    for (const auto& signer : evidence->signers) {
      if (signer.key_reference && signer.key_reference->check_raw_key) {
        (void)signer.key_reference->check_raw_key(kKey);
      }
    }
  }
  (void)signet::formats::detect_signature_file(input);
  return 0;
}
