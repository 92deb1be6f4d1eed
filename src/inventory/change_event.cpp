#include "inventory/change_event.hpp"

#include <chrono>

#include "inventory/path_text.hpp"

namespace signet::inventory {
namespace {

using nlohmann::json;

TimePoint seconds_of(std::int64_t ns) {
  return TimePoint{std::chrono::seconds{ns / 1'000'000'000}};
}

std::string octal(std::uint32_t mode) {
  std::string out;
  do {
    out.insert(out.begin(), static_cast<char>('0' + (mode & 7u)));
    mode >>= 3;
  } while (mode != 0);
  return out;
}

json reasons_json(const std::vector<Reason>& reasons) {
  json out = json::array();
  for (const auto& r : reasons) {
    out.push_back({{"code", std::string(reason_name(r.code))}, {"detail", r.detail}});
  }
  return out;
}

// file.code_signature.status: OK, the first reason, UNSIGNED, or UNTRUSTED_CHAIN for a signature
// nothing could check here (its signer is not trusted by anything yet).
std::string status_code(const SignatureStatus& s) {
  if (!s.reasons.empty()) return std::string(reason_name(s.reasons.front().code));
  switch (s.state) {
    case SignatureState::kValid:
      return "OK";
    case SignatureState::kUnsigned:
      return "UNSIGNED";
    case SignatureState::kUnverified:
      return "UNTRUSTED_CHAIN";
    case SignatureState::kInvalid:
      return "BAD_SIGNATURE";
  }
  return "UNSIGNED";
}

}  // namespace

std::string class_of(const FileRecord& r) {
  switch (r.kind) {
    case FileKind::kElf:
      return r.kind_detail.find("shared object") != std::string::npos ||
                     r.kind_detail.find("relocatable") != std::string::npos
                 ? "library"
                 : "executable";
    case FileKind::kPe:
      return r.kind_detail.find("EFI") != std::string::npos   ? "efi-application"
             : r.kind_detail.find("DLL") != std::string::npos ? "library"
                                                              : "executable";
    case FileKind::kScript:
      return "script";
    case FileKind::kKernelModule:
      return "kernel-module";
    case FileKind::kRaucBundle:
      return "firmware";
    case FileKind::kArchive:
      return "installer";
    case FileKind::kOther:
      return "";
  }
  return "";
}

json record_json(const FileRecord& r) {
  json out = {{"path", escape_path(r.path)}, {"type", std::string(entry_type_name(r.type))}};
  out["dev"] = r.dev;
  out["ino"] = r.ino;
  out["size"] = r.size;
  out["mode"] = octal(r.mode);
  out["uid"] = r.uid;
  out["gid"] = r.gid;
  out["mtime"] = format_rfc3339(seconds_of(r.mtime_ns));
  out["mtime_ns"] = r.mtime_ns;
  out["ctime_ns"] = r.ctime_ns;
  if (r.type == EntryType::kSymlink) {
    out["link_target"] = escape_path(r.link_target);
    return out;
  }
  out["sha256"] = r.sha256.empty() ? json(nullptr) : json(r.sha256);
  out["kind"] = std::string(kind_name(r.kind));
  out["kind_detail"] = r.kind_detail;
  if (!r.error.empty()) {
    out["error"] = r.error;
    return out;
  }
  const auto& s = r.signature;
  json sig = {{"status", std::string(signature_state_name(s.state))}};
  if (s.is_signed()) {
    sig["format"] = s.format;
    sig["signer"] = s.signer;
    sig["signer_fingerprint"] = s.signer_fingerprint;
    sig["judged_by"] = s.by_policy ? "policy" : "cryptography";
    if (s.by_policy) sig["trusted"] = s.trusted;
    sig["reasons"] = reasons_json(s.reasons);
    sig["detail"] = s.detail;
    if (!s.signature_path.empty()) sig["signature_path"] = escape_path(s.signature_path);
  }
  out["signature"] = std::move(sig);
  return out;
}

json change_json(const Change& change, const ChangeOrigin& origin) {
  json out = {{"change", std::string(change_name(change.kind))},
              {"path", escape_path(change.path)}};
  if (origin.scan_id) out["scan_id"] = *origin.scan_id;
  if (origin.previous_scan_id) out["previous_scan_id"] = *origin.previous_scan_id;
  if (origin.baseline) out["baseline"] = *origin.baseline;
  out["before"] = change.before ? record_json(*change.before) : json(nullptr);
  out["after"] = change.after ? record_json(*change.after) : json(nullptr);
  if (change.before && change.before_is_baseline) {
    out["before"] = {{"path", escape_path(change.path)}, {"sha256", change.before->sha256}};
  }
  return out;
}

telemetry::InventoryStateFacts state_facts(const FileRecord& r, bool digest_only) {
  telemetry::InventoryStateFacts s;
  s.type = std::string(entry_type_name(r.type));
  s.sha256 = r.sha256;
  if (digest_only) return s;  // a baseline subject
  s.size = r.size;
  s.mode = r.mode;
  s.uid = r.uid;
  s.gid = r.gid;
  s.mtime = seconds_of(r.mtime_ns);
  if (r.type == EntryType::kSymlink) {
    s.link_target = escape_path(r.link_target);
    return s;
  }
  s.kind = std::string(kind_name(r.kind));
  if (r.error.empty()) {
    s.signature = std::string(signature_state_name(r.signature.state));
    s.signer = r.signature.signer;
    s.status = status_code(r.signature);
  }
  return s;
}

telemetry::Event change_event(const Change& change, const ChangeOrigin& origin,
                              const std::string& host, TimePoint now) {
  telemetry::InventoryChangeFacts facts;
  facts.change = std::string(change_name(change.kind));
  facts.scan_id = origin.scan_id;
  facts.previous_scan_id = origin.previous_scan_id;
  facts.baseline = origin.baseline;
  if (change.before) facts.before = state_facts(*change.before, change.before_is_baseline);
  if (change.after) facts.after = state_facts(*change.after, false);
  const FileRecord& shown = change.after ? *change.after : *change.before;
  return telemetry::inventory_change_event(facts, escape_path(change.path), class_of(shown), host,
                                           now);
}

std::string json_text(const json& value, int indent) {
  return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

}  // namespace signet::inventory
