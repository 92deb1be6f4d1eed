// Fuzzes the kernel-module unit: the "~Module signature appended~" trailer, the module_signature
// header with its big-endian length, and the detached PKCS#7; then the signer check with a fixed
// certificate-less reference (it must fail cleanly).
#include <cstddef>
#include <cstdint>
#include <span>

#include "formats/kmod_signature.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto evidence = signet::formats::parse_kmod_signature(std::span(data, size));
  if (evidence) {
    std::size_t total = evidence->covered.size();
    for (const auto& signer : evidence->signers) {
      total += signer.problems.size();
      if (signer.key_reference) total += signer.key_reference->serial_hex.size();
    }
    [[maybe_unused]] static volatile std::size_t sink;
    sink = total;
  }
  return 0;
}
