#include "gate/change_record_json.hpp"

namespace signet::gate {

using nlohmann::json;

json change_record_to_json(const ChangeRecord& r) {
  json artifacts = json::array();
  for (const auto& a : r.artifacts) artifacts.push_back({{"path", a.path}, {"sha256", a.sha256}});
  json signers = json::array();
  for (const auto& s : r.signers) {
    signers.push_back({{"subject", s.subject},
                       {"fingerprint_sha256", s.fingerprint_sha256},
                       {"trusted", s.trusted},
                       {"publisher", s.publisher.empty() ? json(nullptr) : json(s.publisher)}});
  }
  json reasons = json::array();
  for (const auto& reason : r.reasons) {
    reasons.push_back({{"code", std::string(reason_name(reason.code))}, {"detail", reason.detail}});
  }
  const auto optional_text = [](const std::string& text) {
    return text.empty() ? json(nullptr) : json(text);
  };
  return {
      {"id", r.id},
      {"started_at", format_rfc3339(r.started_at)},
      {"finished_at", r.finished_at ? json(format_rfc3339(*r.finished_at)) : json(nullptr)},
      {"user", r.user},
      {"uid", r.uid},
      {"host", r.host},
      {"target", r.target},
      {"class", r.artifact_class},
      {"operation", r.operation},
      {"techniques", r.techniques},
      {"artifacts", artifacts},
      {"signers", signers},
      {"ticket", optional_text(r.ticket)},
      {"signed_ticket", optional_text(r.signed_ticket)},
      {"window", optional_text(r.window)},
      {"decision", r.decision},
      {"enforced", r.enforced},
      {"mode", r.mode},
      {"reasons", reasons},
      {"rule", optional_text(r.rule)},
      {"version", optional_text(r.version)},
      {"counter", r.counter ? json(*r.counter) : json(nullptr)},
      {"command", r.command},
      {"status", std::string(change_status_name(r.status))},
      {"exit_status", r.exit_status ? json(*r.exit_status) : json(nullptr)},
      {"rollback_advanced", r.rollback_advanced},
      {"policy_sha256", optional_text(r.policy_sha256)},
      {"signature_path", optional_text(r.signature_path)},
  };
}

}  // namespace signet::gate
