// telemetry::Emitter: what every enforcement point calls after it has decided and acted.
//
//   auto emitter = telemetry::Emitter::create(policy, clock);        // once, at the composition
//   root emitter->emit_decision(decision, {.point = "verify", .operation = "verify"});
//   ...
//   emitter->close();                                   // short-lived commands: bounded wait
//
// emit() never waits on a writer: events go into a bounded queue that one writer thread drains to
// every sink (file, syslog, audit log). A full queue drops the event and counts it; the count is
// reported as a telemetry-dropped event once the writers catch up. At start the writer thread
// first delivers what earlier processes left in the sinks' spools.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "policy/policy.hpp"
#include "telemetry/audit_log.hpp"
#include "telemetry/event.hpp"
#include "telemetry/record_writer.hpp"
#include "telemetry/spool.hpp"
#include "telemetry/syslog_format.hpp"

namespace signet::telemetry {

struct Sink {
  policy::EventFormat format = policy::EventFormat::kEcsJson;
  bool syslog = false;  // records get an RFC 5424 header (MSG = JSON or CEF)
  SyslogHeader header;  // for syslog sinks
  std::unique_ptr<RecordWriter> writer;
  SpooledWriter* spooled = nullptr;  // == writer.get() when the sink has a spool
};

// Renders one event for one sink (ECS JSON line, RFC 5424 message, or CEF line).
[[nodiscard]] std::string render_for(const Sink& sink, const Event& event,
                                     const std::string& ecs_line);

// Builds the sinks of a [telemetry] section (paths relative to base_dir). No network I/O here:
// receivers are contacted by the writer thread.
[[nodiscard]] Result<std::vector<Sink>> make_sinks(const policy::TelemetrySpec& spec,
                                                   const std::filesystem::path& base_dir,
                                                   std::shared_ptr<const Clock> clock);
// The [telemetry.audit] log with its checkpoint signer (paths relative to base_dir).
[[nodiscard]] Result<std::unique_ptr<AuditLog>> open_audit_log(
    const policy::AuditSpec& spec, const std::filesystem::path& base_dir,
    std::shared_ptr<const Clock> clock);
// Paths and file: key references in [telemetry] are relative to the policy file.
[[nodiscard]] std::filesystem::path resolve_policy_path(const std::filesystem::path& base_dir,
                                                        const std::string& file);
[[nodiscard]] std::string resolve_policy_key_ref(const std::filesystem::path& base_dir,
                                                 const std::string& ref);
// [telemetry].host_name, else the machine's host name.
[[nodiscard]] std::string telemetry_host_name(const policy::TelemetrySpec* spec);

struct EmitterReport {
  std::uint64_t emitted = 0;
  std::uint64_t dropped = 0;          // queue full
  std::uint64_t lost = 0;             // a writer failed and had no spool
  std::uint64_t spooled_pending = 0;  // sinks whose spool still holds events after close()
  bool drained = true;                // close() finished before its deadline
  std::vector<std::string> problems;  // one line per writer failure (first per sink)
};

class Emitter {
 public:
  // Production: sinks from the policy's [telemetry] (an emitter without sinks when it has none).
  [[nodiscard]] static Result<std::unique_ptr<Emitter>> create(const policy::Policy& policy,
                                                               std::shared_ptr<const Clock> clock);
  // Tests and benchmarks: every dependency given.
  Emitter(std::vector<Sink> sinks, std::string host, std::string policy_sha256,
          std::shared_ptr<const Clock> clock, std::size_t queue_capacity,
          std::chrono::milliseconds flush_timeout);
  ~Emitter();
  Emitter(const Emitter&) = delete;
  Emitter& operator=(const Emitter&) = delete;

  // Never blocks on I/O; drops (and counts) when the queue is full.
  void emit(Event event) noexcept;
  void emit_decision(const policy::Decision& decision, const PointContext& context) noexcept;

  // Waits up to the flush timeout for the queue to drain, then stops the writer thread. What is
  // still queued then goes to spools (or is counted lost). Idempotent.
  EmitterReport close();

  [[nodiscard]] bool has_sinks() const noexcept { return !sinks_.empty(); }
  // Events the queue could not take so far (a long-running daemon reports it in its status).
  [[nodiscard]] std::uint64_t dropped_so_far();
  [[nodiscard]] const std::string& host() const noexcept { return host_; }
  [[nodiscard]] const Clock& clock() const noexcept { return *clock_; }

 private:
  void run();
  void write_batch(std::vector<Event>& batch, bool spool_only);

  std::vector<Sink> sinks_;
  std::string host_;
  std::string policy_sha256_;
  std::shared_ptr<const Clock> clock_;
  std::size_t capacity_;
  std::chrono::milliseconds flush_timeout_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Event> queue_;
  bool stopping_ = false;
  bool abandon_ = false;
  bool busy_ = true;  // until the writer thread has delivered the spools and waits
  std::uint64_t emitted_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t dropped_reported_ = 0;

  // Writer thread only (read by close() after join).
  std::uint64_t lost_ = 0;
  std::uint64_t lost_reported_ = 0;
  std::vector<std::string> problems_;
  std::vector<bool> sink_failed_;
  bool closed_ = false;
  EmitterReport report_;
  std::thread worker_;
};

}  // namespace signet::telemetry
