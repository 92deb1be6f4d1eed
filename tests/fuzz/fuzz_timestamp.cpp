// Fuzzes crypto::parse_timestamp_token (RFC 3161 TimeStampToken: a CMS SignedData over TSTInfo),
// which `signet inspect` runs on tokens embedded in signatures it has not yet judged.
#include <cstddef>
#include <cstdint>
#include <span>

#include "crypto/timestamp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto info = signet::crypto::parse_timestamp_token({data, size});
  if (!info) return 0;
  [[maybe_unused]] static volatile std::size_t sink;
  sink = info->serial_hex.size() + info->imprint_algorithm.size() +
         static_cast<std::size_t>(info->gen_time.time_since_epoch().count() & 0xff);
  return 0;
}
