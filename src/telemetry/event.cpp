// Building events: the mapping from a Decision and its point to kind, severity, outcome and
// ATT&CK techniques (docs/events.md "Kind and severity").
#include "telemetry/event.hpp"

#include <algorithm>
#include <filesystem>

#include "telemetry/attack_techniques.hpp"

namespace signet::telemetry {
namespace {

constexpr int kSeverityBlocked = 8;  // deny, enforced
constexpr int kSeverityAlert = 6;    // deny in audit mode, or allowed but flagged
constexpr int kSeverityAllowed = 2;  // clean allow
constexpr int kSeverityTelemetry = 5;

bool breaks_signature(ReasonCode code) {
  return code == ReasonCode::kUnsigned || code == ReasonCode::kMalformed ||
         code == ReasonCode::kDigestMismatch || code == ReasonCode::kBadSignature ||
         code == ReasonCode::kMissingSignedAttributes;
}

CodeSignatureFacts code_signature_of(const policy::Decision& d) {
  CodeSignatureFacts cs;
  cs.exists = !d.has_reason(ReasonCode::kUnsigned);
  const bool any_signer_valid = std::any_of(d.signers.begin(), d.signers.end(), [](const auto& s) {
    return std::none_of(s.reasons.begin(), s.reasons.end(),
                        [](const Reason& r) { return r.code == ReasonCode::kBadSignature; });
  });
  cs.valid = cs.exists && any_signer_valid &&
             std::none_of(d.reasons.begin(), d.reasons.end(),
                          [](const Reason& r) { return breaks_signature(r.code); });
  cs.trusted =
      std::any_of(d.signers.begin(), d.signers.end(), [](const auto& s) { return s.trusted; });
  const auto trusted =
      std::find_if(d.signers.begin(), d.signers.end(), [](const auto& s) { return s.trusted; });
  if (trusted != d.signers.end()) {
    cs.subject_name = trusted->subject;
  } else if (!d.signers.empty()) {
    cs.subject_name = d.signers.front().subject;
  }
  cs.status = d.reasons.empty() ? "OK" : std::string(reason_name(d.reasons.front().code));
  return cs;
}

bool is_firmware_update(std::string_view cls, std::string_view operation) {
  return cls == "firmware" && (operation == "install" || operation == "download" ||
                               operation == "update" || operation == "firmware-update");
}

}  // namespace

const char* event_type_msgid(EventType type) noexcept {
  switch (type) {
    case EventType::kDecision:
      return "decision";
    case EventType::kTelemetryDrop:
      return "telemetry-dropped";
    case EventType::kTelemetryTest:
      return "telemetry-test";
    case EventType::kEvidenceExport:
      return "evidence-export";
    case EventType::kInventoryChange:
      return "inventory-change";
  }
  return "decision";
}

Event decision_event(const policy::Decision& d, const PointContext& context,
                     const std::string& host, const std::string& policy_sha256, TimePoint now) {
  Event e;
  e.type = EventType::kDecision;
  e.timestamp = now;
  e.host = host;
  e.action = context.operation;
  e.point = context.point;
  e.decision = d.allowed() ? "allow" : "deny";
  e.outcome = d.allowed() ? "success" : "failure";
  e.enforced = d.enforced;
  e.mode = std::string(policy::mode_name(d.mode));
  e.reasons = d.reasons;
  e.rule_id = d.rule;
  e.format = d.format;
  e.policy_sha256 = policy_sha256;
  e.window = context.window;
  e.process = context.process;
  e.user_id = context.user_id;
  e.signature_path = context.signature_path;
  if (d.statement) {
    const auto& p = d.statement->predicate;
    e.artifact_class = p.artifact_class;
    e.target = p.target;
    e.version = p.version;
    e.ticket = p.ticket;
  }
  if (e.artifact_class.empty() && context.artifact_class)
    e.artifact_class = *context.artifact_class;
  if (e.target.empty() && context.target) e.target = *context.target;
  for (const auto& a : d.artifacts) e.artifacts.push_back({a.path, a.sha256, a.covered});
  if (!e.artifacts.empty()) e.file = e.artifacts.front();
  for (const auto& s : d.signers) {
    e.signers.push_back({s.subject, s.issuer, s.fingerprint_sha256, s.trusted, s.publisher});
  }
  e.code_signature = code_signature_of(d);

  const std::string file_name =
      e.file ? std::filesystem::path(e.file->path).filename().string() : std::string();
  e.technique_ids = techniques_for({.point = context.point,
                                    .operation = context.operation,
                                    .artifact_class = e.artifact_class,
                                    .file_name = file_name,
                                    .firmware_scope = context.firmware_scope,
                                    .differs_from_baseline = context.differs_from_baseline});

  // "Signed is not benign": allowed events are alerts too when something about them is off.
  const bool flagged = !d.reasons.empty() || context.differs_from_baseline ||
                       is_firmware_update(e.artifact_class, context.operation);
  if (!d.allowed()) {
    e.kind = EventKind::kAlert;
    e.severity = d.enforced ? kSeverityBlocked : kSeverityAlert;
  } else if (flagged) {
    e.kind = EventKind::kAlert;
    e.severity = kSeverityAlert;
  } else {
    e.kind = EventKind::kEvent;
    e.severity = kSeverityAllowed;
  }
  const std::string what = file_name.empty() ? std::string("artifact") : file_name;
  if (d.allowed()) {
    e.message = context.point + " allowed " + what + (d.rule ? " (rule " + *d.rule + ")" : "");
  } else {
    e.message = context.point + (d.enforced ? " blocked " : " would block (audit mode) ") + what;
    if (!d.reasons.empty()) e.message += ": " + std::string(reason_name(d.reasons.front().code));
  }
  return e;
}

Event drop_report_event(std::uint64_t dropped, std::uint64_t lost, const std::string& host,
                        TimePoint now) {
  Event e;
  e.type = EventType::kTelemetryDrop;
  e.timestamp = now;
  e.host = host;
  e.kind = EventKind::kEvent;
  e.action = "telemetry-dropped";
  e.outcome = "failure";
  e.severity = kSeverityTelemetry;
  e.point = "telemetry";
  e.dropped = dropped;
  e.lost = lost;
  e.message = "telemetry dropped " + std::to_string(dropped) + " event(s) (queue full) and lost " +
              std::to_string(lost) + " (writer failed without a spool)";
  return e;
}

Event test_event(std::int64_t sequence, const std::string& host, TimePoint now) {
  Event e;
  e.type = EventType::kTelemetryTest;
  e.timestamp = now;
  e.host = host;
  e.kind = EventKind::kEvent;
  e.action = "telemetry-test";
  e.outcome = "success";
  e.severity = 1;
  e.point = "telemetry";
  e.sequence = sequence;
  e.message = "signet telemetry test event " + std::to_string(sequence);
  return e;
}

Event inventory_change_event(const InventoryChangeFacts& change, const std::string& path,
                             const std::string& artifact_class, const std::string& host,
                             TimePoint now) {
  Event e;
  e.type = EventType::kInventoryChange;
  e.timestamp = now;
  e.host = host;
  e.point = "inventory";
  e.action = change.change;
  e.outcome = "unknown";
  e.artifact_class = artifact_class;
  e.inventory = change;
  const InventoryStateFacts* now_state = change.after ? &*change.after : nullptr;
  const InventoryStateFacts* shown = now_state != nullptr ? now_state : &*change.before;
  e.file = ArtifactFacts{path, shown->sha256, false};
  if (now_state != nullptr && now_state->type == "file" && !now_state->signature.empty()) {
    CodeSignatureFacts cs;
    cs.exists = now_state->signature != "unsigned";
    cs.valid = now_state->signature == "valid";
    cs.trusted = false;  // the inventory records validity; trust is the gates' judgement
    cs.subject_name = now_state->signer;
    cs.status = now_state->status;
    e.code_signature = cs;
  }
  // Code that appears or changes, or whose signature goes away or changes hands, is what
  // M0945's inventory is for: alerts. Removals and metadata are recorded as events.
  const std::string& c = change.change;
  const bool code_kind = shown->kind == "elf" || shown->kind == "pe" || shown->kind == "script" ||
                         shown->kind == "kernel-module" || shown->kind == "rauc-bundle";
  const bool differs = c == "content" || c == "became-unsigned" || c == "signer-changed";
  if (c == "became-unsigned" || c == "signer-changed") {
    e.kind = EventKind::kAlert;
    e.severity = 7;
  } else if (c == "content") {
    e.kind = EventKind::kAlert;
    e.severity = 6;
  } else if (c == "new" && code_kind) {
    e.kind = EventKind::kAlert;
    e.severity = 5;
  } else {
    e.kind = EventKind::kEvent;
    e.severity = c == "metadata" ? 2 : 3;
  }
  const std::string file_name = std::filesystem::path(path).filename().string();
  e.technique_ids = techniques_for({.point = "inventory",
                                    .operation = c,
                                    .artifact_class = artifact_class,
                                    .file_name = file_name,
                                    .firmware_scope = "",
                                    .differs_from_baseline = differs});
  std::string where = change.baseline ? " (baseline " + *change.baseline + ")" : std::string();
  if (change.previous_scan_id && change.scan_id) {
    where = " (scan " + std::to_string(*change.previous_scan_id) + " -> " +
            std::to_string(*change.scan_id) + ")";
  }
  e.message = "inventory " + c + ": " + path + where;
  return e;
}

Event evidence_export_event(const std::string& bundle_path, const std::string& bundle_sha256,
                            std::size_t events, const std::string& host, TimePoint now) {
  Event e;
  e.type = EventType::kEvidenceExport;
  e.timestamp = now;
  e.host = host;
  e.kind = EventKind::kEvent;
  e.action = "evidence-export";
  e.outcome = "success";
  e.severity = 3;
  e.point = "evidence";
  e.file = ArtifactFacts{bundle_path, bundle_sha256, true};
  e.message =
      "evidence bundle " + bundle_path + " exported with " + std::to_string(events) + " event(s)";
  return e;
}

}  // namespace signet::telemetry
