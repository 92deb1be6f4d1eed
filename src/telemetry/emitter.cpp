#include "telemetry/emitter.hpp"

#include <openssl/rand.h>
#include <pthread.h>
#include <unistd.h>

#include <csignal>

#include "core/hex.hpp"
#include "telemetry/ecs_json.hpp"

namespace signet::telemetry {
namespace {

// One write (and with fsync = "batch" one fdatasync) per batch: large batches amortize the sync.
constexpr std::size_t kMaxBatch = 2048;

std::string random_event_id() {
  std::uint8_t bytes[16] = {};
  if (RAND_bytes(bytes, sizeof bytes) != 1) return {};
  return to_hex(bytes);
}

// SIGPIPE from a receiver that went away must not end the process: the writer thread blocks it
// (a write then fails with EPIPE instead). OpenSSL writes without MSG_NOSIGNAL.
void block_sigpipe_in_this_thread() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace

std::string render_for(const Sink& sink, const Event& event, const std::string& ecs_line) {
  using policy::EventFormat;
  if (sink.syslog) {
    return render_rfc5424(event, sink.header,
                          sink.format == EventFormat::kCef ? render_cef(event) : ecs_line);
  }
  switch (sink.format) {
    case EventFormat::kEcsJson:
      return ecs_line;
    case EventFormat::kRfc5424:
      return render_rfc5424(event, sink.header, ecs_line);
    case EventFormat::kCef:
      return render_cef(event);
  }
  return ecs_line;
}

Emitter::Emitter(std::vector<Sink> sinks, std::string host, std::string policy_sha256,
                 std::shared_ptr<const Clock> clock, std::size_t queue_capacity,
                 std::chrono::milliseconds flush_timeout)
    : sinks_(std::move(sinks)),
      host_(std::move(host)),
      policy_sha256_(std::move(policy_sha256)),
      clock_(std::move(clock)),
      capacity_(queue_capacity == 0 ? 1 : queue_capacity),
      flush_timeout_(flush_timeout),
      sink_failed_(sinks_.size(), false) {
  if (!sinks_.empty()) worker_ = std::thread([this] { run(); });
}

Emitter::~Emitter() { (void)close(); }

void Emitter::emit(Event event) noexcept {
  if (sinks_.empty()) return;
  {
    const std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= capacity_) {
      ++dropped_;
      return;
    }
    queue_.push_back(std::move(event));
    ++emitted_;
  }
  wake_.notify_one();
}

std::uint64_t Emitter::dropped_so_far() {
  const std::lock_guard lock(mutex_);
  return dropped_;
}

void Emitter::emit_decision(const policy::Decision& decision,
                            const PointContext& context) noexcept {
  if (sinks_.empty()) return;
  emit(decision_event(decision, context, host_, policy_sha256_, clock_->now()));
}

void Emitter::write_batch(std::vector<Event>& batch, bool spool_only) {
  std::vector<std::string> ecs;
  ecs.reserve(batch.size());
  for (auto& event : batch) {
    if (event.id.empty()) event.id = random_event_id();
    ecs.push_back(render_ecs_json(event));
  }
  std::vector<std::string> records;
  for (std::size_t s = 0; s < sinks_.size(); ++s) {
    Sink& sink = sinks_[s];
    records.clear();
    for (std::size_t i = 0; i < batch.size(); ++i)
      records.push_back(render_for(sink, batch[i], ecs[i]));
    WriteResult result;
    if (spool_only && sink.spooled != nullptr) {
      result = sink.spooled->spool_only(records);
    } else if (spool_only && sink.syslog) {
      result = {0, Error{Errc::kIo, sink.writer->describe() + ": no time left to send"}};
    } else {
      result = sink.writer->write(records);
    }
    if (!result.ok()) {
      lost_ += records.size() - result.written;
      if (!sink_failed_[s]) {
        sink_failed_[s] = true;
        problems_.push_back(sink.writer->describe() + ": " + result.error->message);
      }
    }
  }
}

void Emitter::run() {
  block_sigpipe_in_this_thread();
  for (std::size_t s = 0; s < sinks_.size(); ++s) {
    if (sinks_[s].spooled == nullptr) continue;
    const auto delivery = sinks_[s].spooled->flush();
    if (delivery.error) {
      problems_.push_back(sinks_[s].writer->describe() +
                          ": spool not delivered: " + delivery.error->message);
    }
  }
  std::vector<Event> batch;
  for (;;) {
    bool spool_only = false;
    std::uint64_t new_drops = 0;
    {
      std::unique_lock lock(mutex_);
      busy_ = false;
      idle_.notify_all();
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      busy_ = true;
      spool_only = abandon_;
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      new_drops = dropped_ - dropped_reported_;
      dropped_reported_ = dropped_;
    }
    write_batch(batch, spool_only);
    batch.clear();
    const std::uint64_t new_lost = lost_ - lost_reported_;
    if ((new_drops > 0 || new_lost > 0) && !spool_only) {
      // The writers took a batch again: say what was lost before it.
      lost_reported_ = lost_;
      batch.push_back(drop_report_event(new_drops, new_lost, host_, clock_->now()));
      write_batch(batch, false);
      batch.clear();
    }
  }
}

EmitterReport Emitter::close() {
  if (closed_) return report_;
  closed_ = true;
  if (worker_.joinable()) {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
    const bool drained =
        idle_.wait_for(lock, flush_timeout_, [&] { return queue_.empty() && !busy_; });
    if (!drained) {
      abandon_ = true;  // what is left goes to spools
      report_.drained = false;
    }
    lock.unlock();
    worker_.join();
  }
  report_.emitted = emitted_;
  report_.dropped = dropped_;
  report_.lost = lost_;
  report_.problems = problems_;
  for (const auto& sink : sinks_) {
    if (sink.spooled == nullptr) continue;
    Spool::Lock lock(sink.spooled->spool());
    auto pending = sink.spooled->spool().pending_bytes();
    if (pending && *pending > 0) ++report_.spooled_pending;
  }
  return report_;
}

Result<std::unique_ptr<Emitter>> Emitter::create(const policy::Policy& policy,
                                                 std::shared_ptr<const Clock> clock) {
  const auto& spec = policy.telemetry();
  if (!spec) {
    return std::make_unique<Emitter>(std::vector<Sink>{}, telemetry_host_name(nullptr),
                                     policy.source_sha256(), std::move(clock), 1,
                                     std::chrono::milliseconds(0));
  }
  auto sinks = make_sinks(*spec, policy.base_dir(), clock);
  if (!sinks) return std::unexpected(sinks.error());
  return std::make_unique<Emitter>(std::move(*sinks), telemetry_host_name(&*spec),
                                   policy.source_sha256(), std::move(clock), spec->queue_capacity,
                                   std::chrono::milliseconds(spec->flush_timeout_ms));
}

std::string telemetry_host_name(const policy::TelemetrySpec* spec) {
  if (spec != nullptr && spec->host_name) return *spec->host_name;
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "unknown";
  return buf;
}

}  // namespace signet::telemetry
