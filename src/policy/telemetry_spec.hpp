// The [telemetry] section of a policy file, as written (docs/events.md has every key). Pure data:
// parsed by telemetry_parse.cpp, turned into sinks by telemetry::Emitter. Relative paths are
// relative to the policy file's directory (Policy::base_dir()).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace signet::policy {

enum class SinkType { kFile, kSyslog };
enum class EventFormat { kEcsJson, kRfc5424, kCef };
enum class SyslogTransport { kUdp, kTcp, kTls };
// When a file sink calls fsync(2): after every event, after every batch the writer drains, never.
enum class FsyncPolicy { kEveryEvent, kBatch, kNever };

struct SinkSpec {
  SinkType type = SinkType::kFile;
  std::optional<EventFormat> format;  // default: ecs-json for files, rfc5424 for syslog
  // file
  std::string path;
  FsyncPolicy fsync = FsyncPolicy::kBatch;
  std::uint64_t rotate_bytes = 64ull << 20;  // 0: never rotate
  std::uint32_t rotate_keep = 5;             // rotated files kept (path.1 .. path.N)
  // syslog
  std::optional<SyslogTransport> transport;
  std::string address;      // "host:port", "[v6]:port"
  std::string spool;        // directory; empty = no spool
  std::string ca;           // tls: CA file that the server certificate must chain to
  std::string cert;         // tls: client certificate (optional, with key)
  std::string key;          // tls: client key, pkcs11: URI or file:PATH
  std::string server_name;  // tls: name checked in the server certificate (default: the host)
  std::string facility = "auth";
  std::string app_name = "signet";

  [[nodiscard]] EventFormat effective_format() const noexcept {
    if (format) return *format;
    return type == SinkType::kFile ? EventFormat::kEcsJson : EventFormat::kRfc5424;
  }
};

struct AuditSpec {
  std::string path;
  std::string checkpoint_key;            // pkcs11: URI or file:PATH; empty = no signed checkpoints
  std::string checkpoint_cert;           // PEM (first certificate signs, the rest is chain)
  std::uint32_t checkpoint_every = 100;  // records between signed checkpoints
};

struct TelemetrySpec {
  std::optional<std::string> host_name;  // default: the machine's host name
  std::vector<SinkSpec> sinks;
  std::optional<AuditSpec> audit;
  std::uint32_t queue_capacity = 4096;    // events held between decisions and writers
  std::uint32_t flush_timeout_ms = 3000;  // how long a short-lived command waits at exit
};

[[nodiscard]] const char* event_format_name(EventFormat format) noexcept;      // "ecs-json", ...
[[nodiscard]] const char* transport_name(SyslogTransport transport) noexcept;  // "udp", ...
// RFC 5424 facility code of a name ("kern" 0 .. "local7" 23); -1 when unknown.
[[nodiscard]] int syslog_facility_code(std::string_view name) noexcept;

}  // namespace signet::policy
