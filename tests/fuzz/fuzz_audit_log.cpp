// Fuzzes `signet audit verify` on hostile audit logs: record parsing, the hash chain, and the
// checkpoint signatures (base64 -> CMS parse -> signature check, unpinned). An audit log arrives
// in evidence bundles from other hosts, so nothing in it is trusted.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "telemetry/audit_log.hpp"
#include "telemetry/audit_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const auto verifier = signet::telemetry::make_cms_checkpoint_verifier({});
  const auto report = signet::telemetry::verify_audit_log(text, verifier);
  if (report.finding != signet::telemetry::AuditFinding::kIntact && report.detail.empty()) {
    std::abort();  // every finding says what it found
  }
  if (report.unsigned_tail > report.records) std::abort();
  // A record that parses renders back to something that parses to the same record.
  const auto nl = text.find('\n');
  if (auto record = signet::telemetry::parse_audit_record(text.substr(0, nl))) {
    auto again =
        signet::telemetry::parse_audit_record(signet::telemetry::render_audit_record(*record));
    if (!again || again->seq != record->seq || again->prev != record->prev) std::abort();
  }
  return 0;
}
