#include "telemetry/ecs_json.hpp"

#include <filesystem>

#include "telemetry/attack_techniques.hpp"
#include "telemetry/decision_json.hpp"

namespace signet::telemetry {
namespace {

using nlohmann::json;

json artifact_json(const ArtifactFacts& a) {
  return {{"path", a.path}, {"sha256", a.sha256}, {"covered", a.covered}};
}

json file_json(const Event& e) {
  json file = {{"path", e.file->path},
               {"name", std::filesystem::path(e.file->path).filename().string()}};
  if (!e.file->sha256.empty()) file["hash"] = {{"sha256", e.file->sha256}};
  if (e.code_signature) {
    const auto& cs = *e.code_signature;
    json sig = {{"exists", cs.exists},
                {"valid", cs.valid},
                {"trusted", cs.trusted},
                {"status", cs.status}};
    if (!cs.subject_name.empty()) sig["subject_name"] = cs.subject_name;
    file["code_signature"] = std::move(sig);
  }
  return file;
}

json threat_json(const Event& e) {
  json ids = json::array();
  json names = json::array();
  for (const auto& id : e.technique_ids) {
    ids.push_back(id);
    const Technique* t = find_technique(id);
    names.push_back(t != nullptr ? std::string(t->name) : id);
  }
  return {{"framework", std::string(kAttackFramework)},
          {"technique", {{"id", ids}, {"name", names}}}};
}

json signet_json(const Event& e) {
  json s = {{"point", e.point}};
  if (e.type == EventType::kDecision) {
    json signers = json::array();
    for (const auto& signer : e.signers) {
      signers.push_back({{"subject", signer.subject},
                         {"issuer", signer.issuer},
                         {"fingerprint_sha256", signer.fingerprint_sha256},
                         {"trusted", signer.trusted},
                         {"publisher", signer.publisher ? json(*signer.publisher) : json(nullptr)}});
    }
    json artifacts = json::array();
    for (const auto& a : e.artifacts) artifacts.push_back(artifact_json(a));
    s.update({{"decision", e.decision},
              {"enforced", e.enforced},
              {"mode", e.mode},
              {"reasons", reasons_to_json(e.reasons)},
              {"class", e.artifact_class},
              {"target", e.target},
              {"version", e.version},
              {"ticket", e.ticket},
              {"window", e.window ? json(*e.window) : json(nullptr)},
              {"format", e.format},
              {"signers", signers},
              {"artifacts", artifacts},
              {"policy_sha256", e.policy_sha256},
              {"signature_path", e.signature_path ? json(*e.signature_path) : json(nullptr)}});
  } else if (e.type == EventType::kTelemetryDrop) {
    s["telemetry"] = {{"dropped", e.dropped}, {"lost", e.lost}};
  }
  return s;
}

}  // namespace

json ecs_json(const Event& e) {
  json event = {{"id", e.id},
                {"kind", e.kind == EventKind::kAlert ? "alert" : "event"},
                {"category", json::array({e.type == EventType::kDecision ? "file" : "host"})},
                {"type", json::array({e.type != EventType::kDecision ? "info"
                                      : e.decision == "allow"        ? "allowed"
                                                                     : "denied"})},
                {"action", e.action},
                {"outcome", e.outcome},
                {"severity", e.severity},
                {"dataset", std::string("signet.") + event_type_msgid(e.type)},
                {"module", "signet"}};
  if (e.sequence) event["sequence"] = *e.sequence;
  if (!e.reasons.empty()) event["reason"] = std::string(reason_name(e.reasons.front().code));
  json out = {{"@timestamp", format_rfc3339(e.timestamp)},
              {"ecs", {{"version", "8.11.0"}}},
              {"message", e.message},
              {"event", std::move(event)},
              {"host", {{"name", e.host}}},
              {"observer", {{"vendor", "signet"}, {"product", "signet"}, {"version", SIGNET_VERSION}}}};
  if (e.file) out["file"] = file_json(e);
  if (e.process) {
    json process = {{"pid", e.process->pid}};
    if (!e.process->executable.empty()) process["executable"] = e.process->executable;
    if (e.process->parent_pid) process["parent"] = {{"pid", *e.process->parent_pid}};
    out["process"] = std::move(process);
  }
  if (e.user_id) out["user"] = {{"id", *e.user_id}};
  if (e.rule_id) out["rule"] = {{"id", *e.rule_id}};
  if (e.type == EventType::kDecision) out["threat"] = threat_json(e);
  out["signet"] = signet_json(e);
  return out;
}

std::string render_ecs_json(const Event& event) { return dump_json(ecs_json(event)); }

}  // namespace signet::telemetry
