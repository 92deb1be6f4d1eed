// The STIX loader on MITRE's published ATT&CK for ICS bundles (../shared/data/attack/), both data
// generations, and on hostile input.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/file_io.hpp"
#include "telemetry/attack_bundle.hpp"

namespace signet::telemetry {
namespace {

std::string bundle_text(const char* name) {
  auto text = read_file_text(std::string(SIGNET_SHARED_DATA) + "/attack/" + name, 64u << 20);
  EXPECT_TRUE(text) << text.error().message;
  return text ? *text : std::string();
}

const BundleTechnique* find(const AttackBundleReport& r, std::string_view id) {
  const auto it = std::find_if(r.techniques.begin(), r.techniques.end(),
                               [&](const auto& t) { return t.id == id; });
  return it == r.techniques.end() ? nullptr : &*it;
}

std::vector<std::string> ids(const AttackBundleReport& r) {
  std::vector<std::string> out;
  for (const auto& t : r.techniques) out.push_back(t.id);
  return out;
}

TEST(AttackBundleTest, V18DetectionStrategies) {
  auto report = read_attack_bundle(bundle_text("ics-attack-18.1.json"));
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->mitigation_name, "Code Signing");
  EXPECT_EQ(report->generation, "detection-strategies (v18+)");
  EXPECT_EQ(ids(*report), (std::vector<std::string>{"T0821", "T0839", "T0843", "T0849", "T0851",
                                                    "T0857", "T0862", "T0863", "T0873", "T0889"}));
  const auto* firmware = find(*report, "T0857");
  ASSERT_NE(firmware, nullptr);
  EXPECT_EQ(firmware->name, "System Firmware");
  EXPECT_FALSE(firmware->detection_strategies.empty());
  const auto* download = find(*report, "T0843");
  ASSERT_NE(download, nullptr);
  EXPECT_EQ(download->name, "Program Download");
  EXPECT_FALSE(download->data_components.empty());  // through analytics' log sources
}

TEST(AttackBundleTest, V17DataSources) {
  auto report = read_attack_bundle(bundle_text("ics-attack-17.1.json"));
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->generation, "data-sources (<= v17)");
  EXPECT_EQ(report->techniques.size(), 10u);
  const auto* rootkit = find(*report, "T0851");
  ASSERT_NE(rootkit, nullptr);
  EXPECT_NE(std::find(rootkit->data_components.begin(), rootkit->data_components.end(),
                      "Firmware: Firmware Modification"),
            rootkit->data_components.end());
  for (const auto& t : report->techniques) EXPECT_TRUE(t.detection_strategies.empty());
}

TEST(AttackBundleTest, RevokedAndDeprecatedAreReported) {
  const std::string bundle = R"({"type":"bundle","objects":[
    {"type":"course-of-action","id":"course-of-action--1","name":"Code Signing",
     "external_references":[{"source_name":"mitre-attack","external_id":"M0945"}]},
    {"type":"attack-pattern","id":"attack-pattern--a","name":"Old Thing","revoked":true,
     "external_references":[{"source_name":"mitre-ics-attack","external_id":"T0999"}]},
    {"type":"attack-pattern","id":"attack-pattern--b","name":"New Thing","x_mitre_deprecated":true,
     "x_mitre_is_subtechnique":true,
     "external_references":[{"source_name":"mitre-attack","external_id":"T1693.001"}]},
    {"type":"relationship","id":"relationship--1","relationship_type":"mitigates",
     "source_ref":"course-of-action--1","target_ref":"attack-pattern--a"},
    {"type":"relationship","id":"relationship--2","relationship_type":"mitigates",
     "source_ref":"course-of-action--1","target_ref":"attack-pattern--b"}]})";
  auto report = read_attack_bundle(bundle);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->techniques.size(), 2u);
  EXPECT_EQ(report->techniques[0].id, "T0999");
  EXPECT_TRUE(report->techniques[0].revoked);
  EXPECT_EQ(report->techniques[1].id, "T1693.001");
  EXPECT_TRUE(report->techniques[1].deprecated);
  EXPECT_TRUE(report->techniques[1].subtechnique);
}

TEST(AttackBundleTest, RefusesWhatIsNotABundle) {
  EXPECT_FALSE(read_attack_bundle(""));
  EXPECT_FALSE(read_attack_bundle("[]"));
  EXPECT_FALSE(read_attack_bundle(R"({"type":"bundle"})"));
  EXPECT_FALSE(read_attack_bundle(R"({"type":"bundle","objects":[1,"x",null]})"));  // no M0945
  EXPECT_FALSE(read_attack_bundle(R"({"type":"bundle","objects":[)"));
}

}  // namespace
}  // namespace signet::telemetry
