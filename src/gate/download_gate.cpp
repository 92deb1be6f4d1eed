#include "gate/download_gate.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "gate/target_lock.hpp"
#include "telemetry/attack_techniques.hpp"

namespace signet::gate {
namespace {

constexpr std::array<std::string_view, 5> kOperations = {"download", "download-all", "online-edit",
                                                         "program-append", "firmware-update"};

std::string point_of(const DownloadRequest& request) {
  return request.artifact_class == "firmware" ? "firmware-gate" : "download-gate";
}

ChangeRecord make_record(const DownloadRequest& request, const policy::Decision& decision,
                         const policy::Policy& policy, TimePoint now) {
  ChangeRecord r;
  r.started_at = now;
  r.user = request.user;
  r.uid = request.uid;
  r.host = request.host;
  r.target = request.target;
  r.artifact_class = request.artifact_class;
  r.operation = request.operation;
  for (const auto& a : decision.artifacts) r.artifacts.push_back({a.path, a.sha256});
  for (const auto& s : decision.signers) {
    r.signers.push_back({s.subject, s.fingerprint_sha256, s.trusted, s.publisher.value_or("")});
  }
  r.ticket = request.ticket.value_or("");
  if (decision.statement) {
    const auto& p = decision.statement->predicate;
    r.signed_ticket = p.ticket;
    r.version = p.version;
    r.counter = p.counter;
  }
  r.window = decision.window.value_or("");
  r.decision = decision.allowed() ? "allow" : "deny";
  r.enforced = decision.enforced;
  r.mode = std::string(policy::mode_name(decision.mode));
  r.reasons = decision.reasons;
  r.rule = decision.rule.value_or("");
  r.techniques = download_techniques(request);
  r.command = request.command;
  r.status = decision.blocks() ? ChangeStatus::kDenied : ChangeStatus::kRunning;
  r.policy_sha256 = policy.source_sha256();
  r.signature_path = request.signature_path;
  return r;
}

telemetry::PointContext point_context(const DownloadRequest& request,
                                      const policy::Decision& decision) {
  telemetry::PointContext context;
  context.point = point_of(request);
  context.operation = request.operation;
  context.artifact_class = request.artifact_class;
  context.target = request.target;
  context.firmware_scope = request.firmware_scope;
  context.window = decision.window;
  context.process = request.process;
  if (request.uid >= 0) context.user_id = std::to_string(request.uid);
  if (!request.signature_path.empty()) context.signature_path = request.signature_path;
  return context;
}

// The rollback state moves only for a change that was allowed (a trusted, in-policy release) and
// whose command succeeded. An audit-mode deny that ran does not move it: an untrusted counter must
// never be able to lock out the real releases.
std::optional<RollbackAdvance> advance_for(const DownloadRequest& request,
                                           const policy::Decision& decision,
                                           const CommandResult& result, TimePoint now) {
  if (!decision.allowed() || result.exit_status != 0 || !decision.statement) return std::nullopt;
  const auto& p = decision.statement->predicate;
  RollbackAdvance advance{.target = request.target,
                          .artifact_class = request.artifact_class,
                          .counter = p.counter,
                          .version = std::nullopt,
                          .at = now};
  if (!p.version.empty()) advance.version = p.version;
  return advance;
}

}  // namespace

bool is_download_operation(std::string_view operation) noexcept {
  return std::find(kOperations.begin(), kOperations.end(), operation) != kOperations.end();
}

std::vector<std::string> download_techniques(const DownloadRequest& request) {
  std::string file_name;
  if (!request.artifacts.empty()) {
    file_name = std::filesystem::path(request.artifacts.front().path).filename().string();
  }
  const std::string point = point_of(request);
  return telemetry::techniques_for({.point = point,
                                    .operation = request.operation,
                                    .artifact_class = request.artifact_class,
                                    .file_name = file_name,
                                    .firmware_scope = request.firmware_scope,
                                    .differs_from_baseline = false});
}

Result<DownloadOutcome> DownloadGate::run(const DownloadRequest& request) {
  // Held until this function returns: the decision, the command and the record are one step for
  // this target, so two gates cannot both pass the rollback check against the same state.
  auto lock = TargetLock::acquire(options_.lock_dir, request.target, options_.lock_timeout,
                                  options_.interrupted, options_.waiting);
  if (!lock) return std::unexpected(lock.error());
  auto installed = db_.installed(request.target, request.artifact_class);
  if (!installed) return std::unexpected(installed.error());

  policy::EvaluationContext context;
  context.now = clock_.now();
  context.artifacts = request.artifacts;
  context.host = request.host;
  context.artifact_class = request.artifact_class;
  context.target = request.target;
  context.ticket = request.ticket;
  context.installed = *installed;

  DownloadOutcome outcome;
  if (const auto* evidence = std::get_if<formats::SignatureEvidence>(&request.evidence)) {
    outcome.decision = policy::evaluate(policy_, *evidence, context);
  } else {
    outcome.decision =
        policy::deny_without_evidence(policy_, context, std::get<Reason>(request.evidence));
  }
  const policy::Decision& decision = outcome.decision;
  outcome.record = make_record(request, decision, policy_, context.now);
  // Recorded before anything runs: no record, no change (fail closed).
  auto id = db_.insert_change(outcome.record);
  if (!id) return std::unexpected(id.error());
  outcome.record.id = *id;
  if (emitter_ != nullptr) emitter_->emit_decision(decision, point_context(request, decision));
  if (options_.decided) options_.decided(decision, outcome.record);

  if (decision.blocks()) {
    outcome.exit_status = 1;
    return outcome;
  }
  auto result = runner_.run(request.command);
  const TimePoint finished = clock_.now();
  ChangeStatus status = ChangeStatus::kNotRun;
  std::optional<int> exit_status;
  std::optional<RollbackAdvance> advance;
  if (result) {
    outcome.ran = true;
    outcome.command = *result;
    outcome.exit_status = result->exit_status;
    exit_status = result->exit_status;
    status = result->exit_status == 0 ? ChangeStatus::kSucceeded : ChangeStatus::kFailed;
    advance = advance_for(request, decision, *result, finished);
  } else {
    outcome.run_error = result.error().message;
    outcome.exit_status = 2;
  }
  auto finished_record = db_.finish_change(*id, finished, status, exit_status, advance);
  if (!finished_record) {
    outcome.record_error = finished_record.error().message;
  }
  outcome.record.finished_at = finished;
  outcome.record.status = status;
  outcome.record.exit_status = exit_status;
  if (finished_record && advance) {
    // Whether the state really moved (it does not for an equal or older value).
    auto after = db_.installed(request.target, request.artifact_class);
    outcome.record.rollback_advanced =
        after && (after->counter != installed->counter || after->version != installed->version);
  }
  return outcome;
}

}  // namespace signet::gate
