#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>

#include "core/file_io.hpp"
#include "crypto/asn1_util.hpp"
#include "crypto/cms_signed_data.hpp"
#include "crypto/signature_verify.hpp"
#include "crypto/timestamp.hpp"
#include "crypto/x509_verify.hpp"
#include "support/test_pki.hpp"

namespace signet::crypto {
namespace {

// CertSpec is filled with designated initializers that leave the other members at their defaults;
// GCC 12 warns about exactly that (GCC bug 96868).
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using testing::Issued;
using testing::KeyKind;

TimePoint at(std::int64_t unix_seconds) { return TimePoint{std::chrono::seconds{unix_seconds}}; }

constexpr std::int64_t kSigningTime = 1'750'000'000;  // 2025-06-15T15:06:40Z
constexpr std::string_view kContent = R"({"_type":"https://in-toto.io/Statement/v1"})";

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

struct Pki {
  Issued root;
  Issued issuing;
  Issued alice;  // EC P-256
  Issued bob;    // RSA-3072
  Issued tsa;
};

class CmsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Issued root = testing::issue({.subject = "O=Example Plant, CN=Plant Root", .is_ca = true},
                                 KeyKind::kEcP384, nullptr);
    Issued issuing =
        testing::issue({.subject = "O=Example Plant, CN=Plant Issuing CA", .is_ca = true},
                       KeyKind::kEcP256, &root);
    const std::vector<std::string> code_signing{"codeSigning"};
    Issued alice = testing::issue(
        {.subject = "O=Example Plant, OU=OT Engineering, CN=Alice", .ekus = code_signing},
        KeyKind::kEcP256, &issuing);
    Issued bob = testing::issue(
        {.subject = "O=Example Plant, OU=OT Engineering, CN=Bob", .ekus = code_signing},
        KeyKind::kRsa3072, &issuing);
    Issued tsa = testing::issue({.subject = "O=Example Plant, CN=Plant TSA",
                                 .ekus = std::vector<std::string>{"timeStamping"},
                                 .eku_critical = true},
                                KeyKind::kEcP256, &root);
    pki_ = new Pki{std::move(root), std::move(issuing), std::move(alice), std::move(bob),
                   std::move(tsa)};
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  static Pki* pki_;

  static CmsSignOptions options() {
    CmsSignOptions o;
    o.signing_time = at(kSigningTime);
    return o;
  }
  static SigningKey alice_key() { return testing::signing_key(pki_->alice, {pki_->issuing.cert}); }
  static SigningKey bob_key() { return testing::signing_key(pki_->bob, {pki_->issuing.cert}); }

  static Bytes sign(std::vector<const SigningKey*> keys, const CmsSignOptions& o = options(),
                    std::string_view content = kContent) {
    auto der = cms_sign(bytes_of(content), keys, o);
    EXPECT_TRUE(der.has_value()) << der.error().describe();
    return der.value_or(Bytes{});
  }
  static CmsSignedData parse(const Bytes& der) {
    auto parsed = cms_parse(der);
    EXPECT_TRUE(parsed.has_value()) << parsed.error().describe();
    return parsed.value_or(CmsSignedData{});
  }
  static const CmsSignerInfo* find_signer(const CmsSignedData& sd, const Certificate& cert,
                                          std::string_view digest) {
    for (const CmsSignerInfo& s : sd.signers) {
      if (s.certificate && *s.certificate == cert && s.digest_algorithm == digest) return &s;
    }
    return nullptr;
  }
  static void expect_mandatory_attributes(const CmsSignerInfo& signer) {
    for (const char* oid :
         {kOidContentType, kOidMessageDigest, kOidSigningTime, kOidSigningCertificateV2}) {
      EXPECT_NE(
          std::find(signer.signed_attribute_oids.begin(), signer.signed_attribute_oids.end(), oid),
          signer.signed_attribute_oids.end())
          << "missing signed attribute " << oid;
    }
  }
};
Pki* CmsTest::pki_ = nullptr;

TEST_F(CmsTest, SignEcP256) {
  const SigningKey key = alice_key();
  const CmsSignedData sd = parse(sign({&key}));
  EXPECT_EQ(sd.content_type_oid, kOidData);
  EXPECT_FALSE(sd.detached);
  EXPECT_EQ(sd.content, Bytes(kContent.begin(), kContent.end()));
  ASSERT_EQ(sd.certificates.size(), 2u);  // Alice and the issuing CA
  ASSERT_EQ(sd.signers.size(), 1u);
  const CmsSignerInfo& s = sd.signers[0];
  EXPECT_TRUE(s.signature_valid) << s.signature_error;
  EXPECT_EQ(s.signature_error, "");
  ASSERT_TRUE(s.certificate.has_value());
  EXPECT_TRUE(*s.certificate == pki_->alice.cert);
  EXPECT_EQ(s.sid_issuer, "O=Example Plant, CN=Plant Issuing CA");
  EXPECT_EQ(s.sid_serial_hex, pki_->alice.cert.serial_hex());
  EXPECT_EQ(s.digest_algorithm, "sha256");
  EXPECT_EQ(s.signature_algorithm, "ecdsa");
  EXPECT_EQ(s.key_bits, 256);
  EXPECT_EQ(s.curve, "prime256v1");
  EXPECT_EQ(s.signing_time, at(kSigningTime));
  EXPECT_FALSE(s.signature_value.empty());
  EXPECT_TRUE(s.timestamp_tokens.empty());
  expect_mandatory_attributes(s);
}

TEST_F(CmsTest, SignRsa3072WithPss) {
  const SigningKey key = bob_key();
  CmsSignOptions o = options();
  o.digest = DigestAlgorithm::kSha384;
  const CmsSignedData sd = parse(sign({&key}, o));
  ASSERT_EQ(sd.signers.size(), 1u);
  const CmsSignerInfo& s = sd.signers[0];
  EXPECT_TRUE(s.signature_valid) << s.signature_error;
  EXPECT_EQ(s.signature_algorithm, "rsa-pss");
  EXPECT_EQ(s.pss_salt_length, 48);
  EXPECT_EQ(s.digest_algorithm, "sha384");
  EXPECT_EQ(s.key_bits, 3072);
  EXPECT_EQ(s.curve, "");
  expect_mandatory_attributes(s);
}

TEST_F(CmsTest, TwoSignersShareTheChainOnce) {
  const SigningKey alice = alice_key();
  const SigningKey bob = bob_key();
  const CmsSignedData sd = parse(sign({&alice, &bob}));
  ASSERT_EQ(sd.signers.size(), 2u);
  EXPECT_TRUE(sd.signers[0].signature_valid) << sd.signers[0].signature_error;
  EXPECT_TRUE(sd.signers[1].signature_valid) << sd.signers[1].signature_error;
  EXPECT_EQ(sd.signers[1].signature_algorithm, "rsa-pss");
  EXPECT_EQ(sd.signers[1].pss_salt_length, 32);
  EXPECT_EQ(sd.certificates.size(), 3u);  // Alice, issuing CA, Bob
}

TEST_F(CmsTest, ContentTypeAndCrls) {
  const SigningKey key = alice_key();
  CmsSignOptions o = options();
  o.content_type_oid = "1.3.6.1.4.1.57264.1.9";
  o.crls.push_back(
      testing::make_crl(pki_->issuing, {}, at(kSigningTime), at(kSigningTime + 86400)));
  const CmsSignedData sd = parse(sign({&key}, o));
  EXPECT_EQ(sd.content_type_oid, "1.3.6.1.4.1.57264.1.9");
  ASSERT_EQ(sd.crls.size(), 1u);
  EXPECT_EQ(sd.crls[0].issuer(), "O=Example Plant, CN=Plant Issuing CA");
  ASSERT_EQ(sd.signers.size(), 1u);
  EXPECT_TRUE(sd.signers[0].signature_valid) << sd.signers[0].signature_error;

  o.content_type_oid = "not an oid";
  EXPECT_EQ(cms_sign(bytes_of(kContent), std::vector<const SigningKey*>{&key}, o).error().code,
            Errc::kUsage);
}

TEST_F(CmsTest, Detached) {
  const SigningKey key = alice_key();
  CmsSignOptions o = options();
  o.detached = true;
  const Bytes der = sign({&key}, o);
  auto without = cms_parse(der);
  ASSERT_TRUE(without.has_value());
  EXPECT_TRUE(without->detached);
  EXPECT_TRUE(without->content.empty());
  ASSERT_EQ(without->signers.size(), 1u);
  EXPECT_FALSE(without->signers[0].signature_valid);
  EXPECT_NE(without->signers[0].signature_error.find("not provided"), std::string::npos);

  auto with = cms_parse(der, bytes_of(kContent));
  ASSERT_TRUE(with.has_value());
  EXPECT_TRUE(with->signers[0].signature_valid) << with->signers[0].signature_error;

  auto wrong = cms_parse(der, bytes_of("other content"));
  ASSERT_TRUE(wrong.has_value());
  EXPECT_FALSE(wrong->signers[0].signature_valid);
  EXPECT_NE(wrong->signers[0].signature_error.find("messageDigest"), std::string::npos);

  EXPECT_EQ(cms_add_signer(der, key, options()).error().code, Errc::kUnsupported);
}

TEST_F(CmsTest, CosignKeepsTheFirstSignerValid) {
  const SigningKey alice = alice_key();
  const SigningKey bob = bob_key();
  const Bytes first = sign({&alice});
  const CmsSignedData before = parse(first);
  CmsSignOptions o = options();
  o.signing_time = at(kSigningTime + 3600);
  auto cosigned = cms_add_signer(first, bob, o);
  ASSERT_TRUE(cosigned.has_value()) << cosigned.error().describe();
  const CmsSignedData after = parse(*cosigned);
  // SignerInfos are a DER SET OF: re-encoding sorts them, so find them by what they are.
  ASSERT_EQ(after.signers.size(), 2u);
  const CmsSignerInfo* first_after = find_signer(after, pki_->alice.cert, "sha256");
  const CmsSignerInfo* second = find_signer(after, pki_->bob.cert, "sha256");
  ASSERT_NE(first_after, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_TRUE(first_after->signature_valid) << first_after->signature_error;
  EXPECT_EQ(first_after->signature_value, before.signers[0].signature_value);
  EXPECT_EQ(first_after->signing_time, at(kSigningTime));
  EXPECT_TRUE(second->signature_valid) << second->signature_error;
  EXPECT_EQ(second->signature_algorithm, "rsa-pss");
  EXPECT_EQ(second->pss_salt_length, 32);
  EXPECT_EQ(second->signing_time, at(kSigningTime + 3600));
  expect_mandatory_attributes(*second);
  EXPECT_EQ(after.content, before.content);
  EXPECT_EQ(after.certificates.size(), 3u);

  // And an EC cosigner on top, with another digest.
  o.digest = DigestAlgorithm::kSha512;
  auto third = cms_add_signer(*cosigned, alice, o);
  ASSERT_TRUE(third.has_value()) << third.error().describe();
  const CmsSignedData three = parse(*third);
  ASSERT_EQ(three.signers.size(), 3u);
  for (const CmsSignerInfo& s : three.signers) {
    EXPECT_TRUE(s.signature_valid) << s.signature_error;
  }
  const CmsSignerInfo* sha512 = find_signer(three, pki_->alice.cert, "sha512");
  ASSERT_NE(sha512, nullptr);
  EXPECT_EQ(sha512->signature_algorithm, "ecdsa");
  EXPECT_EQ(three.certificates.size(), 3u);
}

TEST_F(CmsTest, AddTimestamp) {
  const SigningKey alice = alice_key();
  const SigningKey tsa = testing::signing_key(pki_->tsa, {pki_->root.cert});
  const Bytes der = sign({&alice});
  const CmsSignedData before = parse(der);
  auto token = create_timestamp_token(
      {.data = before.signers[0].signature_value, .gen_time = at(kSigningTime + 60)}, tsa);
  ASSERT_TRUE(token.has_value()) << token.error().describe();
  auto stamped = cms_add_timestamp(der, 0, *token);
  ASSERT_TRUE(stamped.has_value()) << stamped.error().describe();
  const CmsSignedData after = parse(*stamped);
  ASSERT_EQ(after.signers.size(), 1u);
  EXPECT_TRUE(after.signers[0].signature_valid) << after.signers[0].signature_error;
  ASSERT_EQ(after.signers[0].timestamp_tokens.size(), 1u);
  EXPECT_EQ(after.signers[0].timestamp_tokens[0], *token);
  auto anchors = AnchorSet::create({pki_->root.cert}, {});
  ASSERT_TRUE(anchors.has_value());
  auto info = verify_timestamp_token(after.signers[0].timestamp_tokens[0],
                                     after.signers[0].signature_value, *anchors);
  ASSERT_TRUE(info.has_value()) << info.error().describe();
  EXPECT_EQ(info->gen_time, at(kSigningTime + 60));

  EXPECT_EQ(cms_add_timestamp(der, 1, *token).error().code, Errc::kUsage);
  EXPECT_EQ(cms_add_timestamp(der, 0, bytes_of("not a token")).error().code, Errc::kMalformed);
}

TEST_F(CmsTest, MalformedInput) {
  const SigningKey key = alice_key();
  const Bytes der = sign({&key});
  auto expect_malformed = [](std::span<const std::uint8_t> input, std::string_view why) {
    auto r = cms_parse(input);
    ASSERT_FALSE(r.has_value()) << why;
    EXPECT_EQ(r.error().code, Errc::kMalformed) << why;
    EXPECT_FALSE(r.error().message.empty());
  };
  expect_malformed({}, "empty");
  expect_malformed(std::span(der).first(der.size() - 1), "truncated by one byte");
  expect_malformed(std::span(der).first(der.size() / 2), "truncated by half");
  Bytes trailing = der;
  trailing.insert(trailing.end(), {0xde, 0xad});
  expect_malformed(trailing, "trailing garbage");
  expect_malformed(pki_->alice.cert.der(), "a certificate, not a ContentInfo");
  // A ContentInfo of type data.
  const CmsPtr data_ci(CMS_data_create(BioPtr(BIO_new_mem_buf("x", 1)).get(), CMS_BINARY));
  ASSERT_NE(data_ci, nullptr);
  unsigned char* out = nullptr;
  const int len = i2d_CMS_ContentInfo(data_ci.get(), &out);
  const OsslBytePtr owner(out);
  ASSERT_GT(len, 0);
  expect_malformed(std::span<const std::uint8_t>(out, static_cast<std::size_t>(len)),
                   "ContentInfo of type data");
  auto r = cms_parse(trailing);
  EXPECT_NE(r.error().message.find("trailing"), std::string::npos);
  EXPECT_EQ(cms_add_signer(trailing, key, options()).error().code, Errc::kMalformed);
  EXPECT_EQ(cms_add_timestamp({}, 0, der).error().code, Errc::kMalformed);
}

TEST_F(CmsTest, FlippedContentByteInvalidatesSignature) {
  const SigningKey key = alice_key();
  Bytes der = sign({&key});
  const auto pos = std::search(der.begin(), der.end(), kContent.begin(), kContent.end());
  ASSERT_NE(pos, der.end());
  *(pos + 5) ^= 0x20;
  const CmsSignedData sd = parse(der);
  ASSERT_EQ(sd.signers.size(), 1u);
  EXPECT_FALSE(sd.signers[0].signature_valid);
  EXPECT_NE(sd.signers[0].signature_error.find("messageDigest does not match"), std::string::npos)
      << sd.signers[0].signature_error;
}

TEST_F(CmsTest, FlippedSignatureByteInvalidatesSignature) {
  const SigningKey key = bob_key();
  Bytes der = sign({&key});
  const CmsSignedData sd = parse(der);
  const Bytes& sig = sd.signers[0].signature_value;
  const auto pos = std::search(der.begin(), der.end(), sig.begin(), sig.end());
  ASSERT_NE(pos, der.end());
  *(pos + 10) ^= 0x01;
  const CmsSignedData tampered = parse(der);
  EXPECT_FALSE(tampered.signers[0].signature_valid);
  EXPECT_NE(tampered.signers[0].signature_error.find("signed attributes"), std::string::npos);
}

TEST_F(CmsTest, SignerCertificateNotEmbedded) {
  const BioPtr data(BIO_new_mem_buf(kContent.data(), static_cast<int>(kContent.size())));
  const CmsPtr cms(CMS_sign(pki_->alice.cert.get(), pki_->alice.key.get(), nullptr, data.get(),
                            CMS_BINARY | CMS_NOCERTS));
  ASSERT_NE(cms, nullptr);
  unsigned char* out = nullptr;
  const int len = i2d_CMS_ContentInfo(cms.get(), &out);
  const OsslBytePtr owner(out);
  ASSERT_GT(len, 0);
  auto sd = cms_parse(std::span<const std::uint8_t>(out, static_cast<std::size_t>(len)));
  ASSERT_TRUE(sd.has_value());
  ASSERT_EQ(sd->signers.size(), 1u);
  EXPECT_FALSE(sd->signers[0].signature_valid);
  EXPECT_EQ(sd->signers[0].signature_error, "signer certificate not embedded");
  EXPECT_FALSE(sd->signers[0].certificate.has_value());
  EXPECT_EQ(sd->signers[0].sid_serial_hex, pki_->alice.cert.serial_hex());
}

TEST_F(CmsTest, UnsupportedKeysAndArguments) {
  const Issued ed = testing::issue({.subject = "CN=Ed"}, KeyKind::kEd25519, &pki_->issuing);
  const SigningKey key = testing::signing_key(ed);
  EXPECT_EQ(
      cms_sign(bytes_of(kContent), std::vector<const SigningKey*>{&key}, options()).error().code,
      Errc::kUnsupported);
  EXPECT_EQ(cms_sign(bytes_of(kContent), {}, options()).error().code, Errc::kUsage);
}

TEST_F(CmsTest, OpensslCmsVerifyAcceptsOurSignatures) {
  if (std::system("openssl version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl CLI";
  const testing::TempDir dir;
  std::ofstream(dir.path() + "/root.pem") << pki_->root.cert.pem();
  const SigningKey alice = alice_key();
  const SigningKey bob = bob_key();
  const Bytes ec = sign({&alice});
  const Bytes both = sign({&alice, &bob});
  auto cosigned = cms_add_signer(ec, bob, options());
  ASSERT_TRUE(cosigned.has_value());
  const std::vector<std::pair<std::string, const Bytes*>> cases{
      {"ec", &ec}, {"ec_rsapss", &both}, {"cosigned", &*cosigned}};
  for (const auto& [name, der] : cases) {
    const std::string path = dir.path() + "/" + name + ".p7s";
    {
      std::ofstream out(path, std::ios::binary);
      out.write(reinterpret_cast<const char*>(der->data()),
                static_cast<std::streamsize>(der->size()));
    }
    const std::string out_path = dir.path() + "/" + name + ".out";
    const std::string command = "openssl cms -verify -inform DER -in " + path + " -CAfile " +
                                dir.path() + "/root.pem -purpose any -binary -out " + out_path +
                                " 2> " + dir.path() + "/" + name + ".log";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    std::ifstream in(out_path, std::ios::binary);
    const std::string printed((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    EXPECT_EQ(printed, kContent) << name;
  }
}

TEST_F(CmsTest, EssNamingAnotherCertificateInvalidates) {
  // Alice signs, but her signingCertificateV2 names Bob's certificate.
  const BioPtr data(BIO_new_mem_buf(kContent.data(), static_cast<int>(kContent.size())));
  const CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_BINARY));
  ASSERT_NE(cms, nullptr);
  CMS_SignerInfo* si = CMS_add1_signer(cms.get(), pki_->alice.cert.get(), pki_->alice.key.get(),
                                       EVP_sha256(), CMS_PARTIAL | CMS_NOSMIMECAP);
  ASSERT_NE(si, nullptr);
  const EssSigningCertV2Ptr ess(
      OSSL_ESS_signing_cert_v2_new_init(EVP_sha256(), pki_->bob.cert.get(), nullptr, 0));
  ASSERT_NE(ess, nullptr);
  const Bytes ess_der = i2d_to_bytes<ESS_SIGNING_CERT_V2>(i2d_ESS_SIGNING_CERT_V2, ess.get());
  ASSERT_EQ(CMS_signed_add1_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, V_ASN1_SEQUENCE,
                                        ess_der.data(), static_cast<int>(ess_der.size())),
            1);
  ASSERT_EQ(CMS_final(cms.get(), data.get(), nullptr, CMS_BINARY), 1);
  const Bytes der = i2d_to_bytes<CMS_ContentInfo>(i2d_CMS_ContentInfo, cms.get());
  const CmsSignedData sd = parse(der);
  ASSERT_EQ(sd.signers.size(), 1u);
  EXPECT_FALSE(sd.signers[0].signature_valid);
  EXPECT_NE(sd.signers[0].signature_error.find("does not name the signer certificate"),
            std::string::npos)
      << sd.signers[0].signature_error;
}

// The same operations with keys that live in a SoftHSM2 token: OpenSSL only sees an EVP_PKEY whose
// private half it cannot read.
class CmsTokenTest : public CmsTest {
 protected:
  static void SetUpTestSuite() {
    CmsTest::SetUpTestSuite();
    token_dir_ = new testing::TempDir();
    const std::string command = std::string("bash '") + SIGNET_SOURCE_DIR +
                                "/tests/support/softhsm_token.sh' '" + token_dir_->path() +
                                "' >/dev/null 2>&1";
    token_ready_ = std::system(command.c_str()) == 0;
    if (token_ready_) setenv("SOFTHSM2_CONF", (token_dir_->path() + "/softhsm2.conf").c_str(), 1);
  }
  static void TearDownTestSuite() {
    delete token_dir_;
    token_dir_ = nullptr;
    CmsTest::TearDownTestSuite();
  }
  void SetUp() override {
    if (!token_ready_) GTEST_SKIP() << "no SoftHSM2 token (softhsm_token.sh failed)";
  }
  static SigningKey token_key(const std::string& label, const testing::CertSpec& spec,
                              const Issued& issuer) {
    auto pem = read_file_text(token_dir_->path() + "/" + label + ".pub.pem");
    EXPECT_TRUE(pem.has_value());
    auto pub = public_key_from_pem(pem.value_or(""));
    EXPECT_TRUE(pub.has_value());
    const Certificate cert = testing::issue_for_key(spec, pub->get(), issuer);
    auto key = SigningKey::load("pkcs11:token=signet-test;object=" + label + "?pin-value=123456",
                                cert, {issuer.cert});
    if (!key) {
      ADD_FAILURE() << key.error().describe();
      std::abort();
    }
    EXPECT_TRUE(key->from_token());
    return std::move(*key);
  }
  static testing::TempDir* token_dir_;
  static bool token_ready_;
};
testing::TempDir* CmsTokenTest::token_dir_ = nullptr;
bool CmsTokenTest::token_ready_ = false;

TEST_F(CmsTokenTest, SignCosignAndTimestampWithTokenKeys) {
  const std::vector<std::string> code_signing{"codeSigning"};
  const SigningKey ec =
      token_key("signer-ec", {.subject = "O=Example Plant, CN=Token EC", .ekus = code_signing},
                pki_->issuing);
  const SigningKey rsa =
      token_key("signer-rsa", {.subject = "O=Example Plant, CN=Token RSA", .ekus = code_signing},
                pki_->issuing);
  const Bytes der = sign({&ec, &rsa});
  const CmsSignedData sd = parse(der);
  ASSERT_EQ(sd.signers.size(), 2u);
  for (const CmsSignerInfo& s : sd.signers) {
    EXPECT_TRUE(s.signature_valid) << s.signature_error;
    expect_mandatory_attributes(s);
  }
  const CmsSignerInfo* pss = find_signer(sd, rsa.certificate(), "sha256");
  ASSERT_NE(pss, nullptr);
  EXPECT_EQ(pss->signature_algorithm, "rsa-pss");
  EXPECT_EQ(pss->pss_salt_length, 32);

  // A token key cosigns a file-key signature.
  const SigningKey alice = alice_key();
  auto cosigned = cms_add_signer(sign({&alice}), rsa, options());
  ASSERT_TRUE(cosigned.has_value()) << cosigned.error().describe();
  for (const CmsSignerInfo& s : parse(*cosigned).signers) {
    EXPECT_TRUE(s.signature_valid) << s.signature_error;
  }

  // A token key as the TSA.
  const SigningKey tsa = token_key("signer2-ec",
                                   {.subject = "O=Example Plant, CN=Token TSA",
                                    .ekus = std::vector<std::string>{"timeStamping"},
                                    .eku_critical = true},
                                   pki_->root);
  auto token = create_timestamp_token(
      {.data = sd.signers[0].signature_value, .gen_time = at(kSigningTime)}, tsa);
  ASSERT_TRUE(token.has_value()) << token.error().describe();
  auto anchors = AnchorSet::create({pki_->root.cert}, {});
  ASSERT_TRUE(anchors.has_value());
  auto info = verify_timestamp_token(*token, sd.signers[0].signature_value, *anchors);
  EXPECT_TRUE(info.has_value()) << info.error().describe();
}

}  // namespace
}  // namespace signet::crypto
