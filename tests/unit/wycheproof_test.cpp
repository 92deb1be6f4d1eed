// The signature primitive against every case of the Wycheproof files in ../shared/data/wycheproof:
// every "valid" case verifies, every "invalid" case fails. "acceptable" cases (legacy encodings)
// should be rejected; how many are accepted is logged, not failed.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "crypto/signature_verify.hpp"

namespace signet::crypto {
namespace {

using nlohmann::json;

json load(const std::string& name) {
  const std::string path = std::string(SIGNET_SHARED_DATA) + "/wycheproof/" + name;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return json::parse(in, nullptr, /*allow_exceptions=*/false);
}

Bytes hex(const json& value) {
  const auto bytes = from_hex(value.get<std::string>());
  EXPECT_TRUE(bytes.has_value()) << value;
  return bytes.value_or(Bytes{});
}

std::optional<DigestAlgorithm> wycheproof_digest(const json& group, const char* key) {
  if (!group.contains(key)) return std::nullopt;
  const std::string sha = group[key].get<std::string>();
  if (sha == "SHA-256") return DigestAlgorithm::kSha256;
  if (sha == "SHA-384") return DigestAlgorithm::kSha384;
  if (sha == "SHA-512") return DigestAlgorithm::kSha512;
  return std::nullopt;
}

struct Tally {
  int processed = 0;
  int acceptable_total = 0;
  int acceptable_accepted = 0;
};

void run_file(const std::string& name, SignatureScheme scheme) {
  const json doc = load(name);
  ASSERT_FALSE(doc.is_discarded()) << name << " is not JSON";
  Tally tally;
  for (const json& group : doc.at("testGroups")) {
    SignatureParams params{.scheme = scheme};
    if (scheme != SignatureScheme::kEd25519) {
      const auto md = wycheproof_digest(group, "sha");
      ASSERT_TRUE(md.has_value()) << name << ": unsupported sha " << group.value("sha", "");
      params.digest = *md;
    }
    if (scheme == SignatureScheme::kRsaPss) {
      ASSERT_EQ(group.at("mgf").get<std::string>(), "MGF1");
      ASSERT_EQ(wycheproof_digest(group, "mgfSha"), params.digest) << "MGF1 digest differs";
      params.pss_salt_length = group.at("sLen").get<int>();
    }
    auto key = public_key_from_der(hex(group.at("publicKeyDer")));
    ASSERT_TRUE(key.has_value()) << name << ": " << key.error().describe();
    // The PEM form must give the same key.
    auto pem_key = public_key_from_pem(group.at("publicKeyPem").get<std::string>());
    ASSERT_TRUE(pem_key.has_value());
    ASSERT_EQ(EVP_PKEY_eq(key->get(), pem_key->get()), 1);

    for (const json& test : group.at("tests")) {
      ++tally.processed;
      const Bytes msg = hex(test.at("msg"));
      const Bytes sig = hex(test.at("sig"));
      const std::string expected = test.at("result").get<std::string>();
      const Result<void> r = verify_signature(key->get(), params, msg, sig);
      const int id = test.at("tcId").get<int>();
      const std::string comment = test.value("comment", "");
      if (expected == "valid") {
        EXPECT_TRUE(r.has_value()) << name << " tcId " << id << " (" << comment
                                   << ") should verify: " << r.error().describe();
      } else if (expected == "invalid") {
        EXPECT_FALSE(r.has_value())
            << name << " tcId " << id << " (" << comment << ") must be rejected";
        if (!r) {
          EXPECT_EQ(r.error().code, Errc::kCrypto);
        }
      } else {
        ASSERT_EQ(expected, "acceptable");
        ++tally.acceptable_total;
        if (r) ++tally.acceptable_accepted;
      }
    }
  }
  EXPECT_EQ(tally.processed, doc.at("numberOfTests").get<int>()) << name;
  std::cout << "[ wycheproof ] " << name << ": " << tally.processed << " cases, "
            << tally.acceptable_accepted << " of " << tally.acceptable_total
            << " \"acceptable\" cases accepted\n";
}

TEST(Wycheproof, EcdsaP256Sha256Der) {
  run_file("ecdsa_secp256r1_sha256_test.json", SignatureScheme::kEcdsaDer);
}

TEST(Wycheproof, RsaPss2048Sha256Salt32) {
  run_file("rsa_pss_2048_sha256_mgf1_32_test.json", SignatureScheme::kRsaPss);
}

TEST(Wycheproof, RsaPss3072Sha256Salt32) {
  run_file("rsa_pss_3072_sha256_mgf1_32_test.json", SignatureScheme::kRsaPss);
}

TEST(Wycheproof, RsaPkcs1v15_2048Sha256) {
  run_file("rsa_signature_2048_sha256_test.json", SignatureScheme::kRsaPkcs1v15);
}

TEST(Wycheproof, Ed25519) { run_file("ed25519_test.json", SignatureScheme::kEd25519); }

TEST(SignatureVerify, KeyTypeMustMatchScheme) {
  const json doc = load("ed25519_test.json");
  ASSERT_FALSE(doc.is_discarded());
  const json& group = doc.at("testGroups").at(0);
  auto key = public_key_from_der(hex(group.at("publicKeyDer")));
  ASSERT_TRUE(key.has_value());
  const json& test = group.at("tests").at(0);
  const Result<void> r = verify_signature(key->get(), {.scheme = SignatureScheme::kEcdsaDer},
                                          hex(test.at("msg")), hex(test.at("sig")));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kCrypto);
  EXPECT_EQ(verify_signature(nullptr, {.scheme = SignatureScheme::kEd25519}, {}, {}).error().code,
            Errc::kUsage);
}

TEST(SignatureVerify, PublicKeyParsingIsStrict) {
  EXPECT_EQ(public_key_from_der({}).error().code, Errc::kMalformed);
  const json doc = load("ed25519_test.json");
  ASSERT_FALSE(doc.is_discarded());
  Bytes der = hex(doc.at("testGroups").at(0).at("publicKeyDer"));
  der.push_back(0);
  EXPECT_EQ(public_key_from_der(der).error().code, Errc::kMalformed);
  EXPECT_EQ(public_key_from_pem("not a key").error().code, Errc::kMalformed);
}

}  // namespace
}  // namespace signet::crypto
