// Fuzzes the RAUC unit: the trailing CMS size, the CMS (plain: detached over the payload; verity:
// a manifest), the manifest's INI fields and the dm-verity recomputation.
#include <cstddef>
#include <cstdint>
#include <span>

#include "formats/rauc_bundle.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto evidence = signet::formats::parse_rauc_bundle(std::span(data, size));
  if (evidence) {
    [[maybe_unused]] static volatile std::size_t sink;
    sink = evidence->signers.size() + evidence->covered.size() + evidence->details.size();
  }
  return 0;
}
