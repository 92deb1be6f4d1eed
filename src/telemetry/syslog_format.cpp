#include "telemetry/syslog_format.hpp"

#include <chrono>
#include <filesystem>

#include "telemetry/ecs_json.hpp"

namespace signet::telemetry {
namespace {

// HOSTNAME, APP-NAME, PROCID and MSGID are PRINTUSASCII (33..126) with a length limit; "-" is NIL.
std::string header_field(std::string_view value, std::size_t max_len) {
  std::string out;
  for (const char c : value) {
    if (out.size() == max_len) break;
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 33 && u <= 126 ? c : '_');
  }
  return out.empty() ? "-" : out;
}

void add_param(std::string& sd, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  sd += ' ';
  sd += name;
  sd += "=\"";
  sd += sd_param_escape(value);
  sd += '"';
}

std::string join_reasons(const Event& e) {
  std::string out;
  for (const auto& r : e.reasons)
    out += (out.empty() ? "" : ",") + std::string(reason_name(r.code));
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

std::string first_signer(const Event& e) {
  for (const auto& s : e.signers) {
    if (s.trusted) return s.subject;
  }
  return e.signers.empty() ? std::string() : e.signers.front().subject;
}

void add_ext(std::string& out, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  if (!out.empty()) out += ' ';
  out += key;
  out += '=';
  out += cef_extension_escape(value);
}

}  // namespace

std::string sd_param_escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '"' || c == '\\' || c == ']') out += '\\';
    out += c;
  }
  return out;
}

std::string cef_header_escape(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '|') out += '\\';
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return out;
}

std::string cef_extension_escape(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '=') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out;
}

int syslog_severity(const Event& e) noexcept {
  if (e.type == EventType::kDecision) {
    if (e.decision == "deny" && e.enforced) return 3;
    if (e.kind == EventKind::kAlert) return 4;
    return 6;
  }
  if (e.type == EventType::kInventoryChange) return e.kind == EventKind::kAlert ? 4 : 6;
  return e.type == EventType::kTelemetryDrop ? 4 : 6;
}

std::string structured_data(const Event& e) {
  std::string sd = "[";
  sd += kSdId;
  add_param(sd, "point", e.point);
  add_param(sd, "action", e.action);
  add_param(sd, "decision", e.decision);
  if (e.type == EventType::kDecision) add_param(sd, "enforced", e.enforced ? "true" : "false");
  add_param(sd, "reasons", join_reasons(e));
  add_param(sd, "techniques", join(e.technique_ids));
  if (e.file) {
    add_param(sd, "file", e.file->path);
    add_param(sd, "sha256", e.file->sha256);
  }
  add_param(sd, "rule", e.rule_id.value_or(""));
  add_param(sd, "signer", first_signer(e));
  add_param(sd, "ticket", e.ticket);
  add_param(sd, "target", e.target);
  add_param(sd, "class", e.artifact_class);
  if (e.inventory) add_param(sd, "change", e.inventory->change);
  if (e.sequence) add_param(sd, "sequence", std::to_string(*e.sequence));
  if (e.type == EventType::kTelemetryDrop) {
    add_param(sd, "dropped", std::to_string(e.dropped));
    add_param(sd, "lost", std::to_string(e.lost));
  }
  add_param(sd, "eventId", e.id);
  sd += ']';
  return sd;
}

std::string render_rfc5424(const Event& e, const SyslogHeader& header, std::string_view message) {
  const int pri = header.facility * 8 + syslog_severity(e);
  std::string out = "<" + std::to_string(pri) + ">1 " + format_rfc3339(e.timestamp) + ' ' +
                    header_field(e.host, 255) + ' ' + header_field(header.app_name, 48) + ' ' +
                    header_field(header.proc_id, 128) + ' ' +
                    header_field(event_type_msgid(e.type), 32) + ' ' + structured_data(e);
  if (!message.empty()) {
    out += ' ';
    out += message;
  }
  return out;
}

std::string render_cef(const Event& e) {
  std::string signature_id;
  std::string name;
  if (e.type == EventType::kDecision) {
    signature_id = e.decision == "allow" ? (e.reasons.empty() ? "ALLOW" : "ALLOW_FLAGGED")
                   : e.reasons.empty()   ? "DENY"
                                         : std::string(reason_name(e.reasons.front().code));
    name = e.message;
  } else {
    signature_id = event_type_msgid(e.type);
    name = e.message;
  }
  std::string ext;
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(e.timestamp.time_since_epoch());
  add_ext(ext, "rt", std::to_string(ms.count()));
  add_ext(ext, "dvchost", e.host);
  add_ext(ext, "externalId", e.id);
  add_ext(ext, "cat", e.point);
  add_ext(ext, "act",
          e.type == EventType::kDecision ? (e.decision == "allow" ? "allow"
                                            : e.enforced          ? "block"
                                                                  : "audit")
                                         : e.action);
  add_ext(ext, "outcome", e.outcome);
  if (e.file) {
    add_ext(ext, "filePath", e.file->path);
    add_ext(ext, "fname", std::filesystem::path(e.file->path).filename().string());
    add_ext(ext, "fileHash", e.file->sha256);
  }
  if (e.process) {
    add_ext(ext, "spid", std::to_string(e.process->pid));
    add_ext(ext, "sproc", e.process->executable);
  }
  add_ext(ext, "suid", e.user_id.value_or(""));
  add_ext(ext, "reason", join_reasons(e));
  if (!e.rule_id.value_or("").empty()) {
    add_ext(ext, "cs1Label", "rule");
    add_ext(ext, "cs1", *e.rule_id);
  }
  if (!e.technique_ids.empty()) {
    add_ext(ext, "cs2Label", "attackTechniques");
    add_ext(ext, "cs2", join(e.technique_ids));
  }
  if (!first_signer(e).empty()) {
    add_ext(ext, "cs3Label", "signer");
    add_ext(ext, "cs3", first_signer(e));
  }
  if (!e.ticket.empty()) {
    add_ext(ext, "cs4Label", "ticket");
    add_ext(ext, "cs4", e.ticket);
  }
  if (!e.target.empty()) {
    add_ext(ext, "cs5Label", "target");
    add_ext(ext, "cs5", e.target);
  }
  if (!e.artifact_class.empty()) {
    add_ext(ext, "cs6Label", "artifactClass");
    add_ext(ext, "cs6", e.artifact_class);
  }
  if (e.sequence) {
    add_ext(ext, "cn1Label", "sequence");
    add_ext(ext, "cn1", std::to_string(*e.sequence));
  }
  if (e.type == EventType::kTelemetryDrop) {
    add_ext(ext, "cn2Label", "dropped");
    add_ext(ext, "cn2", std::to_string(e.dropped));
    add_ext(ext, "cn3Label", "lost");
    add_ext(ext, "cn3", std::to_string(e.lost));
  }
  add_ext(ext, "msg", e.message);
  return "CEF:0|signet|signet|" + cef_header_escape(SIGNET_VERSION) + '|' +
         cef_header_escape(signature_id) + '|' + cef_header_escape(name) + '|' +
         std::to_string(e.severity) + '|' + ext;
}

}  // namespace signet::telemetry
