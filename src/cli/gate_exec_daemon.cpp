// The execution gate daemon: loads the configuration, opens the fanotify group, starts the decision
// loop and its helpers (signal thread: SIGHUP reload, SIGTERM/SIGINT stop; status thread: status
// file and systemd watchdog), places the marks, says it is ready, and runs the reader on the main
// thread until told to stop. The reader thread does nothing else: it never opens a file.
#include "cli/gate_exec_daemon.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "cli/cli_support.hpp"
#include "cli/telemetry_support.hpp"
#include "core/file_io.hpp"
#include "gate/exec_fanotify.hpp"
#include "gate/exec_gate.hpp"
#include "gate/exec_notify.hpp"
#include "gate/exec_status.hpp"

namespace signet::cli {
namespace {

constexpr int kExitSourceFailed = 3;
constexpr auto kStatusInterval = std::chrono::seconds(1);

std::string decision_line(const gate::DecisionReport& r) {
  const auto& d = *r.decision;
  std::string verdict = d.allowed() ? "ALLOW" : (d.enforced ? "DENY" : "WOULD-DENY");
  if (r.context.operation == "modify") verdict = "ALERT";
  std::string line = "signet: " + verdict + " " + r.context.operation + " " + r.path;
  if (r.context.process) {
    line += " (pid " + std::to_string(r.context.process->pid);
    if (!r.context.process->executable.empty()) line += " " + r.context.process->executable;
    line += ")";
  }
  if (r.context.artifact_class) line += " as " + *r.context.artifact_class;
  if (d.allowed() && d.rule) line += ", rule " + *d.rule;
  if (!d.reasons.empty()) {
    line +=
        ": " + std::string(reason_name(d.reasons.front().code)) + ": " + d.reasons.front().detail;
  }
  if (r.cached) line += " [cached]";
  return line;
}

void print_bundles(const gate::ExecGateConfig& config) {
  for (const auto& b : config.trust.bundles()) {
    std::cerr << "signet: trust bundle " << b.path << ": ";
    if (!b.accepted) {
      std::cerr << "NOT accepted";
      for (const auto& r : b.reasons) std::cerr << "; " << reason_name(r.code) << ": " << r.detail;
      std::cerr << '\n';
      continue;
    }
    std::cerr << "accepted (rule " << b.rule.value_or("?") << ", " << b.subjects << " subject(s))";
    for (const auto c : gate::kCodeClasses) {
      const auto& a = b.classes.at(gate::class_index(c));
      if (!b.scope.at(gate::class_index(c))) continue;
      if (!a.accepted && a.reason) {
        std::cerr << "; not for " << gate::gate_class_name(c) << ": "
                  << reason_name(a.reason->code);
      }
    }
    std::cerr << '\n';
  }
}

// The signals the daemon handles are blocked in every thread and taken by sigtimedwait.
sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

class Daemon {
 public:
  Daemon(const GateExecOptions& o, gate::ExecGateSettings settings)
      : o_(o),
        settings_(std::move(settings)),
        notifier_(gate::SystemdNotifier::from_environment()) {}

  int run();

 private:
  void status_loop();
  void signal_loop();
  void write_status(bool stopped);
  void reload();

  const GateExecOptions& o_;
  gate::ExecGateSettings settings_;
  gate::SystemdNotifier notifier_;
  std::shared_ptr<const telemetry::Clock> clock_ = telemetry::system_clock();
  std::unique_ptr<telemetry::Emitter> emitter_;
  gate::ExecGate* gate_ = nullptr;
  gate::ExecStatusFacts facts_;
  std::mutex facts_mutex_;
  std::mutex status_write_mutex_;  // the status, signal and main threads all write the file
  std::atomic<bool> done_{false};
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::atomic<std::uint64_t> generation_{1};
};

void Daemon::write_status(bool stopped) {
  if (gate_ == nullptr) return;
  const std::lock_guard write_lock(status_write_mutex_);
  gate::ExecStatusFacts facts;
  {
    const std::lock_guard lock(facts_mutex_);
    facts_.updated_at = clock_->now();
    facts_.stopped = stopped;
    facts_.events_dropped = emitter_ ? emitter_->dropped_so_far() : 0;
    facts = facts_;
  }
  const auto json = gate::exec_status_json(facts, *gate_->config(), gate_->stats());
  if (auto written = gate::write_json_atomic(o_.status_file, json); !written) {
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true)) {
      std::cerr << "signet: warning: status file: " << written.error().message << '\n';
    }
  }
}

void Daemon::status_loop() {
  const auto watchdog = notifier_.watchdog();
  const auto ping_every = watchdog
                              ? std::chrono::duration_cast<std::chrono::milliseconds>(*watchdog / 2)
                              : std::chrono::milliseconds(kStatusInterval);
  const auto step = std::min<std::chrono::milliseconds>(ping_every, kStatusInterval);
  auto last_status = std::chrono::steady_clock::now();
  while (!done_.load()) {
    {
      std::unique_lock lock(wake_mutex_);
      wake_.wait_for(lock, step, [this] { return done_.load(); });
    }
    if (done_.load()) break;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_status >= kStatusInterval) {
      write_status(false);
      last_status = now;
    }
    if (watchdog) {
      // Ping only while the decision loop is alive: the reader came round recently and no event
      // has waited for a worker longer than the watchdog interval.
      const auto reader_age = now - gate_->heartbeat();
      const bool alive = reader_age < *watchdog && gate_->oldest_wait() < *watchdog;
      if (alive) (void)notifier_.notify("WATCHDOG=1");
    }
  }
}

void Daemon::reload() {
  (void)notifier_.notify("RELOADING=1");
  const auto now = clock_->now();
  auto next = gate::load_exec_config(settings_, now, generation_.load() + 1);
  gate::ReloadOutcome outcome;
  outcome.at = now;
  if (next) {
    generation_.fetch_add(1);
    gate_->replace_config(*next);
    std::cerr << "signet: reloaded " << settings_.policy_path.string() << " (generation "
              << generation_.load() << ")\n";
    print_bundles(**next);
  } else {
    outcome.ok = false;
    outcome.error = next.error().describe();
    std::cerr << "signet: error: reload failed, the previous policy stays in force: "
              << outcome.error << '\n';
  }
  {
    const std::lock_guard lock(facts_mutex_);
    facts_.reload = outcome;
  }
  write_status(false);
  (void)notifier_.notify("READY=1");
}

void Daemon::signal_loop() {
  const sigset_t set = handled_signals();
  const timespec tick{0, 200'000'000};
  while (!done_.load()) {
    siginfo_t info{};
    const int sig = ::sigtimedwait(&set, &info, &tick);
    if (sig == SIGHUP) {
      reload();
    } else if (sig == SIGTERM || sig == SIGINT) {
      (void)notifier_.notify("STOPPING=1");
      gate_->stop();
      return;
    }
  }
}

int Daemon::run() {
  auto config = gate::load_exec_config(settings_, clock_->now(), 1);
  if (!config) return report_error(config.error());
  print_bundles(**config);
  emitter_ = open_emitter(*(*config)->policy);

  auto source = gate::FanotifySource::create();
  if (!source) {
    report_error(source.error());
    close_emitter(*emitter_);
    return kExitSourceFailed;
  }
  gate::ProcFileProbe probe;
  const bool quiet = o_.quiet;
  gate::DecisionReporter reporter(
      [this, quiet](const gate::DecisionReport& r) {
        if (!quiet || !r.decision->allowed()) std::cerr << decision_line(r) << '\n';
        emitter_->emit_decision(*r.decision, r.context);
      },
      16384);
  gate::ExecGateOptions options;
  options.workers = o_.workers;
  options.self_pid = static_cast<std::int32_t>(::getpid());
  int exit_code = kExitOk;
  {
    gate::ExecGate gate(**source, probe, *config, *clock_, reporter, options);
    gate_ = &gate;
    facts_.pid = ::getpid();
    facts_.started_at = clock_->now();
    facts_.policy_path = std::filesystem::absolute(settings_.policy_path).string();
    for (const auto& path : o_.watch) {
      auto how = (*source)->mark(path);
      if (!how) {
        report_error(how.error());
        gate_ = nullptr;
        close_emitter(*emitter_);
        return kExitUsage;  // the group closes with `source`: its marks go with it
      }
      facts_.watch.push_back(gate::real_path(path) + " (" + *how + ")");
    }
    for (const auto& guard : (*config)->guards) {
      bool covered = false;
      for (const auto& path : o_.watch)
        covered = covered || gate::path_is_under(guard.path, gate::real_path(path));
      if (!covered) {
        std::cerr << "signet: warning: guard " << guard.path << " is not under any --watch path\n";
      }
    }
    std::thread status([this] { status_loop(); });
    std::thread signals([this] { signal_loop(); });
    write_status(false);
    if (!o_.ready_file.empty()) {
      const std::string pid = std::to_string(::getpid()) + "\n";
      if (auto ok = write_file_atomic(o_.ready_file, Bytes(pid.begin(), pid.end())); !ok) {
        std::cerr << "signet: warning: ready file: " << ok.error().message << '\n';
      }
    }
    (void)notifier_.notify("READY=1\nSTATUS=deciding on " + std::to_string(o_.watch.size()) +
                           " watched path(s)");
    std::cerr << "signet: exec gate ready (pid " << ::getpid() << ", mode "
              << policy::mode_name((*config)->mode_for(std::nullopt)) << ")\n";

    auto ran = gate.run();
    if (!ran) {
      report_error(ran.error());
      exit_code = kExitSourceFailed;
    }
    done_.store(true);
    wake_.notify_all();
    signals.join();
    status.join();
    gate.drain();
    write_status(true);
    gate_ = nullptr;
  }  // workers joined: every queued event answered
  if (!o_.ready_file.empty()) std::filesystem::remove(o_.ready_file);
  reporter.flush();
  close_emitter(*emitter_);
  std::cerr << "signet: exec gate stopped\n";
  return exit_code;
}

}  // namespace

int run_gate_exec(const GateExecOptions& o) {
  gate::ExecGateSettings settings;
  settings.policy_path = o.policy;
  settings.trust_bundles = o.trust;
  if (o.mode == "enforce") {
    settings.mode = policy::Mode::kEnforce;
  } else if (o.mode == "audit") {
    settings.mode = policy::Mode::kAudit;
  } else if (!o.mode.empty()) {
    return report_error({Errc::kUsage, "--mode is enforce or audit, not '" + o.mode + "'"});
  }
  if (o.workers < 1 || o.workers > 64) return report_error({Errc::kUsage, "--workers is 1 to 64"});
  // Before any thread exists, so that every thread inherits the mask.
  const sigset_t set = handled_signals();
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
  const std::filesystem::path status_dir = std::filesystem::path(o.status_file).parent_path();
  if (!status_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(status_dir, ec);
  }
  Daemon daemon(o, std::move(settings));
  return daemon.run();
}

int run_gate_status(const std::string& status_file, bool json) {
  auto bytes = read_file_bytes(status_file);
  if (!bytes) return report_error(bytes.error());
  const auto status = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (status.is_discarded() || !status.is_object()) {
    return report_error({Errc::kMalformed, status_file + " is not a status document"});
  }
  bool alive = false;
  bool fresh = false;
  try {  // nlohmann's typed accessors throw on a value of another type
    if (json) {
      std::cout << status.dump(2) << '\n';
    } else {
      std::cout << gate::exec_status_text(status);
    }
    const auto pid = status.value("pid", std::int64_t{0});
    alive = pid > 0 && ::kill(static_cast<pid_t>(pid), 0) == 0 && !status.value("stopped", false);
    if (auto updated = parse_rfc3339(status.value("updated_at", std::string()))) {
      fresh = clock_now() - *updated < std::chrono::seconds(5);
    }
  } catch (const nlohmann::json::exception& e) {
    return report_error({Errc::kMalformed, status_file + ": " + e.what()});
  }
  if (!alive || !fresh) {
    std::cerr << "signet: the exec gate is not running" << (alive ? " (status file is stale)" : "")
              << '\n';
    return kExitDenied;
  }
  return kExitOk;
}

}  // namespace signet::cli
