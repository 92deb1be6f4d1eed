// `signet gate download`: the change-controlled path of a controller program or firmware image to
// its controller. Under the target's lock: read the rollback state, decide (policy::evaluate at the
// clock's time), record the change, tell the SOC, run the vendor's tool only when allowed, record
// its exit status and, when it succeeded, move the rollback state forward — one transaction.
// Every dependency comes in (state database, command runner, clock, emitter), so tests drive it
// with a fake runner and a temporary database.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "formats/evidence.hpp"
#include "gate/command_runner.hpp"
#include "gate/state_db.hpp"
#include "policy/decision.hpp"
#include "policy/evaluate.hpp"
#include "policy/policy.hpp"
#include "telemetry/audit_log.hpp"
#include "telemetry/emitter.hpp"

namespace signet::gate {

// The operations a download gate knows, with their ATT&CK for ICS techniques
// (docs/download-gate.md).
[[nodiscard]] bool is_download_operation(std::string_view operation) noexcept;

struct DownloadRequest {
  std::string target;          // the controller, literally (no glob)
  std::string artifact_class;  // plc-program, firmware, ...
  std::string operation;       // download | download-all | online-edit | program-append |
                               // firmware-update
  std::string firmware_scope;  // "system" | "module" | "" (firmware only)
  std::optional<std::string> ticket;
  std::vector<policy::Artifact> artifacts;  // paths with their SHA-256
  std::string signature_path;
  // The parsed signature, or why there is none (UNSIGNED, MALFORMED).
  std::variant<formats::SignatureEvidence, Reason> evidence;
  std::vector<std::string> command;  // CMD and its arguments; CMD already resolved
  std::string user;
  std::int64_t uid = -1;
  std::string host;
  std::optional<telemetry::ProcessFacts> process;  // the gate itself, for the event
};

struct DownloadOutcome {
  policy::Decision decision;
  ChangeRecord record;  // as finally stored
  bool ran = false;     // CMD was started
  int exit_status = 1;  // what the gate exits with: CMD's when it ran, else 1
  std::optional<CommandResult> command;
  std::optional<std::string> run_error;     // CMD could not be started (exit status 2)
  std::optional<std::string> record_error;  // the final record could not be written
};

struct GateOptions {
  std::filesystem::path lock_dir;
  std::chrono::milliseconds lock_timeout{std::chrono::minutes(10)};
  std::function<bool()> interrupted;                // polled while waiting for the lock
  std::function<void(const std::string&)> waiting;  // told once when the lock is busy
  std::function<void(const policy::Decision&, const ChangeRecord&)> decided;  // before CMD runs
};

class DownloadGate {
 public:
  DownloadGate(const policy::Policy& policy, StateDb& db, CommandRunner& runner,
               const telemetry::Clock& clock, telemetry::Emitter* emitter, GateOptions options)
      : policy_(policy),
        db_(db),
        runner_(runner),
        clock_(clock),
        emitter_(emitter),
        options_(std::move(options)) {}

  // An error means nothing was run: the lock or the state database failed before the decision
  // was recorded (fail closed).
  [[nodiscard]] Result<DownloadOutcome> run(const DownloadRequest& request);

 private:
  const policy::Policy& policy_;
  StateDb& db_;
  CommandRunner& runner_;
  const telemetry::Clock& clock_;
  telemetry::Emitter* emitter_;
  GateOptions options_;
};

// The ATT&CK for ICS technique ids of a download (point and operation), most specific first.
[[nodiscard]] std::vector<std::string> download_techniques(const DownloadRequest& request);

}  // namespace signet::gate
