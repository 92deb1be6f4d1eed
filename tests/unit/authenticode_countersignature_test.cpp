// Legacy Authenticode timestamps: a PKCS#9 countersignature (1.2.840.113549.1.9.6) added here, with
// a TSA key of an in-memory PKI, to an osslsigncode-signed PE (the fuzz seed), then read back by
// the Authenticode unit: valid, its time and signer found; altered, invalid.
#include <gtest/gtest.h>
#include <openssl/pkcs7.h>

#include <chrono>
#include <string>

#include "core/file_io.hpp"
#include "crypto/digest.hpp"
#include "crypto/ossl.hpp"
#include "formats/authenticode_pe.hpp"
#include "formats/pe_image.hpp"
#include "support/test_pki.hpp"

namespace signet::formats {
namespace {

using testing::KeyKind;

constexpr std::int64_t kSigningTime = 1'700'000'000;

Bytes seed_pe() {
  auto bytes = read_file_bytes(std::string(SIGNET_SOURCE_DIR) +
                               "/tests/fuzz/corpus/fuzz_authenticode/signed.efi");
  EXPECT_TRUE(bytes) << bytes.error().message;
  return bytes.value_or(Bytes{});
}

// The PE with its one SignedData replaced by `der` (the certificate table rebuilt).
Bytes with_signed_data(const Bytes& pe, const PeImage& image, const Bytes& der) {
  Bytes out(pe.begin(), pe.begin() + static_cast<long>(image.cert_table_offset));
  const std::size_t length = 8 + der.size();
  const std::size_t padded = (length + 7) & ~std::size_t{7};
  Bytes entry(padded, 0);
  for (int i = 0; i < 4; ++i) entry[i] = static_cast<std::uint8_t>(length >> (8 * i));
  entry[4] = 0x00;
  entry[5] = 0x02;
  entry[6] = 0x02;
  std::copy(der.begin(), der.end(), entry.begin() + 8);
  for (int i = 0; i < 4; ++i) {
    out[image.cert_dir_offset + 4 + i] = static_cast<std::uint8_t>(padded >> (8 * i));
  }
  out.insert(out.end(), entry.begin(), entry.end());
  return out;
}

// Adds a countersignature by `tsa` over the SignerInfo's signature; `tamper` alters its
// messageDigest so that it no longer matches.
Bytes countersigned(const Bytes& signed_data, const testing::Issued& tsa, bool tamper) {
  const unsigned char* p = signed_data.data();
  crypto::Pkcs7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(signed_data.size())));
  EXPECT_TRUE(p7);
  PKCS7_SIGNER_INFO* si = sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(p7.get()), 0);
  const Bytes signature(si->enc_digest->data, si->enc_digest->data + si->enc_digest->length);

  crypto::Pkcs7SignerInfoPtr cs(PKCS7_SIGNER_INFO_new());
  EXPECT_EQ(PKCS7_SIGNER_INFO_set(cs.get(), tsa.cert.get(), tsa.key.get(), EVP_sha256()), 1);
  PKCS7_add_signed_attribute(cs.get(), NID_pkcs9_contentType, V_ASN1_OBJECT,
                             OBJ_nid2obj(NID_pkcs7_data));
  PKCS7_add_signed_attribute(cs.get(), NID_pkcs9_signingTime, V_ASN1_UTCTIME,
                             ASN1_UTCTIME_set(nullptr, kSigningTime));
  Bytes digest = crypto::digest_bytes(crypto::DigestAlgorithm::kSha256, signature);
  if (tamper) digest[0] ^= 0xFF;
  ASN1_OCTET_STRING* md = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(md, digest.data(), static_cast<int>(digest.size()));
  PKCS7_add_signed_attribute(cs.get(), NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, md);
  EXPECT_EQ(PKCS7_SIGNER_INFO_sign(cs.get()), 1);

  unsigned char* der = nullptr;
  const int len = i2d_PKCS7_SIGNER_INFO(cs.get(), &der);
  const crypto::OsslBytePtr owner(der);
  ASN1_STRING* value = ASN1_STRING_new();
  ASN1_STRING_set(value, der, len);
  EXPECT_EQ(PKCS7_add_attribute(si, NID_pkcs9_countersignature, V_ASN1_SEQUENCE, value), 1);
  EXPECT_EQ(PKCS7_add_certificate(p7.get(), tsa.cert.get()), 1);
  unsigned char* out = nullptr;
  const int out_len = i2d_PKCS7(p7.get(), &out);
  const crypto::OsslBytePtr out_owner(out);
  return Bytes(out, out + out_len);
}

class CountersignatureTest : public ::testing::Test {
 protected:
  CountersignatureTest()
      : root_(
            testing::issue({.subject = "CN=TSA Root", .is_ca = true}, KeyKind::kRsa2048, nullptr)),
        tsa_(testing::issue({.subject = "CN=Legacy TSA",
                             .ekus = std::vector<std::string>{"timeStamping"},
                             .eku_critical = true},
                            KeyKind::kRsa2048, &root_)) {}

  Bytes pe_with_countersignature(bool tamper) const {
    const Bytes pe = seed_pe();
    auto image = parse_pe_image(pe);
    EXPECT_TRUE(image) << image.error().message;
    const auto& entry = image->certificates.at(0).certificate;
    // bCertificate may carry zero padding after the DER.
    const unsigned char* p = entry.data();
    crypto::Pkcs7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(entry.size())));
    const Bytes der(entry.data(), p);
    return with_signed_data(pe, *image, countersigned(der, tsa_, tamper));
  }

  testing::Issued root_;
  testing::Issued tsa_;
};

TEST_F(CountersignatureTest, ValidCountersignatureIsRead) {
  const Bytes pe = pe_with_countersignature(false);
  auto evidence = parse_authenticode(pe);
  ASSERT_TRUE(evidence) << evidence.error().message;
  ASSERT_EQ(evidence->signers.size(), 1u);
  ASSERT_TRUE(evidence->covered.at(0).content_verified) << evidence->covered[0].detail;
  const auto& timestamps = evidence->signers[0].timestamps;
  ASSERT_EQ(timestamps.size(), 1u);
  ASSERT_TRUE(timestamps[0].countersignature);
  const auto& cs = *timestamps[0].countersignature;
  EXPECT_TRUE(cs.valid) << cs.error;
  EXPECT_EQ(cs.digest_algorithm, "sha256");
  ASSERT_TRUE(cs.signing_time);
  EXPECT_EQ(cs.signing_time->time_since_epoch().count(), kSigningTime);
  ASSERT_TRUE(cs.signer);
  EXPECT_EQ(cs.signer->subject(), "CN=Legacy TSA");
  // The outer signature is untouched by an unsigned attribute.
  EXPECT_TRUE(evidence->signers[0].problems.empty());
}

TEST_F(CountersignatureTest, AlteredCountersignatureIsInvalid) {
  auto evidence = parse_authenticode(pe_with_countersignature(true));
  ASSERT_TRUE(evidence);
  const auto& cs = evidence->signers.at(0).timestamps.at(0).countersignature;
  ASSERT_TRUE(cs);
  EXPECT_FALSE(cs->valid);
  EXPECT_NE(cs->error.find("messageDigest"), std::string::npos) << cs->error;
}

}  // namespace
}  // namespace signet::formats
