// Change control in policy::evaluate(): the two-person rule, change tickets, maintenance windows
// (time zones, midnight, daylight saving), rollback, target and class, audit mode.
#include <gtest/gtest.h>

#include "crypto/signing_key.hpp"
#include "formats/native_signature.hpp"
#include "policy/evaluate.hpp"
#include "support/change_control_fixture.hpp"

namespace signet::policy {
namespace {

using testing::utc;

class ChangeControlTest : public testing::ChangeControlFixture {};

void expect_deny(const Decision& d, ReasonCode code) {
  EXPECT_EQ(d.verdict, Verdict::kDeny) << testing::reason_codes(d);
  EXPECT_TRUE(d.has_reason(code)) << "missing " << reason_name(code) << ": "
                                  << testing::reason_codes(d);
}

void expect_allow(const Decision& d) {
  EXPECT_EQ(d.verdict, Verdict::kAllow) << testing::reason_codes(d);
  EXPECT_TRUE(d.reasons.empty()) << testing::reason_codes(d);
}

const TimePoint kNow = utc("2026-01-14T10:00:00Z");  // a Wednesday

// ---- min_signers ------------------------------------------------------------------------------

TEST_F(ChangeControlTest, MinSignersOneSignerIsTooFew) {
  auto spec = base_spec();
  spec.rules[0].min_signers = 2;
  const Decision d = evaluate(policy(spec), evidence({&alice_}), context(kNow));
  expect_deny(d, ReasonCode::kTooFewSigners);
  EXPECT_NE(d.reasons[0].detail.find("requires 2"), std::string::npos);
  EXPECT_EQ(required_signers(policy(spec).rules()[0]), 2u);
}

TEST_F(ChangeControlTest, TwoSignaturesBySameSignerCountOnce) {
  auto spec = base_spec();
  spec.rules[0].min_signers = 2;
  // The same certificate twice.
  expect_deny(evaluate(policy(spec), evidence({&alice_, &alice_}), context(kNow)),
              ReasonCode::kTooFewSigners);
  // A second certificate for the same subject is still the same person.
  expect_deny(evaluate(policy(spec), evidence({&alice_, &alice_again_}), context(kNow)),
              ReasonCode::kTooFewSigners);
  // Two people.
  const Decision d = evaluate(policy(spec), evidence({&alice_, &bob_}), context(kNow));
  expect_allow(d);
  EXPECT_EQ(distinct_trusted_signers(d), 2u);
}

TEST_F(ChangeControlTest, UntrustedSecondSignerDoesNotCount) {
  auto spec = base_spec();
  spec.rules[0].min_signers = 2;
  const testing::Issued stranger_root = testing::issue(
      {.subject = "CN=Elsewhere Root", .is_ca = true}, testing::KeyKind::kEcP256, nullptr);
  const testing::Issued stranger =
      testing::issue({.subject = "O=Example Plant, OU=OT Engineering, CN=Mallory",
                      .ekus = std::vector<std::string>{"codeSigning"}},
                     testing::KeyKind::kEcP256, &stranger_root);
  expect_deny(evaluate(policy(spec), evidence({&alice_, &stranger}), context(kNow)),
              ReasonCode::kTooFewSigners);
}

// A real native signature: Alice signs, Bob adds his signature with cosign (what
// `signet sign --cosign` does); the parsed evidence satisfies min_signers = 2.
TEST_F(ChangeControlTest, CosignSatisfiesMinSigners) {
  auto spec = base_spec();
  spec.rules[0].min_signers = 2;
  const formats::Statement statement{
      .subjects = {{.name = "prog.bin", .digest = {{"sha256", testing::kProgDigest}}}},
      .predicate = {.artifact_class = "plc-program", .target = testing::kLine3Target}};
  const crypto::SigningKey alice_key = testing::signing_key(alice_, {ica_.cert});
  const crypto::SigningKey bob_key = testing::signing_key(bob_, {ica_.cert});
  const crypto::SigningKey* keys[] = {&alice_key};
  const formats::NativeSignOptions options{.signing_time = kNow};
  auto signed_once = formats::sign_statement(statement, keys, options);
  ASSERT_TRUE(signed_once.has_value()) << signed_once.error().message;
  auto one = formats::parse_native_signature(*signed_once);
  ASSERT_TRUE(one.has_value()) << one.error().message;
  expect_deny(evaluate(policy(spec), *one, context(kNow)), ReasonCode::kTooFewSigners);

  auto cosigned = formats::cosign(*signed_once, bob_key, options);
  ASSERT_TRUE(cosigned.has_value()) << cosigned.error().message;
  auto two = formats::parse_native_signature(*cosigned);
  ASSERT_TRUE(two.has_value()) << two.error().message;
  const Decision d = evaluate(policy(spec), *two, context(kNow));
  expect_allow(d);
  EXPECT_EQ(distinct_trusted_signers(d), 2u);

  // Alice cosigning her own signature does not make a second person.
  auto self = formats::cosign(*signed_once, alice_key, options);
  ASSERT_TRUE(self.has_value()) << self.error().message;
  auto self_evidence = formats::parse_native_signature(*self);
  ASSERT_TRUE(self_evidence.has_value());
  expect_deny(evaluate(policy(spec), *self_evidence, context(kNow)), ReasonCode::kTooFewSigners);
}

// ---- require_ticket -----------------------------------------------------------------------------

TEST_F(ChangeControlTest, TicketRequired) {
  auto spec = base_spec();
  spec.rules[0].require_ticket = true;
  const Policy p = policy(spec);
  formats::ReleasePredicate predicate{.artifact_class = "plc-program",
                                      .target = testing::kLine3Target};
  auto ctx = context(kNow);
  ctx.ticket = "CHG-0415";
  // The signature carries no ticket.
  Decision d = evaluate(p, evidence({&alice_}, predicate), ctx);
  expect_deny(d, ReasonCode::kNoTicket);
  EXPECT_NE(d.reasons[0].detail.find("carries none"), std::string::npos);
  // Signed for a ticket, none given.
  predicate.ticket = "CHG-0415";
  ctx.ticket.reset();
  d = evaluate(p, evidence({&alice_}, predicate), ctx);
  expect_deny(d, ReasonCode::kNoTicket);
  EXPECT_NE(d.reasons[0].detail.find("no ticket was given"), std::string::npos);
  // A different ticket given.
  ctx.ticket = "CHG-0999";
  d = evaluate(p, evidence({&alice_}, predicate), ctx);
  expect_deny(d, ReasonCode::kNoTicket);
  EXPECT_NE(d.reasons[0].detail.find("CHG-0999"), std::string::npos);
  // The signed one.
  ctx.ticket = "CHG-0415";
  expect_allow(evaluate(p, evidence({&alice_}, predicate), ctx));
  // Without require_ticket the ticket is not judged.
  ctx.ticket.reset();
  expect_allow(evaluate(policy(base_spec()), evidence({&alice_}, predicate), ctx));
}

// ---- windows
// --------------------------------------------------------------------------------------

PolicySpec window_spec(std::optional<OutsideWindow> outside = std::nullopt) {
  auto spec = testing::ChangeControlFixture::base_spec();
  spec.windows.push_back({.name = "weekend-night",
                          .days = {"sat"},
                          .from = "22:00",
                          .to = "02:00",
                          .tz = "Europe/Berlin"});
  spec.rules[0].windows = {"weekend-night"};
  spec.rules[0].outside_window = outside;
  return spec;
}

// The issue's case: sat 22:00-02:00 in Europe/Berlin allows Sunday 01:30 local and denies Sunday
// 02:30 local, in winter (UTC+1) and in summer (UTC+2).
TEST_F(ChangeControlTest, WindowAcrossMidnightInBerlin) {
  const Policy p = policy(window_spec());
  const auto at = [&](std::string_view when) {
    return evaluate(p, evidence({&alice_}), context(utc(when)));
  };
  // Winter: Sunday 2026-01-11 01:30 CET = 00:30Z; 02:30 CET = 01:30Z.
  Decision d = at("2026-01-11T00:30:00Z");
  expect_allow(d);
  EXPECT_EQ(d.window, "weekend-night");
  d = at("2026-01-11T01:30:00Z");
  expect_deny(d, ReasonCode::kOutsideWindow);
  EXPECT_NE(d.reasons[0].detail.find("Sun 02:30 CET"), std::string::npos) << d.reasons[0].detail;
  EXPECT_FALSE(d.window.has_value());
  // Summer: Sunday 2026-07-12 01:30 CEST = Saturday 23:30Z; 02:30 CEST = 00:30Z.
  expect_allow(at("2026-07-11T23:30:00Z"));
  d = at("2026-07-12T00:30:00Z");
  expect_deny(d, ReasonCode::kOutsideWindow);
  EXPECT_NE(d.reasons[0].detail.find("Sun 02:30 CEST"), std::string::npos) << d.reasons[0].detail;
  // Edges: opens Saturday 22:00 local, closes Sunday 02:00 local.
  expect_deny(at("2026-01-10T20:59:59Z"), ReasonCode::kOutsideWindow);  // Sat 21:59:59 CET
  expect_allow(at("2026-01-10T21:00:00Z"));                             // Sat 22:00 CET
  expect_allow(at("2026-01-11T00:59:59Z"));                             // Sun 01:59:59 CET
  expect_deny(at("2026-01-11T01:00:00Z"), ReasonCode::kOutsideWindow);  // Sun 02:00 CET
  // Friday night is not Saturday night; a Sunday-22:00 start is not listed.
  expect_deny(at("2026-01-09T22:00:00Z"), ReasonCode::kOutsideWindow);  // Fri 23:00 CET
  expect_deny(at("2026-01-11T22:00:00Z"), ReasonCode::kOutsideWindow);  // Sun 23:00 CET
  expect_deny(at("2026-01-12T00:30:00Z"), ReasonCode::kOutsideWindow);  // Mon 01:30 CET
}

// Daylight saving changes inside the window: the wall clock decides.
TEST_F(ChangeControlTest, WindowOnDaylightSavingWeekends) {
  const Policy p = policy(window_spec());
  const auto at = [&](std::string_view when) {
    return evaluate(p, evidence({&alice_}), context(utc(when)));
  };
  // 2026-03-29: at 01:00Z Berlin jumps from 02:00 CET to 03:00 CEST, so the window ends then.
  expect_allow(at("2026-03-29T00:30:00Z"));                             // Sun 01:30 CET
  expect_deny(at("2026-03-29T01:00:00Z"), ReasonCode::kOutsideWindow);  // Sun 03:00 CEST
  expect_allow(at("2026-03-28T21:00:00Z"));                             // Sat 22:00 CET
  // 2026-10-25: at 01:00Z Berlin goes back from 03:00 CEST to 02:00 CET. 02:00 local first comes
  // at 00:00Z (CEST) and closes the window; the repeated 02:00-02:59 (CET) is outside too.
  expect_allow(at("2026-10-24T23:30:00Z"));                             // Sun 01:30 CEST
  expect_deny(at("2026-10-25T00:00:00Z"), ReasonCode::kOutsideWindow);  // Sun 02:00 CEST
  expect_deny(at("2026-10-25T01:30:00Z"), ReasonCode::kOutsideWindow);  // Sun 02:30 CET
  expect_allow(at("2026-10-24T20:00:00Z"));                             // Sat 22:00 CEST
  // Beyond the TZif transitions (2037) the footer's POSIX rule keeps daylight saving going (the
  // window alone: the test certificates expire in 2033).
  const Window* window = p.find_window("weekend-night");
  ASSERT_NE(window, nullptr);
  EXPECT_TRUE(window_open(*window, utc("2100-07-10T23:30:00Z")));   // Sun 01:30 CEST
  EXPECT_FALSE(window_open(*window, utc("2100-07-11T00:30:00Z")));  // Sun 02:30 CEST
}

TEST_F(ChangeControlTest, OutsideWindowAlertAllowsAndFlags) {
  const Policy p = policy(window_spec(OutsideWindow::kAlert));
  const Decision d = evaluate(p, evidence({&alice_}), context(kNow));
  EXPECT_EQ(d.verdict, Verdict::kAllow);
  EXPECT_TRUE(d.flagged());
  EXPECT_FALSE(d.blocks());
  ASSERT_EQ(d.reasons.size(), 1u) << testing::reason_codes(d);
  EXPECT_EQ(d.reasons[0].code, ReasonCode::kOutsideWindow);
  EXPECT_EQ(d.alerts, std::vector<ReasonCode>{ReasonCode::kOutsideWindow});
  // Any other reason still denies; the window reason stays on the decision.
  auto ctx = context(kNow);
  ctx.artifacts[0].sha256 = std::string(64, 'f');
  const Decision tampered = evaluate(p, evidence({&alice_}), ctx);
  expect_deny(tampered, ReasonCode::kDigestMismatch);
  EXPECT_TRUE(tampered.has_reason(ReasonCode::kOutsideWindow));
  // Inside the window: a clean allow.
  const Decision inside = evaluate(p, evidence({&alice_}), context(utc("2026-01-11T00:30:00Z")));
  expect_allow(inside);
  EXPECT_FALSE(inside.flagged());
}

TEST_F(ChangeControlTest, SeveralWindowsAndOneOff) {
  auto spec = window_spec();
  spec.windows.push_back({.name = "chg-0415",
                          .start = "2026-01-14T09:00:00+01:00",
                          .end = "2026-01-14T12:00:00+01:00"});
  spec.windows.push_back({.name = "weekdays",
                          .days = {"mon", "tue", "wed", "thu", "fri"},
                          .from = "06:00",
                          .to = "07:00",
                          .tz = "UTC"});
  spec.rules[0].windows = {"weekend-night", "chg-0415", "weekdays"};
  const Policy p = policy(spec);
  Decision d = evaluate(p, evidence({&alice_}), context(utc("2026-01-14T10:30:00Z")));
  expect_allow(d);  // 11:30 +01:00, inside the one-off window
  EXPECT_EQ(d.window, "chg-0415");
  d = evaluate(p, evidence({&alice_}), context(utc("2026-01-14T11:00:00Z")));  // its end: outside
  expect_deny(d, ReasonCode::kOutsideWindow);
  EXPECT_NE(d.reasons[0].detail.find("'weekdays'"), std::string::npos);
  d = evaluate(p, evidence({&alice_}), context(utc("2026-01-15T06:59:00Z")));
  expect_allow(d);
  EXPECT_EQ(d.window, "weekdays");
}

// ---- rollback
// -------------------------------------------------------------------------------------

TEST_F(ChangeControlTest, RollbackCounter) {
  auto spec = base_spec();
  spec.rules[0].rollback = Rollback::kCounter;
  const Policy p = policy(spec);
  const formats::ReleasePredicate v12{
      .artifact_class = "plc-program", .target = testing::kLine3Target, .counter = 12};
  auto ctx = context(kNow);
  // Nothing installed yet: any counter.
  expect_allow(evaluate(p, evidence({&alice_}, v12), ctx));
  ctx.installed = InstalledState{.counter = 12, .version = {}, .updated_at = kNow};
  expect_allow(evaluate(p, evidence({&alice_}, v12), ctx));  // the same release again
  ctx.installed->counter = 11;
  expect_allow(evaluate(p, evidence({&alice_}, v12), ctx));
  ctx.installed->counter = 13;
  const Decision d = evaluate(p, evidence({&alice_}, v12), ctx);
  expect_deny(d, ReasonCode::kRollback);
  EXPECT_NE(d.reasons[0].detail.find("12 is older than 13"), std::string::npos);
  // No counter signed: cannot be ordered, denied.
  auto no_counter = v12;
  no_counter.counter.reset();
  expect_deny(evaluate(p, evidence({&alice_}, no_counter), ctx), ReasonCode::kRollback);
  // No state consulted: fail closed.
  ctx.installed.reset();
  expect_deny(evaluate(p, evidence({&alice_}, v12), ctx), ReasonCode::kRollback);
  // Without rollback on the rule nothing is compared.
  expect_allow(evaluate(policy(base_spec()), evidence({&alice_}, v12), ctx));
}

TEST_F(ChangeControlTest, RollbackVersion) {
  auto spec = base_spec();
  spec.rules[1].rollback = Rollback::kVersion;
  const Policy p = policy(spec);
  formats::ReleasePredicate fw{
      .artifact_class = "firmware", .target = testing::kLine3Target, .version = "2.4.1"};
  auto ctx = context(kNow);
  ctx.installed = InstalledState{.counter = {}, .version = "2.10.0", .updated_at = kNow};
  Decision d = evaluate(p, evidence({&alice_}, fw), ctx);  // 2.4.1 < 2.10.0 (not as text)
  expect_deny(d, ReasonCode::kRollback);
  EXPECT_NE(d.reasons[0].detail.find("2.4.1 is older than 2.10.0"), std::string::npos);
  fw.version = "2.10.0";
  expect_allow(evaluate(p, evidence({&alice_}, fw), ctx));
  fw.version = "2.10.1-rc.1";
  expect_allow(evaluate(p, evidence({&alice_}, fw), ctx));
  fw.version = "2.10.0-rc.1";  // a pre-release precedes its release
  expect_deny(evaluate(p, evidence({&alice_}, fw), ctx), ReasonCode::kRollback);
  fw.version = "v2.11";  // not a semantic version: cannot be ordered
  expect_deny(evaluate(p, evidence({&alice_}, fw), ctx), ReasonCode::kRollback);
  fw.version = "";
  expect_deny(evaluate(p, evidence({&alice_}, fw), ctx), ReasonCode::kRollback);
}

// ---- target and class
// -----------------------------------------------------------------------------

TEST_F(ChangeControlTest, TargetAndClassAtDownloadTime) {
  const Policy p = policy(base_spec());
  auto ctx = context(kNow);
  ctx.target = testing::kLine3Target;
  ctx.artifact_class = "plc-program";
  expect_allow(evaluate(p, evidence({&alice_}), ctx));
  ctx.target = "acme/plc-5000/line3/plc2";  // downloading PLC 1's program to PLC 2
  expect_deny(evaluate(p, evidence({&alice_}), ctx), ReasonCode::kWrongTarget);
  ctx.target = testing::kLine3Target;
  ctx.artifact_class = "firmware";  // a program passed off as firmware
  expect_deny(evaluate(p, evidence({&alice_}), ctx), ReasonCode::kWrongClass);
}

TEST_F(ChangeControlTest, RuleTargetAndClassPatterns) {
  const Policy p = policy(base_spec());
  // Signed for line 4: the rules for plc-program cover line 3 only.
  Decision d = evaluate(
      p,
      evidence({&alice_}, {.artifact_class = "plc-program", .target = "acme/plc-5000/line4/plc1"}),
      context(kNow));
  expect_deny(d, ReasonCode::kWrongTarget);
  EXPECT_TRUE(d.has_reason(ReasonCode::kNoRule));
  EXPECT_FALSE(d.has_reason(ReasonCode::kWrongClass));
  // Signed as a project file for line 3: rules for that target take other classes.
  d = evaluate(
      p, evidence({&alice_}, {.artifact_class = "project-file", .target = testing::kLine3Target}),
      context(kNow));
  expect_deny(d, ReasonCode::kWrongClass);
  EXPECT_FALSE(d.has_reason(ReasonCode::kWrongTarget));
}

// ---- audit mode
// -----------------------------------------------------------------------------------

TEST_F(ChangeControlTest, AuditModeNeverBlocksAndStillReports) {
  auto spec = window_spec();
  spec.rules[0].require_ticket = true;
  spec.rules[0].min_signers = 2;
  spec.rules[0].rollback = Rollback::kCounter;
  spec.rules[0].mode = Mode::kAudit;
  auto ctx = context(kNow);
  ctx.installed = InstalledState{.counter = 20, .version = {}, .updated_at = kNow};
  const Decision d = evaluate(
      policy(spec),
      evidence({&alice_},
               {.artifact_class = "plc-program", .target = testing::kLine3Target, .counter = 3}),
      ctx);
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_FALSE(d.enforced);
  EXPECT_FALSE(d.blocks());
  for (const auto code : {ReasonCode::kTooFewSigners, ReasonCode::kNoTicket, ReasonCode::kRollback,
                          ReasonCode::kOutsideWindow}) {
    EXPECT_TRUE(d.has_reason(code)) << reason_name(code) << ": " << testing::reason_codes(d);
  }
  // The same globally.
  spec.rules[0].mode.reset();
  spec.mode = Mode::kAudit;
  EXPECT_FALSE(evaluate(policy(spec), evidence({&alice_}), ctx).blocks());
}

}  // namespace
}  // namespace signet::policy
