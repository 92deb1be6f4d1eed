// Fuzzes detached CMS (DER or PEM) over a fixed content, and the embedded-format detector.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "formats/detached_cms.hpp"
#include "formats/detect.hpp"

namespace {
constexpr std::array<std::uint8_t, 8> kContent{'f', 'i', 'r', 'm', 'w', 'a', 'r', 'e'};
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const auto evidence = signet::formats::parse_detached_cms(input, kContent);
  if (evidence) {
    [[maybe_unused]] static volatile std::size_t sink;
    sink = evidence->signers.size() + evidence->covered.size();
  }
  (void)signet::formats::detect_embedded(input);
  return 0;
}
