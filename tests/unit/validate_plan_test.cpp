// The validation plan parser, the case catalogue's applicability rules, event matching and the
// report renderings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "validate/case_catalogue.hpp"
#include "validate/event_search.hpp"
#include "validate/plan.hpp"
#include "validate/report.hpp"

namespace signet::validate {
namespace {

const std::string kIdentities = R"(
[identity.alice]
key = "pkcs11:token=t;object=a"
cert = "alice.pem"

[identity.bob]
key = "pkcs11:token=t;object=b"
cert = "bob.pem"

[identity.bad]
key = "file:bad.key"
cert = "bad.pem"

[negative]
untrusted = "bad"
wrong_eku = "bad"
expired = "bad"
revoked = "bad"
weak = "bad"
)";

const std::string kDownloadPoint = R"(
[[point]]
name = "plc1"
kind = "download"
policy = "policy.toml"
class = "plc-program"
target = "acme/plc-5000/line3/plc1"
publisher = "alice"
cosigner = "bob"
ticket = "CHG-1"
change_control = ["two-person", "ticket", "window", "rollback"]
command = ["./controller.sh", "{artifact}"]
)";

Result<PlanSpec> parse(const std::string& text) { return parse_plan(text); }

std::string error_of(const std::string& text) {
  auto plan = parse(text);
  EXPECT_FALSE(plan.has_value()) << text;
  if (plan) return "";
  EXPECT_EQ(plan.error().code, Errc::kPlanInvalid);
  return plan.error().message;
}

TEST(ValidatePlan, ParsesAFullPlan) {
  auto plan = parse("title = \"site\"\n[soc]\nlisten = \"127.0.0.1:5514\"\nsettle_ms = 100\n" +
                    kIdentities + kDownloadPoint + R"(
[[gap]]
asset = "legacy PLC"
reason = "no signature support"
lacks = ["signature-enforcement"]
change_approval = "CAB"
)");
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_EQ(plan->title, "site");
  ASSERT_TRUE(plan->soc);
  EXPECT_EQ(plan->soc->settle_ms, 100u);
  ASSERT_EQ(plan->points.size(), 1u);
  const auto& point = plan->points[0];
  EXPECT_EQ(point.kind, PointKind::kDownload);
  EXPECT_EQ(point.change_control.size(), 4u);
  EXPECT_EQ(cases_for(point).size(), case_catalogue().size());
  ASSERT_EQ(plan->gaps.size(), 1u);
  EXPECT_EQ(plan->gaps[0].lacks, std::vector<GapLack>{GapLack::kEnforcement});
  EXPECT_EQ(plan->identities.size(), 3u);
  EXPECT_EQ(plan->identities[0].name, "alice");  // file order
}

TEST(ValidatePlan, UnknownKeysNameTheirPlaceAndLine) {
  std::string text = kIdentities + kDownloadPoint;
  text.replace(text.find("class = "), 5, "clas");
  EXPECT_NE(error_of(text).find("point[0] 'plc1': unknown key 'clas' (line "), std::string::npos)
      << error_of(text);
  EXPECT_NE(error_of(kIdentities + kDownloadPoint + "[soc]\nlisten = \"127.0.0.1:1\"\nport = 3\n")
                .find("soc: unknown key 'port'"),
            std::string::npos);
  EXPECT_NE(
      error_of("bogus = 1\n" + kIdentities + kDownloadPoint).find("plan: unknown key 'bogus'"),
      std::string::npos);
}

TEST(ValidatePlan, RefusesWhatCannotWork) {
  const std::string base = kIdentities + kDownloadPoint;
  // Not loopback.
  EXPECT_NE(error_of(base + "[soc]\nlisten = \"0.0.0.0:514\"\n").find("loopback"),
            std::string::npos);
  EXPECT_NE(error_of(base + "[soc]\nlisten = \"127.0.0.1\"\n").find("loopback"), std::string::npos);
  // Two-person without a cosigner.
  std::string text = base;
  text.erase(text.find("cosigner = \"bob\"\n"), 17);
  EXPECT_NE(error_of(text).find("needs a 'cosigner'"), std::string::npos);
  // An undefined identity.
  text = base;
  text.replace(text.find("publisher = \"alice\""), 19, "publisher = \"carol\"");
  EXPECT_NE(error_of(text).find("undefined identity 'carol'"), std::string::npos);
  // Rollback at a verify point.
  EXPECT_NE(error_of(kIdentities + R"(
[[point]]
name = "v"
kind = "verify"
policy = "p.toml"
class = "firmware"
target = "t"
publisher = "alice"
change_control = ["rollback"]
cases = ["downgrade"]
)")
                .find("does not apply here"),
            std::string::npos);
  // A command without {artifact}; unknown case; exit status both ways.
  const std::string command = R"(
[[point]]
name = "c"
kind = "command"
class = "firmware"
target = "t"
publisher = "alice"
)";
  EXPECT_NE(error_of(kIdentities + command + "command = [\"true\"]\n").find("{artifact}"),
            std::string::npos);
  EXPECT_NE(
      error_of(kIdentities + command + "command = [\"x\", \"{artifact}\"]\ncases = [\"nope\"]\n")
          .find("unknown case 'nope'"),
      std::string::npos);
  EXPECT_NE(error_of(kIdentities + command +
                     "command = [\"x\", \"{artifact}\"]\nallowed_exit = [0]\nblocked_exit = [0]\n")
                .find("both allowed and blocked"),
            std::string::npos);
  // Missing negative identity for a case that is in the list.
  EXPECT_NE(error_of(R"(
[identity.alice]
key = "k"
cert = "c"
)" + command + "command = [\"x\", \"{artifact}\"]\n")
                .find("needs [negative] untrusted"),
            std::string::npos);
  // Names that end up in paths.
  text = base;
  text.replace(text.find("name = \"plc1\""), 13, "name = \"../x\"");
  EXPECT_NE(error_of(text).find("letters, digits"), std::string::npos);
  // A gap without a compensating control.
  EXPECT_NE(error_of(base + "[[gap]]\nasset = \"a\"\nreason = \"r\"\nlacks = [\"logging\"]\n")
                .find("compensating control"),
            std::string::npos);
  // TOML that toml++ cannot survive is refused by the guard, as a plan error.
  EXPECT_NE(error_of("[=]\n").find("plan is not valid TOML"), std::string::npos);
}

TEST(ValidateCatalogue, CasesThatDoNotApplyAreLeftOutWithAReason) {
  PointSpec verify;
  verify.kind = PointKind::kVerify;
  const auto cases = cases_for(verify);
  EXPECT_EQ(cases.size(), case_catalogue().size() - 4);
  EXPECT_TRUE(not_applicable(CaseId::kOutsideWindow, verify));
  EXPECT_FALSE(not_applicable(CaseId::kTampered, verify));
  PointSpec exec;
  exec.kind = PointKind::kExec;
  exec.change_control = {ChangeControl::kWindow};
  auto why = not_applicable(CaseId::kOutsideWindow, exec);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("change control"), std::string::npos);
  EXPECT_TRUE(not_applicable(CaseId::kWrongTarget, exec));
  PointSpec subset;
  subset.kind = PointKind::kDownload;
  subset.cases = {"tampered", "control"};
  EXPECT_EQ(cases_for(subset), (std::vector<CaseId>{CaseId::kControl, CaseId::kTampered}));
  for (const auto& info : case_catalogue()) {
    EXPECT_EQ(&case_info(info.id), &info);
    EXPECT_EQ(find_case(info.name), &info);
    EXPECT_EQ(info.id == CaseId::kControl, info.expected_reasons.empty());
  }
}

TEST(ValidateEvents, MatchesEcsJsonSyslogAndCefByDigest) {
  const std::string digest(64, 'a');
  const std::string ecs =
      R"({"event":{"kind":"alert"},"file":{"hash":{"sha256":")" + digest +
      R"("}},"signet":{"decision":"deny","reasons":[{"code":"UNSIGNED","detail":"x"}]},"threat":{"technique":{"id":["T0843"]}}})";
  auto match = match_record(ecs, digest);
  ASSERT_TRUE(match);
  EXPECT_TRUE(match->alert);
  EXPECT_EQ(match->decision, "deny");
  EXPECT_EQ(match->reasons, std::vector<std::string>{"UNSIGNED"});
  EXPECT_EQ(match->techniques, std::vector<std::string>{"T0843"});
  EXPECT_FALSE(match_record(ecs, std::string(64, 'b')));
  const std::string syslog =
      "<35>1 2026-11-28T00:00:00Z h signet 1 decision [signet@32473 sha256=\"" + digest + "\"] " +
      ecs;
  match = match_record(syslog, digest);
  ASSERT_TRUE(match);
  EXPECT_TRUE(match->alert);
  EXPECT_EQ(match->decision, "deny");
  auto cef = match_record(
      "<36>1 - h signet 1 decision - CEF:0|signet|signet|0.1|DENY|x|8|fileHash=" + digest, digest);
  ASSERT_TRUE(cef);
  EXPECT_TRUE(cef->alert);
  auto plain = match_record("<38>vendor tool checked " + digest + " ok", digest);
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->alert);  // info: logged, not escalated
  EXPECT_FALSE(plain->decision);
}

Report sample_report() {
  Report report;
  report.title = "t <&>";
  PointResult point;
  point.name = "p1";
  point.kind = PointKind::kDownload;
  point.artifact_class = "plc-program";
  CellResult control;
  control.id = CaseId::kControl;
  control.verdict = Verdict::kPass;
  control.logged = true;
  CellResult tampered;
  tampered.id = CaseId::kTampered;
  tampered.blocked = true;
  tampered.logged = true;
  tampered.verdict = Verdict::kPartial;
  tampered.techniques = {"T0843"};
  CellResult unsigned_cell;
  unsigned_cell.id = CaseId::kUnsigned;
  unsigned_cell.verdict = Verdict::kFail;
  unsigned_cell.evidence.output = "bad\x01<xml>";
  point.cases = {control, tampered, unsigned_cell};
  point.left_out = {{CaseId::kOutsideWindow, "because"}};
  report.points = {point};
  GapSpec gap;
  gap.asset = "legacy";
  gap.lacks = {GapLack::kLogging};
  gap.monitoring = "NDR";
  report.gaps = {gap};
  finish_report(report);
  return report;
}

TEST(ValidateReport, CountsAndRenderingsAgree) {
  const Report report = sample_report();
  EXPECT_EQ(report.summary.cells, 3u);
  EXPECT_EQ(report.summary.pass, 1u);
  EXPECT_EQ(report.summary.partial, 1u);
  EXPECT_EQ(report.summary.fail, 1u);
  EXPECT_EQ(report.summary.left_out, 1u);
  EXPECT_FALSE(report.all_passed());
  const auto json = nlohmann::json::parse(render_json(report));
  EXPECT_EQ(json["points"][0]["cases"][1]["verdict"], "partial");
  EXPECT_EQ(json["points"][0]["left_out"][0]["case"], "outside-window");
  EXPECT_EQ(json["summary"]["cells"], 3);
  const std::string junit = render_junit(report);
  EXPECT_NE(junit.find("tests=\"3\" failures=\"2\""), std::string::npos) << junit;
  EXPECT_NE(junit.find("<failure type=\"partial\""), std::string::npos);
  EXPECT_EQ(junit.find('\x01'), std::string::npos);  // no control characters in XML
  EXPECT_EQ(junit.find("<xml>"), std::string::npos);
  const std::string html = render_html(report);
  EXPECT_NE(html.find("id=\"matrix\""), std::string::npos);
  EXPECT_NE(html.find("data-verdict=\"partial\""), std::string::npos);
  EXPECT_NE(html.find("t &lt;&amp;&gt;"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);  // self-contained
  EXPECT_EQ(html.find("https://"), std::string::npos);
  // SI-7(8) (logging) names the gap; for SR 3.4 the blocked tampered item is passing evidence,
  // the allowed unsigned one failing evidence.
  for (const auto& r : report.requirements) {
    if (r.id == "NIST SP 800-53 SI-7(8)") {
      EXPECT_EQ(r.gaps, std::vector<std::size_t>{0});
    }
    if (r.id == "IEC 62443-3-3 SR 3.4") {
      EXPECT_EQ(r.passing, std::vector<std::string>{"p1/tampered"});
      EXPECT_EQ(r.failing, std::vector<std::string>{"p1/unsigned"});
      EXPECT_EQ(r.status, "failing");
    }
    if (r.id == "IEC 62443-4-2 EDR/HDR/NDR 3.14") {
      EXPECT_EQ(r.status, "no tested evidence");
    }
  }
}

}  // namespace
}  // namespace signet::validate
