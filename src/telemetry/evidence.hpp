// Evidence bundles for incident response and change audits (docs/events.md "Evidence export"):
// a ustar archive whose first member, manifest.sig, is a native signet signature (class "config",
// target "evidence/HOST") whose Statement lists every other member with its SHA-256.
//
//   manifest.sig        the signed manifest
//   events.jsonl        the selected events (ECS JSON, one per line)
//   changes.json        change records: the selected decisions grouped by ticket and target
//   audit.log           the whole audit log, so that `signet audit verify` can re-check the chain
//   policy.toml         the policy in force when exporting
//   signatures/...      the signatures the events name, as far as they still exist
//   certificates/...    every certificate embedded in those signatures (PEM)
//   summary.json        what was selected, decision counts, the audit verification, gaps
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "crypto/signing_key.hpp"
#include "policy/decision.hpp"
#include "policy/policy.hpp"
#include "telemetry/audit_record.hpp"
#include "telemetry/ustar.hpp"

namespace signet::telemetry {

inline constexpr std::string_view kManifestName = "manifest.sig";
inline constexpr std::string_view kEvidenceClass = "config";

struct EvidenceQuery {
  TimePoint since;
  TimePoint until;
  std::optional<std::string> ticket;  // signet.ticket equals
  std::optional<std::string> target;  // glob over signet.target
};

struct EvidenceInputs {
  std::string audit_log_text;
  std::string policy_text;
  std::string host;
  TimePoint now;
  AuditReport audit_report;  // of audit_log_text
};

struct EvidenceBundle {
  Bytes tar;
  std::size_t events = 0;
  std::vector<std::string> gaps;  // e.g. a signature file that no longer exists
};

// Selects events from the audit log, gathers what they reference, signs the manifest with `key`.
[[nodiscard]] Result<EvidenceBundle> build_evidence_bundle(const EvidenceQuery& query,
                                                           const EvidenceInputs& inputs,
                                                           const crypto::SigningKey& key);

struct BundleVerification {
  policy::Decision decision;  // the manifest judged by policy, members as artifacts
  std::vector<std::string> members;
  std::optional<AuditReport> audit;  // the bundled audit log's chain (signatures unpinned)
};

// For `signet verify BUNDLE.tar`: nullopt when `bytes` is not an evidence bundle at all.
[[nodiscard]] std::optional<Result<BundleVerification>> verify_evidence_bundle(
    const policy::Policy& policy, std::span<const std::uint8_t> bytes, TimePoint now,
    const std::string& host);

}  // namespace signet::telemetry
