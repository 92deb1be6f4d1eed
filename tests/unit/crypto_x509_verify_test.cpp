#include <gtest/gtest.h>

#include "crypto/x509_verify.hpp"
#include "support/test_pki.hpp"

// CertSpec is filled with designated initializers that leave the other members at their defaults;
// GCC 12 warns about exactly that (GCC bug 96868).
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace signet::crypto {
namespace {

using testing::CertSpec;
using testing::Issued;
using testing::KeyKind;

TimePoint at(std::int64_t unix_seconds) { return TimePoint{std::chrono::seconds{unix_seconds}}; }

constexpr std::int64_t k2024_01 = 1'704'067'200;  // 2024-01-01
constexpr std::int64_t k2025_01 = 1'735'689'600;  // 2025-01-01
constexpr std::int64_t k2025_06 = 1'748'736'000;  // 2025-06-01
constexpr std::int64_t k2026_01 = 1'767'225'600;  // 2026-01-01
constexpr std::int64_t k2034_01 = 2'019'686'400;  // 2034-01-01 (after every default not_after)

// root -> intermediate -> leaf, all EC, valid 2023-11 .. 2033-05.
class ChainTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new Pki();
    pki_->root = testing::issue({.subject = "O=Example Plant, CN=Plant Root", .is_ca = true},
                                KeyKind::kEcP384, nullptr);
    pki_->intermediate =
        testing::issue({.subject = "O=Example Plant, CN=Plant Issuing CA", .is_ca = true},
                       KeyKind::kEcP256, &*pki_->root);
    pki_->leaf = testing::issue({.subject = "O=Example Plant, OU=OT Engineering, CN=Alice",
                                 .ekus = std::vector<std::string>{"codeSigning"}},
                                KeyKind::kEcP256, &*pki_->intermediate);
    pki_->other_root = testing::issue({.subject = "O=Elsewhere, CN=Other Root", .is_ca = true},
                                      KeyKind::kEcP256, nullptr);
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  struct Pki {
    std::optional<Issued> root, intermediate, leaf, other_root;
  };
  static Pki* pki_;

  static const Issued& root() { return *pki_->root; }
  static const Issued& intermediate() { return *pki_->intermediate; }
  static const Issued& leaf() { return *pki_->leaf; }

  static AnchorSet anchors(std::vector<Certificate> certs, std::vector<Crl> crls = {}) {
    auto set = AnchorSet::create(std::move(certs), std::move(crls));
    EXPECT_TRUE(set.has_value());
    return std::move(*set);
  }
  static ChainResult verify(const Certificate& cert, const AnchorSet& set,
                            std::span<const Crl> crls, ChainOptions options) {
    const std::vector<Certificate> untrusted{intermediate().cert};
    return verify_chain(cert, untrusted, set, crls, options);
  }
};
ChainTest::Pki* ChainTest::pki_ = nullptr;

TEST_F(ChainTest, GoodChain) {
  const ChainResult r = verify(leaf().cert, anchors({root().cert}), {}, {.at = at(k2025_01)});
  ASSERT_TRUE(r.ok) << r.detail;
  ASSERT_EQ(r.path.size(), 3u);
  EXPECT_TRUE(r.path[0] == leaf().cert);
  EXPECT_TRUE(r.path[1] == intermediate().cert);
  EXPECT_TRUE(r.path[2] == root().cert);
}

TEST_F(ChainTest, WrongAnchor) {
  const ChainResult r =
      verify(leaf().cert, anchors({pki_->other_root->cert}), {}, {.at = at(k2025_01)});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, ReasonCode::kUntrustedChain);
  EXPECT_NE(r.detail.find("unable to get"), std::string::npos) << r.detail;
  EXPECT_TRUE(r.path.empty());
}

TEST_F(ChainTest, MissingIntermediate) {
  const ChainResult r =
      verify_chain(leaf().cert, {}, anchors({root().cert}), {}, {.at = at(k2025_01)});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, ReasonCode::kUntrustedChain);
}

TEST_F(ChainTest, ExpiredAtValidationTime) {
  const ChainResult r = verify(leaf().cert, anchors({root().cert}), {}, {.at = at(k2034_01)});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, ReasonCode::kCertExpired);
  EXPECT_NE(r.detail.find("2034-01-01T00:00:00Z"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("2033-05-18T03:33:20Z"), std::string::npos) << r.detail;
}

TEST_F(ChainTest, IgnoreExpiry) {
  const ChainResult r =
      verify(leaf().cert, anchors({root().cert}), {}, {.at = at(k2034_01), .ignore_expiry = true});
  EXPECT_TRUE(r.ok) << "code " << static_cast<int>(r.code) << " detail: " << r.detail;
}

TEST_F(ChainTest, ValidAtEarlierTimeOnly) {
  const Issued short_lived =
      testing::issue({.subject = "CN=Short", .not_before = at(k2024_01), .not_after = at(k2025_01)},
                     KeyKind::kEcP256, &intermediate());
  const AnchorSet set = anchors({root().cert});
  EXPECT_TRUE(verify(short_lived.cert, set, {}, {.at = at(k2024_01 + 86'400)}).ok);
  const ChainResult later = verify(short_lived.cert, set, {}, {.at = at(k2026_01)});
  EXPECT_FALSE(later.ok);
  EXPECT_EQ(later.code, ReasonCode::kCertExpired);
  EXPECT_NE(later.detail.find("CN=Short"), std::string::npos) << later.detail;
  const ChainResult before = verify(short_lived.cert, set, {}, {.at = at(k2024_01 - 86'400)});
  EXPECT_EQ(before.code, ReasonCode::kCertExpired);
}

TEST_F(ChainTest, RevokedByCrl) {
  const Crl crl = testing::make_crl(intermediate(), {leaf().cert}, at(k2024_01), at(k2026_01));
  const std::vector<Crl> crls{crl};
  const ChainResult r = verify(leaf().cert, anchors({root().cert}), crls, {.at = at(k2025_01)});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, ReasonCode::kCertRevoked);
  EXPECT_NE(r.detail.find("CN=Alice"), std::string::npos) << r.detail;
  // The same CRL from the anchor set.
  const ChainResult r2 =
      verify(leaf().cert, anchors({root().cert}, crls), {}, {.at = at(k2025_01)});
  EXPECT_EQ(r2.code, ReasonCode::kCertRevoked);
}

TEST_F(ChainTest, CrlNotListingTheLeafPasses) {
  const Issued other = testing::issue({.subject = "CN=Bob"}, KeyKind::kEcP256, &intermediate());
  const std::vector<Crl> crls{
      testing::make_crl(intermediate(), {other.cert}, at(k2024_01), at(k2026_01))};
  const ChainResult r = verify(leaf().cert, anchors({root().cert}), crls, {.at = at(k2025_01)});
  EXPECT_TRUE(r.ok) << r.detail;
}

TEST_F(ChainTest, RequireCrlsWithoutCrl) {
  const ChainResult r =
      verify(leaf().cert, anchors({root().cert}), {}, {.at = at(k2025_01), .require_crls = true});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, ReasonCode::kUntrustedChain);
  EXPECT_NE(r.detail.find("no CRL for 'O=Example Plant, CN=Plant Issuing CA'"), std::string::npos)
      << r.detail;
}

TEST_F(ChainTest, RequireCrlsWithAllCrls) {
  const std::vector<Crl> crls{
      testing::make_crl(intermediate(), {}, at(k2024_01), at(k2026_01)),
      testing::make_crl(root(), {}, at(k2024_01), at(k2026_01)),
  };
  const ChainResult r =
      verify(leaf().cert, anchors({root().cert}), crls, {.at = at(k2025_01), .require_crls = true});
  EXPECT_TRUE(r.ok) << r.detail;
  // Only the leaf's CRL: the intermediate is not covered.
  const std::vector<Crl> leaf_only{crls[0]};
  const ChainResult partial = verify(leaf().cert, anchors({root().cert}), leaf_only,
                                     {.at = at(k2025_01), .require_crls = true});
  EXPECT_FALSE(partial.ok);
  EXPECT_NE(partial.detail.find("no CRL for 'O=Example Plant, CN=Plant Root'"), std::string::npos)
      << partial.detail;
}

TEST_F(ChainTest, CrlIssuedAfterValidationTimeIsTolerated) {
  // Validating at a timestamp's genTime (2025-01) with a CRL issued later (2025-06).
  const std::vector<Crl> crls{
      testing::make_crl(intermediate(), {}, at(k2025_06), at(k2026_01)),
      testing::make_crl(root(), {}, at(k2025_06), at(k2026_01)),
  };
  const ChainResult r =
      verify(leaf().cert, anchors({root().cert}), crls, {.at = at(k2025_01), .require_crls = true});
  EXPECT_TRUE(r.ok) << r.detail;
}

TEST_F(ChainTest, ExpiredCrlIsNeverTolerated) {
  const std::vector<Crl> crls{testing::make_crl(intermediate(), {}, at(k2024_01), at(k2025_01))};
  const ChainResult r = verify(leaf().cert, anchors({root().cert}), crls, {.at = at(k2025_06)});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, ReasonCode::kUntrustedChain);
  EXPECT_NE(r.detail.find("CRL expired"), std::string::npos) << r.detail;
}

TEST_F(ChainTest, PartialChain) {
  const AnchorSet set = anchors({intermediate().cert});
  const ChainResult denied = verify_chain(leaf().cert, {}, set, {}, {.at = at(k2025_01)});
  EXPECT_FALSE(denied.ok);
  EXPECT_EQ(denied.code, ReasonCode::kUntrustedChain);
  const ChainResult allowed =
      verify_chain(leaf().cert, {}, set, {}, {.at = at(k2025_01), .allow_partial_chain = true});
  ASSERT_TRUE(allowed.ok) << allowed.detail;
  ASSERT_EQ(allowed.path.size(), 2u);
  EXPECT_TRUE(allowed.path[1] == intermediate().cert);
}

TEST_F(ChainTest, Sha1SignedLeafIsWeak) {
  const Issued weak = testing::issue({.subject = "CN=Sha1 Leaf", .digest = "sha1"},
                                     KeyKind::kEcP256, &intermediate());
  const ChainResult r = verify(weak.cert, anchors({root().cert}), {}, {.at = at(k2025_01)});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, ReasonCode::kWeakAlgorithm);
  EXPECT_NE(r.detail.find("sha1"), std::string::npos) << r.detail;
}

TEST_F(ChainTest, Sha1SelfSignedAnchorIsNotWeak) {
  const Issued old_root = testing::issue(
      {.subject = "CN=Old Root", .is_ca = true, .digest = "sha1"}, KeyKind::kEcP256, nullptr);
  const Issued cert = testing::issue({.subject = "CN=Modern"}, KeyKind::kEcP256, &old_root);
  const ChainResult r =
      verify_chain(cert.cert, {}, anchors({old_root.cert}), {}, {.at = at(k2025_01)});
  EXPECT_TRUE(r.ok) << r.detail;
}

TEST_F(ChainTest, Rsa1024LeafIsWeak) {
  const Issued weak =
      testing::issue({.subject = "CN=Small Key"}, KeyKind::kRsa1024, &intermediate());
  const ChainResult r = verify(weak.cert, anchors({root().cert}), {}, {.at = at(k2025_01)});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, ReasonCode::kWeakAlgorithm);
  EXPECT_NE(r.detail.find("1024-bit RSA"), std::string::npos) << r.detail;
}

TEST_F(ChainTest, Rsa2048LeafIsFine) {
  const Issued ok = testing::issue({.subject = "CN=RSA"}, KeyKind::kRsa2048, &intermediate());
  EXPECT_TRUE(verify(ok.cert, anchors({root().cert}), {}, {.at = at(k2025_01)}).ok);
}

TEST_F(ChainTest, EmptyAnchorSetRefused) {
  auto set = AnchorSet::create({}, {});
  ASSERT_FALSE(set.has_value());
  EXPECT_EQ(set.error().code, Errc::kUsage);
}

TEST(EkuNames, NamesAndOids) {
  EXPECT_EQ(eku_oid_from_name("serverAuth"), "1.3.6.1.5.5.7.3.1");
  EXPECT_EQ(eku_oid_from_name("clientAuth"), "1.3.6.1.5.5.7.3.2");
  EXPECT_EQ(eku_oid_from_name("codeSigning"), "1.3.6.1.5.5.7.3.3");
  EXPECT_EQ(eku_oid_from_name("CODESIGNING"), "1.3.6.1.5.5.7.3.3");
  EXPECT_EQ(eku_oid_from_name("emailProtection"), "1.3.6.1.5.5.7.3.4");
  EXPECT_EQ(eku_oid_from_name("timestamping"), "1.3.6.1.5.5.7.3.8");
  EXPECT_EQ(eku_oid_from_name("OCSPSigning"), "1.3.6.1.5.5.7.3.9");
  EXPECT_EQ(eku_oid_from_name("configSigning"), "1.3.6.1.5.5.7.3.41");
  EXPECT_EQ(eku_oid_from_name("trustAnchorConfigSigning"), "1.3.6.1.5.5.7.3.42");
  EXPECT_EQ(eku_oid_from_name("updatePackageSigning"), "1.3.6.1.5.5.7.3.43");
  EXPECT_EQ(eku_oid_from_name("safetyCommunication"), "1.3.6.1.5.5.7.3.44");
  EXPECT_EQ(eku_oid_from_name("1.3.6.1.4.1.57264.1.1"), "1.3.6.1.4.1.57264.1.1");
  EXPECT_EQ(eku_oid_from_name("bogus"), std::nullopt);
  EXPECT_EQ(eku_oid_from_name(""), std::nullopt);
  EXPECT_EQ(eku_oid_from_name("1"), std::nullopt);
  EXPECT_EQ(eku_oid_from_name("1..2"), std::nullopt);
  EXPECT_EQ(eku_oid_from_name("1.2."), std::nullopt);
  EXPECT_EQ(eku_oid_from_name("3.1"), std::nullopt);
  EXPECT_EQ(eku_oid_from_name("1.02"), std::nullopt);
  EXPECT_EQ(eku_oid_from_name("1.2.a"), std::nullopt);

  EXPECT_EQ(eku_display_name("1.3.6.1.5.5.7.3.3"), "codeSigning");
  EXPECT_EQ(eku_display_name("1.3.6.1.5.5.7.3.43"), "updatePackageSigning");
  EXPECT_EQ(eku_display_name("1.2.3.4"), "1.2.3.4");
}

}  // namespace
}  // namespace signet::crypto
