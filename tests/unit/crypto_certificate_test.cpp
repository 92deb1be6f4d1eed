#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <fstream>

#include "crypto/certificate.hpp"
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

class CertificateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new Issued(
        testing::issue({.subject = "C=DE, O=Example Plant, CN=Plant Root", .is_ca = true},
                       KeyKind::kEcP384, nullptr));
  }
  static void TearDownTestSuite() {
    delete root_;
    root_ = nullptr;
  }
  static Issued* root_;
};
Issued* CertificateTest::root_ = nullptr;

TEST_F(CertificateTest, Accessors) {
  const Issued leaf =
      testing::issue({.subject = "C=DE, O=Example Plant, OU=OT Engineering, CN=Alice",
                      .ekus = std::vector<std::string>{"codeSigning", "1.2.3.4"},
                      .not_before = at(1'700'000'000),
                      .not_after = at(1'800'000'000),
                      .serial = 0x1234abcd},
                     KeyKind::kEcP256, root_);
  const Certificate& cert = leaf.cert;
  EXPECT_EQ(cert.subject(), "C=DE, O=Example Plant, OU=OT Engineering, CN=Alice");
  EXPECT_EQ(cert.issuer(), "C=DE, O=Example Plant, CN=Plant Root");
  const std::vector<std::pair<std::string, std::string>> attrs{
      {"C", "DE"}, {"O", "Example Plant"}, {"OU", "OT Engineering"}, {"CN", "Alice"}};
  EXPECT_EQ(cert.subject_attributes(), attrs);
  EXPECT_EQ(cert.serial_hex(), "1234abcd");
  EXPECT_EQ(cert.not_before(), at(1'700'000'000));
  EXPECT_EQ(cert.not_after(), at(1'800'000'000));
  ASSERT_TRUE(cert.extended_key_usages().has_value());
  EXPECT_EQ(*cert.extended_key_usages(),
            (std::vector<std::string>{"1.3.6.1.5.5.7.3.3", "1.2.3.4"}));
  EXPECT_FALSE(cert.is_self_issued());
  EXPECT_EQ(cert.key_type(), "EC");
  EXPECT_EQ(cert.key_bits(), 256);
  EXPECT_EQ(cert.key_curve(), "prime256v1");
  EXPECT_EQ(cert.signature_digest(), "sha256");
  EXPECT_EQ(cert.sha256_fingerprint().size(), 64u);

  EXPECT_TRUE(root_->cert.is_self_issued());
  EXPECT_EQ(root_->cert.key_curve(), "secp384r1");
  EXPECT_EQ(root_->cert.extended_key_usages(), std::nullopt);
}

TEST_F(CertificateTest, KeyTypesAndDigests) {
  const Issued rsa =
      testing::issue({.subject = "CN=RSA", .digest = "sha384"}, KeyKind::kRsa2048, root_);
  EXPECT_EQ(rsa.cert.key_type(), "RSA");
  EXPECT_EQ(rsa.cert.key_bits(), 2048);
  EXPECT_EQ(rsa.cert.key_curve(), "");
  EXPECT_EQ(rsa.cert.signature_digest(), "sha384");

  const Issued ed = testing::issue({.subject = "CN=Ed"}, KeyKind::kEd25519, nullptr);
  EXPECT_EQ(ed.cert.key_type(), "ED25519");
  EXPECT_EQ(ed.cert.signature_digest(), "");  // EdDSA has no separate digest

  const Issued sha1 =
      testing::issue({.subject = "CN=Old", .digest = "sha1"}, KeyKind::kEcP256, root_);
  EXPECT_EQ(sha1.cert.signature_digest(), "sha1");
}

TEST_F(CertificateTest, Utf8AndEscaping) {
  const Issued leaf =
      testing::issue({.subject = "O=Müller Werke, CN=Jörg"}, KeyKind::kEcP256, root_);
  EXPECT_EQ(leaf.cert.subject(), "O=Müller Werke, CN=Jörg");
  // A value that contains a separator must not read as two attributes.
  X509Ptr x(X509_dup(leaf.cert.get()));
  X509_NAME* name = X509_get_subject_name(x.get());
  ASSERT_EQ(
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>("Eve, O=Root"), -1, -1, 0),
      1);
  EXPECT_EQ(Certificate(std::move(x)).subject(), "O=Müller Werke, CN=Jörg, CN=Eve\\, O\\=Root");
}

TEST_F(CertificateTest, EmptyEkuIsPresentButEmpty) {
  const Issued leaf = testing::issue({.subject = "CN=NoUsage", .ekus = std::vector<std::string>{}},
                                     KeyKind::kEcP256, root_);
  ASSERT_TRUE(leaf.cert.extended_key_usages().has_value());
  EXPECT_TRUE(leaf.cert.extended_key_usages()->empty());
}

TEST_F(CertificateTest, CopiesShareTheObject) {
  const Certificate copy = root_->cert;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(copy.get(), root_->cert.get());
  EXPECT_TRUE(copy == root_->cert);
  Certificate assigned = testing::issue({}, KeyKind::kEcP256, nullptr).cert;
  EXPECT_FALSE(assigned == root_->cert);
  assigned = copy;
  EXPECT_TRUE(assigned == root_->cert);
}

TEST_F(CertificateTest, DerAndPemRoundTrip) {
  const Bytes der = root_->cert.der();
  auto from_der = Certificate::from_der(der);
  ASSERT_TRUE(from_der.has_value());
  EXPECT_TRUE(*from_der == root_->cert);

  const Issued other = testing::issue({.subject = "CN=Other"}, KeyKind::kEcP256, root_);
  auto from_pem = Certificate::from_pem(root_->cert.pem() + other.cert.pem());
  ASSERT_TRUE(from_pem.has_value());
  ASSERT_EQ(from_pem->size(), 2u);
  EXPECT_TRUE((*from_pem)[1] == other.cert);

  const testing::TempDir dir;
  const std::string path = dir.path() + "/certs.pem";
  std::ofstream(path) << root_->cert.pem();
  auto loaded = Certificate::load_pem_file(path);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->size(), 1u);
}

TEST_F(CertificateTest, MalformedInputs) {
  Bytes der = root_->cert.der();
  EXPECT_EQ(Certificate::from_der({}).error().code, Errc::kMalformed);
  Bytes truncated(der.begin(), der.end() - 1);
  EXPECT_EQ(Certificate::from_der(truncated).error().code, Errc::kMalformed);
  Bytes trailing = der;
  trailing.push_back(0);
  auto t = Certificate::from_der(trailing);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, Errc::kMalformed);
  EXPECT_NE(t.error().message.find("trailing"), std::string::npos);

  EXPECT_EQ(Certificate::from_pem("").error().code, Errc::kMalformed);
  EXPECT_EQ(Certificate::from_pem("hello").error().code, Errc::kMalformed);
  EXPECT_EQ(Certificate::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
                .error()
                .code,
            Errc::kMalformed);
  EXPECT_EQ(Certificate::load_pem_file("/nonexistent.pem").error().code, Errc::kIo);
}

TEST_F(CertificateTest, CrlPemAndDer) {
  const Issued leaf = testing::issue({.subject = "CN=Revoked"}, KeyKind::kEcP256, root_);
  const Crl crl = testing::make_crl(*root_, {leaf.cert}, at(1'700'000'000), at(1'900'000'000));
  EXPECT_EQ(crl.issuer(), "C=DE, O=Example Plant, CN=Plant Root");
  const Bytes der = crl.der();
  ASSERT_FALSE(der.empty());
  auto parsed = Crl::from_der(der);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->der(), der);

  const testing::TempDir dir;
  {
    std::ofstream out(dir.path() + "/a.crl", std::ios::binary);
    out.write(reinterpret_cast<const char*>(der.data()), static_cast<std::streamsize>(der.size()));
  }
  auto from_der_file = Crl::load_file(dir.path() + "/a.crl");
  ASSERT_TRUE(from_der_file.has_value()) << from_der_file.error().describe();
  EXPECT_EQ(from_der_file->size(), 1u);

  const BioPtr bio(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_X509_CRL(bio.get(), crl.get()), 1);
  ASSERT_EQ(PEM_write_bio_X509_CRL(bio.get(), crl.get()), 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  std::ofstream(dir.path() + "/b.pem") << std::string(data, static_cast<std::size_t>(len));
  auto from_pem_file = Crl::load_file(dir.path() + "/b.pem");
  ASSERT_TRUE(from_pem_file.has_value()) << from_pem_file.error().describe();
  EXPECT_EQ(from_pem_file->size(), 2u);

  Bytes trailing = der;
  trailing.push_back(0x30);
  EXPECT_EQ(Crl::from_der(trailing).error().code, Errc::kMalformed);
  std::ofstream(dir.path() + "/junk.crl") << "junk";
  EXPECT_EQ(Crl::load_file(dir.path() + "/junk.crl").error().code, Errc::kMalformed);
}

}  // namespace
}  // namespace signet::crypto
