// The execution gate's decision loop without a kernel: a fake event source (scripted fanotify
// events, recorded answers) and a fake /proc probe (files by descriptor, executables by pid), real
// trust bundles signed with an in-memory test PKI, the real policy evaluation.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

#include "crypto/digest.hpp"
#include "formats/native_signature.hpp"
#include "gate/exec_class.hpp"
#include "gate/exec_gate.hpp"
#include "gate/exec_judge.hpp"
#include "gate/exec_notify.hpp"
#include "gate/exec_status.hpp"
#include "support/change_control_fixture.hpp"

namespace signet::gate {
namespace {

using testing::utc;

class FixedClock final : public telemetry::Clock {
 public:
  [[nodiscard]] TimePoint now() const override { return utc("2026-01-14T10:00:00Z"); }
};

class FakeSource final : public EventSource {
 public:
  Result<std::vector<RawEvent>> wait(std::chrono::milliseconds /*timeout*/) override {
    const std::lock_guard lock(mutex);
    if (batches.empty()) return std::vector<RawEvent>{};
    auto next = std::move(batches.front());
    batches.pop_front();
    return next;
  }
  Result<void> respond(int fd, bool allow) override {
    const std::lock_guard lock(mutex);
    answers[fd].push_back(allow);
    return {};
  }
  void close_event(int fd) noexcept override {
    const std::lock_guard lock(mutex);
    closed.push_back(fd);
  }
  void push(std::vector<RawEvent> batch) {
    const std::lock_guard lock(mutex);
    batches.push_back(std::move(batch));
  }
  bool is_closed(int fd) {
    const std::lock_guard lock(mutex);
    return std::find(closed.begin(), closed.end(), fd) != closed.end();
  }
  std::vector<bool> answers_of(int fd) {
    const std::lock_guard lock(mutex);
    return answers[fd];
  }
  std::mutex mutex;
  std::deque<std::vector<RawEvent>> batches;
  std::map<int, std::vector<bool>> answers;
  std::vector<int> closed;
};

struct FakeFile {
  FileIdentity id;
  std::string path;
  Bytes content;
  bool unreadable = false;
  bool block = false;  // read() waits until release()
};

class FakeProbe final : public FileProbe {
 public:
  // Like the kernel: a descriptor that was released cannot be asked any more.
  Result<FileIdentity> identify(int fd) override {
    if (source != nullptr && source->is_closed(fd)) return fail(Errc::kIo, "fstat: bad fd");
    const std::lock_guard lock(mutex);
    return files.at(fd).id;
  }
  std::string path_of(int fd) override {
    const std::lock_guard lock(mutex);
    return files.at(fd).path;
  }
  std::string exe_of(std::int32_t pid) override {
    const std::lock_guard lock(mutex);
    const auto it = exes.find(pid);
    return it == exes.end() ? "/usr/bin/bash" : it->second;
  }
  Result<FileContent> read(int fd, bool keep, std::uint64_t /*max*/) override {
    if (source != nullptr && source->is_closed(fd)) return fail(Errc::kIo, "read: bad fd");
    std::unique_lock lock(mutex);
    ++reads;
    FakeFile f = files.at(fd);
    if (f.block) released.wait(lock, [this] { return open_gate; });
    if (f.unreadable) return fail(Errc::kIo, "read: Input/output error");
    FileContent c;
    c.sha256 = to_hex(crypto::digest_bytes(crypto::DigestAlgorithm::kSha256, f.content));
    if (keep) c.bytes = f.content;
    return c;
  }
  void release() {
    const std::lock_guard lock(mutex);
    open_gate = true;
    released.notify_all();
  }
  int reads_so_far() {
    const std::lock_guard lock(mutex);
    return reads;
  }
  std::mutex mutex;
  std::condition_variable released;
  bool open_gate = false;
  std::map<int, FakeFile> files;
  std::map<std::int32_t, std::string> exes;
  int reads = 0;
  FakeSource* source = nullptr;
};

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }
std::string sha256_hex(const Bytes& b) {
  return to_hex(crypto::digest_bytes(crypto::DigestAlgorithm::kSha256, b));
}

constexpr std::int32_t kSelf = 100;
constexpr std::int32_t kShell = 200;
constexpr std::int32_t kPython = 300;
constexpr std::int32_t kTool = 400;

class ExecGateTest : public testing::ChangeControlFixture {
 protected:
  ExecGateTest() {
    probe_.source = &source_;
    probe_.exes[kPython] = "/usr/bin/python3.11";
    probe_.exes[kTool] = "/opt/vendor/bin/studio";
    mallory_root_.emplace(testing::issue({.subject = "O=Other, CN=Other Root", .is_ca = true},
                                         testing::KeyKind::kEcP256, nullptr));
    mallory_.emplace(testing::issue({.subject = "O=Example Plant, OU=OT Engineering, CN=Mallory",
                                     .ekus = std::vector<std::string>{"codeSigning"}},
                                    testing::KeyKind::kEcP256, &*mallory_root_));
  }

  static policy::PolicySpec gate_spec() {
    policy::PolicySpec spec;
    spec.trust_stores.push_back({.name = "plant", .anchors = {"root.pem"}});
    spec.publishers.push_back({.name = "ot-engineering",
                               .store = "plant",
                               .subject = "O=Example Plant, OU=OT Engineering, CN=*"});
    spec.rules.push_back(
        {.id = "bundles", .artifact_class = "trust-bundle", .publishers = {"ot-engineering"}});
    spec.rules.push_back({.id = "code", .artifact_class = "*", .publishers = {"ot-engineering"}});
    spec.gate = policy::GateSpec{.trust_bundles = {}, .interpreters = {"/usr/bin/python3.11"}};
    spec.guards.push_back({.path = "/srv/projects",
                           .artifact_class = "project-file",
                           .tools = {"/opt/vendor/bin/studio"}});
    return spec;
  }

  Bytes sign(const formats::Statement& statement, const testing::Issued& signer,
             const testing::Issued& issuer) const {
    auto key = testing::signing_key(signer, {issuer.cert});
    formats::NativeSignOptions options;
    options.signing_time = utc("2026-01-01T00:00:00Z");
    const crypto::SigningKey* keys[] = {&key};
    auto sig = formats::sign_statement(statement, keys, options);
    EXPECT_TRUE(sig.has_value()) << (sig ? "" : sig.error().message);
    return sig.value_or(Bytes{});
  }

  BundleInput bundle(const std::vector<Bytes>& files, std::string scope = "",
                     const testing::Issued* signer = nullptr) const {
    formats::Statement st;
    int i = 0;
    for (const auto& f : files) {
      st.subjects.push_back({"/mnt/file" + std::to_string(i++), {{"sha256", sha256_hex(f)}}});
    }
    st.predicate.artifact_class = "trust-bundle";
    st.predicate.target = std::move(scope);
    const bool stranger = signer == &*mallory_;
    return {"bundle.sig",
            sign(st, signer == nullptr ? alice_ : *signer, stranger ? *mallory_root_ : ica_)};
  }

  std::shared_ptr<const ExecGateConfig> config(std::vector<BundleInput> bundles,
                                               std::optional<policy::Mode> mode = std::nullopt,
                                               std::uint64_t generation = 1) const {
    auto p = std::make_shared<const policy::Policy>(policy(gate_spec()));
    return make_exec_config(p, bundles, mode, FixedClock().now(), generation);
  }

  void add_file(int fd, std::string path, Bytes content, std::uint64_t ino) {
    FakeFile f;
    f.id = {.dev = 1, .ino = ino, .size = content.size(), .mtime_ns = 1, .ctime_ns = 1};
    f.path = std::move(path);
    f.content = std::move(content);
    probe_.files[fd] = std::move(f);
  }

  std::unique_ptr<ExecGate> make_gate(std::shared_ptr<const ExecGateConfig> c) {
    return std::make_unique<ExecGate>(source_, probe_, std::move(c), clock_, reporter_,
                                      ExecGateOptions{.workers = 2, .self_pid = kSelf});
  }

  // Feeds one batch through the reader and waits for the workers.
  void feed(ExecGate& gate, std::vector<RawEvent> batch) {
    source_.push(std::move(batch));
    ASSERT_TRUE(gate.poll_once(std::chrono::milliseconds(0)).has_value());
    gate.drain();
    reporter_.flush();
  }

  std::vector<DecisionReport> reports() {
    const std::lock_guard lock(reports_mutex_);
    return reports_;
  }

  Bytes trusted_ = bytes_of(
      "\x7f"
      "ELF trusted tool");
  Bytes untrusted_ = bytes_of(
      "\x7f"
      "ELF dropped by an attacker");
  FakeSource source_;
  FakeProbe probe_;
  FixedClock clock_;
  std::mutex reports_mutex_;
  std::vector<DecisionReport> reports_;
  DecisionReporter reporter_{[this](const DecisionReport& r) {
                               const std::lock_guard lock(reports_mutex_);
                               reports_.push_back(r);
                             },
                             1024};
  std::optional<testing::Issued> mallory_root_;
  std::optional<testing::Issued> mallory_;
};

TEST_F(ExecGateTest, TrustedExecutionIsAllowedUntrustedDeniedEachAnsweredOnce) {
  add_file(10, "/mnt/tool", trusted_, 1);
  add_file(11, "/mnt/dropped", untrusted_, 2);
  auto gate = make_gate(config({bundle({trusted_})}));
  feed(*gate, {{kEventOpenExecPerm, 10, kShell}, {kEventOpenExecPerm, 11, kShell}});
  EXPECT_EQ(source_.answers_of(10), std::vector<bool>{true});
  EXPECT_EQ(source_.answers_of(11), std::vector<bool>{false});
  const auto s = gate->stats();
  EXPECT_EQ(s.permission_events, 2u);
  EXPECT_EQ(s.answered, 2u);
  EXPECT_EQ(s.allowed, 1u);
  EXPECT_EQ(s.denied, 1u);
  EXPECT_EQ(s.reasons.at("UNSIGNED"), 1u);
  auto r = reports();
  ASSERT_EQ(r.size(), 2u);
  const auto& denial = r[0].decision->allowed() ? r[1] : r[0];
  EXPECT_EQ(denial.context.point, "exec-gate");
  EXPECT_EQ(denial.context.operation, "exec");
  EXPECT_EQ(denial.path, "/mnt/dropped");
  const auto event = telemetry::decision_event(*denial.decision, denial.context, "h", "", {});
  EXPECT_EQ(event.technique_ids, (std::vector<std::string>{"T0849", "T0863"}));
  EXPECT_EQ(event.decision, "deny");
  const auto& allowed = r[0].decision->allowed() ? r[0] : r[1];
  EXPECT_EQ(allowed.decision->rule, "code");
  EXPECT_EQ(allowed.decision->format, "trust-bundle");
}

TEST_F(ExecGateTest, CacheHitsSkipHashingAndModificationInvalidates) {
  add_file(10, "/mnt/tool", trusted_, 1);
  auto gate = make_gate(config({bundle({trusted_})}));
  feed(*gate, {{kEventOpenExecPerm, 10, kShell}});
  add_file(12, "/mnt/tool", trusted_, 1);  // the same file opened again: a new descriptor
  feed(*gate, {{kEventOpenExecPerm, 12, kShell + 1}});
  EXPECT_EQ(probe_.reads_so_far(), 1);
  EXPECT_EQ(gate->stats().cache_hits, 1u);
  EXPECT_EQ(source_.answers_of(12), std::vector<bool>{true});

  // Altered in place: FAN_MODIFY drops the entry even though size and times look the same.
  add_file(13, "/mnt/tool", trusted_, 1);
  feed(*gate, {{kEventModify, 13, 999}});
  EXPECT_EQ(gate->stats().invalidations, 1u);
  add_file(14, "/mnt/tool", untrusted_, 1);
  probe_.files[14].id.size = trusted_.size();
  feed(*gate, {{kEventOpenExecPerm, 14, kShell + 2}});
  EXPECT_EQ(probe_.reads_so_far(), 2);
  EXPECT_EQ(source_.answers_of(14), std::vector<bool>{false});
}

TEST_F(ExecGateTest, ChangedIdentityMissesTheCache) {
  add_file(10, "/mnt/tool", trusted_, 1);
  auto gate = make_gate(config({bundle({trusted_})}));
  feed(*gate, {{kEventOpenExecPerm, 10, kShell}});
  add_file(11, "/mnt/tool", untrusted_, 1);
  probe_.files[11].id.ctime_ns = 2;  // written without an event we saw
  feed(*gate, {{kEventOpenExecPerm, 11, kShell}});
  EXPECT_EQ(source_.answers_of(11), std::vector<bool>{false});
  EXPECT_EQ(gate->stats().cache_hits, 0u);
}

TEST_F(ExecGateTest, InterpretersLibrariesAndModulesAreJudgedOtherOpensAreNot) {
  const Bytes script = bytes_of("print('hello')\n");
  add_file(20, "/mnt/untrusted.py", script, 3);  // opened by python
  add_file(21, "/mnt/untrusted.py", script, 3);  // opened by cat
  add_file(22, "/mnt/libevil.so.1", untrusted_, 4);
  add_file(23, "/mnt/rootkit.ko", untrusted_, 5);
  add_file(24, "/mnt/notes.txt", untrusted_, 6);
  auto gate = make_gate(config({bundle({trusted_})}));
  feed(*gate, {{kEventOpenPerm, 20, kPython},
               {kEventOpenPerm, 21, kShell},
               {kEventOpenPerm, 22, kShell},
               {kEventOpenPerm, 23, kShell},
               {kEventOpenPerm, 24, kShell}});
  EXPECT_EQ(source_.answers_of(20), std::vector<bool>{false});
  EXPECT_EQ(source_.answers_of(21), std::vector<bool>{true});
  EXPECT_EQ(source_.answers_of(22), std::vector<bool>{false});
  EXPECT_EQ(source_.answers_of(23), std::vector<bool>{false});
  EXPECT_EQ(source_.answers_of(24), std::vector<bool>{true});
  EXPECT_EQ(probe_.reads_so_far(), 3);
  EXPECT_EQ(gate->stats().unjudged, 2u);
  std::map<std::string, std::vector<std::string>> techniques;
  for (const auto& r : reports()) {
    techniques[r.path] =
        telemetry::decision_event(*r.decision, r.context, "h", "", {}).technique_ids;
    if (r.path.ends_with(".ko")) {
      EXPECT_EQ(r.context.operation, "load-module");
    }
  }
  EXPECT_EQ(techniques["/mnt/untrusted.py"], std::vector<std::string>{"T0863"});
  EXPECT_EQ(techniques["/mnt/libevil.so.1"], std::vector<std::string>{"T0851"});
  EXPECT_EQ(techniques["/mnt/rootkit.ko"], std::vector<std::string>{"T0851"});
}

TEST_F(ExecGateTest, TheOpenRightAfterAnAllowedExecutionIsNotJudgedTwice) {
  add_file(10, "/mnt/tool.so", trusted_, 1);  // named like a library on purpose
  add_file(11, "/mnt/tool.so", trusted_, 1);
  add_file(12, "/mnt/tool.so", trusted_, 1);
  auto gate = make_gate(config({bundle({trusted_}, "executable")}));
  feed(*gate, {{kEventOpenExecPerm, 10, kShell}});
  feed(*gate, {{kEventOpenPerm, 11, kShell}});
  EXPECT_EQ(source_.answers_of(11), std::vector<bool>{true});
  // Consumed: the next open as a library by the same process is judged (and the bundle is for
  // executables only).
  feed(*gate, {{kEventOpenPerm, 12, kShell}});
  EXPECT_EQ(source_.answers_of(12), std::vector<bool>{false});
  const auto r = reports();
  ASSERT_FALSE(r.empty());
  EXPECT_TRUE(r.back().decision->has_reason(ReasonCode::kWrongClass));
}

TEST_F(ExecGateTest, OwnOpensAreAllowedWithoutJudging) {
  add_file(10, "/mnt/dropped", untrusted_, 2);
  auto gate = make_gate(config({}));
  feed(*gate, {{kEventOpenExecPerm, 10, kSelf}});
  EXPECT_EQ(source_.answers_of(10), std::vector<bool>{true});
  EXPECT_EQ(probe_.reads_so_far(), 0);
  EXPECT_EQ(gate->stats().self_events, 1u);
}

TEST_F(ExecGateTest, AuditModeAllowsAndRecordsTheWouldDeny) {
  add_file(10, "/mnt/dropped", untrusted_, 2);
  auto gate = make_gate(config({bundle({trusted_})}, policy::Mode::kAudit));
  feed(*gate, {{kEventOpenExecPerm, 10, kShell}});
  EXPECT_EQ(source_.answers_of(10), std::vector<bool>{true});
  const auto s = gate->stats();
  EXPECT_EQ(s.would_deny, 1u);
  EXPECT_EQ(s.denied, 0u);
  const auto r = reports();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].decision->allowed());
  EXPECT_FALSE(r[0].decision->enforced);
}

TEST_F(ExecGateTest, ARuleInAuditModeReleasesUnlistedFilesOfItsClassOnly) {
  add_file(10, "/mnt/dropped", untrusted_, 2);
  add_file(11, "/mnt/libdropped.so", untrusted_, 3);
  auto spec = gate_spec();
  spec.rules.insert(spec.rules.begin() + 1, {.id = "executables-observed",
                                             .artifact_class = "executable",
                                             .publishers = {"ot-engineering"},
                                             .mode = policy::Mode::kAudit});
  auto p = std::make_shared<const policy::Policy>(policy(spec));
  auto gate =
      make_gate(make_exec_config(p, {bundle({trusted_})}, std::nullopt, FixedClock().now(), 1));
  feed(*gate, {{kEventOpenExecPerm, 10, kShell}, {kEventOpenPerm, 11, kShell + 1}});
  EXPECT_EQ(source_.answers_of(10), std::vector<bool>{true});   // executable: the audit rule
  EXPECT_EQ(source_.answers_of(11), std::vector<bool>{false});  // library: rule "code" enforces
  const auto s = gate->stats();
  EXPECT_EQ(s.would_deny, 1u);
  EXPECT_EQ(s.denied, 1u);
  const auto r = reports();
  ASSERT_EQ(r.size(), 2u);
  for (const auto& report : r) {
    ASSERT_NE(report.decision, nullptr);
    EXPECT_FALSE(report.decision->allowed());
    const bool executable = report.path == "/mnt/dropped";
    EXPECT_EQ(report.decision->rule,
              std::optional<std::string>(executable ? "executables-observed" : "code"));
    EXPECT_EQ(report.decision->enforced, !executable);
  }
}

TEST_F(ExecGateTest, BundlesCountOnlyWhenPolicyAcceptsThem) {
  add_file(10, "/mnt/tool", trusted_, 1);
  auto gate = make_gate(config({bundle({trusted_}, "", &*mallory_)}));
  ASSERT_EQ(gate->config()->trust.bundles().size(), 1u);
  EXPECT_FALSE(gate->config()->trust.bundles()[0].accepted);
  feed(*gate, {{kEventOpenExecPerm, 10, kShell}});
  EXPECT_EQ(source_.answers_of(10), std::vector<bool>{false});
  EXPECT_EQ(gate->stats().reasons.at("UNSIGNED"), 1u);
}

TEST_F(ExecGateTest, ABundleScopedToLibrariesDoesNotAllowExecution) {
  add_file(10, "/mnt/tool", trusted_, 1);
  add_file(11, "/mnt/libtool.so", trusted_, 1);
  auto gate = make_gate(config({bundle({trusted_}, "library")}));
  feed(*gate, {{kEventOpenExecPerm, 10, kShell}, {kEventOpenPerm, 11, kShell + 1}});
  EXPECT_EQ(source_.answers_of(10), std::vector<bool>{false});
  EXPECT_EQ(source_.answers_of(11), std::vector<bool>{true});
  EXPECT_EQ(gate->stats().reasons.at("WRONG_CLASS"), 1u);
}

TEST_F(ExecGateTest, ErrorPathsStillAnswerExactlyOnce) {
  add_file(10, "/mnt/tool", trusted_, 1);
  probe_.files[10].unreadable = true;
  add_file(11, "/mnt/tool2", trusted_, 7);
  auto gate = make_gate(config({bundle({trusted_})}));
  feed(*gate, {{kEventOpenExecPerm, 10, kShell}, {0x00020000 /*FAN_ACCESS_PERM*/, 11, kShell}});
  EXPECT_EQ(source_.answers_of(10), std::vector<bool>{false});
  EXPECT_EQ(source_.answers_of(11), std::vector<bool>{false});
  EXPECT_EQ(gate->stats().reasons.at("MALFORMED"), 1u);
  EXPECT_EQ(gate->stats().answered, 2u);
  EXPECT_GE(gate->stats().errors, 2u);
}

TEST_F(ExecGateTest, QueuedEventsAreAnsweredWhenTheGateStops) {
  add_file(10, "/mnt/big", untrusted_, 1);
  probe_.files[10].block = true;
  auto gate = make_gate(config({}));
  source_.push({{kEventOpenExecPerm, 10, kShell}});
  ASSERT_TRUE(gate->poll_once(std::chrono::milliseconds(0)).has_value());
  probe_.release();
  gate.reset();
  EXPECT_EQ(source_.answers_of(10).size(), 1u);
}

TEST_F(ExecGateTest, ALargeFileBeingHashedDoesNotHoldUpOtherDecisions) {
  add_file(10, "/mnt/huge", untrusted_, 1);
  probe_.files[10].block = true;
  add_file(11, "/mnt/tool", trusted_, 2);
  auto gate = make_gate(config({bundle({trusted_})}));
  source_.push({{kEventOpenExecPerm, 10, kShell}, {kEventOpenExecPerm, 11, kShell + 1}});
  ASSERT_TRUE(gate->poll_once(std::chrono::milliseconds(0)).has_value());
  for (int i = 0; i < 500 && source_.answers_of(11).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(source_.answers_of(11), std::vector<bool>{true});
  EXPECT_TRUE(source_.answers_of(10).empty());
  EXPECT_EQ(gate->stats().in_flight, 1u);
  probe_.release();
  gate->drain();
  EXPECT_EQ(source_.answers_of(10), std::vector<bool>{false});
}

TEST_F(ExecGateTest, ReloadSwapsTheConfigurationAndDropsTheCache) {
  add_file(10, "/mnt/tool", trusted_, 1);
  auto gate = make_gate(config({}));
  feed(*gate, {{kEventOpenExecPerm, 10, kShell}});
  EXPECT_EQ(source_.answers_of(10), std::vector<bool>{false});
  gate->replace_config(config({bundle({trusted_})}, std::nullopt, 2));
  add_file(11, "/mnt/tool", trusted_, 1);
  feed(*gate, {{kEventOpenExecPerm, 11, kShell}});
  EXPECT_EQ(source_.answers_of(11), std::vector<bool>{true});
  EXPECT_EQ(gate->stats().cache_hits, 0u);
}

TEST_F(ExecGateTest, OverflowDropsTheWholeCache) {
  add_file(10, "/mnt/tool", trusted_, 1);
  auto gate = make_gate(config({bundle({trusted_})}));
  feed(*gate, {{kEventOpenExecPerm, 10, kShell}});
  EXPECT_EQ(gate->stats().cache_entries, 1u);
  feed(*gate, {{kEventOverflow, -1, 0}});
  EXPECT_EQ(gate->stats().cache_entries, 0u);
  EXPECT_EQ(gate->stats().overflows, 1u);
}

TEST_F(ExecGateTest, ProjectFilesNeedASignatureAndAWriteThatBreaksItRaisesT0873) {
  const std::filesystem::path root = std::filesystem::path(dir_.path()) / "projects";
  std::filesystem::create_directories(root / "line3");
  auto spec = gate_spec();
  spec.guards[0].path = root.string();
  auto p = std::make_shared<const policy::Policy>(policy(spec));
  auto c = make_exec_config(p, {}, std::nullopt, clock_.now(), 1);

  const Bytes project = bytes_of("PROJECT line3 v1");
  const std::string signed_path = (root / "line3" / "plant.ap18").string();
  formats::Statement st;
  st.subjects.push_back({"plant.ap18", {{"sha256", sha256_hex(project)}}});
  st.predicate.artifact_class = "project-file";
  const Bytes sig = sign(st, alice_, ica_);
  std::ofstream(signed_path + ".sig", std::ios::binary)
      .write(reinterpret_cast<const char*>(sig.data()), static_cast<std::streamsize>(sig.size()));

  add_file(30, signed_path, project, 30);
  add_file(31, (root / "line3" / "other.ap18").string(), project, 31);
  add_file(32, signed_path, project, 30);  // read by someone who is not a listed tool
  auto gate = make_gate(c);
  feed(*gate,
       {{kEventOpenPerm, 30, kTool}, {kEventOpenPerm, 31, kTool}, {kEventOpenPerm, 32, kShell}});
  EXPECT_EQ(source_.answers_of(30), std::vector<bool>{true});
  EXPECT_EQ(source_.answers_of(31), std::vector<bool>{false});
  EXPECT_EQ(source_.answers_of(32), std::vector<bool>{true});

  // The tool saves a change: the signature no longer covers the file.
  add_file(33, signed_path, bytes_of("PROJECT line3 v2 infected"), 30);
  feed(*gate, {{kEventCloseWrite, 33, kTool}});
  EXPECT_EQ(gate->stats().guard_alerts, 1u);
  const auto r = reports();
  const auto alert = std::find_if(
      r.begin(), r.end(), [](const DecisionReport& d) { return d.context.operation == "modify"; });
  ASSERT_NE(alert, r.end());
  const auto event = telemetry::decision_event(*alert->decision, alert->context, "h", "", {});
  EXPECT_EQ(event.kind, telemetry::EventKind::kAlert);
  EXPECT_EQ(event.technique_ids, (std::vector<std::string>{"T0873.001", "T0873"}));
  EXPECT_TRUE(alert->decision->has_reason(ReasonCode::kDigestMismatch));
}

TEST_F(ExecGateTest, StatusDocumentCarriesTheCounters) {
  add_file(10, "/mnt/dropped", untrusted_, 2);
  auto gate = make_gate(config({bundle({trusted_})}));
  feed(*gate, {{kEventOpenExecPerm, 10, kShell}});
  ExecStatusFacts facts;
  facts.pid = 42;
  const auto j = exec_status_json(facts, *gate->config(), gate->stats());
  EXPECT_EQ(j["denied"], 1u);
  EXPECT_EQ(j["answered"], 1u);
  EXPECT_EQ(j["reasons"]["UNSIGNED"], 1u);
  EXPECT_EQ(j["bundles"][0]["accepted"], true);
  EXPECT_EQ(j["mode"], "enforce");
  EXPECT_NE(exec_status_text(j).find("UNSIGNED: 1"), std::string::npos);
}

constexpr std::string_view kPolicyHead = R"(
[trust_store.plant]
anchors = ["root.pem"]
[publisher.ot]
store = "plant"
subject = "CN=*"
[[rule]]
id = "bundles"
class = "trust-bundle"
publishers = ["ot"]
)";

TEST(ExecPolicy, GateAndGuardKeysAreParsed) {
  const std::string text = std::string(kPolicyHead) + R"(
[gate]
trust_bundles = ["b.sig"]
interpreters = ["/usr/bin/python3", "/bin/sh"]
[[guard]]
path = "projects"
class = "project-file"
tools = ["/opt/studio"]
)";
  auto spec = policy::parse_policy(text);
  ASSERT_TRUE(spec.has_value()) << spec.error().message;
  ASSERT_TRUE(spec->gate.has_value());
  EXPECT_EQ(spec->gate->trust_bundles, std::vector<std::string>{"b.sig"});
  EXPECT_EQ(spec->gate->interpreters.size(), 2u);
  ASSERT_EQ(spec->guards.size(), 1u);
  EXPECT_EQ(spec->guards[0].path, "projects");
  EXPECT_EQ(spec->guards[0].tools, std::vector<std::string>{"/opt/studio"});
}

TEST(ExecPolicy, BadGateAndGuardKeysAreRefusedWithThePlace) {
  const std::pair<std::string, std::string> cases[] = {
      {"[gate]\nbogus = 1\n", "gate: unknown key 'bogus'"},
      {"[gate]\ninterpreters = [\"python3\"]\n", "must list absolute paths"},
      {"[gate]\ntrust_bundles = \"b.sig\"\n", "must be an array of strings"},
      {"[[guard]]\npath = \"p\"\nclass = \"firmware\"\ntools = [\"/t\"]\n",
       "must be \"project-file\""},
      {"[[guard]]\npath = \"p\"\nclass = \"project-file\"\n", "missing required key 'tools'"},
      {"[[guard]]\npath = \"p\"\nclass = \"project-file\"\ntools = []\n", "must not be empty"},
      {"guard = 3\n", "array of tables"},
  };
  for (const auto& [extra, expected] : cases) {
    // Top-level keys must come before the first table.
    const std::string text = extra.starts_with("guard =") ? extra + std::string(kPolicyHead)
                                                          : std::string(kPolicyHead) + extra;
    auto spec = policy::parse_policy(text);
    ASSERT_FALSE(spec.has_value()) << extra;
    EXPECT_EQ(spec.error().code, Errc::kPolicyInvalid);
    EXPECT_NE(spec.error().message.find(expected), std::string::npos)
        << extra << " -> " << spec.error().message;
  }
}

// sd_notify without libsystemd: one datagram per message to $NOTIFY_SOCKET, path or abstract.
TEST(ExecNotify, DatagramsReachTheNotifySocket) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/notify";
  const std::string abstract = "@signet-test-notify-" + std::to_string(::getpid());
  for (const std::string& name : {path, abstract}) {
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, name.data(), name.size());
    socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    if (name.front() == '@') {
      address.sun_path[0] = '\0';
    } else {
      length += 1;
    }
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), length), 0) << name;
    const SystemdNotifier notifier(name, std::chrono::seconds(30));
    EXPECT_TRUE(notifier.enabled());
    ASSERT_TRUE(notifier.notify("READY=1").has_value());
    ASSERT_TRUE(notifier.notify("WATCHDOG=1").has_value());
    char buf[64] = {};
    EXPECT_EQ(::recv(fd, buf, sizeof buf, 0), 7);
    EXPECT_EQ(std::string(buf, 7), "READY=1");
    EXPECT_EQ(::recv(fd, buf, sizeof buf, 0), 10);
    EXPECT_EQ(std::string(buf, 10), "WATCHDOG=1");
    ::close(fd);
  }
  EXPECT_TRUE(SystemdNotifier().notify("READY=1").has_value());  // no socket: nothing to do
  EXPECT_FALSE(SystemdNotifier("/nonexistent/notify").notify("READY=1").has_value());
}

TEST(ExecClass, NamesAndPaths) {
  EXPECT_TRUE(looks_like_shared_object("libc.so.6"));
  EXPECT_TRUE(looks_like_shared_object("libx.so"));
  EXPECT_TRUE(looks_like_shared_object("libx.so.1.2.3"));
  EXPECT_FALSE(looks_like_shared_object("notes.so.txt"));
  EXPECT_FALSE(looks_like_shared_object(".so"));
  EXPECT_TRUE(looks_like_kernel_module("rootkit.ko"));
  EXPECT_TRUE(looks_like_kernel_module("e1000.ko.xz"));
  EXPECT_FALSE(looks_like_kernel_module(".ko"));
  EXPECT_TRUE(path_is_under("/srv/p/a", "/srv/p"));
  EXPECT_TRUE(path_is_under("/srv/p", "/srv/p/"));
  EXPECT_FALSE(path_is_under("/srv/pp/a", "/srv/p"));
}

TEST(ExecTrust, BundleScope) {
  auto all = bundle_scope("");
  EXPECT_TRUE(all[0] && all[1] && all[2] && all[3]);
  auto host = bundle_scope("hmi-3");  // a baseline's target: every class
  EXPECT_TRUE(host[0] && host[3]);
  auto some = bundle_scope("executable, script");
  EXPECT_TRUE(some[class_index(GateClass::kExecutable)]);
  EXPECT_TRUE(some[class_index(GateClass::kScript)]);
  EXPECT_FALSE(some[class_index(GateClass::kLibrary)]);
  EXPECT_EQ(scope_target("executable,library,executable").value_or("?"), "executable,library");
  EXPECT_FALSE(scope_target("firmware").has_value());
}

}  // namespace
}  // namespace signet::gate
