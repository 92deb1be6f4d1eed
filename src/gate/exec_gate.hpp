// The execution gate's decision loop. One reader thread (run()) reads events from the EventSource
// and answers what it can without reading a file — the daemon's own opens, opens that are not
// judged, cache hits; everything else goes to a queue served by worker threads that hash, decide,
// answer, cache, and only then report. Every dependency comes in (event source, /proc probe,
// configuration, clock, reporter), so unit tests drive it with fakes and no kernel.
//
// Invariants: every permission event gets exactly one answer (PermissionReply answers in its
// destructor when nobody did: deny in enforce mode, allow in audit mode); the kernel is answered
// before anything is reported; the reader thread never opens a file (its own open of a watched file
// would wait for itself).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/error.hpp"
#include "gate/exec_cache.hpp"
#include "gate/exec_config.hpp"
#include "gate/exec_event_source.hpp"
#include "gate/exec_file_probe.hpp"
#include "gate/exec_reporter.hpp"
#include "telemetry/audit_log.hpp"

namespace signet::gate {

struct ExecGateCounters {
  std::atomic<std::uint64_t> permission_events{0};
  std::atomic<std::uint64_t> answered{0};
  std::atomic<std::uint64_t> allowed{0};
  std::atomic<std::uint64_t> denied{0};
  std::atomic<std::uint64_t> would_deny{0};
  std::atomic<std::uint64_t> cache_hits{0};
  std::atomic<std::uint64_t> invalidations{0};
  std::atomic<std::uint64_t> unjudged{0};
  std::atomic<std::uint64_t> self_events{0};
  std::atomic<std::uint64_t> overflows{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> guard_alerts{0};
  std::atomic<std::uint64_t> in_flight{0};
  std::atomic<std::uint64_t> jobs_done{0};
};

// A copy of the counters at one moment (status file, tests).
struct ExecGateStats {
  std::uint64_t permission_events = 0, answered = 0, allowed = 0, denied = 0, would_deny = 0,
                cache_hits = 0, invalidations = 0, unjudged = 0, self_events = 0, overflows = 0,
                errors = 0, guard_alerts = 0, in_flight = 0, queue_depth = 0, cache_entries = 0,
                reports_dropped = 0;
  std::map<std::string, std::uint64_t> reasons;  // reason code name -> denials carrying it
};

struct ExecGateOptions {
  std::size_t workers = 4;
  std::int32_t self_pid = 0;  // events of this process are allowed unjudged
  std::chrono::milliseconds poll_interval{500};
};

// Answers one permission event exactly once.
class PermissionReply {
 public:
  PermissionReply(EventSource& source, int fd, bool fallback_allow, ExecGateCounters& counters)
      : source_(&source), fd_(fd), fallback_allow_(fallback_allow), counters_(&counters) {}
  PermissionReply(PermissionReply&& other) noexcept
      : source_(other.source_),
        fd_(std::exchange(other.fd_, -1)),
        fallback_allow_(other.fallback_allow_),
        counters_(other.counters_) {}
  PermissionReply& operator=(PermissionReply&&) = delete;
  PermissionReply(const PermissionReply&) = delete;
  PermissionReply& operator=(const PermissionReply&) = delete;
  ~PermissionReply();

  // Answers and releases the descriptor; later calls do nothing.
  void send(bool allow) noexcept;
  [[nodiscard]] bool pending() const noexcept { return fd_ >= 0; }
  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  EventSource* source_;
  int fd_;
  bool fallback_allow_;
  ExecGateCounters* counters_;
};

class ExecGate {
 public:
  ExecGate(EventSource& source, FileProbe& probe, std::shared_ptr<const ExecGateConfig> config,
           const telemetry::Clock& clock, DecisionReporter& reporter, ExecGateOptions options);
  ~ExecGate();  // stops the workers; queued events are answered by PermissionReply
  ExecGate(const ExecGate&) = delete;
  ExecGate& operator=(const ExecGate&) = delete;

  // The reader loop: until stop() or until the source fails (the error is returned).
  [[nodiscard]] Result<void> run();
  void stop() noexcept;
  // One wait on the source and the handling of what came (tests drive the loop with this).
  [[nodiscard]] Result<std::size_t> poll_once(std::chrono::milliseconds timeout);
  // Waits until no event is queued or being judged (tests, shutdown).
  void drain();

  // Swaps the configuration atomically; the cache starts empty for the new one.
  void replace_config(std::shared_ptr<const ExecGateConfig> config);
  [[nodiscard]] std::shared_ptr<const ExecGateConfig> config() const;

  [[nodiscard]] ExecGateStats stats() const;
  // When the reader last came round its loop; the watchdog pings only while this is recent.
  [[nodiscard]] std::chrono::steady_clock::time_point heartbeat() const noexcept;
  // How long the oldest queued event has been waiting (zero when none).
  [[nodiscard]] std::chrono::milliseconds oldest_wait() const;

 private:
  struct Job;
  void handle(RawEvent event);
  void handle_permission(RawEvent event, const std::shared_ptr<const ExecGateConfig>& config);
  void handle_notification(RawEvent event, const std::shared_ptr<const ExecGateConfig>& config);
  void enqueue(Job job);
  void worker();
  void judge(Job& job);
  void check_guard_write(Job& job);
  void count_decision(const policy::Decision& decision);
  void add_exec_pass(std::int32_t pid, const FileIdentity& id);
  bool take_exec_pass(std::int32_t pid, const FileIdentity& id);

  EventSource& source_;
  FileProbe& probe_;
  const telemetry::Clock& clock_;
  DecisionReporter& reporter_;
  ExecGateOptions options_;
  DecisionCache cache_;
  ExecGateCounters counters_;

  mutable std::mutex config_mutex_;
  std::shared_ptr<const ExecGateConfig> config_;

  mutable std::mutex queue_mutex_;
  std::condition_variable queue_wake_;
  std::condition_variable queue_idle_;
  std::deque<Job> queue_;
  bool stopping_workers_ = false;
  std::vector<std::thread> workers_;

  mutable std::mutex reasons_mutex_;
  std::map<std::string, std::uint64_t> reasons_;

  // (pid, dev, ino) of executions just allowed: the FAN_OPEN_PERM that execve makes right after
  // FAN_OPEN_EXEC_PERM is not judged a second time.
  std::mutex passes_mutex_;
  std::set<std::tuple<std::int32_t, std::uint64_t, std::uint64_t>> exec_passes_;

  std::atomic<bool> stop_{false};
  std::atomic<std::int64_t> heartbeat_ns_{0};
};

}  // namespace signet::gate
