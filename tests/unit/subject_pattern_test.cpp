#include "policy/subject_pattern.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace signet::policy {
namespace {

using Attributes = std::vector<std::pair<std::string, std::string>>;

const Attributes kAlice = {{"C", "DE"},
                           {"O", "Example Plant"},
                           {"OU", "OT Engineering"},
                           {"CN", "Alice Example"},
                           {"emailAddress", "alice@plant.example"}};

SubjectPattern must_parse(std::string_view text) {
  auto pattern = SubjectPattern::parse(text);
  EXPECT_TRUE(pattern.has_value()) << text << ": " << pattern.error().message;
  return std::move(*pattern);
}

TEST(SubjectPatternTest, MatchesListedAttributesAndIgnoresOthers) {
  const auto pattern = must_parse("O=Example Plant, OU=OT Engineering, CN=*");
  EXPECT_TRUE(pattern.matches(kAlice));
  EXPECT_EQ(pattern.text(), "O=Example Plant, OU=OT Engineering, CN=*");
  EXPECT_TRUE(must_parse("CN=Alice Example").matches(kAlice));
}

TEST(SubjectPatternTest, ValueMismatchFails) {
  EXPECT_FALSE(must_parse("O=Example Plant, OU=IT, CN=*").matches(kAlice));
  EXPECT_FALSE(must_parse("CN=alice example").matches(kAlice));  // values are case-sensitive
}

TEST(SubjectPatternTest, MissingListedAttributeFails) {
  EXPECT_FALSE(must_parse("O=Example Plant, L=*").matches(kAlice));
  EXPECT_FALSE(must_parse("CN=*").matches(Attributes{{"O", "Example Plant"}}));
  EXPECT_FALSE(must_parse("CN=*").matches(Attributes{}));
}

TEST(SubjectPatternTest, Globs) {
  EXPECT_TRUE(must_parse("CN=Alice*").matches(kAlice));
  EXPECT_TRUE(must_parse("CN=*Example").matches(kAlice));
  EXPECT_TRUE(must_parse("CN=?lice Exampl?").matches(kAlice));
  EXPECT_FALSE(must_parse("CN=?Alice*").matches(kAlice));
  EXPECT_TRUE(must_parse("C=??").matches(kAlice));
  EXPECT_FALSE(must_parse("C=?").matches(kAlice));
}

TEST(SubjectPatternTest, EscapedComma) {
  const Attributes attrs = {{"O", "Example Plant, Inc."}, {"CN", "Bob"}};
  EXPECT_TRUE(must_parse(R"(O=Example Plant\, Inc., CN=Bob)").matches(attrs));
  EXPECT_FALSE(must_parse("O=Example Plant").matches(attrs));
  const Attributes backslash = {{"CN", R"(a\b)"}};
  EXPECT_TRUE(must_parse(R"(CN=a\\b)").matches(backslash));
  EXPECT_FALSE(SubjectPattern::parse(R"(CN=a\b)").has_value());
}

TEST(SubjectPatternTest, LongAndCaseInsensitiveAttributeNames) {
  EXPECT_TRUE(must_parse("organizationName=Example Plant, commonName=Alice*").matches(kAlice));
  EXPECT_TRUE(must_parse("organizationalUnitName=OT*, countryName=DE").matches(kAlice));
  EXPECT_TRUE(must_parse("cn=Alice*, o=Example Plant, Ou=OT Engineering").matches(kAlice));
  EXPECT_TRUE(must_parse("E=alice@*").matches(kAlice));
  EXPECT_TRUE(must_parse("emailaddress=*@plant.example").matches(kAlice));
  const Attributes long_names = {{"commonName", "Alice"}, {"localityName", "Berlin"}};
  EXPECT_TRUE(must_parse("CN=Alice, L=Berlin").matches(long_names));
  EXPECT_TRUE(must_parse("stateOrProvinceName=Bayern").matches(Attributes{{"ST", "Bayern"}}));
}

TEST(SubjectPatternTest, RepeatedCertificateAttributeAnyValueSuffices) {
  const Attributes attrs = {{"OU", "Maintenance"}, {"OU", "OT Engineering"}, {"CN", "Carol"}};
  EXPECT_TRUE(must_parse("OU=OT Engineering").matches(attrs));
  EXPECT_TRUE(must_parse("OU=Maint*, OU=OT*").matches(attrs));
  EXPECT_FALSE(must_parse("OU=IT").matches(attrs));
}

TEST(SubjectPatternTest, WhitespaceAroundTermsIsTrimmed) {
  EXPECT_TRUE(must_parse("  O = Example Plant ,CN=Alice*  ").matches(kAlice));
}

TEST(SubjectPatternTest, Errors) {
  for (const char* bad : {"", "   ", "CN", "O=Example Plant, CN", "CN=a,,O=b", "CN=a,", "=x",
                          "CN=", "C N=x", R"(CN=\x)"}) {
    const auto pattern = SubjectPattern::parse(bad);
    ASSERT_FALSE(pattern.has_value()) << "'" << bad << "' should not parse";
    EXPECT_EQ(pattern.error().code, Errc::kPolicyInvalid);
    EXPECT_NE(pattern.error().message.find("subject pattern"), std::string::npos);
  }
  const auto no_eq = SubjectPattern::parse("O=Example Plant, CN");
  EXPECT_NE(no_eq.error().message.find("term 2 'CN': expected ATTRIBUTE=VALUE"), std::string::npos)
      << no_eq.error().message;
}

TEST(GlobTest, Basics) {
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("*", "anything"));
  EXPECT_TRUE(glob_match("", ""));
  EXPECT_FALSE(glob_match("", "a"));
  EXPECT_FALSE(glob_match("?", ""));
  EXPECT_TRUE(glob_match("acme/*/line3/*", "acme/plc-5000/line3/plc1"));
  EXPECT_FALSE(glob_match("acme/*/line3/*", "acme/plc-5000/line4/plc1"));
  EXPECT_TRUE(glob_match("plc-program", "plc-program"));
  EXPECT_FALSE(glob_match("plc-program", "plc-programs"));
  EXPECT_TRUE(glob_match("a*b*c", "abc"));
  EXPECT_TRUE(glob_match("a*b*c", "aXbYbZc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXbYbZ"));
  EXPECT_TRUE(glob_match("**a**", "bab"));
}

TEST(GlobTest, QuestionMarkIsOneUtf8Character) {
  EXPECT_TRUE(glob_match("M?nchen", "M\xC3\xBCnchen"));  // ü is two bytes
  EXPECT_FALSE(glob_match("M??nchen", "M\xC3\xBCnchen"));
  EXPECT_TRUE(glob_match("*?", "\xC3\xBC"));
}

TEST(GlobTest, PathologicalPatternsAreFast) {
  const std::string text(20000, 'a');
  std::string pattern;
  for (int i = 0; i < 50; ++i) pattern += "a*";
  pattern += "b";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(glob_match(pattern, text));
  EXPECT_TRUE(glob_match(pattern.substr(0, pattern.size() - 1), text));
  const std::string stars(5000, '*');
  EXPECT_FALSE(glob_match(stars + "b", text));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

}  // namespace
}  // namespace signet::policy
