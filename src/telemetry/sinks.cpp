// make_sinks(): the [telemetry] section turned into writers. The only place that knows which
// writer class backs which sink type.
#include "policy/telemetry_spec.hpp"
#include "telemetry/emitter.hpp"
#include "telemetry/file_writer.hpp"
#include "telemetry/syslog_writer.hpp"

namespace signet::telemetry {
namespace {

std::filesystem::path resolve(const std::filesystem::path& base_dir, const std::string& file) {
  const std::filesystem::path path(file);
  return path.is_absolute() ? path : base_dir / path;
}

// file:RELATIVE key references are relative to the policy file too; pkcs11: URIs pass through.
std::string resolve_key_ref(const std::filesystem::path& base_dir, const std::string& ref) {
  if (ref.rfind("file:", 0) != 0) return ref;
  return "file:" + resolve(base_dir, ref.substr(5)).string();
}

Result<std::unique_ptr<RecordWriter>> syslog_writer(const policy::SinkSpec& spec,
                                                    const std::filesystem::path& base_dir) {
  auto endpoint = parse_endpoint(spec.address);
  if (!endpoint) return std::unexpected(endpoint.error());
  std::unique_ptr<Transport> transport;
  switch (spec.transport.value_or(policy::SyslogTransport::kTcp)) {
    case policy::SyslogTransport::kUdp:
      transport = make_udp_transport(std::move(*endpoint));
      break;
    case policy::SyslogTransport::kTcp:
      transport = make_tcp_transport(std::move(*endpoint));
      break;
    case policy::SyslogTransport::kTls: {
      TlsOptions tls;
      tls.ca_file = resolve(base_dir, spec.ca);
      if (!spec.cert.empty()) tls.cert_file = resolve(base_dir, spec.cert);
      if (!spec.key.empty()) tls.key_ref = resolve_key_ref(base_dir, spec.key);
      tls.server_name = spec.server_name;
      auto made = make_tls_transport(std::move(*endpoint), tls);
      if (!made) return std::unexpected(made.error());
      transport = std::move(*made);
      break;
    }
  }
  return std::unique_ptr<RecordWriter>(std::make_unique<SyslogWriter>(std::move(transport)));
}

}  // namespace

Result<std::vector<Sink>> make_sinks(const policy::TelemetrySpec& spec,
                                     const std::filesystem::path& base_dir,
                                     std::shared_ptr<const Clock> clock) {
  std::vector<Sink> sinks;
  for (std::size_t i = 0; i < spec.sinks.size(); ++i) {
    const auto& s = spec.sinks[i];
    const std::string where = "telemetry.sink[" + std::to_string(i) + "]: ";
    Sink sink;
    sink.format = s.effective_format();
    sink.header.facility = policy::syslog_facility_code(s.facility);
    sink.header.app_name = s.app_name;
    sink.header.proc_id = std::to_string(::getpid());
    if (s.type == policy::SinkType::kFile) {
      auto file = RotatingFileWriter::open(
          resolve(base_dir, s.path),
          {.fsync = s.fsync, .rotate_bytes = s.rotate_bytes, .rotate_keep = s.rotate_keep});
      if (!file) return std::unexpected(Error{file.error().code, where + file.error().message});
      sink.writer = std::move(*file);
    } else {
      sink.syslog = true;
      auto writer = syslog_writer(s, base_dir);
      if (!writer)
        return std::unexpected(Error{writer.error().code, where + writer.error().message});
      if (!s.spool.empty()) {
        auto spool = Spool::open(resolve(base_dir, s.spool));
        if (!spool)
          return std::unexpected(Error{spool.error().code, where + spool.error().message});
        auto spooled = std::make_unique<SpooledWriter>(std::move(*writer), std::move(*spool));
        sink.spooled = spooled.get();
        sink.writer = std::move(spooled);
      } else {
        sink.writer = std::move(*writer);
      }
    }
    sinks.push_back(std::move(sink));
  }
  if (spec.audit) {
    auto audit = open_audit_log(*spec.audit, base_dir, std::move(clock));
    if (!audit) return std::unexpected(audit.error());
    Sink sink;
    sink.format = policy::EventFormat::kEcsJson;
    sink.writer = std::move(*audit);
    sinks.push_back(std::move(sink));
  }
  return sinks;
}

Result<std::unique_ptr<AuditLog>> open_audit_log(const policy::AuditSpec& spec,
                                                 const std::filesystem::path& base_dir,
                                                 std::shared_ptr<const Clock> clock) {
  std::unique_ptr<CheckpointSigner> signer;
  if (!spec.checkpoint_key.empty()) {
    signer = make_cms_checkpoint_signer(resolve_key_ref(base_dir, spec.checkpoint_key),
                                        resolve(base_dir, spec.checkpoint_cert));
  }
  return AuditLog::open(resolve(base_dir, spec.path), spec.checkpoint_every, std::move(signer),
                        std::move(clock));
}

std::filesystem::path resolve_policy_path(const std::filesystem::path& base_dir,
                                          const std::string& file) {
  return resolve(base_dir, file);
}

std::string resolve_policy_key_ref(const std::filesystem::path& base_dir, const std::string& ref) {
  return resolve_key_ref(base_dir, ref);
}

}  // namespace signet::telemetry
