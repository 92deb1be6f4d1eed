#include "gate/exec_gate.hpp"

#include <algorithm>
#include <utility>

#include "gate/exec_judge.hpp"

namespace signet::gate {
namespace {

constexpr std::size_t kMaxExecPasses = 8192;

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// What the kernel is told for a decision: allow, or deny only when enforced.
bool answer_for(const policy::Decision& d) { return d.allowed() || !d.enforced; }

}  // namespace

struct ExecGate::Job {
  enum class Kind { kPermission, kGuardWrite };
  Kind kind = Kind::kPermission;
  std::optional<PermissionReply> reply;  // kPermission
  int fd = -1;                           // kGuardWrite: owned, closed by the worker
  std::int32_t pid = 0;
  FileIdentity id;
  GateClass cls = GateClass::kExecutable;
  bool exec = false;
  std::string path;
  std::string exe;
  std::shared_ptr<const ExecGateConfig> config;
  std::chrono::steady_clock::time_point queued_at;
};

// ---- PermissionReply ---------------------------------------------------------------------------

PermissionReply::~PermissionReply() {
  if (fd_ >= 0) {
    counters_->errors.fetch_add(1);
    send(fallback_allow_);
  }
}

void PermissionReply::send(bool allow) noexcept {
  if (fd_ < 0) return;
  if (!source_->respond(fd_, allow)) counters_->errors.fetch_add(1);
  counters_->answered.fetch_add(1);
  source_->close_event(fd_);
  fd_ = -1;
}

// ---- ExecGate ----------------------------------------------------------------------------------

ExecGate::ExecGate(EventSource& source, FileProbe& probe,
                   std::shared_ptr<const ExecGateConfig> config, const telemetry::Clock& clock,
                   DecisionReporter& reporter, ExecGateOptions options)
    : source_(source),
      probe_(probe),
      clock_(clock),
      reporter_(reporter),
      options_(options),
      config_(std::move(config)) {
  heartbeat_ns_.store(steady_ns());
  const std::size_t n = std::clamp<std::size_t>(options_.workers, 1, 64);
  for (std::size_t i = 0; i < n; ++i) workers_.emplace_back([this] { worker(); });
}

ExecGate::~ExecGate() {
  {
    const std::lock_guard lock(queue_mutex_);
    stopping_workers_ = true;
  }
  queue_wake_.notify_all();
  for (auto& t : workers_) t.join();
}

std::shared_ptr<const ExecGateConfig> ExecGate::config() const {
  const std::lock_guard lock(config_mutex_);
  return config_;
}

void ExecGate::replace_config(std::shared_ptr<const ExecGateConfig> config) {
  {
    const std::lock_guard lock(config_mutex_);
    config_ = std::move(config);
  }
  cache_.clear();
}

std::chrono::steady_clock::time_point ExecGate::heartbeat() const noexcept {
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(heartbeat_ns_.load()));
}

std::chrono::milliseconds ExecGate::oldest_wait() const {
  const std::lock_guard lock(queue_mutex_);
  if (queue_.empty()) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               queue_.front().queued_at);
}

ExecGateStats ExecGate::stats() const {
  ExecGateStats s;
  s.permission_events = counters_.permission_events.load();
  s.answered = counters_.answered.load();
  s.allowed = counters_.allowed.load();
  s.denied = counters_.denied.load();
  s.would_deny = counters_.would_deny.load();
  s.cache_hits = counters_.cache_hits.load();
  s.invalidations = counters_.invalidations.load();
  s.unjudged = counters_.unjudged.load();
  s.self_events = counters_.self_events.load();
  s.overflows = counters_.overflows.load();
  s.errors = counters_.errors.load();
  s.guard_alerts = counters_.guard_alerts.load();
  s.in_flight = counters_.in_flight.load();
  {
    const std::lock_guard lock(queue_mutex_);
    s.queue_depth = queue_.size();
  }
  s.cache_entries = cache_.size();
  s.reports_dropped = reporter_.dropped();
  const std::lock_guard lock(reasons_mutex_);
  s.reasons = reasons_;
  return s;
}

void ExecGate::stop() noexcept { stop_.store(true); }

Result<void> ExecGate::run() {
  while (!stop_.load()) {
    auto handled = poll_once(options_.poll_interval);
    if (!handled) return std::unexpected(handled.error());
  }
  return {};
}

Result<std::size_t> ExecGate::poll_once(std::chrono::milliseconds timeout) {
  heartbeat_ns_.store(steady_ns());
  auto events = source_.wait(timeout);
  if (!events) return std::unexpected(events.error());
  for (auto& event : *events) handle(event);
  heartbeat_ns_.store(steady_ns());
  return events->size();
}

void ExecGate::drain() {
  std::unique_lock lock(queue_mutex_);
  queue_idle_.wait(lock, [this] { return queue_.empty() && counters_.in_flight.load() == 0; });
}

void ExecGate::handle(RawEvent event) {
  const auto config = this->config();
  if ((event.mask & kEventOverflow) != 0) {
    // Notification events were lost: a modification may have gone unseen.
    counters_.overflows.fetch_add(1);
    cache_.clear();
  }
  if (event.fd < 0) return;
  if (event.is_permission()) {
    handle_permission(event, config);
  } else {
    handle_notification(event, config);
  }
}

void ExecGate::handle_permission(RawEvent event,
                                 const std::shared_ptr<const ExecGateConfig>& config) {
  counters_.permission_events.fetch_add(1);
  const bool audit = config->mode_for(std::nullopt) == policy::Mode::kAudit;
  PermissionReply reply(source_, event.fd, /*fallback_allow=*/audit, counters_);
  if (event.pid == options_.self_pid) {
    counters_.self_events.fetch_add(1);
    reply.send(true);
    return;
  }
  // We ask for FAN_OPEN_PERM and FAN_OPEN_EXEC_PERM only: anything else is unexpected (fail
  // closed).
  if ((event.mask & kPermissionEvents & ~(kEventOpenPerm | kEventOpenExecPerm)) != 0) {
    counters_.errors.fetch_add(1);
    reply.send(audit);
    return;
  }
  auto id = probe_.identify(event.fd);
  if (!id) {
    counters_.errors.fetch_add(1);
    reply.send(audit);
    return;
  }
  if (!id->regular) {
    counters_.unjudged.fetch_add(1);
    reply.send(true);
    return;
  }
  Job job;
  job.pid = event.pid;
  job.id = *id;
  job.exec = (event.mask & kEventOpenExecPerm) != 0;
  if (job.exec) {
    job.cls = GateClass::kExecutable;
  } else {
    if (take_exec_pass(event.pid, *id)) {
      counters_.unjudged.fetch_add(1);
      reply.send(true);
      return;
    }
    job.path = probe_.path_of(event.fd);
    job.exe = probe_.exe_of(event.pid);
    const auto cls = classify_open(job.path, job.exe, config->interpreters, config->guards);
    if (!cls) {
      counters_.unjudged.fetch_add(1);
      reply.send(true);
      return;
    }
    job.cls = *cls;
  }
  if (const auto hit = cache_.lookup({*id, job.cls}, config->generation)) {
    counters_.cache_hits.fetch_add(1);
    if (job.exec && hit->answer_allow) add_exec_pass(event.pid, *id);
    reply.send(hit->answer_allow);
    count_decision(*hit->decision);
    if (!hit->decision->allowed()) {
      // Every denial is reported, also when it comes from the cache.
      DecisionReport report;
      report.decision = hit->decision;
      report.context.point = job.cls == GateClass::kProjectFile ? "project-watch" : "exec-gate";
      report.context.operation = std::string(gate_operation(job.cls, job.exec));
      report.context.artifact_class = std::string(gate_class_name(job.cls));
      report.context.process = telemetry::ProcessFacts{
          event.pid, job.exe.empty() ? probe_.exe_of(event.pid) : job.exe, std::nullopt};
      report.path =
          hit->decision->artifacts.empty() ? std::string() : hit->decision->artifacts.front().path;
      report.cached = true;
      reporter_.report(std::move(report));
    }
    return;
  }
  job.reply.emplace(std::move(reply));
  job.config = config;
  enqueue(std::move(job));
}

void ExecGate::handle_notification(RawEvent event,
                                   const std::shared_ptr<const ExecGateConfig>& config) {
  const bool self = event.pid == options_.self_pid;
  if ((event.mask & (kEventModify | kEventCloseWrite)) != 0) {
    if (auto id = probe_.identify(event.fd)) {
      if (cache_.invalidate(id->dev, id->ino) > 0) counters_.invalidations.fetch_add(1);
      if (!self && (event.mask & kEventCloseWrite) != 0 && !config->guards.empty()) {
        std::string path = probe_.path_of(event.fd);
        if (guard_for(path, config->guards) != nullptr) {
          Job job;
          job.kind = Job::Kind::kGuardWrite;
          job.fd = event.fd;
          job.pid = event.pid;
          job.id = *id;
          job.cls = GateClass::kProjectFile;
          job.path = std::move(path);
          job.config = config;
          enqueue(std::move(job));
          return;
        }
      }
    }
  }
  source_.close_event(event.fd);
}

void ExecGate::enqueue(Job job) {
  job.queued_at = std::chrono::steady_clock::now();
  {
    const std::lock_guard lock(queue_mutex_);
    queue_.push_back(std::move(job));
  }
  queue_wake_.notify_one();
}

void ExecGate::worker() {
  for (;;) {
    std::optional<Job> job;
    {
      std::unique_lock lock(queue_mutex_);
      queue_wake_.wait(lock, [this] { return stopping_workers_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      job.emplace(std::move(queue_.front()));
      queue_.pop_front();
      counters_.in_flight.fetch_add(1);
    }
    try {
      if (job->kind == Job::Kind::kPermission) {
        judge(*job);
      } else {
        check_guard_write(*job);
      }
    } catch (...) {
      // Bad allocation or a bug: the reply's destructor answers (fail closed in enforce mode).
      counters_.errors.fetch_add(1);
    }
    if (job->fd >= 0) source_.close_event(job->fd);
    job.reset();  // answers now if nobody did
    {
      const std::lock_guard lock(queue_mutex_);
      counters_.in_flight.fetch_sub(1);
      counters_.jobs_done.fetch_add(1);
      if (queue_.empty() && counters_.in_flight.load() == 0) queue_idle_.notify_all();
    }
  }
}

void ExecGate::judge(Job& job) {
  const auto& config = *job.config;
  const int fd = job.reply->fd();
  if (job.path.empty()) job.path = probe_.path_of(fd);
  const std::uint64_t sequence = cache_.invalidation_sequence();
  const TimePoint now = clock_.now();
  auto content = probe_.read(fd, job.cls == GateClass::kKernelModule, kMaxEmbeddedBytes);
  policy::Decision decision;
  if (!content) {
    counters_.errors.fetch_add(1);
    decision = unreadable(config, job.cls, job.path, content.error().message, now);
  } else if (job.cls == GateClass::kProjectFile) {
    const GuardRule* guard = guard_for(job.path, config.guards);
    decision = guard != nullptr
                   ? judge_project_file(config, *guard, job.path, content->sha256, now)
                   : unreadable(config, job.cls, job.path, "no guard covers it any more", now);
  } else {
    decision = judge_code(config, job.cls, job.path, *content, now);
  }
  const bool allow = answer_for(decision);
  // Cache only when the file is still what was read (asked before answering: the answer releases
  // the descriptor).
  bool unchanged = false;
  if (content) {
    const auto after = probe_.identify(fd);
    unchanged = after && *after == job.id;
  }
  if (job.exec && allow) add_exec_pass(job.pid, job.id);
  job.reply->send(allow);  // the kernel first

  auto shared = std::make_shared<const policy::Decision>(std::move(decision));
  if (unchanged) cache_.store({job.id, job.cls}, {allow, shared, config.generation}, sequence);
  count_decision(*shared);
  DecisionReport report;
  report.decision = shared;
  report.context.point = job.cls == GateClass::kProjectFile ? "project-watch" : "exec-gate";
  report.context.operation = std::string(gate_operation(job.cls, job.exec));
  report.context.artifact_class = std::string(gate_class_name(job.cls));
  report.context.process = telemetry::ProcessFacts{
      job.pid, job.exe.empty() ? probe_.exe_of(job.pid) : job.exe, std::nullopt};
  report.path = job.path;
  reporter_.report(std::move(report));
}

void ExecGate::check_guard_write(Job& job) {
  const auto& config = *job.config;
  const GuardRule* guard = guard_for(job.path, config.guards);
  if (guard == nullptr) return;
  const TimePoint now = clock_.now();
  auto content = probe_.read(job.fd, false, 0);
  policy::Decision decision =
      content ? judge_project_file(config, *guard, job.path, content->sha256, now)
              : unreadable(config, GateClass::kProjectFile, job.path, content.error().message, now);
  if (decision.allowed()) return;
  counters_.guard_alerts.fetch_add(1);
  {
    const std::lock_guard lock(reasons_mutex_);
    for (const auto& reason : decision.reasons) ++reasons_[std::string(reason_name(reason.code))];
  }
  // Nothing was blocked (the write happened): the event is an alert in audit terms.
  decision.enforced = false;
  DecisionReport report;
  report.decision = std::make_shared<const policy::Decision>(std::move(decision));
  report.context.point = "project-watch";
  report.context.operation = "modify";
  report.context.artifact_class = "project-file";
  report.context.process = telemetry::ProcessFacts{job.pid, probe_.exe_of(job.pid), std::nullopt};
  report.path = job.path;
  reporter_.report(std::move(report));
}

void ExecGate::count_decision(const policy::Decision& decision) {
  if (decision.allowed()) {
    counters_.allowed.fetch_add(1);
    return;
  }
  (decision.enforced ? counters_.denied : counters_.would_deny).fetch_add(1);
  const std::lock_guard lock(reasons_mutex_);
  for (const auto& reason : decision.reasons) ++reasons_[std::string(reason_name(reason.code))];
}

void ExecGate::add_exec_pass(std::int32_t pid, const FileIdentity& id) {
  const std::lock_guard lock(passes_mutex_);
  if (exec_passes_.size() >= kMaxExecPasses) exec_passes_.clear();
  exec_passes_.emplace(pid, id.dev, id.ino);
}

bool ExecGate::take_exec_pass(std::int32_t pid, const FileIdentity& id) {
  const std::lock_guard lock(passes_mutex_);
  return exec_passes_.erase({pid, id.dev, id.ino}) > 0;
}

}  // namespace signet::gate
