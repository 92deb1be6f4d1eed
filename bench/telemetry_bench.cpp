// Telemetry throughput (events per second, one core for the writer): a realistic denial event
// (PLC program, one signer, three techniques) rendered as ECS JSON and written
//   - by the rotating file writer (fsync per batch and never),
//   - through the whole Emitter (queue + writer thread) to a file,
//   - as RFC 5424 over TCP (octet counting) to a loopback receiver that discards what it reads.
// Target: >= 50,000 events/s to the file writer. Figures in bench/README.md.
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "telemetry/ecs_json.hpp"
#include "telemetry/emitter.hpp"
#include "telemetry/file_writer.hpp"
#include "telemetry/syslog_format.hpp"
#include "telemetry/syslog_writer.hpp"

namespace {

using namespace signet;
using namespace signet::telemetry;

const TimePoint kNow{std::chrono::seconds{1'800'000'000}};

Event sample_event(std::int64_t n) {
  policy::Decision d;
  d.verdict = policy::Verdict::kDeny;
  d.reasons = {
      {ReasonCode::kDigestMismatch, "plc1.st (sha256 3b1f) is not covered by the signature"}};
  d.artifacts = {{"/plant/line3/plc1.st", std::string(64, 'a'), std::nullopt, false}};
  policy::SignerOutcome s;
  s.subject = "C=DE, O=Example Plant, OU=OT Engineering, CN=Alice";
  s.issuer = "O=Example Plant, CN=Example Plant Code Signing CA";
  s.fingerprint_sha256 = std::string(64, 'f');
  s.trusted = true;
  s.publisher = "ot-engineering";
  d.signers = {s};
  formats::Statement st;
  st.subjects = {{"plc1.st", {{"sha256", std::string(64, 'b')}}}};
  st.predicate.artifact_class = "plc-program";
  st.predicate.target = "acme/plc-5000/line3/plc1";
  st.predicate.ticket = "CHG-0415";
  d.statement = st;
  d.rule = "plc-programs";
  Event e = decision_event(d, PointContext{}, "hmi-01", std::string(64, 'c'), kNow);
  e.id = "0123456789abcdef0123456789abcdef";
  e.sequence = n;
  return e;
}

std::filesystem::path scratch(const char* name) {
  const char* base = std::getenv("BENCH_DIR");
  auto dir = std::filesystem::path(
                 base != nullptr ? base : std::filesystem::temp_directory_path().string()) /
             ("signet-telemetry-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

constexpr std::size_t kBatch = 256;

void BM_FileWriter(benchmark::State& state) {
  const auto fsync =
      state.range(0) == 0 ? policy::FsyncPolicy::kNever : policy::FsyncPolicy::kBatch;
  const auto path = scratch("events.jsonl");
  auto writer = RotatingFileWriter::open(
      path, {.fsync = fsync, .rotate_bytes = 256ull << 20, .rotate_keep = 1});
  if (!writer) {
    state.SkipWithError(writer.error().message.c_str());
    return;
  }
  const Event event = sample_event(1);
  std::vector<std::string> batch(kBatch);
  for (auto _ : state) {
    for (auto& record : batch) record = render_ecs_json(event);  // rendering is part of the cost
    benchmark::DoNotOptimize((*writer)->write(batch));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
  std::filesystem::remove_all(path.parent_path());
}
BENCHMARK(BM_FileWriter)->Arg(0)->Arg(1)->ArgName("fsync_batch")->UseRealTime();

class FixedClock final : public Clock {
 public:
  TimePoint now() const override { return kNow; }
};

// emit() from the caller, the writer thread renders and writes: the number a gate would see.
void BM_EmitterToFile(benchmark::State& state) {
  const auto path = scratch("emitter.jsonl");
  const std::int64_t per_round = 20000;
  for (auto _ : state) {
    std::vector<Sink> sinks(1);
    auto writer = RotatingFileWriter::open(
        path,
        {.fsync = policy::FsyncPolicy::kBatch, .rotate_bytes = 256ull << 20, .rotate_keep = 1});
    sinks[0].writer = std::move(*writer);
    Emitter emitter(std::move(sinks), "hmi-01", "", std::make_shared<FixedClock>(), per_round,
                    std::chrono::milliseconds(60000));
    for (std::int64_t i = 0; i < per_round; ++i) emitter.emit(sample_event(i));
    const auto report = emitter.close();
    if (report.dropped != 0) state.SkipWithError("dropped events");
  }
  state.SetItemsProcessed(state.iterations() * per_round);
  std::filesystem::remove_all(path.parent_path());
}
BENCHMARK(BM_EmitterToFile)->Unit(benchmark::kMillisecond)->UseRealTime();

// A loopback TCP receiver that reads and discards; stopped when the benchmark ends.
class DiscardServer {
 public:
  DiscardServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(listen_fd_, 4);
    thread_ = std::thread([this] {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      char buf[1 << 16];
      while (::read(fd, buf, sizeof buf) > 0) received_ += 1;
      ::close(fd);
    });
  }
  ~DiscardServer() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    if (thread_.joinable()) thread_.join();
  }
  [[nodiscard]] std::string port() const { return std::to_string(port_); }

 private:
  int listen_fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<long> received_{0};
  std::thread thread_;
};

void BM_SyslogTcp(benchmark::State& state) {
  auto server = std::make_unique<DiscardServer>();
  auto writer = std::make_unique<SyslogWriter>(make_tcp_transport({"127.0.0.1", server->port()}));
  const Event event = sample_event(1);
  const SyslogHeader header{.facility = 4, .app_name = "signet", .proc_id = "1"};
  std::vector<std::string> batch(kBatch);
  for (auto _ : state) {
    for (auto& record : batch) record = render_rfc5424(event, header, render_ecs_json(event));
    const auto result = writer->write(batch);
    if (!result.ok()) {
      state.SkipWithError(result.error->message.c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
  writer.reset();  // closes the connection: the receiver thread ends
  server.reset();
}
BENCHMARK(BM_SyslogTcp)->UseRealTime();

void BM_RenderEcsJson(benchmark::State& state) {
  const Event event = sample_event(1);
  for (auto _ : state) benchmark::DoNotOptimize(render_ecs_json(event));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_RenderEcsJson);

}  // namespace
