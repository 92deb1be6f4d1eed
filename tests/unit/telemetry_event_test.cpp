// The event model: ATT&CK mapping, kind and severity, and the three renderings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "telemetry/attack_techniques.hpp"
#include "telemetry/ecs_json.hpp"
#include "telemetry/event.hpp"
#include "telemetry/syslog_format.hpp"

namespace signet::telemetry {
namespace {

using Ids = std::vector<std::string>;

Ids techniques(std::string_view cls, std::string_view op = "verify", std::string_view file = "",
               std::string_view scope = "", bool baseline = false,
               std::string_view point = "verify") {
  return techniques_for({.point = point,
                         .operation = op,
                         .artifact_class = cls,
                         .file_name = file,
                         .firmware_scope = scope,
                         .differs_from_baseline = baseline});
}

TEST(AttackTechniquesTest, TableHasTheFifteenM0945Techniques) {
  const Ids expected = {"T0843",     "T0843.001", "T0843.002", "T0843.003", "T0889",
                        "T0821",     "T0873",     "T0873.001", "T1693",     "T1693.001",
                        "T1693.002", "T0849",     "T0851",     "T0862",     "T0863"};
  Ids ids;
  for (const auto& t : m0945_techniques()) {
    ids.emplace_back(t.id);
    EXPECT_FALSE(t.name.empty());
  }
  EXPECT_EQ(ids, expected);
  ASSERT_NE(find_technique("T0849"), nullptr);
  EXPECT_EQ(find_technique("T0849")->name, "Masquerading");
  EXPECT_EQ(find_technique("T0857"), nullptr);
}

TEST(AttackTechniquesTest, MappingByClassOperationAndPoint) {
  EXPECT_EQ(techniques("executable"), (Ids{"T0849", "T0863"}));
  EXPECT_EQ(techniques("installer"), (Ids{"T0849", "T0863"}));
  EXPECT_EQ(techniques("script"), (Ids{"T0863"}));
  EXPECT_EQ(techniques("library"), (Ids{"T0851"}));
  EXPECT_EQ(techniques("kernel-module"), (Ids{"T0851"}));
  EXPECT_EQ(techniques("plc-program"), (Ids{"T0843", "T0889", "T0821"}));
  EXPECT_EQ(techniques("plc-program", "download-all"),
            (Ids{"T0843.001", "T0843", "T0889", "T0821"}));
  EXPECT_EQ(techniques("plc-program", "online-edit"),
            (Ids{"T0843.002", "T0843", "T0889", "T0821"}));
  EXPECT_EQ(techniques("plc-program", "program-append"),
            (Ids{"T0843.003", "T0843", "T0889", "T0821"}));
  EXPECT_EQ(techniques("project-file", "verify", "line3.s7p"), (Ids{"T0873.001", "T0873"}));
  EXPECT_EQ(techniques("project-file", "verify", "Line3.ap17"), (Ids{"T0873.001", "T0873"}));
  EXPECT_EQ(techniques("project-file", "verify", "line3.zap16"), (Ids{"T0873.001", "T0873"}));
  EXPECT_EQ(techniques("project-file", "verify", "line3.acd"), (Ids{"T0873"}));
  EXPECT_EQ(techniques("firmware"), (Ids{"T1693"}));
  EXPECT_EQ(techniques("firmware", "install", "", "system"), (Ids{"T1693.001", "T1693"}));
  EXPECT_EQ(techniques("firmware", "install", "", "module"), (Ids{"T1693.002", "T1693"}));
  EXPECT_EQ(techniques("executable", "verify", "", "", true), (Ids{"T0849", "T0863", "T0862"}));
  EXPECT_EQ(techniques("config"), Ids{});
  // Without a class, the point says what enters there.
  EXPECT_EQ(techniques("", "download", "", "", false, "download-gate"),
            (Ids{"T0843", "T0889", "T0821"}));
  EXPECT_EQ(techniques("", "exec", "", "", false, "exec-gate"), (Ids{"T0849", "T0863"}));
  EXPECT_EQ(techniques("", "load-module", "", "", false, "exec-gate"), (Ids{"T0851"}));
  EXPECT_EQ(techniques("", "verify"), Ids{});
}

policy::Decision denied_plc_program() {
  policy::Decision d;
  d.verdict = policy::Verdict::kDeny;
  d.enforced = true;
  d.reasons = {{ReasonCode::kDigestMismatch, "plc1.st (sha256 ab) is not covered"}};
  d.artifacts = {{"/plant/line3/plc1.st", std::string(64, 'a'), std::nullopt, false}};
  policy::SignerOutcome signer;
  signer.subject = "C=DE, O=Example Plant, OU=OT Engineering, CN=Alice";
  signer.issuer = "O=Example Plant, CN=Example Plant Code Signing CA";
  signer.fingerprint_sha256 = std::string(64, 'f');
  signer.trusted = true;
  signer.publisher = "ot-engineering";
  d.signers = {signer};
  formats::Statement st;
  st.subjects = {{"plc1.st", {{"sha256", std::string(64, 'b')}}}};
  st.predicate = {
      "plc-program", "acme/plc-5000/line3/plc1", "7", 3, "CHG-1", "",
  };
  d.statement = st;
  d.format = "signet";
  d.rule = "plc-programs";
  return d;
}

const TimePoint kNow{std::chrono::seconds{1'800'000'000}};

TEST(EventTest, DenyIsAnAlertWithTechniquesReasonHashAndSigner) {
  const Event e = decision_event(denied_plc_program(), PointContext{}, "hmi-01", "cafe", kNow);
  EXPECT_EQ(e.kind, EventKind::kAlert);
  EXPECT_EQ(e.severity, 8);
  EXPECT_EQ(e.outcome, "failure");
  EXPECT_EQ(e.technique_ids, (Ids{"T0843", "T0889", "T0821"}));
  const auto j = ecs_json(e);
  EXPECT_EQ(j["@timestamp"], "2027-01-15T08:00:00Z");
  EXPECT_EQ(j["event"]["kind"], "alert");
  EXPECT_EQ(j["event"]["action"], "verify");
  EXPECT_EQ(j["event"]["type"][0], "denied");
  EXPECT_EQ(j["host"]["name"], "hmi-01");
  EXPECT_EQ(j["file"]["path"], "/plant/line3/plc1.st");
  EXPECT_EQ(j["file"]["name"], "plc1.st");
  EXPECT_EQ(j["file"]["hash"]["sha256"], std::string(64, 'a'));
  EXPECT_EQ(j["file"]["code_signature"]["exists"], true);
  EXPECT_EQ(j["file"]["code_signature"]["valid"], false);
  EXPECT_EQ(j["file"]["code_signature"]["trusted"], true);
  EXPECT_EQ(j["file"]["code_signature"]["status"], "DIGEST_MISMATCH");
  EXPECT_EQ(j["file"]["code_signature"]["subject_name"],
            "C=DE, O=Example Plant, OU=OT Engineering, CN=Alice");
  EXPECT_EQ(j["rule"]["id"], "plc-programs");
  EXPECT_EQ(j["threat"]["framework"], "MITRE ATT&CK for ICS");
  EXPECT_EQ(j["threat"]["technique"]["id"][0], "T0843");
  EXPECT_EQ(j["threat"]["technique"]["name"][0], "Program Download");
  EXPECT_EQ(j["signet"]["decision"], "deny");
  EXPECT_EQ(j["signet"]["enforced"], true);
  EXPECT_EQ(j["signet"]["reasons"][0]["code"], "DIGEST_MISMATCH");
  EXPECT_EQ(j["signet"]["ticket"], "CHG-1");
  EXPECT_EQ(j["signet"]["target"], "acme/plc-5000/line3/plc1");
  EXPECT_EQ(j["signet"]["policy_sha256"], "cafe");
}

TEST(EventTest, KindAndSeverity) {
  policy::Decision allow;
  allow.verdict = policy::Verdict::kAllow;
  allow.artifacts = {{"/usr/bin/tool", std::string(64, 'c'), "tool", true}};
  auto e = decision_event(allow, PointContext{}, "h", "", kNow);
  EXPECT_EQ(e.kind, EventKind::kEvent);
  EXPECT_EQ(e.severity, 2);
  EXPECT_EQ(syslog_severity(e), 6);

  auto audit = denied_plc_program();
  audit.enforced = false;
  e = decision_event(audit, PointContext{}, "h", "", kNow);
  EXPECT_EQ(e.kind, EventKind::kAlert);
  EXPECT_EQ(e.severity, 6);
  EXPECT_EQ(syslog_severity(e), 4);

  PointContext baseline;
  baseline.differs_from_baseline = true;
  e = decision_event(allow, baseline, "h", "", kNow);
  EXPECT_EQ(e.kind, EventKind::kAlert);  // signed, but not what the baseline says

  auto flagged = allow;
  flagged.reasons = {{ReasonCode::kOutsideWindow, "outside weekly-maint"}};
  e = decision_event(flagged, PointContext{}, "h", "", kNow);
  EXPECT_EQ(e.kind, EventKind::kAlert);

  PointContext firmware;
  firmware.point = "firmware-gate";
  firmware.operation = "install";
  firmware.artifact_class = "firmware";
  e = decision_event(allow, firmware, "h", "", kNow);
  EXPECT_EQ(e.kind, EventKind::kAlert);  // firmware update attempts always reach the SOC
  EXPECT_EQ(e.technique_ids, (Ids{"T1693"}));

  policy::Decision unsigned_file;
  unsigned_file.reasons = {{ReasonCode::kUnsigned, "no signature"}};
  e = decision_event(unsigned_file, PointContext{}, "h", "", kNow);
  EXPECT_FALSE(e.code_signature->exists);
  EXPECT_FALSE(e.code_signature->valid);
}

TEST(EventTest, Rfc5424HeaderStructuredDataAndMessage) {
  Event e = decision_event(denied_plc_program(), PointContext{}, "hmi 01", "", kNow);
  e.id = "0123";
  e.rule_id = "a]b\"c\\d";
  SyslogHeader header{.facility = 4, .app_name = "signet", .proc_id = "42"};
  const std::string line = render_rfc5424(e, header, render_ecs_json(e));
  // PRI = auth(4) * 8 + err(3)
  EXPECT_TRUE(
      line.starts_with("<35>1 2027-01-15T08:00:00Z hmi_01 signet 42 decision [signet@32473 "))
      << line;
  EXPECT_NE(line.find("rule=\"a\\]b\\\"c\\\\d\""), std::string::npos) << line;
  EXPECT_NE(line.find("reasons=\"DIGEST_MISMATCH\""), std::string::npos);
  EXPECT_NE(line.find("techniques=\"T0843,T0889,T0821\""), std::string::npos);
  const auto json_start = line.find("] {");
  ASSERT_NE(json_start, std::string::npos);
  const auto msg = nlohmann::json::parse(line.substr(json_start + 2));
  EXPECT_EQ(msg["event"]["id"], "0123");
}

TEST(EventTest, CefEscapingAndFields) {
  Event e = decision_event(denied_plc_program(), PointContext{}, "hmi-01", "", kNow);
  e.rule_id = "a=b|c";
  e.message = "pipe|in name";
  const std::string cef = render_cef(e);
  EXPECT_TRUE(cef.starts_with("CEF:0|signet|signet|")) << cef;
  EXPECT_NE(cef.find("|DIGEST_MISMATCH|pipe\\|in name|8|"), std::string::npos) << cef;
  EXPECT_NE(cef.find("cs1Label=rule cs1=a\\=b|c"), std::string::npos) << cef;
  EXPECT_NE(cef.find("cs2=T0843,T0889,T0821"), std::string::npos);
  EXPECT_NE(cef.find("fileHash=" + std::string(64, 'a')), std::string::npos);
  EXPECT_NE(cef.find("rt=1800000000000"), std::string::npos);
  EXPECT_EQ(cef_extension_escape("a\\b=c\nd"), "a\\\\b\\=c\\nd");
  EXPECT_EQ(sd_param_escape("x]y"), "x\\]y");
}

TEST(EventTest, OtherEventTypes) {
  const auto drop = ecs_json(drop_report_event(5, 2, "h", kNow));
  EXPECT_EQ(drop["event"]["action"], "telemetry-dropped");
  EXPECT_EQ(drop["signet"]["telemetry"]["dropped"], 5);
  EXPECT_EQ(drop["signet"]["telemetry"]["lost"], 2);
  EXPECT_FALSE(drop.contains("threat"));
  const auto test = ecs_json(test_event(7, "h", kNow));
  EXPECT_EQ(test["event"]["sequence"], 7);
  const auto exported = ecs_json(evidence_export_event("/tmp/e.tar", "ab", 3, "h", kNow));
  EXPECT_EQ(exported["file"]["path"], "/tmp/e.tar");
}

}  // namespace
}  // namespace signet::telemetry
