// The audit log: appends with a real CMS checkpoint signer, and `audit verify` findings for an
// untouched, edited, deleted, swapped and truncated log, and for forged checkpoints.
#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/file_io.hpp"
#include "support/test_pki.hpp"
#include "telemetry/audit_log.hpp"

namespace signet::telemetry {
namespace {

using signet::testing::CertSpec;
using signet::testing::KeyKind;

class FixedClock final : public Clock {
 public:
  TimePoint now() const override { return TimePoint{std::chrono::seconds{1'800'000'000}}; }
};

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::make_unique<signet::testing::Issued>(signet::testing::issue(
        {.subject = "O=Example Plant, CN=Audit Root", .is_ca = true}, KeyKind::kEcP256, nullptr));
    signer_ = std::make_unique<signet::testing::Issued>(
        signet::testing::issue({.subject = "O=Example Plant, CN=Audit Signer",
                                .ekus = std::vector<std::string>{"codeSigning"}},
                               KeyKind::kEcP256, root_.get()));
    const auto dir = std::filesystem::path(tmp_.path());
    key_file_ = dir / "audit.key";
    cert_file_ = dir / "audit.pem";
    log_ = dir / "audit.log";
    // The signer's key as an unencrypted development key file (tests only).
    crypto::BioPtr bio(BIO_new_file(key_file_.c_str(), "w"));
    ASSERT_TRUE(PEM_write_bio_PrivateKey(bio.get(), signer_->key.get(), nullptr, nullptr, 0,
                                         nullptr, nullptr));
    bio.reset();
    const std::string pem = signer_->cert.pem() + root_->cert.pem();
    ASSERT_TRUE(write_file_atomic(cert_file_,
                                  {reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size()}));
  }

  // n events with a checkpoint after every `every`.
  void write_events(int n, std::uint32_t every, bool sign = true) {
    auto log = AuditLog::open(
        log_, every,
        sign ? make_cms_checkpoint_signer("file:" + key_file_.string(), cert_file_) : nullptr,
        std::make_shared<FixedClock>());
    ASSERT_TRUE(log) << log.error().message;
    for (int i = 1; i <= n; ++i) {
      const std::vector<std::string> record = {"{\"event\":{\"sequence\":" + std::to_string(i) +
                                               "}}"};
      const auto written = (*log)->write(record);
      ASSERT_TRUE(written.ok()) << written.error->message;
    }
  }

  std::vector<std::string> lines() {
    std::ifstream in(log_);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  void put_lines(const std::vector<std::string>& lines, bool final_newline = true) {
    std::string text;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      text += lines[i];
      if (i + 1 < lines.size() || final_newline) text += '\n';
    }
    ASSERT_TRUE(
        write_file_atomic(log_, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}));
  }
  AuditReport verify(std::vector<crypto::Certificate> pinned = {}) {
    auto text = read_file_text(log_);
    EXPECT_TRUE(text);
    return verify_audit_log(*text, make_cms_checkpoint_verifier(std::move(pinned)));
  }

  signet::testing::TempDir tmp_;
  std::unique_ptr<signet::testing::Issued> root_;
  std::unique_ptr<signet::testing::Issued> signer_;
  std::filesystem::path key_file_, cert_file_, log_;
};

TEST_F(AuditLogTest, UntouchedLogIsIntactWithCheckpoints) {
  write_events(12, 5);
  const auto all = lines();
  ASSERT_EQ(all.size(), 14u);  // 12 events + checkpoints after 5 and 10
  auto r = parse_audit_record(all[5]);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->checkpoint);
  EXPECT_EQ(r->to, 5u);
  const auto report = verify({root_->cert});
  EXPECT_EQ(report.finding, AuditFinding::kIntact) << report.detail;
  EXPECT_EQ(report.records, 14u);
  EXPECT_EQ(report.checkpoints, 2u);
  EXPECT_EQ(report.last_signed_seq, 11u);  // seq 11 is the 10th event
  EXPECT_EQ(report.unsigned_tail, 2u);
  EXPECT_EQ(report.signer, "O=Example Plant, CN=Audit Signer");
}

TEST_F(AuditLogTest, ManualCheckpointSealsTheTail) {
  write_events(3, 100);
  auto log = AuditLog::open(log_, 100,
                            make_cms_checkpoint_signer("file:" + key_file_.string(), cert_file_),
                            std::make_shared<FixedClock>());
  ASSERT_TRUE(log);
  ASSERT_TRUE((*log)->checkpoint());
  ASSERT_TRUE((*log)->checkpoint());  // nothing new: no second checkpoint
  EXPECT_EQ(lines().size(), 4u);
  const auto report = verify();
  EXPECT_EQ(report.finding, AuditFinding::kIntact);
  EXPECT_EQ(report.unsigned_tail, 0u);
}

TEST_F(AuditLogTest, EditedRecordIsFound) {
  write_events(8, 5);
  auto all = lines();
  const auto pos = all[2].find("\"sequence\":3");
  ASSERT_NE(pos, std::string::npos);
  all[2].replace(pos, 12, "\"sequence\":9");  // still valid JSON, different bytes
  put_lines(all);
  const auto report = verify();
  EXPECT_EQ(report.finding, AuditFinding::kBroken);
  EXPECT_EQ(report.seq, 3u);
  EXPECT_EQ(report.line, 3u);
}

TEST_F(AuditLogTest, DeletedRecordIsFound) {
  write_events(8, 5);
  auto all = lines();
  all.erase(all.begin() + 3);  // seq 4
  put_lines(all);
  const auto report = verify();
  EXPECT_EQ(report.finding, AuditFinding::kMissing);
  EXPECT_EQ(report.seq, 4u);
}

TEST_F(AuditLogTest, SwappedRecordsAreFound) {
  write_events(8, 5);
  auto all = lines();
  std::swap(all[1], all[2]);
  put_lines(all);
  const auto report = verify();
  EXPECT_EQ(report.finding, AuditFinding::kReordered);
  EXPECT_EQ(report.line, 2u);
}

TEST_F(AuditLogTest, TruncatedTailIsFound) {
  write_events(8, 5);
  auto all = lines();
  all.back().resize(all.back().size() / 2);
  put_lines(all, /*final_newline=*/false);
  const auto report = verify();
  EXPECT_EQ(report.finding, AuditFinding::kTruncated);
  EXPECT_EQ(report.seq, 9u);
  // Cut at a record boundary: the chain holds, and what follows the checkpoint is unsigned.
  all.pop_back();
  put_lines(all);
  const auto cut = verify();
  EXPECT_EQ(cut.finding, AuditFinding::kIntact);
  EXPECT_EQ(cut.unsigned_tail, 2u);
}

TEST_F(AuditLogTest, ForgedOrForeignCheckpointIsFound) {
  write_events(6, 5);
  // Pinned to another CA: the signature verifies but nobody vouches for the signer.
  const auto other = signet::testing::issue({.subject = "CN=Other Root", .is_ca = true},
                                            KeyKind::kEcP256, nullptr);
  auto report = verify({other.cert});
  EXPECT_EQ(report.finding, AuditFinding::kBadCheckpoint);
  // A checkpoint whose signature was replaced by garbage.
  auto all = lines();
  auto cp = parse_audit_record(all[5]);
  ASSERT_TRUE(cp && cp->checkpoint);
  cp->signature = "AAAA";
  all[5] = render_audit_record(*cp);
  all.pop_back();  // the record after it no longer chains anyway
  put_lines(all);
  report = verify();
  EXPECT_EQ(report.finding, AuditFinding::kBadCheckpoint);
  EXPECT_EQ(report.seq, 6u);
}

TEST_F(AuditLogTest, WithoutSignerEverythingIsUnsignedTail) {
  write_events(4, 2, /*sign=*/false);
  const auto report = verify();
  EXPECT_EQ(report.finding, AuditFinding::kIntact);
  EXPECT_EQ(report.checkpoints, 0u);
  EXPECT_EQ(report.unsigned_tail, 4u);
}

TEST(AuditRecordTest, StrictParsing) {
  AuditRecord r;
  r.seq = 1;
  r.time = "2027-01-15T08:00:00Z";
  r.prev = std::string(kGenesisHash);
  r.event_json = "{\"a\":1}";
  const std::string line = render_audit_record(r);
  auto back = parse_audit_record(line);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->event_json, "{\"a\":1}");
  EXPECT_FALSE(parse_audit_record("{}"));
  EXPECT_FALSE(parse_audit_record(line.substr(0, line.size() - 1)));
  EXPECT_FALSE(parse_audit_record(
      R"({"seq":1,"time":"t","prev":"00","type":"event","event":{}})"));  // short hash
  EXPECT_FALSE(parse_audit_record(R"({"seq":1,"time":"t","prev":")" + std::string(kGenesisHash) +
                                  R"(","type":"event","event":{},"extra":1})"));
  EXPECT_FALSE(parse_audit_record(R"({"seq":0,"time":"t","prev":")" + std::string(kGenesisHash) +
                                  R"(","type":"event","event":{}})"));
}

}  // namespace
}  // namespace signet::telemetry
