#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "policy/policy.hpp"

namespace signet::policy {
namespace {

constexpr std::string_view kFullPolicy = R"(
mode = "audit"

[trust_store.plant-pki]
anchors = ["trust/plant-root.pem"]
crls    = ["trust/plant.crl"]
tsa_anchors = ["trust/tsa-root.pem"]
allow_partial_chain = true
verify_time = "now"

[trust_store.vendor]
anchors = ["vendor.pem"]

[publisher.ot-engineering]
store   = "plant-pki"
subject = "O=Example Plant, OU=OT Engineering, CN=*"
eku     = ["codeSigning", "1.3.6.1.5.5.7.3.43"]

[publisher.vendor-fw]
store   = "vendor"
subject = "O=Acme"

[publisher.no-eku]
store   = "vendor"
subject = "CN=legacy"
eku     = []

[[rule]]
id             = "plc-programs-line3"
class          = "plc-program"
target         = "acme/*/line3/*"
publishers     = ["ot-engineering"]
require_timestamp = true
mode = "enforce"

[[rule]]
id         = "firmware"
class      = "firmware"
publishers = ["vendor-fw", "ot-engineering"]
)";

// Minimal valid policy pieces, to which each error case adds one mistake.
constexpr std::string_view kStore = "[trust_store.s]\nanchors = [\"a.pem\"]\n";
constexpr std::string_view kPublisher = "[publisher.p]\nstore = \"s\"\nsubject = \"CN=*\"\n";
constexpr std::string_view kRule = "[[rule]]\nid = \"r\"\nclass = \"*\"\npublishers = [\"p\"]\n";

std::string valid_policy() {
  return std::string(kStore) + std::string(kPublisher) + std::string(kRule);
}

// Expects parse failure with POLICY_INVALID and every fragment in the message.
void expect_invalid(std::string_view text, std::initializer_list<std::string_view> fragments) {
  const auto parsed = parse_policy(text);
  ASSERT_FALSE(parsed.has_value()) << "parsed but should not:\n" << text;
  EXPECT_EQ(parsed.error().code, Errc::kPolicyInvalid);
  for (const auto fragment : fragments) {
    EXPECT_NE(parsed.error().message.find(fragment), std::string::npos)
        << "message: " << parsed.error().message << "\nmissing: " << fragment;
  }
}

TEST(PolicyParseTest, FullPolicy) {
  const auto parsed = parse_policy(kFullPolicy);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  const PolicySpec& spec = *parsed;
  EXPECT_EQ(spec.mode, Mode::kAudit);

  ASSERT_EQ(spec.trust_stores.size(), 2u);
  const auto& plant = spec.trust_stores[0];  // file order, not key order
  EXPECT_EQ(plant.name, "plant-pki");
  EXPECT_EQ(plant.anchors, std::vector<std::string>{"trust/plant-root.pem"});
  EXPECT_EQ(plant.crls, std::vector<std::string>{"trust/plant.crl"});
  ASSERT_TRUE(plant.tsa_anchors.has_value());
  EXPECT_EQ(*plant.tsa_anchors, std::vector<std::string>{"trust/tsa-root.pem"});
  EXPECT_TRUE(plant.allow_partial_chain);
  EXPECT_EQ(plant.verify_time, VerifyTime::kNow);
  const auto& vendor = spec.trust_stores[1];
  EXPECT_EQ(vendor.name, "vendor");
  EXPECT_TRUE(vendor.crls.empty());
  EXPECT_FALSE(vendor.tsa_anchors.has_value());
  EXPECT_FALSE(vendor.allow_partial_chain);
  EXPECT_EQ(vendor.verify_time, VerifyTime::kTimestamp);

  ASSERT_EQ(spec.publishers.size(), 3u);
  EXPECT_EQ(spec.publishers[0].name, "ot-engineering");
  EXPECT_EQ(spec.publishers[0].store, "plant-pki");
  EXPECT_EQ(spec.publishers[0].subject, "O=Example Plant, OU=OT Engineering, CN=*");
  ASSERT_TRUE(spec.publishers[0].eku.has_value());
  EXPECT_EQ(spec.publishers[0].eku->size(), 2u);
  EXPECT_FALSE(spec.publishers[1].eku.has_value());
  ASSERT_TRUE(spec.publishers[2].eku.has_value());
  EXPECT_TRUE(spec.publishers[2].eku->empty());

  ASSERT_EQ(spec.rules.size(), 2u);
  EXPECT_EQ(spec.rules[0].id, "plc-programs-line3");
  EXPECT_EQ(spec.rules[0].artifact_class, "plc-program");
  EXPECT_EQ(spec.rules[0].target, "acme/*/line3/*");
  EXPECT_EQ(spec.rules[0].publishers, std::vector<std::string>{"ot-engineering"});
  EXPECT_TRUE(spec.rules[0].require_timestamp);
  EXPECT_EQ(spec.rules[0].mode, Mode::kEnforce);
  EXPECT_EQ(spec.rules[1].target, "*");
  EXPECT_FALSE(spec.rules[1].require_timestamp);
  EXPECT_FALSE(spec.rules[1].mode.has_value());
  EXPECT_EQ(spec.rules[1].publishers.size(), 2u);
}

TEST(PolicyParseTest, Defaults) {
  const auto parsed = parse_policy(valid_policy());
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->mode, Mode::kEnforce);
  EXPECT_EQ(parsed->rules[0].target, "*");
}

TEST(PolicyParseTest, InvalidToml) {
  expect_invalid("mode = \n", {"not valid TOML", "line 1"});
  expect_invalid("[trust_store.s]\nanchors = [\"a\"\n", {"not valid TOML"});
  expect_invalid(std::string_view("mode = \"a\0b\"", 12), {"not valid TOML"});
}

TEST(PolicyParseTest, UnknownKeys) {
  expect_invalid("colour = \"red\"\n" + valid_policy(), {"policy: unknown key 'colour' (line 1)"});
  expect_invalid("[trust_store.s]\nanchors = [\"a.pem\"]\nanchor = \"b\"\n" +
                     std::string(kPublisher) + std::string(kRule),
                 {"trust_store 's': unknown key 'anchor'", "line 3"});
  expect_invalid(
      std::string(kStore) + std::string(kPublisher) + "issuer = \"x\"\n" + std::string(kRule),
      {"publisher 'p': unknown key 'issuer'", "line 6"});
  expect_invalid(valid_policy() + "publisher = [\"p\"]\n",
                 {"rule[0] 'r': unknown key 'publisher'", "(line "});
}

TEST(PolicyParseTest, WrongTypes) {
  expect_invalid("mode = 1\n" + valid_policy(),
                 {"policy: 'mode' must be a string, not an integer"});
  expect_invalid(valid_policy() + "require_timestamp = \"yes\"\n",
                 {"rule[0] 'r': 'require_timestamp' must be a boolean, not a string"});
  expect_invalid(
      "[trust_store.s]\nanchors = \"a.pem\"\n" + std::string(kPublisher) + std::string(kRule),
      {"trust_store 's': 'anchors' must be an array of strings"});
  expect_invalid(
      "[trust_store.s]\nanchors = [\"a.pem\", 3]\n" + std::string(kPublisher) + std::string(kRule),
      {"'anchors[1]' must be a string, not an integer"});
  expect_invalid("rule = 3\n" + std::string(kStore) + std::string(kPublisher),
                 {"'rule' must be an array of tables"});
  expect_invalid("trust_store = 3\n" + std::string(kPublisher) + std::string(kRule),
                 {"'trust_store' must be a table"});
  expect_invalid("trust_store = { s = 3 }\n" + std::string(kPublisher) + std::string(kRule),
                 {"trust_store 's' must be a table, not an integer"});
}

TEST(PolicyParseTest, MissingRequiredKeys) {
  expect_invalid("[trust_store.s]\ncrls = []\n" + std::string(kPublisher) + std::string(kRule),
                 {"trust_store 's': missing required key 'anchors'"});
  expect_invalid("[trust_store.s]\nanchors = []\n" + std::string(kPublisher) + std::string(kRule),
                 {"trust_store 's': 'anchors' must not be empty"});
  expect_invalid(std::string(kStore) + "[publisher.p]\nstore = \"s\"\n" + std::string(kRule),
                 {"publisher 'p': missing required key 'subject'"});
  expect_invalid(valid_policy() + "[[rule]]\nclass = \"*\"\npublishers = [\"p\"]\n",
                 {"rule[1]: missing required key 'id'"});
  expect_invalid(valid_policy() + "[[rule]]\nid = \"x\"\npublishers = [\"p\"]\n",
                 {"rule[1] 'x': missing required key 'class'"});
  expect_invalid(valid_policy() + "[[rule]]\nid = \"x\"\nclass = \"*\"\npublishers = []\n",
                 {"rule[1] 'x': 'publishers' must not be empty"});
  expect_invalid(std::string(kStore) + std::string(kPublisher), {"missing required key 'rule'"});
  expect_invalid("", {"missing required key 'rule'"});
}

TEST(PolicyParseTest, UndefinedReferences) {
  expect_invalid("[publisher.p]\nstore = \"nope\"\nsubject = \"CN=*\"\n" + std::string(kRule),
                 {"publisher 'p': 'store' names undefined trust_store 'nope'"});
  expect_invalid(std::string(kStore) + std::string(kPublisher) +
                     "[[rule]]\nid = \"r\"\nclass = \"*\"\npublishers = [\"p\", \"q\"]\n",
                 {"rule[0] 'r': 'publishers' names undefined publisher 'q'"});
}

TEST(PolicyParseTest, DuplicateRuleId) {
  expect_invalid(valid_policy() + std::string(kRule),
                 {"rule[1] 'r': duplicate rule id (also rule[0])"});
}

TEST(PolicyParseTest, BadEku) {
  expect_invalid(
      std::string(kStore) + std::string(kPublisher) + "eku = [\"codeSign\"]\n" + std::string(kRule),
      {"publisher 'p': 'eku' names unknown EKU 'codeSign'", "line 6"});
  expect_invalid(
      std::string(kStore) + std::string(kPublisher) + "eku = [\"1.3.6..1\"]\n" + std::string(kRule),
      {"unknown EKU '1.3.6..1'"});
  expect_invalid(
      std::string(kStore) + std::string(kPublisher) + "eku = [\"7.1\"]\n" + std::string(kRule),
      {"unknown EKU '7.1'"});
}

TEST(PolicyParseTest, EkuNamesAndOids) {
  EXPECT_EQ(policy_eku_oid("codeSigning"), "1.3.6.1.5.5.7.3.3");
  EXPECT_EQ(policy_eku_oid("updatePackageSigning"), "1.3.6.1.5.5.7.3.43");
  EXPECT_EQ(policy_eku_oid("CodeSigning"), "1.3.6.1.5.5.7.3.3");  // names are case-insensitive
  EXPECT_EQ(policy_eku_oid("1.3.6.1.4.1.57264.9"), "1.3.6.1.4.1.57264.9");
  EXPECT_FALSE(policy_eku_oid("").has_value());
  EXPECT_FALSE(policy_eku_oid("1").has_value());
  EXPECT_FALSE(policy_eku_oid("1.03").has_value());
  EXPECT_FALSE(policy_eku_oid("1.3.").has_value());
}

TEST(PolicyParseTest, BadModes) {
  expect_invalid("mode = \"block\"\n" + valid_policy(),
                 {"policy: 'mode' must be one of \"enforce\", \"audit\", not \"block\""});
  expect_invalid(valid_policy() + "mode = \"Audit\"\n", {"rule[0] 'r': 'mode' must be one of"});
  expect_invalid("[trust_store.s]\nanchors = [\"a.pem\"]\nverify_time = \"later\"\n" +
                     std::string(kPublisher) + std::string(kRule),
                 {"trust_store 's': 'verify_time' must be one of \"timestamp\", \"now\", "
                  "\"ignore-expiry\""});
}

TEST(PolicyParseTest, BadSubjectPattern) {
  expect_invalid(std::string(kStore) + "[publisher.p]\nstore = \"s\"\nsubject = \"O=Plant, CN\"\n" +
                     std::string(kRule),
                 {"publisher 'p': 'subject' is invalid", "expected ATTRIBUTE=VALUE", "line 5"});
  expect_invalid(
      std::string(kStore) + "[publisher.p]\nstore = \"s\"\nsubject = \"\"\n" + std::string(kRule),
      {"publisher 'p': 'subject' must not be empty"});
}

TEST(PolicyParseTest, ValidateSpecBuiltInCode) {
  auto spec = parse_policy(valid_policy());
  ASSERT_TRUE(spec.has_value());
  EXPECT_TRUE(validate_policy_spec(*spec).has_value());
  PolicySpec broken = *spec;
  broken.publishers[0].subject = "nonsense";
  EXPECT_FALSE(validate_policy_spec(broken).has_value());
  broken = *spec;
  broken.trust_stores.push_back(broken.trust_stores[0]);
  const auto twice = validate_policy_spec(broken);
  ASSERT_FALSE(twice.has_value());
  EXPECT_NE(twice.error().message.find("trust_store 's': defined twice"), std::string::npos);
}

// toml++ 3.3 has undefined behaviour for many non-ASCII characters outside string values
// (tomlplusplus#190); parse_policy rewrites them away, so ordinary non-ASCII text still works.
TEST(PolicyParseTest, NonAsciiText) {
  const std::string policy = std::string(R"(# Zertifikate für Linie 3 § 1
[trust_store."störe"]
anchors = ['wurzel-é\"x.pem']
[publisher.p]
store = "störe"
subject = "O=Stadtwerke München, CN=*"  # §
[publisher.q]
store = 'störe'
subject = '''
O=Ä"""x''''
)") + std::string(kRule);
  const auto parsed = parse_policy(policy);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  ASSERT_EQ(parsed->trust_stores.size(), 1u);
  EXPECT_EQ(parsed->trust_stores[0].name, "störe");
  EXPECT_EQ(parsed->trust_stores[0].anchors[0], R"(wurzel-é\"x.pem)");
  EXPECT_EQ(parsed->publishers[0].subject, "O=Stadtwerke München, CN=*");
  EXPECT_EQ(parsed->publishers[1].store, "störe");
  EXPECT_EQ(parsed->publishers[1].subject, R"(O=Ä"""x')");
}

TEST(PolicyParseTest, HostileNonAsciiIsRefusedCleanly) {
  for (const char* text :
       {"\xC2\xA7", "x = 1\xC2\xA7\n", "\xC3\xBC = 1\n", "x = \"\\\xC3\xBC\"", "x = '\xC3\xBC\n'",
        "\xC0\x80", "\xE0\x82\xBC = 1", "x = '''\xC3\xBC''''''\n", "x = \"\xC3\xBC\n\""}) {
    const auto parsed = parse_policy(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_NE(parsed.error().message.find("not valid TOML"), std::string::npos)
        << text << ": " << parsed.error().message;
  }
}

TEST(PolicyParseTest, HostileInputsDoNotCrash) {
  const std::string deep_array(10000, '[');
  EXPECT_FALSE(parse_policy("x = " + deep_array).has_value());
  const std::string deep_table = "x = " + std::string(5000, '{');
  EXPECT_FALSE(parse_policy(deep_table).has_value());
  EXPECT_FALSE(parse_policy("\xff\xfe\x00").has_value());
  EXPECT_FALSE(parse_policy("[[rule]]\n[[rule]]\n").has_value());
  // toml++ 3.3 asserts on these (tomlplusplus#301, and '}' where an array value should be);
  // the parser must refuse them cleanly.
  for (const char* header :
       {"[[[a]]]", "[=", "[ =", "[\n", "[.a]", "[[=", "[#]", "[[ .",
        "\xEF\xBB\xBF[=", "x = 1\n  [[ [rule]]", "[\xC3\xA9]", "x = [}]", "x = [1, }]",
        "x = [ # c\n}]", "x = [[}]]", "s=1979-05-27T:", "s = [1979-05-27tx:]"}) {
    const auto parsed = parse_policy(header);
    ASSERT_FALSE(parsed.has_value()) << header;
    EXPECT_NE(parsed.error().message.find("not valid TOML"), std::string::npos) << header;
  }
  EXPECT_FALSE(parse_policy("rule = [1, 2]\n").has_value());
}

}  // namespace
}  // namespace signet::policy
