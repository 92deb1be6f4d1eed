// policy::evaluate() on evidence built by hand from an in-memory PKI; every reason code asserted.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "crypto/timestamp.hpp"
#include "crypto/x509_verify.hpp"
#include "policy/evaluate.hpp"
#include "support/test_pki.hpp"

namespace signet::policy {
namespace {

using testing::CertSpec;
using testing::Issued;
using testing::KeyKind;

TimePoint at(std::int64_t unix_seconds) { return TimePoint{std::chrono::seconds{unix_seconds}}; }

constexpr std::int64_t k2024 = 1'704'067'200;  // 2024-01-01
constexpr std::int64_t k2025 = 1'735'689'600;  // 2025-01-01
constexpr std::int64_t k2026 = 1'767'225'600;  // 2026-01-01
const std::string kDigest = std::string(64, 'a');
const std::string kOtherDigest = std::string(64, 'b');
const std::string kCodeSigning = "codeSigning";
const std::string kAliceSubject = "O=Example Plant, OU=OT Engineering, CN=Alice";

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

void write_der(const std::filesystem::path& path, const Bytes& der) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(der.data()), static_cast<std::streamsize>(der.size()));
}

// A plant PKI (root -> issuing CA -> signers), an unrelated root, a TSA, and a policy over them.
class PolicyEvaluateTest : public ::testing::Test {
 protected:
  PolicyEvaluateTest()
      : root_(testing::issue({.subject = "O=Example Plant, CN=Plant Root", .is_ca = true},
                             KeyKind::kEcP256, nullptr)),
        ica_(testing::issue({.subject = "O=Example Plant, CN=Plant Issuing CA", .is_ca = true},
                            KeyKind::kEcP256, &root_)),
        alice_(leaf(kAliceSubject, std::vector<std::string>{kCodeSigning})),
        other_root_(testing::issue({.subject = "O=Elsewhere, CN=Other Root", .is_ca = true},
                                   KeyKind::kEcP256, nullptr)),
        tsa_(testing::issue({.subject = "O=Example Plant, CN=Plant TSA",
                             .ekus = std::vector<std::string>{"timeStamping"},
                             .eku_critical = true},
                            KeyKind::kEcP256, &root_)) {
    write_text(dir_path() / "root.pem", root_.cert.pem());
    write_text(dir_path() / "other-root.pem", other_root_.cert.pem());
  }

  std::filesystem::path dir_path() const { return dir_.path(); }

  Issued leaf(const std::string& subject, std::optional<std::vector<std::string>> ekus,
              TimePoint not_before = at(1'700'000'000), TimePoint not_after = at(2'000'000'000)) {
    return testing::issue({.subject = subject,
                           .ekus = std::move(ekus),
                           .not_before = not_before,
                           .not_after = not_after},
                          KeyKind::kEcP256, &ica_);
  }

  static PolicySpec base_spec() {
    PolicySpec spec;
    spec.trust_stores.push_back({.name = "plant", .anchors = {"root.pem"}});
    spec.publishers.push_back({.name = "ot-engineering",
                               .store = "plant",
                               .subject = "O=Example Plant, OU=OT Engineering, CN=*"});
    spec.rules.push_back({.id = "plc-line3",
                          .artifact_class = "plc-program",
                          .target = "acme/*/line3/*",
                          .publishers = {"ot-engineering"}});
    return spec;
  }

  Policy policy(const PolicySpec& spec) const {
    auto loaded = Policy::from_spec(spec, dir_path());
    EXPECT_TRUE(loaded.has_value()) << loaded.error().message;
    return std::move(*loaded);
  }

  formats::SignatureEvidence evidence(std::vector<const Issued*> signers) const {
    formats::SignatureEvidence ev;
    ev.format = "signet";
    ev.certificates = {ica_.cert};
    ev.statement = formats::Statement{
        .subjects = {{.name = "prog.bin", .digest = {{"sha256", kDigest}}},
                     {.name = "prog.cfg", .digest = {{"sha256", std::string(64, 'c')}}}},
        .predicate = {.artifact_class = "plc-program", .target = "acme/plc-5000/line3/plc1"}};
    for (const Issued* signer : signers) {
      formats::SignerEvidence s;
      s.certificate = signer->cert;
      s.digest_algorithm = "sha256";
      ev.signers.push_back(std::move(s));
    }
    return ev;
  }

  static EvaluationContext context(std::int64_t now = k2026) {
    EvaluationContext ctx;
    ctx.now = at(now);
    ctx.artifacts = {{.path = "/srv/plc/prog.bin", .sha256 = kDigest}};
    return ctx;
  }

  // An RFC 3161 token by the plant TSA over `data` at `gen_time`.
  formats::TimestampEvidence timestamp(const Bytes& data, TimePoint gen_time) const {
    const crypto::SigningKey key = testing::signing_key(tsa_);
    auto token = crypto::create_timestamp_token({.data = data, .gen_time = gen_time}, key);
    EXPECT_TRUE(token.has_value()) << token.error().message;
    return {.token = *token, .covered_data = data};
  }

  testing::TempDir dir_;
  Issued root_;
  Issued ica_;
  Issued alice_;
  Issued other_root_;
  Issued tsa_;
};

void expect_deny(const Decision& d, ReasonCode code) {
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_TRUE(d.has_reason(code)) << "missing " << reason_name(code)
                                  << "; reasons:" << ::testing::PrintToString([&] {
                                       std::vector<std::string> names;
                                       for (const auto& r : d.reasons) {
                                         names.push_back(std::string(reason_name(r.code)) + " " +
                                                         r.detail);
                                       }
                                       return names;
                                     }());
}

TEST_F(PolicyEvaluateTest, Allow) {
  const Decision d = evaluate(policy(base_spec()), evidence({&alice_}), context());
  EXPECT_EQ(d.verdict, Verdict::kAllow);
  EXPECT_TRUE(d.reasons.empty());
  EXPECT_EQ(d.rule, "plc-line3");
  EXPECT_EQ(d.mode, Mode::kEnforce);
  EXPECT_TRUE(d.enforced);
  EXPECT_EQ(d.format, "signet");
  EXPECT_EQ(d.evaluated_at, at(k2026));
  ASSERT_TRUE(d.statement.has_value());
  ASSERT_EQ(d.signers.size(), 1u);
  EXPECT_TRUE(d.signers[0].trusted);
  EXPECT_EQ(d.signers[0].publisher, "ot-engineering");
  EXPECT_EQ(d.signers[0].subject, alice_.cert.subject());
  EXPECT_EQ(d.signers[0].fingerprint_sha256, alice_.cert.sha256_fingerprint());
  EXPECT_EQ(d.signers[0].validated_at, at(k2026));
  EXPECT_FALSE(d.signers[0].timestamp.has_value());
  ASSERT_EQ(d.artifacts.size(), 1u);
  EXPECT_TRUE(d.artifacts[0].covered);
  EXPECT_EQ(d.artifacts[0].subject, "prog.bin");
  EXPECT_EQ(distinct_trusted_signers(d), 1u);
}

TEST_F(PolicyEvaluateTest, NoRuleForClass) {
  auto ev = evidence({&alice_});
  ev.statement->predicate.artifact_class = "firmware";
  const Decision d = evaluate(policy(base_spec()), ev, context());
  expect_deny(d, ReasonCode::kNoRule);
  EXPECT_FALSE(d.rule.has_value());
  ASSERT_EQ(d.signers.size(), 1u);  // still informative
  EXPECT_FALSE(d.signers[0].trusted);
  EXPECT_EQ(d.signers[0].subject, alice_.cert.subject());
  EXPECT_EQ(d.artifacts.size(), 1u);
  EXPECT_NE(d.reasons[0].detail.find("firmware"), std::string::npos);
}

TEST_F(PolicyEvaluateTest, NoRuleForTarget) {
  auto ev = evidence({&alice_});
  ev.statement->predicate.target = "acme/plc-5000/line4/plc1";
  expect_deny(evaluate(policy(base_spec()), ev, context()), ReasonCode::kNoRule);
}

TEST_F(PolicyEvaluateTest, NoClassOrTarget) {
  auto ev = evidence({&alice_});
  ev.statement.reset();
  const Decision d = evaluate(policy(base_spec()), ev, context());
  expect_deny(d, ReasonCode::kNoRule);
  EXPECT_NE(d.reasons[0].detail.find("no class/target"), std::string::npos);
  // Without a Statement the caller may name class and target; the format unit says which bytes
  // the signature covers.
  ev.covered.push_back({.sha256 = kDigest, .content_verified = true, .detail = "test"});
  auto ctx = context();
  ctx.artifact_class = "plc-program";
  ctx.target = "acme/plc-5000/line3/plc9";
  EXPECT_EQ(evaluate(policy(base_spec()), ev, ctx).verdict, Verdict::kAllow);
}

TEST_F(PolicyEvaluateTest, WrongClassAndTarget) {
  auto ctx = context();
  ctx.artifact_class = "firmware";
  expect_deny(evaluate(policy(base_spec()), evidence({&alice_}), ctx), ReasonCode::kWrongClass);
  ctx = context();
  ctx.target = "acme/plc-5000/line3/plc2";
  expect_deny(evaluate(policy(base_spec()), evidence({&alice_}), ctx), ReasonCode::kWrongTarget);
  ctx.target = "acme/*/line3/*";  // the caller's target may be a pattern
  EXPECT_EQ(evaluate(policy(base_spec()), evidence({&alice_}), ctx).verdict, Verdict::kAllow);
}

TEST_F(PolicyEvaluateTest, Unsigned) {
  expect_deny(evaluate(policy(base_spec()), evidence({}), context()), ReasonCode::kUnsigned);
}

TEST_F(PolicyEvaluateTest, DigestMismatchTampered) {
  auto ctx = context();
  ctx.artifacts[0].sha256 = kOtherDigest;
  const Decision d = evaluate(policy(base_spec()), evidence({&alice_}), ctx);
  expect_deny(d, ReasonCode::kDigestMismatch);
  EXPECT_FALSE(d.artifacts[0].covered);
  EXPECT_NE(d.reasons[0].detail.find("but the signature says " + kDigest), std::string::npos);
}

TEST_F(PolicyEvaluateTest, DigestMismatchNotCovered) {
  auto ctx = context();
  ctx.artifacts.push_back({.path = "/srv/plc/extra.bin", .sha256 = kOtherDigest});
  const Decision d = evaluate(policy(base_spec()), evidence({&alice_}), ctx);
  expect_deny(d, ReasonCode::kDigestMismatch);
  EXPECT_TRUE(d.artifacts[0].covered);
  EXPECT_FALSE(d.artifacts[1].covered);
  EXPECT_NE(d.reasons[0].detail.find("is not covered by the signature"), std::string::npos);
}

TEST_F(PolicyEvaluateTest, RenamedFileIsCoveredByDigest) {
  auto ctx = context();
  ctx.artifacts[0].path = "/srv/plc/renamed.bin";
  ctx.artifacts[0].sha256 = std::string(64, 'A');  // hex case does not matter
  const Decision d = evaluate(policy(base_spec()), evidence({&alice_}), ctx);
  EXPECT_EQ(d.verdict, Verdict::kAllow);
  EXPECT_EQ(d.artifacts[0].subject, "prog.bin");
}

TEST_F(PolicyEvaluateTest, UntrustedChain) {
  const Issued stranger =
      testing::issue({.subject = kAliceSubject, .ekus = std::vector<std::string>{kCodeSigning}},
                     KeyKind::kEcP256, &other_root_);
  const Decision d = evaluate(policy(base_spec()), evidence({&stranger}), context());
  expect_deny(d, ReasonCode::kUntrustedChain);
  EXPECT_FALSE(d.signers[0].trusted);
}

TEST_F(PolicyEvaluateTest, ExpiredWithoutTimestamp) {
  const Issued old =
      leaf(kAliceSubject, std::vector<std::string>{kCodeSigning}, at(k2024), at(k2025));
  const Decision d = evaluate(policy(base_spec()), evidence({&old}), context(k2026));
  expect_deny(d, ReasonCode::kCertExpired);
  EXPECT_EQ(d.reasons.size(), 1u);
}

TEST_F(PolicyEvaluateTest, IgnoreExpiry) {
  const Issued old =
      leaf(kAliceSubject, std::vector<std::string>{kCodeSigning}, at(k2024), at(k2025));
  auto spec = base_spec();
  spec.trust_stores[0].verify_time = VerifyTime::kIgnoreExpiry;
  EXPECT_EQ(evaluate(policy(spec), evidence({&old}), context(k2026)).verdict, Verdict::kAllow);
}

TEST_F(PolicyEvaluateTest, Revoked) {
  const Issued bob =
      leaf("O=Example Plant, OU=OT Engineering, CN=Bob", std::vector<std::string>{kCodeSigning});
  write_der(dir_path() / "root.crl",
            testing::make_crl(root_, {}, at(k2024), at(2'000'000'000)).der());
  write_der(dir_path() / "ica.crl",
            testing::make_crl(ica_, {alice_.cert}, at(k2024), at(2'000'000'000)).der());
  auto spec = base_spec();
  spec.trust_stores[0].crls = {"root.crl", "ica.crl"};
  const Policy with_crls = policy(spec);
  expect_deny(evaluate(with_crls, evidence({&alice_}), context()), ReasonCode::kCertRevoked);
  EXPECT_EQ(evaluate(with_crls, evidence({&bob}), context()).verdict, Verdict::kAllow);
}

TEST_F(PolicyEvaluateTest, CrlsListedMakeRevocationMandatory) {
  write_der(dir_path() / "root.crl",
            testing::make_crl(root_, {}, at(k2024), at(2'000'000'000)).der());
  auto spec = base_spec();
  spec.trust_stores[0].crls = {"root.crl"};  // nothing covers certificates of the issuing CA
  const Decision d = evaluate(policy(spec), evidence({&alice_}), context());
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_FALSE(d.signers[0].trusted);
}

TEST_F(PolicyEvaluateTest, WrongEkuNone) {
  const Issued plain = leaf(kAliceSubject, std::nullopt);
  const Decision d = evaluate(policy(base_spec()), evidence({&plain}), context());
  expect_deny(d, ReasonCode::kWrongEku);
  EXPECT_NE(d.reasons[0].detail.find("has no EKU extension"), std::string::npos);
}

TEST_F(PolicyEvaluateTest, WrongEkuEmailProtection) {
  const Issued mail = leaf(kAliceSubject, std::vector<std::string>{"emailProtection"});
  const Decision d = evaluate(policy(base_spec()), evidence({&mail}), context());
  expect_deny(d, ReasonCode::kWrongEku);
  EXPECT_NE(d.reasons[0].detail.find("emailProtection"), std::string::npos);
  EXPECT_NE(d.reasons[0].detail.find("requires [codeSigning]"), std::string::npos);
}

TEST_F(PolicyEvaluateTest, ConfiguredEkuRfc9809) {
  const Issued updater = leaf(kAliceSubject, std::vector<std::string>{"1.3.6.1.5.5.7.3.43"});
  auto spec = base_spec();
  expect_deny(evaluate(policy(spec), evidence({&updater}), context()), ReasonCode::kWrongEku);
  spec.publishers[0].eku = std::vector<std::string>{"updatePackageSigning", kCodeSigning};
  EXPECT_EQ(evaluate(policy(spec), evidence({&updater}), context()).verdict, Verdict::kAllow);
  EXPECT_EQ(evaluate(policy(spec), evidence({&alice_}), context()).verdict, Verdict::kAllow);
}

TEST_F(PolicyEvaluateTest, EmptyEkuListMeansNoEkuExtension) {
  auto spec = base_spec();
  spec.publishers[0].eku = std::vector<std::string>{};
  const Policy no_eku = policy(spec);
  const Issued plain = leaf(kAliceSubject, std::nullopt);
  EXPECT_EQ(evaluate(no_eku, evidence({&plain}), context()).verdict, Verdict::kAllow);
  const Decision d = evaluate(no_eku, evidence({&alice_}), context());
  expect_deny(d, ReasonCode::kWrongEku);
  EXPECT_NE(d.reasons[0].detail.find("without EKU"), std::string::npos);
}

TEST_F(PolicyEvaluateTest, UntrustedPublisher) {
  const Issued mallory =
      leaf("O=Example Plant, OU=IT, CN=Mallory", std::vector<std::string>{kCodeSigning});
  const Decision d = evaluate(policy(base_spec()), evidence({&mallory}), context());
  expect_deny(d, ReasonCode::kUntrustedPublisher);
  EXPECT_NE(d.reasons[0].detail.find("does not match publisher 'ot-engineering'"),
            std::string::npos);
}

TEST_F(PolicyEvaluateTest, MostAdvancedFailureAcrossPublishers) {
  auto spec = base_spec();
  spec.trust_stores.push_back({.name = "elsewhere", .anchors = {"other-root.pem"}});
  spec.publishers.push_back({.name = "outsider", .store = "elsewhere", .subject = "CN=*"});
  spec.publishers.push_back({.name = "it", .store = "plant", .subject = "OU=IT, CN=*"});
  spec.rules[0].publishers = {"outsider", "it"};
  // Chain fails for 'outsider', the subject for 'it': the subject failure is reported.
  const Decision d = evaluate(policy(spec), evidence({&alice_}), context());
  expect_deny(d, ReasonCode::kUntrustedPublisher);
  EXPECT_FALSE(d.has_reason(ReasonCode::kUntrustedChain));
  // Both fail at the chain: the first publisher's chain reason.
  spec.rules[0].publishers = {"outsider"};
  expect_deny(evaluate(policy(spec), evidence({&alice_}), context()), ReasonCode::kUntrustedChain);
  // The second publisher accepts.
  spec.publishers[2].subject = "OU=OT Engineering";
  spec.rules[0].publishers = {"outsider", "it"};
  const Decision ok = evaluate(policy(spec), evidence({&alice_}), context());
  EXPECT_EQ(ok.verdict, Verdict::kAllow);
  EXPECT_EQ(ok.signers[0].publisher, "it");
}

TEST_F(PolicyEvaluateTest, SignerProblemsPropagate) {
  for (const ReasonCode code : {ReasonCode::kWeakAlgorithm, ReasonCode::kMissingSignedAttributes,
                                ReasonCode::kBadSignature}) {
    auto ev = evidence({&alice_});
    ev.signers[0].problems.push_back({code, "from the format"});
    const Decision d = evaluate(policy(base_spec()), ev, context());
    expect_deny(d, code);
    EXPECT_FALSE(d.signers[0].trusted);
  }
}

TEST_F(PolicyEvaluateTest, FormatProblemsDeny) {
  auto ev = evidence({&alice_});
  ev.problems.push_back({ReasonCode::kMalformed, "trailing garbage"});
  expect_deny(evaluate(policy(base_spec()), ev, context()), ReasonCode::kMalformed);
}

TEST_F(PolicyEvaluateTest, SignerWithoutCertificate) {
  auto ev = evidence({&alice_});
  ev.signers[0].certificate.reset();
  const Decision d = evaluate(policy(base_spec()), ev, context());
  expect_deny(d, ReasonCode::kMalformed);
  EXPECT_EQ(d.reasons[0].detail, "signer certificate not found");
}

TEST_F(PolicyEvaluateTest, TimestampRequired) {
  auto spec = base_spec();
  spec.rules[0].require_timestamp = true;
  const Decision d = evaluate(policy(spec), evidence({&alice_}), context());
  expect_deny(d, ReasonCode::kTimestampRequired);
  EXPECT_FALSE(d.signers[0].trusted);
}

TEST_F(PolicyEvaluateTest, AuditModeRecordsButDoesNotEnforce) {
  auto spec = base_spec();
  spec.mode = Mode::kAudit;
  const Decision d = evaluate(policy(spec), evidence({}), context());
  EXPECT_EQ(d.mode, Mode::kAudit);
  EXPECT_FALSE(d.enforced);
  EXPECT_FALSE(d.blocks());
  expect_deny(d, ReasonCode::kUnsigned);
  EXPECT_EQ(mode_name(d.mode), "audit");
}

TEST_F(PolicyEvaluateTest, PerRuleMode) {
  auto spec = base_spec();
  spec.rules[0].mode = Mode::kAudit;
  const Decision d = evaluate(policy(spec), evidence({}), context());
  EXPECT_EQ(d.mode, Mode::kAudit);
  EXPECT_FALSE(d.enforced);
  spec.mode = Mode::kAudit;
  spec.rules[0].mode = Mode::kEnforce;
  EXPECT_TRUE(evaluate(policy(spec), evidence({}), context()).enforced);
  // No rule matched: the policy's mode.
  auto ev = evidence({});
  ev.statement->predicate.artifact_class = "firmware";
  EXPECT_FALSE(evaluate(policy(spec), ev, context()).enforced);
}

TEST_F(PolicyEvaluateTest, UntrustedExtraSignerDoesNotDeny) {
  const Issued stranger =
      testing::issue({.subject = "CN=Stranger", .ekus = std::vector<std::string>{kCodeSigning}},
                     KeyKind::kEcP256, &other_root_);
  const Decision d = evaluate(policy(base_spec()), evidence({&alice_, &stranger}), context());
  EXPECT_EQ(d.verdict, Verdict::kAllow);
  ASSERT_EQ(d.signers.size(), 2u);
  EXPECT_TRUE(d.signers[0].trusted);
  EXPECT_FALSE(d.signers[1].trusted);
  ASSERT_FALSE(d.signers[1].reasons.empty());
  EXPECT_EQ(d.signers[1].reasons[0].code, ReasonCode::kUntrustedChain);
}

TEST_F(PolicyEvaluateTest, BadExtraSignerDenies) {
  auto ev = evidence({&alice_, &alice_});
  ev.signers[1].problems.push_back({ReasonCode::kBadSignature, "signature does not verify"});
  expect_deny(evaluate(policy(base_spec()), ev, context()), ReasonCode::kBadSignature);
}

TEST_F(PolicyEvaluateTest, SameSignerTwiceCountsOnce) {
  const Issued alice_again =
      leaf(kAliceSubject, std::vector<std::string>{kCodeSigning});  // re-issued: same subject
  Decision d = evaluate(policy(base_spec()), evidence({&alice_, &alice_}), context());
  EXPECT_EQ(d.verdict, Verdict::kAllow);
  EXPECT_EQ(d.signers.size(), 2u);
  EXPECT_EQ(distinct_trusted_signers(d), 1u);
  d = evaluate(policy(base_spec()), evidence({&alice_, &alice_again}), context());
  EXPECT_EQ(distinct_trusted_signers(d), 1u);
  const Issued bob =
      leaf("O=Example Plant, OU=OT Engineering, CN=Bob", std::vector<std::string>{kCodeSigning});
  d = evaluate(policy(base_spec()), evidence({&alice_, &bob}), context());
  EXPECT_EQ(distinct_trusted_signers(d), 2u);
  EXPECT_EQ(required_signers(policy(base_spec()).rules()[0]), 1u);
}

TEST_F(PolicyEvaluateTest, ValidTimestampMakesExpiredCertificateAcceptable) {
  const Issued old =
      leaf(kAliceSubject, std::vector<std::string>{kCodeSigning}, at(k2024), at(k2025));
  const Bytes signature_value = {1, 2, 3, 4, 5};
  auto ev = evidence({&old});
  ev.signers[0].timestamps.push_back(timestamp(signature_value, at(k2024 + 86'400)));
  auto spec = base_spec();
  spec.rules[0].require_timestamp = true;
  const Decision d = evaluate(policy(spec), ev, context(k2026));
  EXPECT_EQ(d.verdict, Verdict::kAllow) << (d.reasons.empty() ? "" : d.reasons[0].detail);
  EXPECT_EQ(d.signers[0].timestamp, at(k2024 + 86'400));
  EXPECT_EQ(d.signers[0].validated_at, at(k2024 + 86'400));
  // verify_time = "now" judges the chain at the verification time instead.
  spec.trust_stores[0].verify_time = VerifyTime::kNow;
  expect_deny(evaluate(policy(spec), ev, context(k2026)), ReasonCode::kCertExpired);
}

TEST_F(PolicyEvaluateTest, TimestampOutsideCertificateValidity) {
  const Issued young =
      leaf(kAliceSubject, std::vector<std::string>{kCodeSigning}, at(k2025), at(2'000'000'000));
  const Bytes signature_value = {9, 9, 9};
  auto ev = evidence({&young});
  ev.signers[0].timestamps.push_back(timestamp(signature_value, at(k2024)));
  expect_deny(evaluate(policy(base_spec()), ev, context(k2026)), ReasonCode::kCertExpired);
}

TEST_F(PolicyEvaluateTest, TimestampInvalid) {
  const Bytes signature_value = {1, 2, 3};
  auto ev = evidence({&alice_});
  auto ts = timestamp(signature_value, at(k2025));
  ts.covered_data = {3, 2, 1};  // the token is over other bytes
  ev.signers[0].timestamps.push_back(ts);
  expect_deny(evaluate(policy(base_spec()), ev, context()), ReasonCode::kTimestampInvalid);

  // A TSA the store does not trust.
  auto spec = base_spec();
  spec.trust_stores[0].tsa_anchors = std::vector<std::string>{"other-root.pem"};
  auto ev2 = evidence({&alice_});
  ev2.signers[0].timestamps.push_back(timestamp(signature_value, at(k2025)));
  expect_deny(evaluate(policy(spec), ev2, context()), ReasonCode::kTimestampInvalid);
  EXPECT_EQ(evaluate(policy(base_spec()), ev2, context()).verdict, Verdict::kAllow);

  // On an extra signer it still denies.
  auto ev3 = evidence({&alice_, &alice_});
  ev3.signers[1].timestamps.push_back(ts);
  expect_deny(evaluate(policy(base_spec()), ev3, context()), ReasonCode::kTimestampInvalid);
}

TEST_F(PolicyEvaluateTest, DenyWithoutEvidence) {
  auto spec = base_spec();
  spec.mode = Mode::kAudit;
  const Decision d =
      deny_without_evidence(policy(spec), context(), {ReasonCode::kUnsigned, "no signature found"});
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_FALSE(d.enforced);
  EXPECT_EQ(d.mode, Mode::kAudit);
  ASSERT_EQ(d.artifacts.size(), 1u);
  EXPECT_FALSE(d.artifacts[0].covered);
  EXPECT_EQ(d.reasons, (std::vector<Reason>{{ReasonCode::kUnsigned, "no signature found"}}));
  EXPECT_EQ(d.evaluated_at, at(k2026));
}

TEST_F(PolicyEvaluateTest, DenyWithoutEvidenceTakesTheModeOfTheRuleForItsClassAndTarget) {
  auto spec = base_spec();
  spec.rules[0].mode = Mode::kAudit;
  auto ctx = context();
  ctx.artifact_class = "plc-program";
  ctx.target = "acme/plant1/line3/plc1";
  Decision d = deny_without_evidence(policy(spec), ctx, {ReasonCode::kUnsigned, "none"});
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(d.rule, std::optional<std::string>("plc-line3"));
  EXPECT_EQ(d.mode, Mode::kAudit);
  EXPECT_FALSE(d.enforced);

  ctx.target = "acme/plant1/line4/plc1";  // no rule: the policy's mode (enforce)
  d = deny_without_evidence(policy(spec), ctx, {ReasonCode::kUnsigned, "none"});
  EXPECT_FALSE(d.rule.has_value());
  EXPECT_TRUE(d.enforced);
}

TEST_F(PolicyEvaluateTest, LoadFromFile) {
  write_text(dir_path() / "policy.toml", R"(
[trust_store.plant]
anchors = ["root.pem"]

[publisher.ot-engineering]
store = "plant"
subject = "O=Example Plant, OU=OT Engineering, CN=*"

[[rule]]
id = "plc-line3"
class = "plc-program"
target = "acme/*/line3/*"
publishers = ["ot-engineering"]
)");
  auto loaded = Policy::load(dir_path() / "policy.toml");
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  EXPECT_EQ(loaded->source_sha256().size(), 64u);
  ASSERT_NE(loaded->find_store("plant"), nullptr);
  EXPECT_FALSE(loaded->find_store("plant")->require_crls);
  ASSERT_NE(loaded->find_publisher("ot-engineering"), nullptr);
  EXPECT_EQ(loaded->find_publisher("ot-engineering")->eku_oids,
            std::vector<std::string>{"1.3.6.1.5.5.7.3.3"});
  EXPECT_EQ(loaded->find_publisher("nobody"), nullptr);
  EXPECT_EQ(evaluate(*loaded, evidence({&alice_}), context()).verdict, Verdict::kAllow);
  EXPECT_TRUE(Policy::from_spec(base_spec(), dir_path())->source_sha256().empty());
}

TEST_F(PolicyEvaluateTest, LoadErrorsNameStoreAndFile) {
  auto spec = base_spec();
  spec.trust_stores[0].anchors = {"missing.pem"};
  auto loaded = Policy::from_spec(spec, dir_path());
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code, Errc::kPolicyInvalid);
  EXPECT_NE(loaded.error().message.find("trust_store 'plant': anchors 'missing.pem'"),
            std::string::npos)
      << loaded.error().message;

  write_text(dir_path() / "junk.crl", "not a crl");
  spec = base_spec();
  spec.trust_stores[0].crls = {"junk.crl"};
  loaded = Policy::from_spec(spec, dir_path());
  ASSERT_FALSE(loaded.has_value());
  EXPECT_NE(loaded.error().message.find("trust_store 'plant': crls 'junk.crl'"), std::string::npos)
      << loaded.error().message;

  spec = base_spec();
  spec.rules[0].publishers = {"ghost"};
  loaded = Policy::from_spec(spec, dir_path());
  ASSERT_FALSE(loaded.has_value());
  EXPECT_NE(loaded.error().message.find("undefined publisher 'ghost'"), std::string::npos);

  write_text(dir_path() / "bad.toml", "mode = \"block\"\n");
  auto bad = Policy::load(dir_path() / "bad.toml");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Errc::kPolicyInvalid);
  EXPECT_NE(bad.error().message.find("bad.toml: "), std::string::npos);
  EXPECT_FALSE(Policy::load(dir_path() / "absent.toml").has_value());
}

// The parser's EKU table (pure, for the fuzz build) must agree with the crypto one.
TEST(PolicyEkuNames, AgreeWithCrypto) {
  for (const char* name :
       {"serverAuth", "clientAuth", "codeSigning", "emailProtection", "timeStamping", "OCSPSigning",
        "configSigning", "trustAnchorConfigSigning", "updatePackageSigning", "safetyCommunication",
        "1.3.6.1.4.1.311.10.3.6", "CODESIGNING", "ocspsigning", "codeSign", "3.1", "1.2.03", "",
        "1.3.6.1.4.1.11111111111111111111", "1.3.6.1.4.1.1111111111111111111"}) {
    EXPECT_EQ(policy_eku_oid(name), crypto::eku_oid_from_name(name)) << name;
  }
}

}  // namespace
}  // namespace signet::policy
