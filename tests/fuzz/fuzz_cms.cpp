// Fuzzes crypto::cms_parse, the strict CMS SignedData reader under every native signature. The
// first input byte picks the mode: even = as a whole signature; odd = the rest of the input, with
// a fixed detached content supplied (exercises the detached path and messageDigest checks).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "crypto/cms_signed_data.hpp"

namespace {
constexpr std::array<std::uint8_t, 16> kDetached{'s', 'i', 'g', 'n', 'e', 't', ' ', 'f',
                                                 'u', 'z', 'z', ' ', 'd', 'a', 't', 'a'};

void touch(const signet::crypto::CmsSignedData& cms) {
  // Read every field so that ASan sees any dangling or half-built member.
  std::size_t total =
      cms.content_type_oid.size() + cms.content.size() + cms.certificates.size() + cms.crls.size();
  for (const auto& signer : cms.signers) {
    total += signer.sid_issuer.size() + signer.sid_serial_hex.size() +
             signer.digest_algorithm.size() + signer.signature_algorithm.size() +
             signer.curve.size() + signer.signature_error.size() + signer.signature_value.size() +
             signer.signed_attribute_oids.size() + signer.timestamp_tokens.size();
    for (const auto& token : signer.timestamp_tokens) total += token.size();
  }
  [[maybe_unused]] static volatile std::size_t sink;
  sink = total;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> input(data + 1, size - 1);
  std::optional<std::span<const std::uint8_t>> detached;
  if ((data[0] & 1U) != 0) detached = std::span<const std::uint8_t>(kDetached);
  const auto cms = signet::crypto::cms_parse(input, detached);
  if (cms) touch(*cms);
  return 0;
}
