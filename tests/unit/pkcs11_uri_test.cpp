// RFC 7512 pkcs11: URI parsing: what is accepted, and that everything odd is a usage error.
#include <gtest/gtest.h>

#include <string>

#include "crypto/pkcs11_key.hpp"

namespace signet::crypto {
namespace {

Pkcs11Uri parse_ok(std::string_view text, SecretBuffer* pin = nullptr) {
  auto uri = parse_pkcs11_uri(text, pin);
  EXPECT_TRUE(uri.has_value()) << text << ": " << (uri ? "" : uri.error().describe());
  return uri.value_or(Pkcs11Uri{});
}

Error parse_error(std::string_view text) {
  SecretBuffer pin;
  auto uri = parse_pkcs11_uri(text, &pin);
  EXPECT_FALSE(uri.has_value()) << text << " parsed";
  EXPECT_TRUE(pin.empty());
  return uri ? Error{Errc::kInternal, "parsed"} : uri.error();
}

TEST(Pkcs11Uri, TokenObjectAndPinValue) {
  SecretBuffer pin;
  const auto uri = parse_ok("pkcs11:token=signet-test;object=signer-ec?pin-value=123456", &pin);
  EXPECT_EQ(uri.token, "signet-test");
  EXPECT_EQ(uri.object, "signer-ec");
  EXPECT_TRUE(uri.has_pin_value);
  EXPECT_TRUE(pin.equals("123456"));
  EXPECT_FALSE(uri.id.has_value());
  EXPECT_FALSE(uri.module_path.has_value());
}

TEST(Pkcs11Uri, AllPathAttributes) {
  const auto uri = parse_ok(
      "pkcs11:token=T;manufacturer=M;serial=0123;model=SoftHSM%20v2;library-manufacturer=LM;"
      "library-description=LD;library-version=2.6;object=O;type=private;id=%01%02%ff;"
      "slot-description=SD;slot-manufacturer=SM;slot-id=42");
  EXPECT_EQ(uri.token, "T");
  EXPECT_EQ(uri.manufacturer, "M");
  EXPECT_EQ(uri.serial, "0123");
  EXPECT_EQ(uri.model, "SoftHSM v2");
  EXPECT_EQ(uri.library_manufacturer, "LM");
  EXPECT_EQ(uri.library_description, "LD");
  EXPECT_EQ(uri.library_version, "2.6");
  EXPECT_EQ(uri.object, "O");
  EXPECT_EQ(uri.type, "private");
  EXPECT_EQ(uri.id, (Bytes{0x01, 0x02, 0xff}));
  EXPECT_EQ(uri.slot_description, "SD");
  EXPECT_EQ(uri.slot_manufacturer, "SM");
  EXPECT_EQ(uri.slot_id, 42ul);
}

TEST(Pkcs11Uri, QueryAttributes) {
  const auto uri = parse_ok(
      "pkcs11:object=k?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin");
  EXPECT_EQ(uri.module_path, "/usr/lib/softhsm/libsofthsm2.so");
  EXPECT_EQ(uri.pin_source, "file:/run/pin");
  EXPECT_FALSE(uri.has_pin_value);
  EXPECT_EQ(parse_ok("pkcs11:?module-name=softhsm2").module_name, "softhsm2");
}

TEST(Pkcs11Uri, PercentEncodedLabelsWithSpacesAndReservedCharacters) {
  const auto uri = parse_ok("pkcs11:token=Plant%20Signing%20Token;object=a%3Bb%3Fc%25d%2Fe");
  EXPECT_EQ(uri.token, "Plant Signing Token");
  EXPECT_EQ(uri.object, "a;b?c%d/e");
  EXPECT_EQ(parse_ok("pkcs11:object=%e2%82%ac").object, "\xe2\x82\xac");  // UTF-8 euro sign
}

TEST(Pkcs11Uri, ReservedCharactersAllowedUnencoded) {
  EXPECT_EQ(parse_ok("pkcs11:object=a:b@c!$'()*+,=d&e").object, "a:b@c!$'()*+,=d&e");
  EXPECT_EQ(parse_ok("pkcs11:?pin-source=/a/b?c|d").pin_source, "/a/b?c|d");
}

TEST(Pkcs11Uri, IdIsDecodedToBytesIncludingNul) {
  EXPECT_EQ(parse_ok("pkcs11:id=%00%FFab").id, (Bytes{0x00, 0xff, 'a', 'b'}));
  EXPECT_EQ(parse_ok("pkcs11:id=").id, Bytes{});
}

TEST(Pkcs11Uri, SchemeIsCaseInsensitive) {
  EXPECT_EQ(parse_ok("PKCS11:token=a").token, "a");
  EXPECT_EQ(parse_ok("Pkcs11:token=a").token, "a");
}

TEST(Pkcs11Uri, EmptyPathAndEmptyValues) {
  const auto all = parse_ok("pkcs11:");
  EXPECT_FALSE(all.token || all.object || all.id || all.module_path);
  EXPECT_EQ(parse_ok("pkcs11:token=").token, "");
  SecretBuffer pin;
  const auto empty_pin = parse_ok("pkcs11:token=a?pin-value=", &pin);
  EXPECT_TRUE(empty_pin.has_pin_value);
  EXPECT_TRUE(pin.empty());
}

TEST(Pkcs11Uri, VendorAttributesAreIgnored) {
  const auto uri = parse_ok("pkcs11:x-vendor=1;token=a?x-other=%20&pin-value=1");
  EXPECT_EQ(uri.token, "a");
}

TEST(Pkcs11Uri, PinValueStaysOutOfTheStruct) {
  const auto uri = parse_ok("pkcs11:token=a?pin-value=s3cr%65t");
  EXPECT_TRUE(uri.has_pin_value);
  SecretBuffer pin;
  ASSERT_TRUE(parse_pkcs11_uri("pkcs11:token=a?pin-value=s3cr%65t", &pin));
  EXPECT_TRUE(pin.equals("s3cret"));
}

TEST(Pkcs11Uri, NotPkcs11) {
  EXPECT_EQ(parse_error("").code, Errc::kUsage);
  EXPECT_EQ(parse_error("pkcs11").code, Errc::kUsage);
  EXPECT_EQ(parse_error("file:/tmp/key.pem").code, Errc::kUsage);
  EXPECT_EQ(parse_error("pkcs12:token=a").code, Errc::kUsage);
  EXPECT_EQ(parse_error(" pkcs11:token=a").code, Errc::kUsage);
  EXPECT_NE(parse_error("http://x").message.find("pkcs11:"), std::string::npos);
}

TEST(Pkcs11Uri, MalformedPercentEscapes) {
  for (const char* bad : {"pkcs11:token=a%", "pkcs11:token=a%2", "pkcs11:token=%zz",
                          "pkcs11:token=%2g", "pkcs11:id=%0", "pkcs11:?pin-value=%"}) {
    const Error e = parse_error(bad);
    EXPECT_EQ(e.code, Errc::kUsage) << bad;
    EXPECT_NE(e.message.find("percent"), std::string::npos) << e.message;
  }
}

TEST(Pkcs11Uri, CharactersThatMustBeEncoded) {
  for (const char* bad :
       {"pkcs11:token=a b", "pkcs11:object=a/b", "pkcs11:object=a#b", "pkcs11:object=a\"b",
        "pkcs11:?pin-source=a;b", "pkcs11:object=\x01", "pkcs11:object=a\xc3\xa9"}) {
    EXPECT_EQ(parse_error(bad).code, Errc::kUsage) << bad;
  }
}

TEST(Pkcs11Uri, DuplicateAttributes) {
  for (const char* bad :
       {"pkcs11:token=a;token=b", "pkcs11:object=a;object=a",
        "pkcs11:token=a?pin-value=1&pin-value=2", "pkcs11:id=%01;id=%02", "pkcs11:x-a=1;x-a=2"}) {
    const Error e = parse_error(bad);
    EXPECT_EQ(e.code, Errc::kUsage) << bad;
    EXPECT_NE(e.message.find("duplicate"), std::string::npos) << e.message;
  }
}

TEST(Pkcs11Uri, UnknownAttributes) {
  for (const char* bad : {"pkcs11:tokn=a", "pkcs11:Token=a", "pkcs11:label=a",
                          "pkcs11:token=a?pin=1", "pkcs11:token=a?module=x"}) {
    const Error e = parse_error(bad);
    EXPECT_EQ(e.code, Errc::kUsage) << bad;
    EXPECT_NE(e.message.find("unknown"), std::string::npos) << e.message;
  }
}

TEST(Pkcs11Uri, PathAttributesInTheQueryAndViceVersa) {
  EXPECT_EQ(parse_error("pkcs11:?token=a").code, Errc::kUsage);
  EXPECT_EQ(parse_error("pkcs11:pin-value=1").code, Errc::kUsage);
  EXPECT_EQ(parse_error("pkcs11:module-path=/x").code, Errc::kUsage);
}

TEST(Pkcs11Uri, StructuralErrors) {
  for (const char* bad : {"pkcs11:token", "pkcs11:=a", "pkcs11:token=a;", "pkcs11:;token=a",
                          "pkcs11:token=a;;object=b", "pkcs11:token=a?", "pkcs11:?&pin-value=1",
                          "pkcs11:?pin-value=1&"}) {
    EXPECT_EQ(parse_error(bad).code, Errc::kUsage) << bad;
  }
}

TEST(Pkcs11Uri, BadValues) {
  for (const char* bad :
       {"pkcs11:type=secret", "pkcs11:type=", "pkcs11:slot-id=", "pkcs11:slot-id=12a",
        "pkcs11:slot-id=-1", "pkcs11:slot-id=99999999999999999999999", "pkcs11:library-version=x",
        "pkcs11:library-version=1.", "pkcs11:token=a%00b", "pkcs11:?module-path=",
        "pkcs11:?module-name=a/b", "pkcs11:?pin-source=", "pkcs11:?pin-value=1&pin-source=/f"}) {
    EXPECT_EQ(parse_error(bad).code, Errc::kUsage) << bad;
  }
}

TEST(Pkcs11Uri, ErrorsNeverEchoThePin) {
  for (const char* bad :
       {"pkcs11:token=a?pin-value=SECRETPIN%", "pkcs11:token=a?pin-value=SECRETPIN&bad=1",
        "pkcs11:token=a?pin-value=SECRET PIN"}) {
    const Error e = parse_error(bad);
    EXPECT_EQ(e.message.find("SECRET"), std::string::npos) << e.message;
  }
}

TEST(Pkcs11Uri, NullPinOutIsAllowed) {
  const auto uri = parse_pkcs11_uri("pkcs11:token=a?pin-value=1", nullptr);
  ASSERT_TRUE(uri.has_value());
  EXPECT_TRUE(uri->has_pin_value);
}

}  // namespace
}  // namespace signet::crypto
