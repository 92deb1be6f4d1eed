// Fuzzes formats::parse_native_signature: CMS parse, profile checks and Statement parse of a
// whole `.sig` file, exactly what `signet verify` and `signet inspect` feed it.
#include <cstddef>
#include <cstdint>
#include <span>

#include "formats/native_signature.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto evidence = signet::formats::parse_native_signature({data, size});
  if (!evidence) return 0;
  std::size_t total =
      evidence->format.size() + evidence->certificates.size() + evidence->crls.size();
  for (const auto& signer : evidence->signers) {
    total += signer.problems.size() + signer.timestamps.size() + signer.curve.size();
    for (const auto& problem : signer.problems) total += problem.detail.size();
  }
  [[maybe_unused]] static volatile std::size_t sink;
  sink = total;
  return 0;
}
