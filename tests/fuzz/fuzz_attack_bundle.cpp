// Fuzzes the ATT&CK STIX bundle loader (`signet attack import`): any JSON, any object graph
// (dangling refs, wrong types, cycles of references).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "telemetry/attack_bundle.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto report = signet::telemetry::read_attack_bundle(text);
  if (!report && report.error().message.empty()) std::abort();
  return 0;
}
