// The download gate: decision -> change record -> command -> rollback state, with a real SQLite
// database in a temporary directory, a fake command runner and a fixed clock; the process runner
// and the target lock against the real OS.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "gate/command_runner.hpp"
#include "gate/download_gate.hpp"
#include "gate/state_db.hpp"
#include "gate/target_lock.hpp"
#include "support/change_control_fixture.hpp"

namespace signet::gate {
namespace {

using policy::Rollback;
using testing::utc;

class FixedClock final : public telemetry::Clock {
 public:
  explicit FixedClock(TimePoint t) : t_(t) {}
  [[nodiscard]] TimePoint now() const override { return t_; }
  TimePoint t_;
};

// Records what it was asked to run; "exits" with a chosen status.
class FakeRunner final : public CommandRunner {
 public:
  Result<CommandResult> run(const std::vector<std::string>& argv) override {
    runs.push_back(argv);
    if (fail_to_start) return fail(Errc::kIo, "cannot start " + argv.front());
    return CommandResult{.exit_status = exit_status, .signal = std::nullopt, .forwarded = {}};
  }
  std::vector<std::vector<std::string>> runs;
  int exit_status = 0;
  bool fail_to_start = false;
};

class DownloadGateTest : public testing::ChangeControlFixture {
 protected:
  [[nodiscard]] std::filesystem::path db_path() const {
    return std::filesystem::path(dir_.path()) / "state" / "state.db";
  }

  StateDb open_db() {
    auto db = StateDb::open(db_path(), true);
    EXPECT_TRUE(db.has_value()) << (db ? "" : db.error().message);
    return std::move(*db);
  }

  static policy::PolicySpec counter_spec() {
    auto spec = base_spec();
    spec.rules[0].rollback = Rollback::kCounter;
    spec.rules[1].rollback = Rollback::kCounter;
    return spec;
  }

  DownloadRequest request(std::optional<std::uint64_t> counter,
                          std::vector<const testing::Issued*> signers = {}) {
    DownloadRequest r;
    r.target = testing::kLine3Target;
    r.artifact_class = "plc-program";
    r.operation = "download";
    r.artifacts = {{.path = "/srv/plc/prog.bin", .sha256 = testing::kProgDigest}};
    r.signature_path = "/srv/plc/prog.bin.sig";
    if (signers.empty()) signers = {&alice_};
    r.evidence = evidence(signers, {.artifact_class = "plc-program",
                                    .target = testing::kLine3Target,
                                    .version = "1.0.0",
                                    .counter = counter,
                                    .ticket = "CHG-1"});
    r.command = {"/opt/vendor/download", "--plc", "plc1"};
    r.user = "alice";
    r.uid = 1000;
    r.host = "ews-3";
    return r;
  }

  Result<DownloadOutcome> run_gate(const policy::Policy& p, StateDb& db, CommandRunner& runner,
                                   const DownloadRequest& r, TimePoint now = kNow) {
    FixedClock clock(now);
    GateOptions options;
    options.lock_dir = lock_dir_for(db_path());
    DownloadGate gate(p, db, runner, clock, nullptr, options);
    return gate.run(r);
  }

  static inline const TimePoint kNow = utc("2026-01-14T10:00:00Z");
};

TEST_F(DownloadGateTest, AllowedDownloadRunsAndIsRecorded) {
  const auto p = policy(counter_spec());
  StateDb db = open_db();
  FakeRunner runner;
  auto outcome = run_gate(p, db, runner, request(7));
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
  EXPECT_TRUE(outcome->decision.allowed()) << testing::reason_codes(outcome->decision);
  EXPECT_TRUE(outcome->ran);
  EXPECT_EQ(outcome->exit_status, 0);
  ASSERT_EQ(runner.runs.size(), 1u);
  EXPECT_EQ(runner.runs[0], (std::vector<std::string>{"/opt/vendor/download", "--plc", "plc1"}));
  auto records = db.changes({});
  ASSERT_TRUE(records.has_value());
  ASSERT_EQ(records->size(), 1u);
  const ChangeRecord& r = records->front();
  EXPECT_EQ(r.id, outcome->record.id);
  EXPECT_EQ(r.status, ChangeStatus::kSucceeded);
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.decision, "allow");
  EXPECT_EQ(r.user, "alice");
  EXPECT_EQ(r.uid, 1000);
  EXPECT_EQ(r.host, "ews-3");
  EXPECT_EQ(r.target, testing::kLine3Target);
  EXPECT_EQ(r.operation, "download");
  EXPECT_EQ(r.started_at, kNow);
  EXPECT_EQ(r.finished_at, kNow);
  ASSERT_EQ(r.artifacts.size(), 1u);
  EXPECT_EQ(r.artifacts[0].sha256, testing::kProgDigest);
  ASSERT_EQ(r.signers.size(), 1u);
  EXPECT_TRUE(r.signers[0].trusted);
  EXPECT_EQ(r.signers[0].publisher, "ot-engineering");
  EXPECT_EQ(r.signed_ticket, "CHG-1");
  EXPECT_EQ(r.counter, 7u);
  EXPECT_EQ(r.version, "1.0.0");
  EXPECT_EQ(r.rule, "plc-line3");
  EXPECT_EQ(r.techniques, (std::vector<std::string>{"T0843", "T0889", "T0821"}));
  EXPECT_EQ(r.command, runner.runs[0]);
  EXPECT_TRUE(r.rollback_advanced);
  auto installed = db.installed(testing::kLine3Target, "plc-program");
  ASSERT_TRUE(installed.has_value());
  EXPECT_EQ(installed->counter, 7u);
  EXPECT_EQ(installed->version, "1.0.0");
}

TEST_F(DownloadGateTest, DeniedDownloadNeverRunsAndIsRecorded) {
  const auto p = policy(counter_spec());
  StateDb db = open_db();
  FakeRunner runner;
  auto r = request(7);
  r.artifacts[0].sha256 = std::string(64, 'e');  // not what was signed
  auto outcome = run_gate(p, db, runner, r);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_FALSE(outcome->decision.allowed());
  EXPECT_TRUE(outcome->decision.has_reason(ReasonCode::kDigestMismatch));
  EXPECT_FALSE(outcome->ran);
  EXPECT_EQ(outcome->exit_status, 1);
  EXPECT_TRUE(runner.runs.empty());
  auto records = db.changes({});
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ(records->front().status, ChangeStatus::kDenied);
  EXPECT_EQ(records->front().decision, "deny");
  EXPECT_FALSE(records->front().exit_status.has_value());
  ASSERT_FALSE(records->front().reasons.empty());
  EXPECT_EQ(records->front().reasons[0].code, ReasonCode::kDigestMismatch);
  EXPECT_FALSE(db.installed(testing::kLine3Target, "plc-program")->counter.has_value());
  // Unsigned (no evidence at all) is denied the same way.
  r = request(7);
  r.evidence = Reason{ReasonCode::kUnsigned, "no signature at x.sig"};
  outcome = run_gate(p, db, runner, r);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(outcome->decision.has_reason(ReasonCode::kUnsigned));
  EXPECT_TRUE(runner.runs.empty());
}

// A firmware package of two images is one signature; swapping the images is DIGEST_MISMATCH.
TEST_F(DownloadGateTest, FirmwareMixAndMatch) {
  const auto p = policy(counter_spec());
  StateDb db = open_db();
  FakeRunner runner;
  auto r = request(3);
  r.artifact_class = "firmware";
  r.operation = "firmware-update";
  r.firmware_scope = "module";
  r.evidence = evidence({&alice_}, {.artifact_class = "firmware",
                                    .target = testing::kLine3Target,
                                    .version = "2.4.1",
                                    .counter = 3});
  r.artifacts = {{.path = "/fw/prog.bin", .sha256 = testing::kProgDigest},
                 {.path = "/fw/prog.cfg", .sha256 = testing::kCfgDigest}};
  auto outcome = run_gate(p, db, runner, r);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(outcome->decision.allowed()) << testing::reason_codes(outcome->decision);
  EXPECT_EQ(outcome->record.techniques, (std::vector<std::string>{"T1693.002", "T1693"}));
  r.artifacts = {{.path = "/fw/prog.bin", .sha256 = testing::kCfgDigest},
                 {.path = "/fw/prog.cfg", .sha256 = testing::kProgDigest}};
  outcome = run_gate(p, db, runner, r);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(outcome->decision.has_reason(ReasonCode::kDigestMismatch));
  EXPECT_EQ(runner.runs.size(), 1u);
}

TEST_F(DownloadGateTest, RollbackStateSurvivesRestartAndFailedCommandDoesNotAdvanceIt) {
  const auto p = policy(counter_spec());
  {
    StateDb db = open_db();
    FakeRunner runner;
    ASSERT_TRUE(run_gate(p, db, runner, request(10)).has_value());
    // A newer release whose download fails: the state stays at 10.
    runner.exit_status = 3;
    auto failed = run_gate(p, db, runner, request(12));
    ASSERT_TRUE(failed.has_value());
    EXPECT_EQ(failed->exit_status, 3);
    EXPECT_FALSE(failed->record.rollback_advanced);
    EXPECT_EQ(failed->record.status, ChangeStatus::kFailed);
    EXPECT_EQ(db.installed(testing::kLine3Target, "plc-program")->counter, 10u);
    // A command that cannot be started is recorded as not run; state unchanged, exit 2.
    runner.fail_to_start = true;
    auto not_run = run_gate(p, db, runner, request(12));
    ASSERT_TRUE(not_run.has_value());
    EXPECT_EQ(not_run->exit_status, 2);
    EXPECT_FALSE(not_run->ran);
    EXPECT_TRUE(not_run->run_error.has_value());
    EXPECT_EQ(db.installed(testing::kLine3Target, "plc-program")->counter, 10u);
  }
  // "Restart": a new process opens the same file.
  StateDb db = open_db();
  EXPECT_EQ(db.installed(testing::kLine3Target, "plc-program")->counter, 10u);
  FakeRunner runner;
  auto older = run_gate(p, db, runner, request(9));
  ASSERT_TRUE(older.has_value());
  EXPECT_TRUE(older->decision.has_reason(ReasonCode::kRollback))
      << testing::reason_codes(older->decision);
  EXPECT_TRUE(runner.runs.empty());
  ASSERT_TRUE(run_gate(p, db, runner, request(10)).has_value());  // the same release again
  EXPECT_EQ(runner.runs.size(), 1u);
  auto records = db.changes({});
  ASSERT_EQ(records->size(), 5u);
  EXPECT_EQ((*records)[2].status, ChangeStatus::kNotRun);
  EXPECT_FALSE((*records)[4].rollback_advanced);  // equal: nothing moved
  // State is per target and class.
  EXPECT_FALSE(db.installed(testing::kLine3Target, "firmware")->counter.has_value());
  EXPECT_FALSE(db.installed("acme/plc-5000/line3/plc2", "plc-program")->counter.has_value());
}

TEST_F(DownloadGateTest, AuditModeRunsButDoesNotAdvanceOnDeny) {
  auto spec = counter_spec();
  spec.rules[0].mode = policy::Mode::kAudit;
  spec.rules[0].require_ticket = true;
  const auto p = policy(spec);
  StateDb db = open_db();
  FakeRunner runner;
  auto r = request(40);  // signed for CHG-1, no ticket given: NO_TICKET, not enforced
  auto outcome = run_gate(p, db, runner, r);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_FALSE(outcome->decision.allowed());
  EXPECT_FALSE(outcome->decision.enforced);
  EXPECT_TRUE(outcome->decision.has_reason(ReasonCode::kNoTicket));
  EXPECT_TRUE(outcome->ran);
  EXPECT_EQ(outcome->exit_status, 0);
  EXPECT_EQ(runner.runs.size(), 1u);
  EXPECT_EQ(outcome->record.decision, "deny");
  EXPECT_FALSE(outcome->record.enforced);
  EXPECT_EQ(outcome->record.status, ChangeStatus::kSucceeded);
  // An untrusted or out-of-policy counter must not lock the real releases out.
  EXPECT_FALSE(db.installed(testing::kLine3Target, "plc-program")->counter.has_value());
  r.ticket = "CHG-1";
  outcome = run_gate(p, db, runner, r);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(outcome->decision.allowed());
  EXPECT_EQ(db.installed(testing::kLine3Target, "plc-program")->counter, 40u);
}

TEST_F(DownloadGateTest, StateNeverMovesBack) {
  StateDb db = open_db();
  ChangeRecord record;
  record.started_at = kNow;
  auto id = db.insert_change(record);
  ASSERT_TRUE(id.has_value()) << id.error().message;
  const auto advance = [&](std::uint64_t counter, std::string version) {
    return RollbackAdvance{.target = "t",
                           .artifact_class = "firmware",
                           .counter = counter,
                           .version = std::move(version),
                           .at = kNow};
  };
  ASSERT_TRUE(db.finish_change(*id, kNow, ChangeStatus::kSucceeded, 0, advance(5, "1.10.0")));
  ASSERT_TRUE(db.finish_change(*id, kNow, ChangeStatus::kSucceeded, 0, advance(4, "1.9.0")));
  auto state = db.installed("t", "firmware");
  EXPECT_EQ(state->counter, 5u);
  EXPECT_EQ(state->version, "1.10.0");
  ASSERT_TRUE(db.finish_change(*id, kNow, ChangeStatus::kSucceeded, 0, advance(6, "not-semver")));
  state = db.installed("t", "firmware");
  EXPECT_EQ(state->counter, 6u);
  EXPECT_EQ(state->version, "1.10.0");
  ASSERT_TRUE(db.finish_change(*id, kNow, ChangeStatus::kSucceeded, 0,
                               advance(std::numeric_limits<std::uint64_t>::max(), "1.10.1")));
  EXPECT_EQ(db.installed("t", "firmware")->counter, std::numeric_limits<std::uint64_t>::max());
  EXPECT_FALSE(db.finish_change(*id + 100, kNow, ChangeStatus::kFailed, 1, std::nullopt));
}

TEST_F(DownloadGateTest, QueriesAndBadFiles) {
  {
    StateDb db = open_db();
    for (const auto* target : {"acme/plc-5000/line3/plc1", "acme/plc-5000/line4/plc1"}) {
      ChangeRecord r;
      r.target = target;
      r.started_at = utc("2026-01-10T00:00:00Z");
      ASSERT_TRUE(db.insert_change(r).has_value());
      r.started_at = utc("2026-01-20T00:00:00Z");
      ASSERT_TRUE(db.insert_change(r).has_value());
    }
    EXPECT_EQ(db.changes({})->size(), 4u);
    EXPECT_EQ(db.changes({.target = "acme/*/line3/*", .since = std::nullopt})->size(), 2u);
    EXPECT_EQ(db.changes({.target = std::nullopt, .since = utc("2026-01-15T00:00:00Z")})->size(),
              2u);
  }
  // Readers never create the file.
  auto missing = StateDb::open_existing(std::filesystem::path(dir_.path()) / "none.db");
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->has_value());
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(dir_.path()) / "none.db"));
  // Not a database: an error, not a crash.
  const auto junk = std::filesystem::path(dir_.path()) / "junk.db";
  std::ofstream(junk) << std::string(5000, 'x');
  EXPECT_FALSE(StateDb::open(junk, false).has_value());
  EXPECT_FALSE(StateDb::open_existing(junk).has_value());
  // A file from a newer signet.
  { StateDb db = open_db(); }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &raw), SQLITE_OK);
  sqlite3_exec(raw, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
  sqlite3_close(raw);
  auto newer = StateDb::open(db_path(), false);
  ASSERT_FALSE(newer.has_value());
  EXPECT_NE(newer.error().message.find("newer"), std::string::npos);
}

// Two gates for the same target in parallel (threads here, processes in the integration test):
// the target lock makes decide -> run -> record one step, so the download of counter 5 and the
// one of counter 3 never overlap, and whichever order they take, the state ends at 5 and the
// controller never receives 3 after 5.
TEST_F(DownloadGateTest, ParallelGatesForOneTargetSerialize) {
  const auto p = policy(counter_spec());
  { StateDb init = open_db(); }
  std::mutex mutex;
  std::vector<std::uint64_t> received;  // what the "controller" got, in order
  std::atomic<int> running{0};
  std::atomic<bool> overlapped{false};

  class SlowRunner final : public CommandRunner {
   public:
    SlowRunner(std::uint64_t counter, std::mutex& m, std::vector<std::uint64_t>& received,
               std::atomic<int>& running, std::atomic<bool>& overlapped)
        : counter_(counter),
          m_(m),
          received_(received),
          running_(running),
          overlapped_(overlapped) {}
    Result<CommandResult> run(const std::vector<std::string>&) override {
      if (running_.fetch_add(1) != 0) overlapped_ = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      {
        const std::lock_guard lock(m_);
        received_.push_back(counter_);
      }
      running_.fetch_sub(1);
      return CommandResult{};
    }

   private:
    std::uint64_t counter_;
    std::mutex& m_;
    std::vector<std::uint64_t>& received_;
    std::atomic<int>& running_;
    std::atomic<bool>& overlapped_;
  };

  for (int round = 0; round < 3; ++round) {
    std::vector<std::thread> threads;
    for (const std::uint64_t counter : {5u + 10u * round, 3u + 10u * round}) {
      threads.emplace_back([&, counter] {
        auto db = StateDb::open(db_path(), false);  // each gate its own connection
        ASSERT_TRUE(db.has_value());
        SlowRunner runner(counter, mutex, received, running, overlapped);
        auto outcome = run_gate(p, *db, runner, request(counter));
        ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
      });
    }
    for (auto& t : threads) t.join();
    StateDb db = open_db();
    EXPECT_EQ(db.installed(testing::kLine3Target, "plc-program")->counter, 5u + 10u * round);
  }
  EXPECT_FALSE(overlapped.load());
  for (std::size_t i = 1; i < received.size(); ++i) {
    EXPECT_LE(received[i - 1], received[i]) << "controller got an older release after a newer one";
  }
}

TEST(TargetLockTest, OneHolderPerTarget) {
  testing::TempDir dir;
  const std::filesystem::path locks = std::filesystem::path(dir.path()) / "locks";
  auto first = TargetLock::acquire(locks, "acme/plc1", std::chrono::milliseconds(0));
  ASSERT_TRUE(first.has_value()) << first.error().message;
  std::string holder;
  auto second = TargetLock::acquire(locks, "acme/plc1", std::chrono::milliseconds(100), {},
                                    [&](const std::string& h) { holder = h; });
  ASSERT_FALSE(second.has_value());
  EXPECT_NE(second.error().message.find("in progress"), std::string::npos);
  EXPECT_NE(holder.find("pid " + std::to_string(::getpid())), std::string::npos) << holder;
  // Another target is independent.
  EXPECT_TRUE(TargetLock::acquire(locks, "acme/plc2", std::chrono::milliseconds(0)).has_value());
  // Interrupted while waiting.
  auto interrupted =
      TargetLock::acquire(locks, "acme/plc1", std::chrono::seconds(10), [] { return true; });
  ASSERT_FALSE(interrupted.has_value());
  EXPECT_NE(interrupted.error().message.find("interrupted"), std::string::npos);
  // Released with its holder.
  first = fail(Errc::kIo, "dropped");
  EXPECT_TRUE(TargetLock::acquire(locks, "acme/plc1", std::chrono::milliseconds(0)).has_value());
}

TEST(ProcessRunnerTest, ExitStatusAndSignals) {
  const ForwardedSignals signals;
  ProcessRunner runner(signals);
  auto ok = runner.run({"/bin/sh", "-c", "exit 0"});
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->exit_status, 0);
  auto seven = runner.run({"/bin/sh", "-c", "exit 7"});
  ASSERT_TRUE(seven.has_value());
  EXPECT_EQ(seven->exit_status, 7);
  auto killed = runner.run({"/bin/sh", "-c", "kill -KILL $$"});
  ASSERT_TRUE(killed.has_value());
  EXPECT_EQ(killed->signal, SIGKILL);
  EXPECT_EQ(killed->exit_status, 128 + SIGKILL);
  // No shell in between: the argument reaches the command as it is.
  testing::TempDir dir;
  const std::string out = dir.path() + "/args";
  auto args =
      runner.run({"/bin/sh", "-c", "printf '%s' \"$1\" > \"$2\"", "sh", "a b; $(rm -rf /)", out});
  ASSERT_TRUE(args.has_value());
  std::ifstream in(out);
  std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got, "a b; $(rm -rf /)");
  EXPECT_FALSE(runner.run({"/nonexistent/tool"}).has_value());
}

TEST(ProcessRunnerTest, ForwardsTermToTheCommand) {
  const ForwardedSignals signals;  // before the thread below: it inherits the mask
  ProcessRunner runner(signals);
  testing::TempDir dir;
  const std::string marker = dir.path() + "/got-term";
  std::thread killer([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::kill(::getpid(), SIGTERM);  // as a supervisor would stop the gate
  });
  auto result = runner.run({"/bin/sh", "-c",
                            "trap 'echo TERM > \"$1\"; exit 143' TERM; i=0; "
                            "while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; exit 0",
                            "sh", marker});
  killer.join();
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->exit_status, 143);
  EXPECT_EQ(result->forwarded, std::vector<int>{SIGTERM});
  EXPECT_TRUE(std::filesystem::exists(marker));
  EXPECT_FALSE(signals.take_pending().has_value());
}

TEST(ProcessRunnerTest, ResolveCommand) {
  EXPECT_EQ(resolve_command("/bin/sh").value_or(""), "/bin/sh");
  auto sh = resolve_command("sh");
  ASSERT_TRUE(sh.has_value());
  EXPECT_TRUE(sh->ends_with("/sh"));
  EXPECT_FALSE(resolve_command("signet-no-such-tool").has_value());
  EXPECT_FALSE(resolve_command("/etc/passwd").has_value());  // not executable
  EXPECT_FALSE(resolve_command("").has_value());
}

}  // namespace
}  // namespace signet::gate
