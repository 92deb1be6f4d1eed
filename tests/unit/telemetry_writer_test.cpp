// Writers with fakes behind the Transport seam: syslog framing, the disk spool and its order, the
// rotating file, and the emitter's bounded queue with drop reports.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/test_pki.hpp"
#include "telemetry/emitter.hpp"
#include "telemetry/file_writer.hpp"
#include "telemetry/spool.hpp"
#include "telemetry/syslog_writer.hpp"

namespace signet::telemetry {
namespace {

// Records what is sent; `up` says whether the receiver is there.
struct FakeNetwork {
  bool up = true;
  int connects = 0;
  std::vector<std::string> sent;
};

class FakeTransport final : public Transport {
 public:
  FakeTransport(FakeNetwork& net, bool datagram) : net_(net), datagram_(datagram) {}
  Result<void> connect() override {
    ++net_.connects;
    if (!net_.up) return fail(Errc::kIo, "connection refused");
    connected_ = true;
    return {};
  }
  bool connected() const noexcept override { return connected_ && net_.up; }
  Result<void> send(std::string_view bytes) override {
    if (!connected_ || !net_.up) {
      connected_ = false;
      return fail(Errc::kIo, "broken pipe");
    }
    net_.sent.emplace_back(bytes);
    return {};
  }
  void close() noexcept override { connected_ = false; }
  bool datagram() const noexcept override { return datagram_; }
  std::string describe() const override { return "fake"; }

 private:
  FakeNetwork& net_;
  bool datagram_;
  bool connected_ = false;
};

// The frames of everything a stream transport sent, in order.
std::vector<std::string> unframe(const std::vector<std::string>& chunks) {
  std::string all;
  for (const auto& c : chunks) all += c;
  auto frames = parse_spool_frames(all);  // same octet-counted framing
  EXPECT_TRUE(frames);
  EXPECT_EQ(frames->consumed, all.size());
  return {frames->records.begin(), frames->records.end()};
}

std::vector<std::string> numbered(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i) out.push_back("event " + std::to_string(i));
  return out;
}

TEST(SyslogWriterTest, OctetCountingOverStreams) {
  FakeNetwork net;
  SyslogWriter writer(std::make_unique<FakeTransport>(net, false));
  const std::vector<std::string> records = {"<14>1 - - - - - - one", "two words"};
  ASSERT_TRUE(writer.write(records).ok());
  ASSERT_EQ(net.sent.size(), 1u);  // batched
  EXPECT_EQ(net.sent[0], "21 <14>1 - - - - - - one9 two words");
  EXPECT_EQ(octet_counted("abc"), "3 abc");
}

TEST(SyslogWriterTest, OneDatagramPerMessageOverUdp) {
  FakeNetwork net;
  SyslogWriter writer(std::make_unique<FakeTransport>(net, true));
  ASSERT_TRUE(writer.write(numbered(1, 3)).ok());
  EXPECT_EQ(net.sent, numbered(1, 3));
}

TEST(SyslogWriterTest, ReceiverDownIsAnErrorWithNothingWritten) {
  FakeNetwork net;
  net.up = false;
  SyslogWriter writer(std::make_unique<FakeTransport>(net, false));
  const auto result = writer.write(numbered(1, 2));
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.written, 0u);
  net.up = true;
  EXPECT_TRUE(writer.write(numbered(3, 3)).ok());  // reconnects
  EXPECT_EQ(unframe(net.sent), numbered(3, 3));
}

TEST(SpoolTest, FramesParseAndCutShortTailWaits) {
  auto frames = parse_spool_frames("3 abc2 de4 fg");
  ASSERT_TRUE(frames);
  EXPECT_EQ(frames->records, (std::vector<std::string_view>{"abc", "de"}));
  EXPECT_EQ(frames->consumed, 9u);
  EXPECT_FALSE(parse_spool_frames("x abc"));
  EXPECT_FALSE(parse_spool_frames("0 "));
  EXPECT_FALSE(parse_spool_frames("99999999 a"));
  auto partial = parse_spool_frames("12");
  ASSERT_TRUE(partial);
  EXPECT_TRUE(partial->records.empty());
}

TEST(SpoolTest, HoldsEventsWhileDownAndDeliversInOrderOnce) {
  signet::testing::TempDir dir;
  FakeNetwork net;
  net.up = false;
  auto spool = Spool::open(std::filesystem::path(dir.path()) / "spool");
  ASSERT_TRUE(spool);
  SpooledWriter writer(std::make_unique<SyslogWriter>(std::make_unique<FakeTransport>(net, false)),
                       std::move(*spool));
  for (int i = 0; i < 10; ++i) {
    const auto r = writer.write(numbered(i * 100 + 1, i * 100 + 100));
    ASSERT_TRUE(r.ok());  // spooled counts as written
  }
  EXPECT_TRUE(net.sent.empty());
  net.up = true;
  const auto delivered = writer.flush();
  EXPECT_FALSE(delivered.error);
  EXPECT_EQ(delivered.delivered, 1000u);
  EXPECT_EQ(unframe(net.sent), numbered(1, 1000));
  // Empty again: nothing delivered twice, new events go straight out.
  EXPECT_EQ(writer.flush().delivered, 0u);
  ASSERT_TRUE(writer.write(numbered(1001, 1001)).ok());
  EXPECT_EQ(unframe(net.sent), numbered(1, 1001));
}

TEST(SpoolTest, NewEventsQueueBehindSpooledOnes) {
  signet::testing::TempDir dir;
  FakeNetwork net;
  net.up = false;
  auto spool = Spool::open(std::filesystem::path(dir.path()) / "spool");
  ASSERT_TRUE(spool);
  SpooledWriter writer(std::make_unique<SyslogWriter>(std::make_unique<FakeTransport>(net, false)),
                       std::move(*spool));
  ASSERT_TRUE(writer.write(numbered(1, 5)).ok());
  net.up = true;
  ASSERT_TRUE(writer.write(numbered(6, 7)).ok());  // the spool goes first
  EXPECT_EQ(unframe(net.sent), numbered(1, 7));
}

TEST(SpoolTest, SharedBetweenTwoWritersLikeTwoProcesses) {
  signet::testing::TempDir dir;
  const auto path = std::filesystem::path(dir.path()) / "spool";
  FakeNetwork net;
  net.up = false;
  {
    auto spool = Spool::open(path);
    ASSERT_TRUE(spool);
    SpooledWriter first(std::make_unique<SyslogWriter>(std::make_unique<FakeTransport>(net, false)),
                        std::move(*spool));
    ASSERT_TRUE(first.write(numbered(1, 3)).ok());
  }
  net.up = true;
  auto spool = Spool::open(path);
  ASSERT_TRUE(spool);
  SpooledWriter second(std::make_unique<SyslogWriter>(std::make_unique<FakeTransport>(net, false)),
                       std::move(*spool));
  EXPECT_EQ(second.flush().delivered, 3u);
  EXPECT_EQ(unframe(net.sent), numbered(1, 3));
}

std::vector<std::string> lines_of(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(FileWriterTest, AppendsLinesAndRotatesBySize) {
  signet::testing::TempDir dir;
  const auto path = std::filesystem::path(dir.path()) / "logs" / "events.jsonl";
  auto writer = RotatingFileWriter::open(
      path, {.fsync = policy::FsyncPolicy::kNever, .rotate_bytes = 30, .rotate_keep = 2});
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->write(numbered(1, 3)).ok());  // 8 bytes each with the newline
  EXPECT_EQ(lines_of(path), numbered(1, 3));
  ASSERT_TRUE((*writer)->write(numbered(4, 4)).ok());  // 32 > 30: rotate first
  EXPECT_EQ(lines_of(path), numbered(4, 4));
  EXPECT_EQ(lines_of(path.string() + ".1"), numbered(1, 3));
  ASSERT_TRUE((*writer)->write(numbered(5, 8)).ok());
  ASSERT_TRUE((*writer)->write(numbered(9, 12)).ok());
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".3"));  // keep = 2
  EXPECT_TRUE(std::filesystem::exists(path.string() + ".2"));
}

TEST(FileWriterTest, EveryEventFsyncStillWritesAll) {
  signet::testing::TempDir dir;
  const auto path = std::filesystem::path(dir.path()) / "e.jsonl";
  auto writer = RotatingFileWriter::open(path, {.fsync = policy::FsyncPolicy::kEveryEvent});
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->write(numbered(1, 5)).ok());
  EXPECT_EQ(lines_of(path), numbered(1, 5));
}

class FixedClock final : public Clock {
 public:
  TimePoint now() const override { return TimePoint{std::chrono::seconds{1'800'000'000}}; }
};

// A writer that blocks until released: a receiver that hangs.
class GatedWriter final : public RecordWriter {
 public:
  WriteResult write(std::span<const std::string> records) override {
    std::unique_lock lock(mutex_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
    for (const auto& r : records) seen_.push_back(r);
    return {records.size(), std::nullopt};
  }
  std::string describe() const override { return "gated"; }
  void wait_entered() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return entered_; });
  }
  void open() {
    const std::lock_guard lock(mutex_);
    open_ = true;
    cv_.notify_all();
  }
  std::vector<std::string> seen() {
    const std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool open_ = false;
  std::vector<std::string> seen_;
};

TEST(EmitterTest, FullQueueDropsCountsAndReportsOnceTheWriterRecovers) {
  auto gated = std::make_unique<GatedWriter>();
  GatedWriter* gate = gated.get();
  std::vector<Sink> sinks(1);
  sinks[0].writer = std::move(gated);
  Emitter emitter(std::move(sinks), "h", "", std::make_shared<FixedClock>(), 4,
                  std::chrono::milliseconds(5000));
  emitter.emit(test_event(1, "h", FixedClock().now()));
  gate->wait_entered();  // the writer thread now hangs inside write()
  for (int i = 2; i <= 11; ++i)
    emitter.emit(test_event(i, "h", FixedClock().now()));  // never blocks
  gate->open();
  const auto report = emitter.close();
  EXPECT_EQ(report.dropped, 6u);  // 4 fit while the writer hung
  EXPECT_TRUE(report.drained);
  const auto seen = gate->seen();
  ASSERT_EQ(seen.size(), 6u);  // 1 + 4 + the drop report
  const auto last = nlohmann::json::parse(seen.back());
  EXPECT_EQ(last["event"]["action"], "telemetry-dropped");
  EXPECT_EQ(last["signet"]["telemetry"]["dropped"], 6);
  EXPECT_EQ(nlohmann::json::parse(seen[1])["event"]["sequence"], 2);
}

TEST(EmitterTest, CloseIsBoundedWhenTheWriterHangs) {
  auto gated = std::make_unique<GatedWriter>();
  GatedWriter* gate = gated.get();
  std::vector<Sink> sinks(1);
  sinks[0].writer = std::move(gated);
  auto emitter = std::make_unique<Emitter>(
      std::move(sinks), "h", "", std::make_shared<FixedClock>(), 16, std::chrono::milliseconds(50));
  emitter->emit(test_event(1, "h", FixedClock().now()));
  gate->wait_entered();
  emitter->emit(test_event(2, "h", FixedClock().now()));
  std::thread releaser([gate] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    gate->open();
  });
  const auto report = emitter->close();
  releaser.join();
  EXPECT_FALSE(report.drained);
}

TEST(EmitterTest, RendersPerSinkFormat) {
  signet::testing::TempDir dir;
  std::vector<Sink> sinks;
  for (auto format :
       {policy::EventFormat::kEcsJson, policy::EventFormat::kRfc5424, policy::EventFormat::kCef}) {
    auto w = RotatingFileWriter::open(
        std::filesystem::path(dir.path()) / policy::event_format_name(format), {});
    ASSERT_TRUE(w);
    Sink sink;
    sink.format = format;
    sink.writer = std::move(*w);
    sinks.push_back(std::move(sink));
  }
  {
    Emitter emitter(std::move(sinks), "h", "", std::make_shared<FixedClock>(), 16,
                    std::chrono::milliseconds(5000));
    emitter.emit(test_event(1, "h", FixedClock().now()));
  }  // the destructor closes
  const auto base = std::filesystem::path(dir.path());
  const auto ecs = lines_of(base / "ecs-json");
  ASSERT_EQ(ecs.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(ecs[0])["event"]["sequence"], 1);
  const auto syslog = lines_of(base / "rfc5424");
  ASSERT_EQ(syslog.size(), 1u);
  EXPECT_TRUE(syslog[0].starts_with("<38>1 2027-01-15T08:00:00Z h ")) << syslog[0];
  const auto cef = lines_of(base / "cef");
  ASSERT_EQ(cef.size(), 1u);
  EXPECT_TRUE(cef[0].starts_with("CEF:0|signet|signet|")) << cef[0];
}

}  // namespace
}  // namespace signet::telemetry
