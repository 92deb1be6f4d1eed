// ECS JSON rendering written straight into a string: the writer thread renders every event for
// every sink, and building a JSON DOM per event cost more than the file write (bench/README.md).
// ecs_json() parses the rendering back for callers that want a DOM.
#include "telemetry/ecs_json.hpp"

#include "telemetry/attack_techniques.hpp"

namespace signet::telemetry {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence at s[i], or 0.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  unsigned min = 0;
  unsigned cp = 0;
  if (b0 < 0x80) return 1;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, min = 0x80, cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, min = 0x800, cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, min = 0x10000, cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

class JsonOut {
 public:
  explicit JsonOut(std::string& out) : out_(out) {}

  void string(std::string_view s) {
    out_ += '"';
    for (std::size_t i = 0; i < s.size();) {
      const char c = s[i];
      const auto u = static_cast<unsigned char>(c);
      if (u >= 0x80) {
        const std::size_t len = utf8_sequence(s, i);
        if (len == 0) {
          out_ += "\xEF\xBF\xBD";  // U+FFFD for bytes that are not UTF-8
          ++i;
        } else {
          out_.append(s.data() + i, len);
          i += len;
        }
        continue;
      }
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += c;
      } else if (u < 0x20) {
        switch (c) {
          case '\n':
            out_ += "\\n";
            break;
          case '\r':
            out_ += "\\r";
            break;
          case '\t':
            out_ += "\\t";
            break;
          default:
            out_ += "\\u00";
            out_ += kHex[u >> 4];
            out_ += kHex[u & 15];
        }
      } else {
        out_ += c;
      }
      ++i;
    }
    out_ += '"';
  }
  // "key": — with a comma before every member but the first of an object.
  JsonOut& key(std::string_view k) {
    comma();
    string(k);
    out_ += ':';
    first_ = true;  // the value that follows needs no comma
    pending_value_ = true;
    return *this;
  }
  void open(char bracket) {
    comma();
    out_ += bracket;
    first_ = true;
  }
  void close(char bracket) {
    out_ += bracket;
    first_ = false;
  }
  void str(std::string_view v) {
    comma();
    string(v);
    first_ = false;
  }
  void num(std::int64_t v) {
    comma();
    out_ += std::to_string(v);
    first_ = false;
  }
  void boolean(bool v) {
    comma();
    out_ += v ? "true" : "false";
    first_ = false;
  }
  void null() {
    comma();
    out_ += "null";
    first_ = false;
  }
  void opt(const std::optional<std::string>& v) { v ? str(*v) : null(); }

 private:
  void comma() {
    if (pending_value_) {
      pending_value_ = false;
      return;
    }
    if (!first_) out_ += ',';
  }
  std::string& out_;
  bool first_ = true;
  bool pending_value_ = false;
};

// Octal permission and type bits, as ls -l users read them: "100755".
std::string fmt_mode(std::uint32_t mode) {
  std::string out;
  do {
    out.insert(out.begin(), static_cast<char>('0' + (mode & 7u)));
    mode >>= 3;
  } while (mode != 0);
  return out;
}

std::string_view base_name(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

void write_inventory_state(JsonOut& j, const InventoryStateFacts& s) {
  j.open('{');
  j.key("type").str(s.type);
  if (!s.sha256.empty()) j.key("sha256").str(s.sha256);
  if (s.size) j.key("size").num(static_cast<std::int64_t>(*s.size));
  if (s.mode) j.key("mode").str(fmt_mode(*s.mode));
  if (s.uid) j.key("uid").num(*s.uid);
  if (s.gid) j.key("gid").num(*s.gid);
  if (s.mtime) j.key("mtime").str(format_rfc3339(*s.mtime));
  if (!s.kind.empty()) j.key("kind").str(s.kind);
  if (!s.signature.empty()) j.key("signature").str(s.signature);
  if (!s.signer.empty()) j.key("signer").str(s.signer);
  if (!s.link_target.empty()) j.key("link_target").str(s.link_target);
  j.close('}');
}

void write_inventory(JsonOut& j, const InventoryChangeFacts& c) {
  j.key("inventory").open('{');
  j.key("change").str(c.change);
  if (c.scan_id) j.key("scan_id").num(*c.scan_id);
  if (c.previous_scan_id) j.key("previous_scan_id").num(*c.previous_scan_id);
  if (c.baseline) j.key("baseline").str(*c.baseline);
  if (c.before) {
    j.key("before");
    write_inventory_state(j, *c.before);
  }
  if (c.after) {
    j.key("after");
    write_inventory_state(j, *c.after);
  }
  j.close('}');
}

void write_signet(JsonOut& j, const Event& e) {
  j.key("signet").open('{');
  j.key("point").str(e.point);
  if (e.type == EventType::kDecision) {
    j.key("decision").str(e.decision);
    j.key("enforced").boolean(e.enforced);
    j.key("mode").str(e.mode);
    j.key("reasons").open('[');
    for (const auto& r : e.reasons) {
      j.open('{');
      j.key("code").str(reason_name(r.code));
      j.key("detail").str(r.detail);
      j.close('}');
    }
    j.close(']');
    j.key("class").str(e.artifact_class);
    j.key("target").str(e.target);
    j.key("version").str(e.version);
    j.key("ticket").str(e.ticket);
    j.key("window").opt(e.window);
    j.key("format").str(e.format);
    j.key("signers").open('[');
    for (const auto& s : e.signers) {
      j.open('{');
      j.key("subject").str(s.subject);
      j.key("issuer").str(s.issuer);
      j.key("fingerprint_sha256").str(s.fingerprint_sha256);
      j.key("trusted").boolean(s.trusted);
      j.key("publisher").opt(s.publisher);
      j.close('}');
    }
    j.close(']');
    j.key("artifacts").open('[');
    for (const auto& a : e.artifacts) {
      j.open('{');
      j.key("path").str(a.path);
      j.key("sha256").str(a.sha256);
      j.key("covered").boolean(a.covered);
      j.close('}');
    }
    j.close(']');
    j.key("policy_sha256").str(e.policy_sha256);
    j.key("signature_path").opt(e.signature_path);
  } else if (e.type == EventType::kInventoryChange && e.inventory) {
    j.key("class").str(e.artifact_class);
    write_inventory(j, *e.inventory);
  } else if (e.type == EventType::kTelemetryDrop) {
    j.key("telemetry").open('{');
    j.key("dropped").num(static_cast<std::int64_t>(e.dropped));
    j.key("lost").num(static_cast<std::int64_t>(e.lost));
    j.close('}');
  }
  j.close('}');
}

}  // namespace

std::string render_ecs_json(const Event& e) {
  std::string out;
  out.reserve(1536);
  JsonOut j(out);
  j.open('{');
  j.key("@timestamp").str(format_rfc3339(e.timestamp));
  j.key("ecs").open('{');
  j.key("version").str("8.11.0");
  j.close('}');
  j.key("message").str(e.message);

  j.key("event").open('{');
  j.key("id").str(e.id);
  j.key("kind").str(e.kind == EventKind::kAlert ? "alert" : "event");
  j.key("category").open('[');
  j.str(e.type == EventType::kDecision || e.type == EventType::kInventoryChange ? "file" : "host");
  j.close(']');
  j.key("type").open('[');
  if (e.type == EventType::kDecision) {
    j.str(e.decision == "allow" ? "allowed" : "denied");
  } else if (e.type == EventType::kInventoryChange) {
    j.str(e.action == "new" ? "creation" : e.action == "removed" ? "deletion" : "change");
  } else {
    j.str("info");
  }
  j.close(']');
  j.key("action").str(e.action);
  j.key("outcome").str(e.outcome);
  j.key("severity").num(e.severity);
  j.key("dataset").str(std::string("signet.") + event_type_msgid(e.type));
  j.key("module").str("signet");
  if (e.sequence) j.key("sequence").num(*e.sequence);
  if (!e.reasons.empty()) j.key("reason").str(reason_name(e.reasons.front().code));
  j.close('}');

  j.key("host").open('{');
  j.key("name").str(e.host);
  j.close('}');
  j.key("observer").open('{');
  j.key("vendor").str("signet");
  j.key("product").str("signet");
  j.key("version").str(SIGNET_VERSION);
  j.close('}');

  if (e.file) {
    j.key("file").open('{');
    j.key("path").str(e.file->path);
    j.key("name").str(base_name(e.file->path));
    if (!e.file->sha256.empty()) {
      j.key("hash").open('{');
      j.key("sha256").str(e.file->sha256);
      j.close('}');
    }
    if (e.code_signature) {
      const auto& cs = *e.code_signature;
      j.key("code_signature").open('{');
      j.key("exists").boolean(cs.exists);
      j.key("valid").boolean(cs.valid);
      j.key("trusted").boolean(cs.trusted);
      j.key("status").str(cs.status);
      if (!cs.subject_name.empty()) j.key("subject_name").str(cs.subject_name);
      j.close('}');
    }
    j.close('}');
  }
  if (e.process) {
    j.key("process").open('{');
    j.key("pid").num(e.process->pid);
    if (!e.process->executable.empty()) j.key("executable").str(e.process->executable);
    if (e.process->parent_pid) {
      j.key("parent").open('{');
      j.key("pid").num(*e.process->parent_pid);
      j.close('}');
    }
    j.close('}');
  }
  if (e.user_id) {
    j.key("user").open('{');
    j.key("id").str(*e.user_id);
    j.close('}');
  }
  if (e.rule_id) {
    j.key("rule").open('{');
    j.key("id").str(*e.rule_id);
    j.close('}');
  }
  if (e.type == EventType::kDecision || e.type == EventType::kInventoryChange) {
    j.key("threat").open('{');
    j.key("framework").str(kAttackFramework);
    j.key("technique").open('{');
    j.key("id").open('[');
    for (const auto& id : e.technique_ids) j.str(id);
    j.close(']');
    j.key("name").open('[');
    for (const auto& id : e.technique_ids) {
      const Technique* t = find_technique(id);
      j.str(t != nullptr ? t->name : std::string_view(id));
    }
    j.close(']');
    j.close('}');
    j.close('}');
  }
  write_signet(j, e);
  j.close('}');
  return out;
}

nlohmann::json ecs_json(const Event& event) {
  return nlohmann::json::parse(render_ecs_json(event), nullptr, /*allow_exceptions=*/false);
}

}  // namespace signet::telemetry
