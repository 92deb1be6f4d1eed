// [telemetry], [[telemetry.sink]] and [telemetry.audit]: read through the same Field tables as the
// rest of the policy, then checked per sink type (a file sink needs a path, TLS needs a CA, ...).
#include "policy/telemetry_parse.hpp"

#include <charconv>
#include <string>
#include <utility>

namespace signet::policy {
namespace {

using namespace toml_fields;  // NOLINT(google-build-using-namespace): the Field-table helpers

constexpr EnumName<SinkType> kSinkTypes[] = {{"file", SinkType::kFile},
                                             {"syslog", SinkType::kSyslog}};
constexpr EnumName<EventFormat> kFormats[] = {{"ecs-json", EventFormat::kEcsJson},
                                              {"rfc5424", EventFormat::kRfc5424},
                                              {"cef", EventFormat::kCef}};
constexpr EnumName<SyslogTransport> kTransports[] = {
    {"udp", SyslogTransport::kUdp}, {"tcp", SyslogTransport::kTcp}, {"tls", SyslogTransport::kTls}};
constexpr EnumName<FsyncPolicy> kFsyncPolicies[] = {{"every-event", FsyncPolicy::kEveryEvent},
                                                    {"batch", FsyncPolicy::kBatch},
                                                    {"never", FsyncPolicy::kNever}};

template <class S, class T, T S::*M, std::int64_t kMin, std::int64_t kMax>
Result<void> integer_field(const toml::node& node, const At& at, S& out) {
  const auto* value = node.as_integer();
  if (value == nullptr) return invalid(at, node, "must be an integer, not " + type_name(node));
  const std::int64_t v = value->get();
  if (v < kMin || v > kMax) {
    return invalid(at, node,
                   "must be between " + std::to_string(kMin) + " and " + std::to_string(kMax));
  }
  out.*M = static_cast<T>(v);
  return {};
}

template <class S, class T, std::optional<T> S::*M, const auto& kNames>
Result<void> optional_enum_field(const toml::node& node, const At& at, S& out) {
  auto value = read_enum(node, at, kNames);
  if (!value) return std::unexpected(std::move(value.error()));
  out.*M = *value;
  return {};
}

Result<void> optional_host_field(const toml::node& node, const At& at, TelemetrySpec& out) {
  auto value = read_string(node, at);
  if (!value) return std::unexpected(std::move(value.error()));
  out.host_name = std::move(*value);
  return {};
}

constexpr Field<SinkSpec> kSinkFields[] = {
    {"type", true, enum_field<SinkSpec, SinkType, &SinkSpec::type, kSinkTypes>},
    {"format", false, optional_enum_field<SinkSpec, EventFormat, &SinkSpec::format, kFormats>},
    {"path", false, string_field<SinkSpec, &SinkSpec::path>},
    {"fsync", false, enum_field<SinkSpec, FsyncPolicy, &SinkSpec::fsync, kFsyncPolicies>},
    {"rotate_bytes", false,
     integer_field<SinkSpec, std::uint64_t, &SinkSpec::rotate_bytes, 0, (std::int64_t{1} << 40)>},
    {"rotate_keep", false, integer_field<SinkSpec, std::uint32_t, &SinkSpec::rotate_keep, 1, 1000>},
    {"transport", false,
     optional_enum_field<SinkSpec, SyslogTransport, &SinkSpec::transport, kTransports>},
    {"address", false, string_field<SinkSpec, &SinkSpec::address>},
    {"spool", false, string_field<SinkSpec, &SinkSpec::spool>},
    {"ca", false, string_field<SinkSpec, &SinkSpec::ca>},
    {"cert", false, string_field<SinkSpec, &SinkSpec::cert>},
    {"key", false, string_field<SinkSpec, &SinkSpec::key>},
    {"server_name", false, string_field<SinkSpec, &SinkSpec::server_name>},
    {"facility", false, string_field<SinkSpec, &SinkSpec::facility>},
    {"app_name", false, string_field<SinkSpec, &SinkSpec::app_name>},
};

constexpr Field<AuditSpec> kAuditFields[] = {
    {"path", true, string_field<AuditSpec, &AuditSpec::path>},
    {"checkpoint_key", false, string_field<AuditSpec, &AuditSpec::checkpoint_key>},
    {"checkpoint_cert", false, string_field<AuditSpec, &AuditSpec::checkpoint_cert>},
    {"checkpoint_every", false,
     integer_field<AuditSpec, std::uint32_t, &AuditSpec::checkpoint_every, 1, 1000000>},
};

// "host:port" or "[v6]:port"; the host is not resolved here (pure), only shaped.
bool address_shape_ok(std::string_view address) {
  std::string_view host;
  std::string_view port;
  if (!address.empty() && address.front() == '[') {
    const auto close = address.find("]:");
    if (close == std::string_view::npos) return false;
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
  } else {
    const auto colon = address.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return false;  // a bare IPv6 address
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return !host.empty() && ec == std::errc{} && end == port.data() + port.size() && value > 0 &&
         value < 65536;
}

Result<void> check_sink(const SinkSpec& sink, const std::string& where, const toml::node& node) {
  const auto bad = [&](const std::string& what) {
    return fail(Errc::kPolicyInvalid, where + ": " + what + line_suffix(node.source()));
  };
  if (sink.type == SinkType::kFile) {
    if (sink.path.empty()) return bad("a file sink needs 'path'");
    for (const char* key : {"transport", "address", "spool", "ca", "cert", "key", "server_name"}) {
      if (node.as_table()->contains(key))
        return bad(std::string("'") + key + "' is for syslog sinks");
    }
    return {};
  }
  if (!sink.path.empty()) return bad("'path' is for file sinks (a syslog sink has 'address')");
  if (!sink.transport) return bad("a syslog sink needs 'transport' (udp, tcp or tls)");
  if (sink.address.empty()) return bad("a syslog sink needs 'address'");
  if (!address_shape_ok(sink.address)) {
    return bad("'address' must be HOST:PORT or [IPv6]:PORT, not \"" + sink.address + "\"");
  }
  if (syslog_facility_code(sink.facility) < 0) {
    return bad("'facility' \"" + sink.facility + "\" is not a syslog facility (auth, local0, ...)");
  }
  const bool tls = *sink.transport == SyslogTransport::kTls;
  if (!tls &&
      (!sink.ca.empty() || !sink.cert.empty() || !sink.key.empty() || !sink.server_name.empty())) {
    return bad("'ca', 'cert', 'key' and 'server_name' are for transport \"tls\"");
  }
  if (tls && sink.ca.empty()) return bad("transport \"tls\" needs 'ca' to verify the server");
  if (sink.cert.empty() != sink.key.empty()) return bad("'cert' and 'key' go together");
  for (const char* key : {"fsync", "rotate_bytes", "rotate_keep"}) {
    if (node.as_table()->contains(key)) return bad(std::string("'") + key + "' is for file sinks");
  }
  return {};
}

Result<void> sinks_field(const toml::node& node, const At& at, TelemetrySpec& out) {
  const auto* array = node.as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    return invalid(at, node,
                   "must be an array of tables ([[telemetry.sink]]), not " + type_name(node));
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    const std::string where = "telemetry.sink[" + std::to_string(i) + "]";
    SinkSpec sink;
    if (auto read = read_fields<SinkSpec>(*item.as_table(), where, kSinkFields, sink); !read) {
      return read;
    }
    if (auto checked = check_sink(sink, where, item); !checked) return checked;
    out.sinks.push_back(std::move(sink));
  }
  return {};
}

Result<void> audit_field(const toml::node& node, const At& at, TelemetrySpec& out) {
  const auto* table = node.as_table();
  if (table == nullptr) return invalid(at, node, "must be a table, not " + type_name(node));
  AuditSpec audit;
  if (auto read = read_fields<AuditSpec>(*table, "telemetry.audit", kAuditFields, audit); !read) {
    return read;
  }
  if (audit.checkpoint_key.empty() != audit.checkpoint_cert.empty()) {
    return fail(Errc::kPolicyInvalid,
                "telemetry.audit: 'checkpoint_key' and 'checkpoint_cert' go together" +
                    line_suffix(node.source()));
  }
  out.audit = std::move(audit);
  return {};
}

constexpr Field<TelemetrySpec> kTelemetryFields[] = {
    {"host_name", false, optional_host_field},
    {"sink", false, sinks_field},
    {"audit", false, audit_field},
    {"queue_capacity", false,
     integer_field<TelemetrySpec, std::uint32_t, &TelemetrySpec::queue_capacity, 1, 1000000>},
    {"flush_timeout_ms", false,
     integer_field<TelemetrySpec, std::uint32_t, &TelemetrySpec::flush_timeout_ms, 0, 600000>},
};

}  // namespace

Result<void> telemetry_section(const toml::node& node, const At& at, PolicySpec& out) {
  const auto* table = node.as_table();
  if (table == nullptr) return invalid(at, node, "must be a table, not " + type_name(node));
  TelemetrySpec spec;
  if (auto read = read_fields<TelemetrySpec>(*table, "telemetry", kTelemetryFields, spec); !read) {
    return read;
  }
  out.telemetry = std::move(spec);
  return {};
}

const char* event_format_name(EventFormat format) noexcept {
  for (const auto& entry : kFormats) {
    if (entry.value == format) return entry.name.data();
  }
  return "ecs-json";
}

const char* transport_name(SyslogTransport transport) noexcept {
  for (const auto& entry : kTransports) {
    if (entry.value == transport) return entry.name.data();
  }
  return "tcp";
}

int syslog_facility_code(std::string_view name) noexcept {
  constexpr std::string_view kNames[] = {
      "kern",   "user",   "mail",     "daemon", "auth",   "syslog", "lpr",    "news",
      "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "audit",  "alert",  "clock",
      "local0", "local1", "local2",   "local3", "local4", "local5", "local6", "local7"};
  for (std::size_t i = 0; i < std::size(kNames); ++i) {
    if (kNames[i] == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace signet::policy
