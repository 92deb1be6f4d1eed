// One event model for every enforcement point (docs/events.md): built from a policy::Decision plus
// what the point knows (PointContext), rendered by the serializers (ECS JSON, RFC 5424, CEF) and
// chained into the audit log. Pure data; building an event reads no clock and no file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/reason_code.hpp"
#include "core/time.hpp"
#include "policy/decision.hpp"

namespace signet::telemetry {

enum class EventKind { kEvent, kAlert };  // ECS event.kind
// What an event reports; its event.action and its RFC 5424 MSGID.
enum class EventType {
  kDecision,         // a verification decision of an enforcement point
  kTelemetryDrop,    // events were dropped (full queue) or lost (writer failed, no spool)
  kTelemetryTest,    // `signet telemetry test`: exercises the sinks end to end
  kEvidenceExport,   // `signet evidence export` wrote a bundle
  kInventoryChange,  // `signet scan --diff/--against`: a path differs from the earlier state
};
[[nodiscard]] const char* event_type_msgid(EventType type) noexcept;  // "decision", ...

struct ProcessFacts {
  std::int64_t pid = 0;
  std::string executable;
  std::optional<std::int64_t> parent_pid;
};

// Where and how a decision was asked for. Points fill what they know; the rest stays empty.
struct PointContext {
  std::string point = "verify";      // verify | exec-gate | download-gate | firmware-gate |
                                     // project-watch | inventory
  std::string operation = "verify";  // verify | exec | open | load-module | download |
                                     // download-all | online-edit | program-append | install
  std::optional<std::string> artifact_class;  // when the evidence has no signed Statement
  std::optional<std::string> target;
  std::string firmware_scope;          // "system" | "module" | "" (unknown)
  bool differs_from_baseline = false;  // signer/digest differs from supplier or inventory baseline
  std::optional<std::string> window;   // maintenance window in force, if any
  std::optional<ProcessFacts> process;
  std::optional<std::string> user_id;
  std::optional<std::string> signature_path;
};

struct SignerFacts {
  std::string subject;
  std::string issuer;
  std::string fingerprint_sha256;
  bool trusted = false;
  std::optional<std::string> publisher;
};

struct ArtifactFacts {
  std::string path;
  std::string sha256;
  bool covered = false;
};

struct CodeSignatureFacts {  // ECS file.code_signature.*
  bool exists = false;
  bool valid = false;
  bool trusted = false;
  std::string subject_name;
  std::string status;  // "OK" or the first reason code
};

// One side of an inventory difference (signet.inventory.before / .after).
struct InventoryStateFacts {
  std::string type;  // file | symlink
  std::string sha256;
  std::optional<std::uint64_t> size;
  std::optional<std::uint32_t> mode, uid, gid;
  std::optional<TimePoint> mtime;
  std::string kind;       // elf, pe, script, kernel-module, rauc-bundle, archive, other
  std::string signature;  // unsigned | valid | invalid | unverified ("" when not known)
  std::string signer;
  // file.code_signature.status: OK, or the first reason code (UNSIGNED; UNTRUSTED_CHAIN for a
  // signature nothing could check)
  std::string status;
  std::string link_target;  // symlinks (escaped)
};

// An inventory difference (docs/inventory.md "Differences").
struct InventoryChangeFacts {
  std::string change;  // new | removed | content | metadata | became-unsigned | signer-changed
  std::optional<std::int64_t> scan_id;           // the later scan
  std::optional<std::int64_t> previous_scan_id;  // the earlier one (scan --diff)
  std::optional<std::string> baseline;           // the signed baseline (scan --against)
  std::optional<InventoryStateFacts> before;
  std::optional<InventoryStateFacts> after;
};

struct Event {
  EventType type = EventType::kDecision;
  std::string id;  // event.id: 128 random bits, hex (the emitter assigns it when empty)
  TimePoint timestamp{};
  EventKind kind = EventKind::kEvent;
  std::string action;   // event.action: the point's operation, or "telemetry-dropped", ...
  std::string outcome;  // success | failure | unknown
  int severity = 0;     // 0..10 (CEF scale; syslog severity derives from it)
  std::string message;  // one human line
  std::string host;
  std::optional<std::int64_t> sequence;  // event.sequence, where the source numbers events

  // Decision events
  std::optional<ArtifactFacts> file;  // the first artifact (ECS file.*)
  std::optional<CodeSignatureFacts> code_signature;
  std::optional<ProcessFacts> process;
  std::optional<std::string> user_id;
  std::optional<std::string> rule_id;
  std::vector<std::string> technique_ids;  // threat.technique.id (names from the table)
  std::string decision;                    // allow | deny
  bool enforced = false;
  std::string mode;
  std::vector<Reason> reasons;
  std::string point;
  std::string artifact_class;
  std::string target;
  std::string version;
  std::string ticket;
  std::optional<std::string> window;
  std::string format;
  std::vector<SignerFacts> signers;
  std::vector<ArtifactFacts> artifacts;
  std::string policy_sha256;
  std::optional<std::string> signature_path;

  // Inventory differences
  std::optional<InventoryChangeFacts> inventory;

  // Telemetry drop reports
  std::uint64_t dropped = 0;  // events the queue could not take
  std::uint64_t lost = 0;     // events a writer failed to deliver and could not spool
};

// Event for a decision. `now` is the time of the event (the decision's evaluated_at is the
// validation time, which `--at` may move). Kind, severity and techniques follow docs/events.md.
[[nodiscard]] Event decision_event(const policy::Decision& decision, const PointContext& context,
                                   const std::string& host, const std::string& policy_sha256,
                                   TimePoint now);

[[nodiscard]] Event drop_report_event(std::uint64_t dropped, std::uint64_t lost,
                                      const std::string& host, TimePoint now);

[[nodiscard]] Event test_event(std::int64_t sequence, const std::string& host, TimePoint now);

// Event for an inventory difference of `path` (escaped). Kind and severity by change
// (docs/events.md); `artifact_class` as the inventory assumes it from the file's kind.
[[nodiscard]] Event inventory_change_event(const InventoryChangeFacts& change,
                                           const std::string& path,
                                           const std::string& artifact_class,
                                           const std::string& host, TimePoint now);

[[nodiscard]] Event evidence_export_event(const std::string& bundle_path,
                                          const std::string& bundle_sha256, std::size_t events,
                                          const std::string& host, TimePoint now);

}  // namespace signet::telemetry
