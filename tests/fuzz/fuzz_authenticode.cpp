// Fuzzes the Authenticode unit: PE headers, the certificate table, WIN_CERTIFICATE entries, PKCS#7
// SignedData with SpcIndirectDataContent, nested signatures, timestamps and countersignatures.
#include <cstddef>
#include <cstdint>
#include <span>

#include "formats/authenticode_pe.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto evidence = signet::formats::parse_authenticode(std::span(data, size));
  if (evidence) {
    std::size_t total = evidence->details.size() + evidence->covered.size();
    for (const auto& signer : evidence->signers) {
      total += signer.problems.size() + signer.timestamps.size() + signer.position.size();
    }
    [[maybe_unused]] static volatile std::size_t sink;
    sink = total;
  }
  return 0;
}
