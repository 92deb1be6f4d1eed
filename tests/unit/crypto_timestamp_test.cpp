#include <gtest/gtest.h>

#include "crypto/timestamp.hpp"
#include "support/test_pki.hpp"

namespace signet::crypto {
namespace {

// CertSpec is filled with designated initializers that leave the other members at their defaults;
// GCC 12 warns about exactly that (GCC bug 96868).
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using testing::Issued;
using testing::KeyKind;

TimePoint at(std::int64_t unix_seconds) { return TimePoint{std::chrono::seconds{unix_seconds}}; }

constexpr std::int64_t kGenTime = 1'735'689'600;  // 2025-01-01T00:00:00Z

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

class TimestampTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new Pki{
        .root = testing::issue({.subject = "O=Example Plant, CN=TSA Root", .is_ca = true},
                               KeyKind::kEcP256, nullptr),
        .other_root = testing::issue({.subject = "O=Elsewhere, CN=Other Root", .is_ca = true},
                                     KeyKind::kEcP256, nullptr),
    };
    pki_->tsa.emplace(testing::issue({.subject = "O=Example Plant, CN=Plant TSA",
                                      .ekus = std::vector<std::string>{"timeStamping"},
                                      .eku_critical = true},
                                     KeyKind::kEcP256, &pki_->root));
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  struct Pki {
    Issued root;
    Issued other_root;
    std::optional<Issued> tsa;
  };
  static Pki* pki_;

  static AnchorSet anchors(const Issued& root) {
    auto set = AnchorSet::create({root.cert}, {});
    EXPECT_TRUE(set.has_value());
    return std::move(*set);
  }
  static Bytes make_token(std::string_view data, const SigningKey& key,
                          DigestAlgorithm alg = DigestAlgorithm::kSha256) {
    auto token = create_timestamp_token(
        {.data = bytes_of(data), .imprint_alg = alg, .gen_time = at(kGenTime)}, key);
    EXPECT_TRUE(token.has_value()) << token.error().describe();
    return token.value_or(Bytes{});
  }
};
TimestampTest::Pki* TimestampTest::pki_ = nullptr;

TEST_F(TimestampTest, CreateAndVerifyRoundTrip) {
  const SigningKey key = testing::signing_key(*pki_->tsa, {pki_->root.cert});
  const Bytes token = make_token("signature bytes", key);
  ASSERT_FALSE(token.empty());
  auto info = verify_timestamp_token(token, bytes_of("signature bytes"), anchors(pki_->root));
  ASSERT_TRUE(info.has_value()) << info.error().describe();
  EXPECT_EQ(info->gen_time, at(kGenTime));
  EXPECT_TRUE(info->tsa_certificate == pki_->tsa->cert);
  EXPECT_EQ(info->imprint_algorithm, "sha256");
  EXPECT_GE(info->serial_hex.size(), 30u);  // 128 random bits

  auto parsed = parse_timestamp_token(token);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->serial_hex, info->serial_hex);
  // Two tokens never share a serial.
  EXPECT_NE(parse_timestamp_token(make_token("signature bytes", key))->serial_hex,
            info->serial_hex);
}

TEST_F(TimestampTest, Sha512Imprint) {
  const SigningKey key = testing::signing_key(*pki_->tsa);
  const Bytes token = make_token("data", key, DigestAlgorithm::kSha512);
  auto info = verify_timestamp_token(token, bytes_of("data"), anchors(pki_->root));
  ASSERT_TRUE(info.has_value()) << info.error().describe();
  EXPECT_EQ(info->imprint_algorithm, "sha512");
}

TEST_F(TimestampTest, TamperedCoveredData) {
  const SigningKey key = testing::signing_key(*pki_->tsa);
  const Bytes token = make_token("signature bytes", key);
  auto r = verify_timestamp_token(token, bytes_of("signature bytez"), anchors(pki_->root));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kCrypto);
  EXPECT_NE(r.error().message.find("message imprint does not match"), std::string::npos)
      << r.error().message;
}

TEST_F(TimestampTest, TsaWithoutEkuRefused) {
  const Issued plain =
      testing::issue({.subject = "CN=Not A TSA", .ekus = std::vector<std::string>{"codeSigning"}},
                     KeyKind::kEcP256, &pki_->root);
  const SigningKey key = testing::signing_key(plain);
  auto token = create_timestamp_token({.data = bytes_of("x"), .gen_time = at(kGenTime)}, key);
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().code, Errc::kUsage);
  EXPECT_NE(token.error().message.find("timeStamping"), std::string::npos);

  const Issued no_eku = testing::issue({.subject = "CN=No EKU"}, KeyKind::kEcP256, &pki_->root);
  EXPECT_EQ(create_timestamp_token({.data = bytes_of("x"), .gen_time = at(kGenTime)},
                                   testing::signing_key(no_eku))
                .error()
                .code,
            Errc::kUsage);
}

TEST_F(TimestampTest, TsaChainingToAnotherRootRefused) {
  const SigningKey key = testing::signing_key(*pki_->tsa);
  const Bytes token = make_token("data", key);
  auto r = verify_timestamp_token(token, bytes_of("data"), anchors(pki_->other_root));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kCrypto);
  EXPECT_NE(r.error().message.find("does not verify"), std::string::npos) << r.error().message;
}

TEST_F(TimestampTest, TsaExpiredAtGenTimeRefused) {
  const Issued old_tsa = testing::issue({.subject = "CN=Old TSA",
                                         .ekus = std::vector<std::string>{"timeStamping"},
                                         .eku_critical = true,
                                         .not_before = at(1'600'000'000),
                                         .not_after = at(1'700'000'000)},
                                        KeyKind::kEcP256, &pki_->root);
  const Bytes token = make_token("data", testing::signing_key(old_tsa));
  auto r = verify_timestamp_token(token, bytes_of("data"), anchors(pki_->root));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kCrypto);
}

TEST_F(TimestampTest, RevokedTsaRefused) {
  const SigningKey key = testing::signing_key(*pki_->tsa);
  const Bytes token = make_token("data", key);
  const Crl crl = testing::make_crl(pki_->root, {pki_->tsa->cert}, at(kGenTime - 86'400),
                                    at(kGenTime + 86'400 * 30));
  auto set = AnchorSet::create({pki_->root.cert}, {crl});
  ASSERT_TRUE(set.has_value());
  auto r = verify_timestamp_token(token, bytes_of("data"), *set);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kCrypto);
  EXPECT_NE(r.error().message.find("revoked"), std::string::npos) << r.error().message;
}

TEST_F(TimestampTest, MalformedTokens) {
  const SigningKey key = testing::signing_key(*pki_->tsa);
  const Bytes token = make_token("data", key);
  const AnchorSet set = anchors(pki_->root);
  EXPECT_EQ(verify_timestamp_token({}, bytes_of("data"), set).error().code, Errc::kMalformed);
  const Bytes truncated(token.begin(), token.end() - 3);
  EXPECT_EQ(verify_timestamp_token(truncated, bytes_of("data"), set).error().code,
            Errc::kMalformed);
  Bytes trailing = token;
  trailing.push_back(0);
  auto r = verify_timestamp_token(trailing, bytes_of("data"), set);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
  EXPECT_NE(r.error().message.find("trailing"), std::string::npos);
  EXPECT_EQ(parse_timestamp_token(bytes_of("garbage")).error().code, Errc::kMalformed);
}

TEST_F(TimestampTest, FlippedSignatureByteRefused) {
  const SigningKey key = testing::signing_key(*pki_->tsa);
  Bytes token = make_token("data", key);
  // The signature value is the last element of the token: flip a byte near the end.
  token[token.size() - 5] ^= 0x01;
  auto r = verify_timestamp_token(token, bytes_of("data"), anchors(pki_->root));
  ASSERT_FALSE(r.has_value());
}

}  // namespace
}  // namespace signet::crypto
