// The tamper-evident audit log (docs/events.md "Audit log"): one JSON record per line, each
// carrying the SHA-256 of the line before it, with periodic checkpoint records whose CMS signature
// covers the hash of the record before them. Pure half: record text, parsing and chain checks
// (fuzzed); audit_log.cpp appends, audit_checkpoint.cpp signs and verifies signatures.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"

namespace signet::telemetry {

inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct AuditRecord {
  std::uint64_t seq = 0;
  std::string time;  // RFC 3339
  std::string prev;  // hex SHA-256 of the previous line ("0"*64 for the first record)
  bool checkpoint = false;
  std::string event_json;  // type "event": the ECS JSON of the event (compact)
  // type "checkpoint": covers records 1..`to` whose last line hashes to `head`.
  std::uint64_t to = 0;
  std::string head;
  std::string signature;  // base64 of a detached CMS SignedData over checkpoint_content()
};

// The exact bytes a checkpoint signs.
[[nodiscard]] std::string checkpoint_content(std::uint64_t to, std::string_view head);
// One line (no newline) in canonical form.
[[nodiscard]] std::string render_audit_record(const AuditRecord& record);
// Strict: the fields above and nothing else, right types, 64-hex hashes.
[[nodiscard]] Result<AuditRecord> parse_audit_record(std::string_view line);
// Lower-case hex SHA-256 of a record line.
[[nodiscard]] std::string audit_line_hash(std::string_view line);

// What verifying a checkpoint signature found: ok, or why not.
struct SignatureCheck {
  bool ok = false;
  std::string signer;  // subject of the signing certificate, when known
  std::string detail;
};
using CheckpointVerifier =
    std::function<SignatureCheck(std::string_view content, std::string_view signature_b64)>;

enum class AuditFinding { kIntact, kBroken, kReordered, kMissing, kTruncated, kBadCheckpoint };
[[nodiscard]] const char* audit_finding_name(AuditFinding finding) noexcept;  // "BROKEN", ...

struct AuditReport {
  AuditFinding finding = AuditFinding::kIntact;
  std::uint64_t line = 0;  // 1-based line of the first problem
  std::uint64_t seq = 0;   // the record it concerns
  std::string detail;
  std::uint64_t records = 0;          // records read before the first problem (or all)
  std::uint64_t checkpoints = 0;      // valid checkpoints
  std::uint64_t last_signed_seq = 0;  // highest record covered by a valid checkpoint
  std::uint64_t unsigned_tail = 0;    // records after it
  std::string signer;                 // of the last valid checkpoint
};

// Walks the whole log; stops at the first problem. Pure apart from what `verifier` does.
[[nodiscard]] AuditReport verify_audit_log(std::string_view text,
                                           const CheckpointVerifier& verifier);

}  // namespace signet::telemetry
