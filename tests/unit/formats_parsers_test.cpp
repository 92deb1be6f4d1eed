// The third-party format parsers on crafted input: lying length fields, truncation at every
// length, wrong magic. Each must return an error or evidence, never read past its input (ASan
// checks that in the sanitizer run).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/base64.hpp"
#include "core/raw_public_key.hpp"
#include "formats/authenticode_pe.hpp"
#include "formats/detached_cms.hpp"
#include "formats/detect.hpp"
#include "formats/dm_verity.hpp"
#include "formats/kmod_signature.hpp"
#include "formats/minisign.hpp"
#include "formats/pe_image.hpp"
#include "formats/rauc_bundle.hpp"

namespace signet::formats {
namespace {

void put16(Bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v);
  b[at + 1] = static_cast<std::uint8_t>(v >> 8);
}
void put32(Bytes& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

constexpr std::size_t kPe = 64;            // e_lfanew
constexpr std::size_t kOpt = kPe + 24;     // optional header
constexpr std::size_t kDirs = kOpt + 112;  // PE32+ data directories
constexpr std::size_t kCertDir = kDirs + 32;
constexpr std::size_t kHeaders = kOpt + 240;

// A minimal PE32+ image: headers, 1000 bytes of "code", optionally a certificate table.
Bytes make_pe(const Bytes& cert_table = {}) {
  Bytes b(kHeaders + 1000, 0x11);
  for (std::size_t i = 0; i < kHeaders; ++i) b[i] = 0;
  b[0] = 'M';
  b[1] = 'Z';
  put32(b, 0x3c, kPe);
  b[kPe] = 'P';
  b[kPe + 1] = 'E';
  put16(b, kPe + 4, 0x8664);
  put16(b, kPe + 4 + 16, 240);  // SizeOfOptionalHeader
  put16(b, kOpt, 0x20b);
  put16(b, kOpt + 68, 10);   // EFI application
  put32(b, kOpt + 108, 16);  // NumberOfRvaAndSizes
  if (!cert_table.empty()) {
    while (b.size() % 8 != 0) b.push_back(0);
    put32(b, kCertDir, static_cast<std::uint32_t>(b.size()));
    put32(b, kCertDir + 4, static_cast<std::uint32_t>(cert_table.size()));
    b.insert(b.end(), cert_table.begin(), cert_table.end());
  }
  return b;
}

Bytes win_certificate(std::uint32_t length, std::size_t body) {
  Bytes c(8 + body, 0x30);
  put32(c, 0, length);
  put16(c, 4, 0x0200);
  put16(c, 6, 0x0002);
  return c;
}

TEST(PeImageTest, UnsignedImageHasNoSigners) {
  const Bytes pe = make_pe();
  auto evidence = parse_authenticode(pe);
  ASSERT_TRUE(evidence) << evidence.error().message;
  EXPECT_TRUE(evidence->signers.empty());
  EXPECT_EQ(detect_embedded(pe), Format::kAuthenticode);
}

TEST(PeImageTest, DigestExcludesChecksumAndCertificateEntry) {
  Bytes pe = make_pe(win_certificate(16, 8));
  auto image = parse_pe_image(pe);
  ASSERT_TRUE(image) << image.error().message;
  const Bytes digest = authenticode_image_digest(pe, *image, "sha256");
  ASSERT_EQ(digest.size(), 32u);
  Bytes changed = pe;
  changed[kOpt + 64] ^= 0xFF;  // checksum
  EXPECT_EQ(authenticode_image_digest(changed, *image, "sha256"), digest);
  changed = pe;
  changed[pe.size() - 1] ^= 0xFF;  // inside the certificate table
  EXPECT_EQ(authenticode_image_digest(changed, *image, "sha256"), digest);
  changed = pe;
  changed[kHeaders + 10] ^= 0xFF;  // code
  EXPECT_NE(authenticode_image_digest(changed, *image, "sha256"), digest);
  changed = pe;
  changed[kCertDir - 1] ^= 0xFF;  // the directory entry before the certificate table's
  EXPECT_NE(authenticode_image_digest(changed, *image, "sha256"), digest);
  EXPECT_TRUE(authenticode_image_digest(pe, *image, "no-such-digest").empty());
}

TEST(PeImageTest, LyingHeadersAreMalformed) {
  Bytes pe = make_pe();
  put32(pe, 0x3c, 0xFFFFFFF0);  // e_lfanew past the end
  EXPECT_FALSE(looks_like_pe(pe));
  EXPECT_FALSE(parse_pe_image(pe));

  pe = make_pe();
  put16(pe, kPe + 4 + 16, 0xFFFF);  // optional header larger than the file
  EXPECT_EQ(parse_pe_image(pe).error().code, Errc::kMalformed);

  pe = make_pe();
  put32(pe, kOpt + 108, 0x7FFFFFFF);  // more data directories than fit
  EXPECT_EQ(parse_pe_image(pe).error().code, Errc::kMalformed);

  pe = make_pe();
  put16(pe, kOpt, 0x1234);  // unknown magic
  EXPECT_EQ(parse_pe_image(pe).error().code, Errc::kMalformed);

  pe = make_pe(win_certificate(16, 8));
  put32(pe, kCertDir + 4, 0xFFFFFFF0);  // certificate table larger than the file
  EXPECT_EQ(parse_pe_image(pe).error().code, Errc::kMalformed);

  pe = make_pe(win_certificate(16, 8));
  put32(pe, kCertDir, 0xFFFFFFF8);  // certificate table offset past the end
  EXPECT_EQ(parse_pe_image(pe).error().code, Errc::kMalformed);

  pe = make_pe(win_certificate(0x7FFFFFFF, 8));  // WIN_CERTIFICATE longer than the table
  EXPECT_NE(parse_pe_image(pe).error().message.find("WIN_CERTIFICATE"), std::string::npos);

  pe = make_pe(win_certificate(4, 8));  // shorter than its own header
  EXPECT_EQ(parse_pe_image(pe).error().code, Errc::kMalformed);

  pe = make_pe(win_certificate(16, 8));
  pe.push_back(0);  // a byte after the certificate table would not be covered
  EXPECT_NE(parse_pe_image(pe).error().message.find("follow the certificate table"),
            std::string::npos);
}

TEST(PeImageTest, GarbageSignedDataIsAFindingNotACrash) {
  const Bytes pe = make_pe(win_certificate(48, 40));
  auto evidence = parse_authenticode(pe);
  ASSERT_TRUE(evidence);
  EXPECT_TRUE(evidence->signers.empty());
  ASSERT_FALSE(evidence->problems.empty());
  EXPECT_EQ(evidence->problems[0].code, ReasonCode::kMalformed);
  ASSERT_EQ(evidence->covered.size(), 1u);
  EXPECT_FALSE(evidence->covered[0].content_verified);
}

TEST(PeImageTest, EveryTruncationIsHandled) {
  const Bytes pe = make_pe(win_certificate(48, 40));
  for (std::size_t n = 0; n <= pe.size(); ++n) {
    const Bytes cut(pe.begin(), pe.begin() + static_cast<long>(n));
    auto evidence = parse_authenticode(cut);
    if (evidence) {
      EXPECT_TRUE(evidence->signers.empty()) << n;
    }
  }
}

// --- kernel modules ------------------------------------------------------------------------------

Bytes module_with(std::uint32_t sig_len, std::size_t actual_sig, std::uint8_t id_type = 2) {
  Bytes m(100, 0x7F);
  m.insert(m.end(), actual_sig, 0x30);
  const Bytes header{0,
                     0,
                     id_type,
                     0,
                     0,
                     0,
                     0,
                     0,
                     static_cast<std::uint8_t>(sig_len >> 24),
                     static_cast<std::uint8_t>(sig_len >> 16),
                     static_cast<std::uint8_t>(sig_len >> 8),
                     static_cast<std::uint8_t>(sig_len)};
  m.insert(m.end(), header.begin(), header.end());
  const std::string marker = "~Module signature appended~\n";
  m.insert(m.end(), marker.begin(), marker.end());
  return m;
}

TEST(KmodSignatureTest, LyingHeaders) {
  EXPECT_EQ(parse_kmod_signature(module_with(0xFFFFFFFF, 10)).error().code, Errc::kMalformed);
  EXPECT_EQ(parse_kmod_signature(module_with(0, 10)).error().code, Errc::kMalformed);
  EXPECT_EQ(parse_kmod_signature(module_with(10, 10, 1)).error().code, Errc::kMalformed);
  // A plausible length over garbage: the CMS parser refuses it.
  EXPECT_EQ(parse_kmod_signature(module_with(10, 10)).error().code, Errc::kMalformed);
  // Only the marker, no room for a header.
  const std::string marker = "~Module signature appended~\n";
  const Bytes only(marker.begin(), marker.end());
  EXPECT_EQ(parse_kmod_signature(only).error().code, Errc::kMalformed);
  // No marker: unsigned, evidence without signers.
  auto unsigned_module = parse_kmod_signature(Bytes(64, 1));
  ASSERT_TRUE(unsigned_module);
  EXPECT_TRUE(unsigned_module->signers.empty());
}

// --- RAUC ----------------------------------------------------------------------------------------

Bytes bundle_with(std::uint64_t cms_size, std::size_t payload) {
  Bytes b{'h', 's', 'q', 's'};
  b.resize(payload, 0);
  for (int i = 7; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(cms_size >> (8 * i)));
  return b;
}

TEST(RaucBundleTest, LyingSizeField) {
  EXPECT_FALSE(looks_like_rauc_bundle(bundle_with(~std::uint64_t{0}, 64)));
  EXPECT_FALSE(looks_like_rauc_bundle(bundle_with(61, 64)));  // would swallow the magic
  EXPECT_FALSE(looks_like_rauc_bundle(bundle_with(0, 64)));
  EXPECT_EQ(parse_rauc_bundle(bundle_with(~std::uint64_t{0}, 64)).error().code, Errc::kMalformed);
  EXPECT_EQ(parse_rauc_bundle(bundle_with(40, 64)).error().code, Errc::kMalformed);  // not CMS
  for (std::size_t n = 0; n < 20; ++n) {
    EXPECT_FALSE(parse_rauc_bundle(Bytes(n, 'h'))) << n;
  }
}

TEST(DmVerityTest, TreeSizes) {
  const Bytes salt{1, 2, 3};
  EXPECT_EQ(compute_verity_tree(Bytes(kVerityBlockSize, 0), salt).tree_size, kVerityBlockSize);
  // 129 data blocks: two level-0 hash blocks and one above them.
  const auto tree = compute_verity_tree(Bytes(129 * kVerityBlockSize, 7), salt);
  EXPECT_EQ(tree.tree_size, 3 * kVerityBlockSize);
  EXPECT_EQ(tree.root_hash.size(), 32u);
  EXPECT_NE(compute_verity_tree(Bytes(129 * kVerityBlockSize, 7), Bytes{9}).root_hash,
            tree.root_hash);
}

// --- minisign / signify -------------------------------------------------------------------------

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

std::string b64(const Bytes& b) { return base64_encode(b); }

TEST(MinisignTest, MalformedSignatures) {
  const Bytes content = text("test");
  Bytes sig{'E', 'd'};
  sig.resize(74, 1);
  const std::string good_line = b64(sig);
  const std::string global = b64(Bytes(64, 2));
  auto parse = [&](const std::string& s) { return parse_minisign(text(s), content); };
  EXPECT_TRUE(
      parse("untrusted comment: x\n" + good_line + "\ntrusted comment: t\n" + global + "\n"));
  EXPECT_FALSE(parse("untrusted comment: x\n" + good_line + "\ntrusted comment: t\n"));
  EXPECT_FALSE(parse("nope\n" + good_line + "\ntrusted comment: t\n" + global + "\n"));
  EXPECT_FALSE(parse("untrusted comment: x\n" + good_line + "\nnot trusted: t\n" + global + "\n"));
  EXPECT_FALSE(parse("untrusted comment: x\n" + good_line.substr(4) + "\ntrusted comment: t\n" +
                     global + "\n"));
  EXPECT_FALSE(parse("untrusted comment: x\n" + good_line + "\ntrusted comment: t\n" +
                     b64(Bytes(63, 2)) + "\n"));
  Bytes other = sig;
  other[1] = 'X';  // unknown algorithm
  EXPECT_FALSE(parse("untrusted comment: x\n" + b64(other) + "\ntrusted comment: t\n" + global));
  EXPECT_FALSE(parse(std::string(70000, 'a')));
  // The check fails closed with a key that does not match.
  auto evidence = parse("untrusted comment: x\n" + good_line + "\ntrusted comment: t\n" + global);
  ASSERT_TRUE(evidence);
  ASSERT_TRUE(evidence->signers[0].key_reference);
  EXPECT_FALSE(evidence->signers[0].key_reference->check_raw_key(Bytes(32, 5)));
  EXPECT_FALSE(evidence->signers[0].key_reference->check_raw_key(Bytes(3, 5)));
}

TEST(SignifyTest, MalformedSignatures) {
  const Bytes content = text("data");
  Bytes sig{'E', 'd'};
  sig.resize(74, 1);
  EXPECT_TRUE(parse_signify(text("untrusted comment: k\n" + b64(sig) + "\n"), content));
  EXPECT_FALSE(parse_signify(text("untrusted comment: k\n" + b64(sig) + "\nembedded\n"), content));
  sig[0] = 'X';
  EXPECT_FALSE(parse_signify(text("untrusted comment: k\n" + b64(sig) + "\n"), content));
  EXPECT_FALSE(parse_signify(text("untrusted comment: k\n"), content));
  EXPECT_FALSE(parse_signify(text(""), content));
}

TEST(RawPublicKeyTest, ParsesMinisignKeyLines) {
  const auto key = parse_raw_public_key("RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3");
  ASSERT_TRUE(key);
  EXPECT_EQ(key_id_text(key->key_id), "E7620F1842B4E81F");
  EXPECT_EQ(key->public_key.size(), 32u);
  EXPECT_FALSE(parse_raw_public_key("RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO"));
  EXPECT_FALSE(parse_raw_public_key(""));
}

TEST(Base64Test, StrictDecoding) {
  EXPECT_EQ(base64_decode("aGk="), text("hi"));
  EXPECT_EQ(base64_decode(""), Bytes{});
  EXPECT_FALSE(base64_decode("aGk"));   // length
  EXPECT_FALSE(base64_decode("aG=k"));  // padding inside
  EXPECT_FALSE(base64_decode("aGl="));  // non-zero unused bits
  EXPECT_FALSE(base64_decode("aGk=aGk="));
  EXPECT_FALSE(base64_decode("a\nk="));
  EXPECT_EQ(base64_decode_lines("aG\nk=\n"), text("hi"));
  EXPECT_EQ(base64_encode(text("hi!x")), "aGkheA==");
}

TEST(DetachedCmsTest, PemAndGarbage) {
  EXPECT_FALSE(cms_der_from_der_or_pem(text("-----BEGIN PKCS7-----\n!!!\n-----END PKCS7-----")));
  EXPECT_FALSE(cms_der_from_der_or_pem(
      text("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----")));
  EXPECT_EQ(*cms_der_from_der_or_pem(text("-----BEGIN CMS-----\nAAEC\n-----END CMS-----\n")),
            (Bytes{0, 1, 2}));
  EXPECT_EQ(parse_detached_cms(text("garbage"), text("x")).error().code, Errc::kMalformed);
  EXPECT_FALSE(detect_signature_file(text("garbage")));
}

}  // namespace
}  // namespace signet::formats
