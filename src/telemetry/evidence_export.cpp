// build_evidence_bundle(): events from the audit log by time, ticket and target, with what they
// reference, under a signed manifest.
#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/file_io.hpp"
#include "crypto/digest.hpp"
#include "formats/native_signature.hpp"
#include "policy/subject_pattern.hpp"
#include "telemetry/decision_json.hpp"
#include "telemetry/evidence.hpp"

namespace signet::telemetry {
namespace {

using nlohmann::json;

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

std::string sha256_hex(std::span<const std::uint8_t> data) {
  return to_hex(crypto::digest_bytes(crypto::DigestAlgorithm::kSha256, data));
}

std::string text_at(const json& j, const json::json_pointer& ptr) {
  return j.contains(ptr) && j.at(ptr).is_string() ? j.at(ptr).get<std::string>() : std::string();
}

bool selected(const json& event, const EvidenceQuery& query) {
  auto when = parse_rfc3339(text_at(event, json::json_pointer("/@timestamp")));
  if (!when || *when < query.since || *when > query.until) return false;
  if (query.ticket && text_at(event, json::json_pointer("/signet/ticket")) != *query.ticket) {
    return false;
  }
  if (query.target &&
      !policy::glob_match(*query.target, text_at(event, json::json_pointer("/signet/target")))) {
    return false;
  }
  return true;
}

// One change record per (ticket, target): what was attempted under it and how it was decided.
json change_records(const std::vector<json>& events) {
  std::map<std::pair<std::string, std::string>, json> changes;
  for (const auto& e : events) {
    if (text_at(e, json::json_pointer("/event/dataset")) != "signet.decision") continue;
    const std::string ticket = text_at(e, json::json_pointer("/signet/ticket"));
    const std::string target = text_at(e, json::json_pointer("/signet/target"));
    json& change = changes[{ticket, target}];
    if (change.is_null()) {
      change = {{"ticket", ticket.empty() ? json(nullptr) : json(ticket)},
                {"target", target},
                {"class", text_at(e, json::json_pointer("/signet/class"))},
                {"attempts", json::array()}};
    }
    change["attempts"].push_back(
        {{"time", text_at(e, json::json_pointer("/@timestamp"))},
         {"event_id", text_at(e, json::json_pointer("/event/id"))},
         {"host", text_at(e, json::json_pointer("/host/name"))},
         {"point", text_at(e, json::json_pointer("/signet/point"))},
         {"version", text_at(e, json::json_pointer("/signet/version"))},
         {"decision", text_at(e, json::json_pointer("/signet/decision"))},
         {"enforced", e.value(json::json_pointer("/signet/enforced"), false)},
         {"reasons", e.value(json::json_pointer("/signet/reasons"), json::array())},
         {"file", e.value(json::json_pointer("/file"), json(nullptr))},
         {"signers", e.value(json::json_pointer("/signet/signers"), json::array())}});
  }
  json out = json::array();
  for (auto& [key, change] : changes) out.push_back(std::move(change));
  return out;
}

}  // namespace

Result<EvidenceBundle> build_evidence_bundle(const EvidenceQuery& query,
                                             const EvidenceInputs& inputs,
                                             const crypto::SigningKey& key) {
  EvidenceBundle bundle;
  std::vector<json> events;
  std::string events_text;
  for (std::size_t pos = 0; pos < inputs.audit_log_text.size();) {
    const auto nl = inputs.audit_log_text.find('\n', pos);
    const auto line = std::string_view(inputs.audit_log_text)
                          .substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? inputs.audit_log_text.size() : nl + 1;
    auto record = parse_audit_record(line);
    if (!record || record->checkpoint) continue;
    json event = json::parse(record->event_json, nullptr, false);
    if (event.is_discarded() || !selected(event, query)) continue;
    events_text += record->event_json + "\n";
    events.push_back(std::move(event));
  }
  bundle.events = events.size();

  std::vector<TarMember> members;
  members.push_back({"events.jsonl", bytes_of(events_text)});
  members.push_back({"changes.json", bytes_of(dump_json(change_records(events), 2) + "\n")});
  members.push_back({"audit.log", bytes_of(inputs.audit_log_text)});
  members.push_back({"policy.toml", bytes_of(inputs.policy_text)});

  // The signatures the events name, and every certificate inside them.
  std::set<std::string> seen_paths;
  std::set<std::string> seen_certs;
  std::map<std::string, std::size_t> counts;
  for (const auto& e : events) {
    counts[text_at(e, json::json_pointer("/signet/decision"))]++;
    const std::string path = text_at(e, json::json_pointer("/signet/signature_path"));
    if (path.empty() || !seen_paths.insert(path).second) continue;
    auto sig = read_file_bytes(path);
    if (!sig) {
      bundle.gaps.push_back("signature " + path + " is no longer readable: " + sig.error().message);
      continue;
    }
    const std::string member = "signatures/" + std::to_string(seen_paths.size()) + "-" +
                               std::filesystem::path(path).filename().string().substr(0, 60);
    if (auto evidence = formats::parse_native_signature(*sig)) {
      std::vector<crypto::Certificate> certs = evidence->certificates;
      for (const auto& s : evidence->signers) {
        if (s.certificate) certs.push_back(*s.certificate);
      }
      for (const auto& c : certs) {
        const std::string fp = c.sha256_fingerprint();
        if (!seen_certs.insert(fp).second) continue;
        members.push_back({"certificates/" + fp.substr(0, 32) + ".pem", bytes_of(c.pem())});
      }
    }
    members.push_back({member, std::move(*sig)});
  }

  const std::string policy_sha256 = sha256_hex(bytes_of(inputs.policy_text));
  std::set<std::string> policies_seen;
  for (const auto& e : events) {
    const std::string p = text_at(e, json::json_pointer("/signet/policy_sha256"));
    if (!p.empty()) policies_seen.insert(p);
  }
  const auto& a = inputs.audit_report;
  json summary = {
      {"exported_at", format_rfc3339(inputs.now)},
      {"host", inputs.host},
      {"query",
       {{"since", format_rfc3339(query.since)},
        {"until", format_rfc3339(query.until)},
        {"ticket", query.ticket ? json(*query.ticket) : json(nullptr)},
        {"target", query.target ? json(*query.target) : json(nullptr)}}},
      {"events", events.size()},
      {"decisions", {{"allow", counts["allow"]}, {"deny", counts["deny"]}}},
      {"audit_log",
       {{"finding", audit_finding_name(a.finding)},
        {"detail", a.detail},
        {"records", a.records},
        {"checkpoints", a.checkpoints},
        {"last_signed_seq", a.last_signed_seq},
        {"unsigned_tail", a.unsigned_tail},
        {"checkpoint_signer", a.signer}}},
      {"policy_sha256", policy_sha256},
      {"policies_in_events", std::vector<std::string>(policies_seen.begin(), policies_seen.end())},
      {"policy_matches_events", policies_seen.empty() || (policies_seen.size() == 1 &&
                                                          *policies_seen.begin() == policy_sha256)},
      {"gaps", bundle.gaps}};
  members.push_back({"summary.json", bytes_of(dump_json(summary, 2) + "\n")});

  formats::Statement statement;
  for (const auto& m : members)
    statement.subjects.push_back({m.name, {{"sha256", sha256_hex(m.data)}}});
  statement.predicate.artifact_class = std::string(kEvidenceClass);
  statement.predicate.target = "evidence/" + inputs.host;
  statement.predicate.version = format_rfc3339(inputs.now);
  statement.predicate.ticket = query.ticket.value_or("");
  statement.predicate.description = "signet evidence export " + format_rfc3339(query.since) +
                                    " .. " + format_rfc3339(query.until);
  formats::NativeSignOptions options;
  options.signing_time = inputs.now;
  const crypto::SigningKey* keys[] = {&key};
  auto manifest = formats::sign_statement(statement, keys, options);
  if (!manifest) return std::unexpected(manifest.error());
  members.insert(members.begin(), TarMember{std::string(kManifestName), std::move(*manifest)});

  auto tar = write_ustar(members, inputs.now.time_since_epoch().count());
  if (!tar) return std::unexpected(tar.error());
  bundle.tar = std::move(*tar);
  return bundle;
}

}  // namespace signet::telemetry
