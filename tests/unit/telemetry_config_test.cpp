// [telemetry] in the policy file: the contract from docs/events.md, and every refusal.
#include <gtest/gtest.h>

#include <string>

#include "policy/policy.hpp"

namespace signet::policy {
namespace {

const std::string kBase =
    "[trust_store.s]\nanchors = [\"a.pem\"]\n[publisher.p]\nstore = \"s\"\nsubject = \"CN=*\"\n"
    "[[rule]]\nid = \"r\"\nclass = \"*\"\npublishers = [\"p\"]\n";

constexpr std::string_view kContract = R"(
[telemetry]
host_name = "hmi-01"
[[telemetry.sink]]
type = "file"
path = "/var/log/signet/events.jsonl"
format = "ecs-json"
[[telemetry.sink]]
type = "syslog"
transport = "tcp"
address = "127.0.0.1:6514"
format = "rfc5424"
spool = "/var/lib/signet/spool"
[[telemetry.sink]]
type = "syslog"
transport = "tls"
address = "[::1]:6514"
format = "cef"
ca = "soc-ca.pem"
cert = "client.pem"
key = "pkcs11:token=plant;object=syslog"
[telemetry.audit]
path = "/var/lib/signet/audit.log"
checkpoint_key = "pkcs11:token=plant;object=audit"
checkpoint_cert = "audit-signer.pem"
checkpoint_every = 100
)";

Result<PolicySpec> parse_with(std::string_view telemetry) {
  return parse_policy(kBase + std::string(telemetry));
}

std::string error_of(std::string_view telemetry) {
  auto spec = parse_with(telemetry);
  return spec ? std::string("(accepted)") : spec.error().message;
}

TEST(TelemetryConfigTest, ContractParses) {
  auto spec = parse_with(kContract);
  ASSERT_TRUE(spec) << spec.error().message;
  ASSERT_TRUE(spec->telemetry);
  const auto& t = *spec->telemetry;
  EXPECT_EQ(t.host_name, "hmi-01");
  ASSERT_EQ(t.sinks.size(), 3u);
  EXPECT_EQ(t.sinks[0].type, SinkType::kFile);
  EXPECT_EQ(t.sinks[0].path, "/var/log/signet/events.jsonl");
  EXPECT_EQ(t.sinks[0].effective_format(), EventFormat::kEcsJson);
  EXPECT_EQ(t.sinks[0].fsync, FsyncPolicy::kBatch);
  EXPECT_EQ(t.sinks[1].type, SinkType::kSyslog);
  EXPECT_EQ(t.sinks[1].transport, SyslogTransport::kTcp);
  EXPECT_EQ(t.sinks[1].address, "127.0.0.1:6514");
  EXPECT_EQ(t.sinks[1].spool, "/var/lib/signet/spool");
  EXPECT_EQ(t.sinks[1].effective_format(), EventFormat::kRfc5424);
  EXPECT_EQ(t.sinks[2].transport, SyslogTransport::kTls);
  EXPECT_EQ(t.sinks[2].effective_format(), EventFormat::kCef);
  EXPECT_EQ(t.sinks[2].ca, "soc-ca.pem");
  EXPECT_EQ(t.sinks[2].key, "pkcs11:token=plant;object=syslog");
  ASSERT_TRUE(t.audit);
  EXPECT_EQ(t.audit->path, "/var/lib/signet/audit.log");
  EXPECT_EQ(t.audit->checkpoint_every, 100u);
  EXPECT_EQ(t.audit->checkpoint_cert, "audit-signer.pem");
}

TEST(TelemetryConfigTest, DefaultsAndOptionalKeys) {
  auto spec = parse_with(
      "[telemetry]\nqueue_capacity = 10\nflush_timeout_ms = 0\n[[telemetry.sink]]\ntype = "
      "\"file\"\npath = \"e.log\"\nfsync = \"every-event\"\nrotate_bytes = 1000\nrotate_keep = "
      "2\n[[telemetry.sink]]\ntype = \"syslog\"\ntransport = \"udp\"\naddress = "
      "\"siem.plant:514\"\nfacility = \"local3\"\napp_name = \"signet-hmi\"\n");
  ASSERT_TRUE(spec) << spec.error().message;
  const auto& t = *spec->telemetry;
  EXPECT_FALSE(t.host_name);
  EXPECT_EQ(t.queue_capacity, 10u);
  EXPECT_EQ(t.flush_timeout_ms, 0u);
  EXPECT_EQ(t.sinks[0].fsync, FsyncPolicy::kEveryEvent);
  EXPECT_EQ(t.sinks[0].rotate_bytes, 1000u);
  EXPECT_EQ(t.sinks[0].rotate_keep, 2u);
  EXPECT_EQ(t.sinks[1].facility, "local3");
  EXPECT_EQ(syslog_facility_code("local3"), 19);
  EXPECT_EQ(syslog_facility_code("auth"), 4);
  EXPECT_EQ(syslog_facility_code("nope"), -1);
  EXPECT_FALSE(t.audit);
}

TEST(TelemetryConfigTest, NoTelemetrySectionIsFine) {
  auto spec = parse_policy(kBase);
  ASSERT_TRUE(spec);
  EXPECT_FALSE(spec->telemetry);
}

TEST(TelemetryConfigTest, RefusesWhatIsWrong) {
  const auto has = [](const std::string& message, std::string_view part) {
    return message.find(part) != std::string::npos;
  };
  EXPECT_TRUE(
      has(error_of("[telemetry]\nhostname = \"x\"\n"), "telemetry: unknown key 'hostname'"));
  EXPECT_TRUE(has(error_of("[[telemetry.sink]]\ntype = \"file\"\npath = \"p\"\ncolor = 1\n"),
                  "telemetry.sink[0]: unknown key 'color'"));
  EXPECT_TRUE(has(error_of("[telemetry.audit]\npath = \"a\"\nevery = 3\n"),
                  "telemetry.audit: unknown key 'every'"));
  EXPECT_TRUE(has(error_of("[[telemetry.sink]]\ntype = \"file\"\n"), "needs 'path'"));
  EXPECT_TRUE(has(error_of("[[telemetry.sink]]\ntype = \"kafka\"\n"), "must be one of"));
  EXPECT_TRUE(has(error_of("[[telemetry.sink]]\ntype = \"syslog\"\naddress = \"h:1\"\n"),
                  "needs 'transport'"));
  EXPECT_TRUE(has(error_of("[[telemetry.sink]]\ntype = \"syslog\"\ntransport = \"tcp\"\n"),
                  "needs 'address'"));
  EXPECT_TRUE(has(error_of("[[telemetry.sink]]\ntype = \"syslog\"\ntransport = \"tcp\"\naddress = "
                           "\"nocolon\"\n"),
                  "HOST:PORT"));
  EXPECT_TRUE(has(error_of("[[telemetry.sink]]\ntype = \"syslog\"\ntransport = \"tcp\"\naddress = "
                           "\"h:99999\"\n"),
                  "HOST:PORT"));
  EXPECT_TRUE(has(error_of("[[telemetry.sink]]\ntype = \"syslog\"\ntransport = \"tls\"\naddress = "
                           "\"h:6514\"\n"),
                  "needs 'ca'"));
  EXPECT_TRUE(has(error_of("[[telemetry.sink]]\ntype = \"syslog\"\ntransport = \"tcp\"\naddress = "
                           "\"h:6514\"\nca = \"x.pem\"\n"),
                  "for transport \"tls\""));
  EXPECT_TRUE(has(error_of("[[telemetry.sink]]\ntype = \"syslog\"\ntransport = \"tls\"\naddress = "
                           "\"h:6514\"\nca = \"x.pem\"\ncert = \"c.pem\"\n"),
                  "'cert' and 'key' go together"));
  EXPECT_TRUE(has(error_of("[[telemetry.sink]]\ntype = \"syslog\"\ntransport = \"udp\"\naddress = "
                           "\"h:514\"\nfacility = \"root\"\n"),
                  "not a syslog facility"));
  EXPECT_TRUE(has(error_of("[[telemetry.sink]]\ntype = \"file\"\npath = \"p\"\nspool = \"s\"\n"),
                  "for syslog sinks"));
  EXPECT_TRUE(has(error_of("[[telemetry.sink]]\ntype = \"syslog\"\ntransport = \"udp\"\naddress = "
                           "\"h:514\"\nfsync = \"never\"\n"),
                  "for file sinks"));
  EXPECT_TRUE(has(error_of("[telemetry.audit]\npath = \"a\"\ncheckpoint_key = \"file:k.pem\"\n"),
                  "go together"));
  EXPECT_TRUE(has(error_of("[telemetry.audit]\npath = \"a\"\ncheckpoint_every = 0\n"),
                  "must be between 1 and"));
  EXPECT_TRUE(has(error_of("[telemetry]\nsink = 3\n"), "must be an array of tables"));
  auto scalar = parse_policy("telemetry = \"on\"\n" + kBase);
  ASSERT_FALSE(scalar);
  EXPECT_TRUE(has(scalar.error().message, "must be a table"));
}

}  // namespace
}  // namespace signet::policy
