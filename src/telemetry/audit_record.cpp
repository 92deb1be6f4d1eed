#include "telemetry/audit_record.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "core/hex.hpp"
#include "crypto/digest.hpp"

namespace signet::telemetry {
namespace {

using nlohmann::json;

bool is_hash(const json& v) {
  if (!v.is_string()) return false;
  const auto& s = v.get_ref<const std::string&>();
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

bool has_exactly(const json& object, std::initializer_list<const char*> keys) {
  if (!object.is_object() || object.size() != keys.size()) return false;
  for (const char* key : keys) {
    if (!object.contains(key)) return false;
  }
  return true;
}

std::string quote(std::string_view text) { return json(std::string(text)).dump(); }

}  // namespace

std::string checkpoint_content(std::uint64_t to, std::string_view head) {
  return "signet-audit-checkpoint:v1\nto=" + std::to_string(to) + "\nhead=" + std::string(head) +
         "\n";
}

std::string render_audit_record(const AuditRecord& r) {
  std::string out = "{\"seq\":" + std::to_string(r.seq) + ",\"time\":" + quote(r.time) +
                    ",\"prev\":" + quote(r.prev);
  if (r.checkpoint) {
    out += ",\"type\":\"checkpoint\",\"checkpoint\":{\"to\":" + std::to_string(r.to) +
           ",\"head\":" + quote(r.head) + ",\"signature\":" + quote(r.signature) + "}}";
  } else {
    out += ",\"type\":\"event\",\"event\":" + r.event_json + "}";
  }
  return out;
}

Result<AuditRecord> parse_audit_record(std::string_view line) {
  const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  const auto bad = [](const std::string& why) { return fail(Errc::kMalformed, why); };
  if (j.is_discarded()) return bad("not JSON");
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) return bad("no record type");
  AuditRecord r;
  const auto& type = j["type"].get_ref<const std::string&>();
  if (type == "event") {
    if (!has_exactly(j, {"seq", "time", "prev", "type", "event"}) || !j["event"].is_object()) {
      return bad("event record with missing or extra fields");
    }
    r.event_json = j["event"].dump(-1, ' ', false, json::error_handler_t::replace);
  } else if (type == "checkpoint") {
    if (!has_exactly(j, {"seq", "time", "prev", "type", "checkpoint"})) {
      return bad("checkpoint record with missing or extra fields");
    }
    const json& c = j["checkpoint"];
    if (!has_exactly(c, {"to", "head", "signature"}) || !c["to"].is_number_unsigned() ||
        !is_hash(c["head"]) || !c["signature"].is_string()) {
      return bad("checkpoint without to, head and signature");
    }
    r.checkpoint = true;
    r.to = c["to"].get<std::uint64_t>();
    r.head = c["head"].get<std::string>();
    r.signature = c["signature"].get<std::string>();
  } else {
    return bad("unknown record type");
  }
  if (!j["seq"].is_number_unsigned() || !j["time"].is_string() || !is_hash(j["prev"])) {
    return bad("seq, time or prev missing or of the wrong type");
  }
  r.seq = j["seq"].get<std::uint64_t>();
  r.time = j["time"].get<std::string>();
  r.prev = j["prev"].get<std::string>();
  if (r.seq == 0) return bad("seq 0");
  return r;
}

std::string audit_line_hash(std::string_view line) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(line.data());
  return to_hex(crypto::digest_bytes(crypto::DigestAlgorithm::kSha256, {bytes, line.size()}));
}

const char* audit_finding_name(AuditFinding finding) noexcept {
  switch (finding) {
    case AuditFinding::kIntact:
      return "INTACT";
    case AuditFinding::kBroken:
      return "BROKEN";
    case AuditFinding::kReordered:
      return "REORDERED";
    case AuditFinding::kMissing:
      return "MISSING";
    case AuditFinding::kTruncated:
      return "TRUNCATED";
    case AuditFinding::kBadCheckpoint:
      return "BAD_CHECKPOINT";
  }
  return "BROKEN";
}

AuditReport verify_audit_log(std::string_view text, const CheckpointVerifier& verifier) {
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto nl = text.find('\n', pos);
    lines.push_back(text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos));
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
  }
  const bool cut_short = !text.empty() && text.back() != '\n';
  // Every seq present, to tell a record out of place (reordered) from one that is gone (missing).
  std::set<std::uint64_t> present;
  for (const auto line : lines) {
    if (auto r = parse_audit_record(line)) present.insert(r->seq);
  }

  AuditReport report;
  const auto stop = [&](AuditFinding finding, std::uint64_t line, std::uint64_t seq,
                        std::string detail) {
    report.finding = finding;
    report.line = line;
    report.seq = seq;
    report.detail = std::move(detail);
    return report;
  };
  std::string prev_hash(kGenesisHash);
  std::uint64_t expected = 1;
  std::uint64_t last_checkpoint_seq = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::uint64_t line_no = i + 1;
    auto r = parse_audit_record(lines[i]);
    if (!r) {
      if (i + 1 == lines.size() && cut_short) {
        return stop(AuditFinding::kTruncated, line_no, expected,
                    "the last record (seq " + std::to_string(expected) +
                        ") is cut short: the log was truncated");
      }
      return stop(AuditFinding::kBroken, line_no, expected,
                  "line " + std::to_string(line_no) + " is not an audit record (" +
                      r.error().message + "): it was edited");
    }
    if (r->seq != expected) {
      if (r->seq < expected || present.contains(expected)) {
        return stop(AuditFinding::kReordered, line_no, r->seq,
                    "record seq " + std::to_string(r->seq) + " stands where seq " +
                        std::to_string(expected) + " belongs: records were reordered");
      }
      return stop(AuditFinding::kMissing, line_no, expected,
                  "record" +
                      (r->seq - expected > 1 ? "s " + std::to_string(expected) + ".." +
                                                   std::to_string(r->seq - 1) + " are"
                                             : " seq " + std::to_string(expected) + " is") +
                      " missing (the next present is seq " + std::to_string(r->seq) + ")");
    }
    if (r->prev != prev_hash) {
      if (i == 0) {
        return stop(AuditFinding::kBroken, line_no, r->seq,
                    "the first record does not start the chain (prev is not the genesis hash)");
      }
      return stop(AuditFinding::kBroken, line_no - 1, r->seq - 1,
                  "record seq " + std::to_string(r->seq - 1) + " (line " +
                      std::to_string(line_no - 1) + ") does not hash to the prev of seq " +
                      std::to_string(r->seq) + ": it was edited");
    }
    if (i + 1 == lines.size() && cut_short) {
      return stop(AuditFinding::kTruncated, line_no, r->seq,
                  "the last record (seq " + std::to_string(r->seq) +
                      ") has no line end: the log was truncated");
    }
    if (r->checkpoint) {
      if (r->to + 1 != r->seq || r->head != prev_hash) {
        return stop(
            AuditFinding::kBadCheckpoint, line_no, r->seq,
            "checkpoint seq " + std::to_string(r->seq) + " does not name the record before it");
      }
      const SignatureCheck check = verifier(checkpoint_content(r->to, r->head), r->signature);
      if (!check.ok) {
        return stop(AuditFinding::kBadCheckpoint, line_no, r->seq,
                    "checkpoint seq " + std::to_string(r->seq) + ": " + check.detail);
      }
      ++report.checkpoints;
      report.last_signed_seq = r->to;
      report.signer = check.signer;
      last_checkpoint_seq = r->seq;
    }
    prev_hash = audit_line_hash(lines[i]);
    ++expected;
    ++report.records;
  }
  report.unsigned_tail = report.records - last_checkpoint_seq;
  return report;
}

}  // namespace signet::telemetry
