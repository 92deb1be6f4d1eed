// SigningKey::load against a real SoftHSM2 token (keys generated inside it by
// tests/support/softhsm_token.sh) and against file: keys. Every failure must be a clear error,
// never a crash.
#include "crypto/signing_key.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdlib.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace signet::crypto {
namespace {

namespace fs = std::filesystem;

constexpr const char* kEc = "pkcs11:token=signet-test;object=signer-ec?pin-value=123456";
constexpr const char* kRsa = "pkcs11:token=signet-test;object=signer-rsa?pin-value=123456";

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

EvpPkeyPtr read_public_key(const fs::path& path) {
  const std::string pem = read_text(path);
  const BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return EvpPkeyPtr(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
}

// A certificate for `subject_key`'s public key, issued by `issuer_key` (test only, no extensions).
Certificate make_cert(EVP_PKEY* subject_key, EVP_PKEY* issuer_key, const std::string& cn) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_NAME* issuer = X509_get_issuer_name(cert.get());
  X509_NAME_add_entry_by_txt(issuer, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Test CA"), -1, -1, 0);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600L * 24 * 365);
  X509_set_pubkey(cert.get(), subject_key);
  EXPECT_GT(X509_sign(cert.get(), issuer_key, EVP_sha256()), 0);
  return Certificate(std::move(cert));
}

EvpPkeyPtr make_ec_key() { return EvpPkeyPtr(EVP_EC_gen("P-256")); }

std::string to_pem(EVP_PKEY* key, const char* passphrase) {
  const BioPtr bio(BIO_new(BIO_s_mem()));
  const EVP_CIPHER* cipher = passphrase != nullptr ? EVP_aes_256_cbc() : nullptr;
  PEM_write_bio_PKCS8PrivateKey(bio.get(), key, cipher, passphrase,
                                passphrase != nullptr ? static_cast<int>(strlen(passphrase)) : 0,
                                nullptr, nullptr);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

// Signs with EVP_DigestSign (optionally RSA-PSS) and verifies with the certificate's key.
bool signs_and_verifies(const SigningKey& key, bool pss = false) {
  const std::string data = "signet test payload";
  const EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.pkey()) != 1) return false;
  if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return false;
  }
  std::size_t len = 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, bytes, data.size()) != 1) return false;
  std::vector<unsigned char> sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, bytes, data.size()) != 1) return false;

  const EvpMdCtxPtr vctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* vpctx = nullptr;
  EVP_PKEY* pub = X509_get0_pubkey(key.certificate().get());
  if (EVP_DigestVerifyInit(vctx.get(), &vpctx, EVP_sha256(), nullptr, pub) != 1) return false;
  if (pss && (EVP_PKEY_CTX_set_rsa_padding(vpctx, RSA_PKCS1_PSS_PADDING) != 1 ||
              EVP_PKEY_CTX_set_rsa_pss_saltlen(vpctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return false;
  }
  return EVP_DigestVerify(vctx.get(), sig.data(), len, bytes, data.size()) == 1;
}

// CMS SignedData over `data` with the key (signed attributes on), verified against its own cert.
bool cms_signs_and_verifies(const SigningKey& key, bool pss = false) {
  const std::string data = "signet cms payload";
  const BioPtr in(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  const unsigned flags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
  CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, flags));
  if (!cms) return false;
  CMS_SignerInfo* si = CMS_add1_signer(cms.get(), key.certificate().get(), key.pkey(), EVP_sha256(),
                                       flags | (pss ? CMS_KEY_PARAM : 0));
  if (si == nullptr) return false;
  if (pss) {
    EVP_PKEY_CTX* pctx = CMS_SignerInfo_get0_pkey_ctx(si);
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1) {
      return false;
    }
  }
  if (CMS_final(cms.get(), in.get(), nullptr, flags) != 1) return false;

  const BioPtr content(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  const BioPtr out(BIO_new(BIO_s_mem()));
  X509StorePtr store(X509_STORE_new());
  return CMS_verify(cms.get(), nullptr, store.get(), nullptr, out.get(),
                    CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1;
}

class SigningKeyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/signet-keys-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const std::string script = SIGNET_SOURCE_DIR "/tests/support/softhsm_token.sh";
    const std::string command = "bash '" + script + "' '" + dir_.string() + "'";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    setenv("SOFTHSM2_CONF", (dir_ / "softhsm2.conf").c_str(), 1);

    ca_key_ = make_ec_key().release();
    for (const char* label : {"signer-ec", "signer-rsa", "signer2-ec"}) {
      EvpPkeyPtr pub = read_public_key(dir_ / (std::string(label) + ".pub.pem"));
      ASSERT_TRUE(pub) << label;
      certs_.emplace_back(make_cert(pub.get(), ca_key_, label));
    }
  }
  static void TearDownTestSuite() {
    certs_.clear();
    EVP_PKEY_free(ca_key_);
    ca_key_ = nullptr;
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  void SetUp() override {
    ASSERT_EQ(certs_.size(), 3u) << "token setup failed";
    for (const char* var : {"SIGNET_PKCS11_PIN", "SIGNET_PKCS11_MODULE", "SIGNET_KEY_PASSPHRASE"}) {
      unsetenv(var);
    }
  }
  void TearDown() override {
    for (const char* var : {"SIGNET_PKCS11_PIN", "SIGNET_PKCS11_MODULE", "SIGNET_KEY_PASSPHRASE"}) {
      unsetenv(var);
    }
  }

  static const Certificate& ec_cert() { return certs_[0]; }
  static const Certificate& rsa_cert() { return certs_[1]; }
  static const Certificate& ec2_cert() { return certs_[2]; }
  static const fs::path& dir() { return dir_; }

  static Error load_error(std::string_view ref, const Certificate& cert) {
    auto key = SigningKey::load(ref, cert, {});
    EXPECT_FALSE(key.has_value()) << ref << " loaded";
    return key ? Error{Errc::kInternal, "loaded"} : key.error();
  }

  static inline fs::path dir_;
  static inline EVP_PKEY* ca_key_ = nullptr;
  static inline std::vector<Certificate> certs_;
};

// --- token keys -------------------------------------------------------------------------------

TEST_F(SigningKeyTest, EcKeyByObjectLabelSignsAndVerifies) {
  auto key = SigningKey::load(kEc, ec_cert(), {});
  ASSERT_TRUE(key.has_value()) << key.error().describe();
  EXPECT_TRUE(key->from_token());
  ASSERT_NE(key->pkey(), nullptr);
  EXPECT_EQ(EVP_PKEY_get_base_id(key->pkey()), EVP_PKEY_EC);
  EXPECT_TRUE(signs_and_verifies(*key));
  EXPECT_TRUE(key->chain().empty());
}

TEST_F(SigningKeyTest, EcKeyByIdSignsAndVerifies) {
  auto key = SigningKey::load("pkcs11:token=signet-test;id=%01?pin-value=123456", ec_cert(), {});
  ASSERT_TRUE(key.has_value()) << key.error().describe();
  EXPECT_TRUE(signs_and_verifies(*key));
}

TEST_F(SigningKeyTest, RsaKeySignsPkcs1AndPss) {
  auto key = SigningKey::load(
      "pkcs11:token=signet-test;object=signer-rsa;id=%02;type=private?pin-value=123456", rsa_cert(),
      {ec_cert()});
  ASSERT_TRUE(key.has_value()) << key.error().describe();
  EXPECT_EQ(EVP_PKEY_get_base_id(key->pkey()), EVP_PKEY_RSA);
  EXPECT_EQ(EVP_PKEY_get_bits(key->pkey()), 3072);
  EXPECT_TRUE(signs_and_verifies(*key, /*pss=*/false));
  EXPECT_TRUE(signs_and_verifies(*key, /*pss=*/true));
  ASSERT_EQ(key->chain().size(), 1u);
  EXPECT_EQ(key->chain()[0], ec_cert());
}

TEST_F(SigningKeyTest, TokenKeysSignCms) {
  auto ec = SigningKey::load(kEc, ec_cert(), {});
  ASSERT_TRUE(ec.has_value()) << ec.error().describe();
  EXPECT_TRUE(cms_signs_and_verifies(*ec));
  auto rsa = SigningKey::load(kRsa, rsa_cert(), {});
  ASSERT_TRUE(rsa.has_value()) << rsa.error().describe();
  EXPECT_TRUE(cms_signs_and_verifies(*rsa, /*pss=*/false));
  EXPECT_TRUE(cms_signs_and_verifies(*rsa, /*pss=*/true));
}

TEST_F(SigningKeyTest, SeveralKeysFromOneModuleLiveTogether) {
  // libp11 0.4.12: a second context on the same module used to finalize the first one's keys.
  auto ec = SigningKey::load(kEc, ec_cert(), {});
  auto rsa = SigningKey::load(kRsa, rsa_cert(), {});
  ASSERT_TRUE(ec.has_value() && rsa.has_value());
  EXPECT_TRUE(signs_and_verifies(*ec));
  {
    const SigningKey gone = std::move(*ec);
    EXPECT_TRUE(signs_and_verifies(gone));
  }
  EXPECT_TRUE(signs_and_verifies(*rsa));
  auto again = SigningKey::load(kEc, ec_cert(), {});
  ASSERT_TRUE(again.has_value()) << again.error().describe();
  EXPECT_TRUE(signs_and_verifies(*again));
  SigningKey moved = std::move(*rsa);
  moved = std::move(*again);
  EXPECT_TRUE(signs_and_verifies(moved));
}

TEST_F(SigningKeyTest, ModuleIsReloadedAfterTheLastKeyIsGone) {
  for (int i = 0; i < 3; ++i) {
    auto key = SigningKey::load(kEc, ec_cert(), {});
    ASSERT_TRUE(key.has_value()) << key.error().describe();
    EXPECT_TRUE(signs_and_verifies(*key));
  }
}

TEST_F(SigningKeyTest, WrongTokenLabelNamesTheTokensPresent) {
  const Error e =
      load_error("pkcs11:token=no-such-token;object=signer-ec?pin-value=123456", ec_cert());
  EXPECT_EQ(e.code, Errc::kKeyUnavailable);
  EXPECT_NE(e.message.find("no token matching token=no-such-token; tokens present: signet-test"),
            std::string::npos)
      << e.message;
}

TEST_F(SigningKeyTest, OtherTokenAttributesMustMatchToo) {
  EXPECT_EQ(
      load_error("pkcs11:token=signet-test;model=nope;object=signer-ec?pin-value=123456", ec_cert())
          .code,
      Errc::kKeyUnavailable);
  EXPECT_EQ(load_error("pkcs11:slot-id=424242;object=signer-ec?pin-value=123456", ec_cert()).code,
            Errc::kKeyUnavailable);
  auto key = SigningKey::load(
      "pkcs11:manufacturer=SoftHSM%20project;model=SoftHSM%20v2;token=signet-test;"
      "library-manufacturer=SoftHSM;object=signer-ec?pin-value=123456",
      ec_cert(), {});
  ASSERT_TRUE(key.has_value()) << key.error().describe();
}

TEST_F(SigningKeyTest, WrongPinIsRejectedAndNotRetried) {
  const Error e =
      load_error("pkcs11:token=signet-test;object=signer-ec?pin-value=000000", ec_cert());
  EXPECT_EQ(e.code, Errc::kKeyUnavailable);
  EXPECT_NE(e.message.find("PIN rejected by token signet-test"), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find("000000"), std::string::npos);
  auto key = SigningKey::load(kEc, ec_cert(), {});  // the token is not locked
  ASSERT_TRUE(key.has_value()) << key.error().describe();
}

TEST_F(SigningKeyTest, WrongPinIsRejectedWhileTheTokenIsLoggedIn) {
  // libp11 0.4.12 skips C_Login on a logged-in slot; the PIN must still be checked.
  auto first = SigningKey::load(kEc, ec_cert(), {});
  ASSERT_TRUE(first.has_value()) << first.error().describe();
  const Error e =
      load_error("pkcs11:token=signet-test;object=signer-rsa?pin-value=999999", rsa_cert());
  EXPECT_EQ(e.code, Errc::kKeyUnavailable);
  EXPECT_NE(e.message.find("PIN rejected"), std::string::npos) << e.message;
  EXPECT_EQ(load_error("pkcs11:token=signet-test;object=signer-rsa", rsa_cert()).code,
            Errc::kKeyUnavailable);
  EXPECT_TRUE(signs_and_verifies(*first));
}

TEST_F(SigningKeyTest, MissingObjectNamesTheKeysPresent) {
  const Error e = load_error("pkcs11:token=signet-test;object=nope?pin-value=123456", ec_cert());
  EXPECT_EQ(e.code, Errc::kKeyUnavailable);
  EXPECT_NE(e.message.find("no private key object=nope in token signet-test"), std::string::npos)
      << e.message;
  EXPECT_NE(e.message.find("signer-ec (id 01)"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("signer-rsa (id 02)"), std::string::npos) << e.message;
  EXPECT_EQ(
      load_error("pkcs11:token=signet-test;object=signer-ec;id=%02?pin-value=123456", ec_cert())
          .code,
      Errc::kKeyUnavailable);
}

TEST_F(SigningKeyTest, AmbiguousKeyIsAnError) {
  const Error e = load_error("pkcs11:token=signet-test?pin-value=123456", ec_cert());
  EXPECT_EQ(e.code, Errc::kKeyUnavailable);
  EXPECT_NE(e.message.find("3 private keys match"), std::string::npos) << e.message;
}

TEST_F(SigningKeyTest, NonPrivateTypeIsAUsageError) {
  EXPECT_EQ(
      load_error("pkcs11:token=signet-test;object=signer-ec;type=cert?pin-value=123456", ec_cert())
          .code,
      Errc::kUsage);
}

TEST_F(SigningKeyTest, MissingModule) {
  const Error e = load_error(
      "pkcs11:token=signet-test;object=signer-ec?pin-value=123456&module-path=/nonexistent/p11.so",
      ec_cert());
  EXPECT_EQ(e.code, Errc::kKeyUnavailable);
  EXPECT_NE(e.message.find("/nonexistent/p11.so"), std::string::npos) << e.message;
  setenv("SIGNET_PKCS11_MODULE", "/nonexistent/env.so", 1);
  const Error from_env = load_error(kEc, ec_cert());
  EXPECT_EQ(from_env.code, Errc::kKeyUnavailable);
  EXPECT_NE(from_env.message.find("SIGNET_PKCS11_MODULE"), std::string::npos) << from_env.message;
  EXPECT_EQ(load_error("pkcs11:object=signer-ec?module-name=no-such-module", ec_cert()).code,
            Errc::kKeyUnavailable);
}

TEST_F(SigningKeyTest, FileThatIsNotAModule) {
  const fs::path fake = dir() / "not-a-module.so";
  write_text(fake, "not an ELF file\n");
  const Error e = load_error(
      "pkcs11:token=signet-test;object=signer-ec?pin-value=123456&module-path=" + fake.string(),
      ec_cert());
  EXPECT_EQ(e.code, Errc::kKeyUnavailable);
  EXPECT_NE(e.message.find("cannot load PKCS#11 module"), std::string::npos) << e.message;
}

TEST_F(SigningKeyTest, ModuleFromEnvironmentAndUri) {
  setenv("SIGNET_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so", 1);
  auto from_env = SigningKey::load(kEc, ec_cert(), {});
  ASSERT_TRUE(from_env.has_value()) << from_env.error().describe();
  auto from_uri = SigningKey::load(
      "pkcs11:token=signet-test;object=signer-ec?module-path=/usr/lib/softhsm/libsofthsm2.so&"
      "pin-value=123456",
      ec_cert(), {});
  ASSERT_TRUE(from_uri.has_value()) << from_uri.error().describe();
  EXPECT_TRUE(signs_and_verifies(*from_uri));
}

TEST_F(SigningKeyTest, MalformedUriIsAUsageError) {
  for (const char* bad : {"pkcs11:token=signet-test;object=signer-ec;object=x", "pkcs11:token=a%zz",
                          "pkcs11:tokn=a", "pkcs11:token=a b"}) {
    EXPECT_EQ(load_error(bad, ec_cert()).code, Errc::kUsage) << bad;
  }
}

TEST_F(SigningKeyTest, NotAKeyReference) {
  for (const char* bad : {"", "/tmp/key.pem", "pkcs12:token=a", "FILE:/x", "engine:pkcs11"}) {
    const Error e = load_error(bad, ec_cert());
    EXPECT_EQ(e.code, Errc::kUsage) << bad;
    EXPECT_NE(e.message.find("must start with pkcs11: or file:"), std::string::npos) << e.message;
  }
}

TEST_F(SigningKeyTest, NoPinAnywhere) {
  const Error e = load_error("pkcs11:token=signet-test;object=signer-ec", ec_cert());
  EXPECT_EQ(e.code, Errc::kKeyUnavailable);
  EXPECT_NE(e.message.find("no PIN: set pin-source in the URI or SIGNET_PKCS11_PIN"),
            std::string::npos)
      << e.message;
}

TEST_F(SigningKeyTest, PinFromEnvironment) {
  setenv("SIGNET_PKCS11_PIN", "123456", 1);
  auto key = SigningKey::load("pkcs11:token=signet-test;object=signer-ec", ec_cert(), {});
  ASSERT_TRUE(key.has_value()) << key.error().describe();
  EXPECT_TRUE(signs_and_verifies(*key));
}

TEST_F(SigningKeyTest, PinFromPinSourceFile) {
  const fs::path pin = dir() / "user.pin";
  write_text(pin, "123456\n");
  setenv("SIGNET_PKCS11_PIN", "000000", 1);  // the URI wins over the environment
  for (const std::string& source :
       {pin.string(), "file:" + pin.string(), "file://" + pin.string()}) {
    auto key = SigningKey::load("pkcs11:token=signet-test;object=signer-ec?pin-source=" + source,
                                ec_cert(), {});
    ASSERT_TRUE(key.has_value()) << source << ": " << key.error().describe();
  }
  const fs::path crlf = dir() / "crlf.pin";
  write_text(crlf, "123456\r\nsecond line\n");
  EXPECT_TRUE(SigningKey::load(
      "pkcs11:token=signet-test;object=signer-ec?pin-source=" + crlf.string(), ec_cert(), {}));
}

TEST_F(SigningKeyTest, BadPinSource) {
  const fs::path empty = dir() / "empty.pin";
  write_text(empty, "\n");
  EXPECT_EQ(load_error("pkcs11:token=signet-test;object=signer-ec?pin-source=" + empty.string(),
                       ec_cert())
                .code,
            Errc::kKeyUnavailable);
  const Error missing = load_error(
      "pkcs11:token=signet-test;object=signer-ec?pin-source=file:/nonexistent/pin", ec_cert());
  EXPECT_EQ(missing.code, Errc::kKeyUnavailable);
  EXPECT_NE(missing.message.find("/nonexistent/pin"), std::string::npos) << missing.message;
  EXPECT_EQ(load_error("pkcs11:object=signer-ec?pin-source=" + dir().string(), ec_cert()).code,
            Errc::kKeyUnavailable);
  EXPECT_EQ(load_error("pkcs11:object=signer-ec?pin-source=https://x/pin", ec_cert()).code,
            Errc::kUsage);
}

TEST_F(SigningKeyTest, TokenKeyCertificateMismatch) {
  const Error e =
      load_error("pkcs11:token=signet-test;object=signer2-ec?pin-value=123456", ec_cert());
  EXPECT_EQ(e.code, Errc::kKeyUnavailable);
  EXPECT_NE(e.message.find("key does not match certificate CN=signer-ec"), std::string::npos)
      << e.message;
  EXPECT_EQ(load_error(kRsa, ec_cert()).code, Errc::kKeyUnavailable);
  EXPECT_EQ(load_error(kEc, rsa_cert()).code, Errc::kKeyUnavailable);
  EXPECT_EQ(load_error(kEc, ec2_cert()).code, Errc::kKeyUnavailable);
}

TEST_F(SigningKeyTest, BrokenModuleConfigurationIsAnError) {
  // SoftHSM2's C_Initialize fails without its configuration: libp11 cannot load the module.
  const std::string conf = getenv("SOFTHSM2_CONF");
  setenv("SOFTHSM2_CONF", (dir() / "missing.conf").c_str(), 1);
  const Error e = load_error(kEc, ec_cert());
  setenv("SOFTHSM2_CONF", conf.c_str(), 1);
  EXPECT_EQ(e.code, Errc::kKeyUnavailable);
  EXPECT_NE(e.message.find("cannot load PKCS#11 module"), std::string::npos) << e.message;
  auto key = SigningKey::load(kEc, ec_cert(), {});
  ASSERT_TRUE(key.has_value()) << key.error().describe();
}

TEST_F(SigningKeyTest, NoInitializedToken) {
  const fs::path empty = dir() / "empty-store";
  fs::create_directories(empty / "tokens");
  write_text(empty / "softhsm2.conf", "directories.tokendir = " + (empty / "tokens").string() +
                                          "\nobjectstore.backend = file\nlog.level = ERROR\n");
  const std::string conf = getenv("SOFTHSM2_CONF");
  setenv("SOFTHSM2_CONF", (empty / "softhsm2.conf").c_str(), 1);
  const Error e = load_error(kEc, ec_cert());
  setenv("SOFTHSM2_CONF", conf.c_str(), 1);
  EXPECT_EQ(e.code, Errc::kKeyUnavailable);
  EXPECT_NE(e.message.find("tokens present: none"), std::string::npos) << e.message;
}

TEST_F(SigningKeyTest, ConcurrentLoadsAndSignatures) {
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&good, t] {
      for (int i = 0; i < 3; ++i) {
        auto key =
            SigningKey::load(t % 2 == 0 ? kEc : kRsa, t % 2 == 0 ? ec_cert() : rsa_cert(), {});
        if (key && signs_and_verifies(*key)) ++good;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(good.load(), 12);
}

// --- file: keys -------------------------------------------------------------------------------

TEST_F(SigningKeyTest, PlainFileKeyWorksAndWarnsOnce) {
  EvpPkeyPtr ec = make_ec_key();
  const Certificate cert = make_cert(ec.get(), ec.get(), "file-signer");
  const fs::path path = dir() / "plain.pem";
  write_text(path, to_pem(ec.get(), nullptr));
  ::testing::internal::CaptureStderr();
  auto key = SigningKey::load("file:" + path.string(), cert, {});
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(key.has_value()) << key.error().describe();
  EXPECT_FALSE(key->from_token());
  EXPECT_TRUE(signs_and_verifies(*key));
  EXPECT_TRUE(cms_signs_and_verifies(*key));
  EXPECT_EQ(err, "signet: warning: using a private key from a plain file (file:" + path.string() +
                     ") — development only; use a pkcs11: key in production\n");
}

TEST_F(SigningKeyTest, EncryptedFileKeyNeedsThePassphrase) {
  EvpPkeyPtr ec = make_ec_key();
  const Certificate cert = make_cert(ec.get(), ec.get(), "file-signer");
  const fs::path path = dir() / "encrypted.pem";
  write_text(path, to_pem(ec.get(), "correct horse"));
  const std::string ref = "file:" + path.string();
  ::testing::internal::CaptureStderr();
  const Error none = load_error(ref, cert);
  EXPECT_EQ(none.code, Errc::kKeyUnavailable);
  EXPECT_NE(none.message.find("SIGNET_KEY_PASSPHRASE"), std::string::npos) << none.message;
  setenv("SIGNET_KEY_PASSPHRASE", "wrong horse", 1);
  EXPECT_EQ(load_error(ref, cert).code, Errc::kKeyUnavailable);
  setenv("SIGNET_KEY_PASSPHRASE", "correct horse", 1);
  auto key = SigningKey::load(ref, cert, {});
  ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(key.has_value()) << key.error().describe();
  EXPECT_TRUE(signs_and_verifies(*key));
}

TEST_F(SigningKeyTest, BadFileKeys) {
  EvpPkeyPtr ec = make_ec_key();
  const Certificate cert = make_cert(ec.get(), ec.get(), "file-signer");
  const fs::path garbage = dir() / "garbage.pem";
  write_text(garbage, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  const fs::path public_only = dir() / "public.pem";
  write_text(public_only, read_text(dir() / "signer-ec.pub.pem"));
  const fs::path empty = dir() / "empty.pem";
  write_text(empty, "");
  ::testing::internal::CaptureStderr();
  const Error missing = load_error("file:/nonexistent/key.pem", cert);
  EXPECT_EQ(missing.code, Errc::kKeyUnavailable);
  EXPECT_NE(missing.message.find("/nonexistent/key.pem"), std::string::npos) << missing.message;
  for (const fs::path& p : {garbage, public_only, empty, dir()}) {
    EXPECT_EQ(load_error("file:" + p.string(), cert).code, Errc::kKeyUnavailable) << p;
  }
  EXPECT_EQ(load_error("file:", cert).code, Errc::kUsage);
  ::testing::internal::GetCapturedStderr();
}

TEST_F(SigningKeyTest, FileKeyCertificateMismatch) {
  EvpPkeyPtr ec = make_ec_key();
  EvpPkeyPtr other = make_ec_key();
  const Certificate cert = make_cert(other.get(), ec.get(), "someone-else");
  const fs::path path = dir() / "mismatch.pem";
  write_text(path, to_pem(ec.get(), nullptr));
  ::testing::internal::CaptureStderr();
  const Error e = load_error("file:" + path.string(), cert);
  ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(e.code, Errc::kKeyUnavailable);
  EXPECT_NE(e.message.find("key does not match certificate CN=someone-else"), std::string::npos)
      << e.message;
}

}  // namespace
}  // namespace signet::crypto
