#include "telemetry/decision_json.hpp"

#include "core/time.hpp"

namespace signet::telemetry {

using nlohmann::json;

json statement_to_json(const formats::Statement& statement) {
  return json::parse(formats::serialize_statement(statement), nullptr, false);
}

json reasons_to_json(const std::vector<Reason>& reasons) {
  json out = json::array();
  for (const auto& reason : reasons) {
    out.push_back({{"code", std::string(reason_name(reason.code))}, {"detail", reason.detail}});
  }
  return out;
}

namespace {

json optional_time(const std::optional<TimePoint>& t) {
  return t ? json(format_rfc3339(*t)) : json(nullptr);
}

json signer_to_json(const policy::SignerOutcome& signer) {
  return {{"subject", signer.subject},
          {"issuer", signer.issuer},
          {"serial", signer.serial_hex},
          {"fingerprint_sha256", signer.fingerprint_sha256},
          {"trusted", signer.trusted},
          {"publisher", signer.publisher ? json(*signer.publisher) : json(nullptr)},
          {"timestamp", optional_time(signer.timestamp)},
          {"validated_at", optional_time(signer.validated_at)},
          {"reasons", reasons_to_json(signer.reasons)}};
}

}  // namespace

json decision_to_json(const policy::Decision& decision) {
  json artifacts = json::array();
  for (const auto& artifact : decision.artifacts) {
    artifacts.push_back({{"path", artifact.path},
                         {"sha256", artifact.sha256},
                         {"covered", artifact.covered},
                         {"subject", artifact.subject ? json(*artifact.subject) : json(nullptr)}});
  }
  json signers = json::array();
  for (const auto& signer : decision.signers) signers.push_back(signer_to_json(signer));
  return {
      {"decision", decision.allowed() ? "allow" : "deny"},
      {"enforced", decision.enforced},
      {"mode", std::string(policy::mode_name(decision.mode))},
      {"reasons", reasons_to_json(decision.reasons)},
      {"rule", decision.rule ? json(*decision.rule) : json(nullptr)},
      {"format", decision.format},
      {"artifacts", artifacts},
      {"signers", signers},
      {"statement", decision.statement ? statement_to_json(*decision.statement) : json(nullptr)},
      {"window", decision.window ? json(*decision.window) : json(nullptr)},
      {"evaluated_at", format_rfc3339(decision.evaluated_at)}};
}

std::string dump_json(const json& value, int indent) {
  return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

}  // namespace signet::telemetry
